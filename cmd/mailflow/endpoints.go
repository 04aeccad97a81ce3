package main

import (
	"fmt"
	"io"
	"net/netip"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/mailflow/mailflow/sim"
	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/topology"
)

// endpoints is the --endpoints-json contract (DESIGN.md).
type endpoints struct {
	// Net is the loopback /24 the hosts have their addresses in.
	Net      string         `json:"net"`
	CAFile   string         `json:"ca_file"`
	PortPlan string         `json:"port_plan"`
	DNS      dnsEndpoint    `json:"dns"`
	Hosts    []hostEndpoint `json:"hosts"`
	Users    []userEndpoint `json:"users"`
	// HTTP is the web view's URL, with --http.
	HTTP string `json:"http,omitempty"`
}

type dnsEndpoint struct {
	Address string `json:"address"`
	Port    int    `json:"port"`
}

type hostEndpoint struct {
	Name    string         `json:"name"`
	Domain  string         `json:"domain"`
	Address string         `json:"address"`
	MX      int            `json:"mx,omitempty"`
	Ports   map[string]int `json:"ports"`
}

type userEndpoint struct {
	Address  string `json:"address"`
	Password string `json:"password"`
	Host     string `json:"host"`
}

func endpointsOf(n *sim.Network, prefix netip.Prefix, caFile string) endpoints {
	if !prefix.Contains(n.Topology.DNSAddr) {
		prefix = netip.PrefixFrom(n.Topology.DNSAddr, 32) // every host shares one address
	}
	ep := endpoints{Net: prefix.String(), CAFile: caFile, PortPlan: map[sim.PortMode]string{sim.PortsEphemeral: "ephemeral",
		sim.PortsStandard: "standard", sim.PortsHigh: "high (standard + 10000)"}[n.PortPlan]}
	dns := n.DNSAddrPort()
	ep.DNS = dnsEndpoint{Address: dns.Addr().String(), Port: int(dns.Port())}
	for _, h := range n.Topology.Hosts {
		he := hostEndpoint{Name: h.Name, Domain: h.Domain.Name, Address: h.Addr.String(), MX: h.MX,
			Ports: map[string]int{}}
		for _, svc := range topology.AllMailServices {
			if p := n.Port(h.Name, svc); p != 0 {
				he.Ports[string(svc)] = p
			}
		}
		ep.Hosts = append(ep.Hosts, he)
	}
	for _, u := range n.Topology.Users {
		ep.Users = append(ep.Users, userEndpoint{Address: u.Address, Password: u.Password,
			Host: u.Domain.MailboxHost.Name})
	}
	return ep
}

func printEndpoints(w io.Writer, ep endpoints) {
	fmt.Fprintf(w, "Simulated internet on %s (port plan: %s)\n\n", ep.Net, ep.PortPlan)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "HOST\tADDRESS\tMX\tPORTS")
	fmt.Fprintf(tw, "dns\t%s\t\tdns %d\n", ep.DNS.Address, ep.DNS.Port)
	for _, h := range ep.Hosts {
		var ports []string
		for _, svc := range topology.AllMailServices {
			if p, ok := h.Ports[string(svc)]; ok {
				ports = append(ports, fmt.Sprintf("%s %d", svc, p))
			}
		}
		mx := ""
		if h.MX > 0 {
			mx = fmt.Sprint(h.MX)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", h.Name, h.Address, mx, strings.Join(ports, ", "))
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "USER\tPASSWORD\tMAILBOX HOST")
	for _, u := range ep.Users {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", u.Address, u.Password, u.Host)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nCA certificate: %s\n", ep.CAFile)
	if ep.HTTP != "" {
		fmt.Fprintf(w, "Web view and API: %s (API: %sapi/openapi.json)\n", ep.HTTP, ep.HTTP)
	}
	printExamples(w, ep)
}

// printExamples prints commands that work as printed against this network.
func printExamples(w io.Writer, ep endpoints) {
	if len(ep.Users) == 0 || len(ep.Hosts) == 0 {
		return
	}
	from := ep.Users[0]
	to := ep.Users[len(ep.Users)-1]
	var fromHost, toHost hostEndpoint
	for _, h := range ep.Hosts {
		if h.Name == from.Host {
			fromHost = h
		}
		if h.Name == to.Host {
			toHost = h
		}
	}
	toDomain := to.Address[strings.LastIndexByte(to.Address, '@')+1:]
	fmt.Fprintln(w, "\nTry it:")
	fmt.Fprintf(w, "  dig @%s -p %d %s MX\n", ep.DNS.Address, ep.DNS.Port, toDomain)
	if p, ok := fromHost.Ports["submission"]; ok {
		fmt.Fprintf(w, "  swaks --server %s --port %d --tls --auth PLAIN --auth-user %s --auth-password %s --from %s --to %s\n",
			fromHost.Address, p, from.Address, from.Password, from.Address, to.Address)
		fmt.Fprintf(w, "  printf 'Subject: hello\\r\\n\\r\\nhi\\r\\n' | curl -sS --url smtp://%s:%d --ssl-reqd --cacert %s --user %s:%s --mail-from %s --mail-rcpt %s --upload-file -\n",
			fromHost.Address, p, ep.CAFile, from.Address, from.Password, from.Address, to.Address)
		fmt.Fprintf(w, "  openssl s_client -connect %s:%d -starttls smtp -CAfile %s -verify_hostname %s\n",
			fromHost.Address, p, ep.CAFile, fromHost.Name)
	}
	if p, ok := fromHost.Ports["submissions"]; ok {
		fmt.Fprintf(w, "  openssl s_client -connect %s:%d -CAfile %s -verify_hostname %s\n",
			fromHost.Address, p, ep.CAFile, fromHost.Name)
	}
	if p, ok := toHost.Ports["imaps"]; ok {
		fmt.Fprintf(w, "  curl --cacert %s 'imaps://%s:%d/INBOX;UID=1' --user %s:%s\n",
			ep.CAFile, toHost.Address, p, to.Address, to.Password)
	}
	if p, ok := toHost.Ports["pop3s"]; ok {
		fmt.Fprintf(w, "  curl --cacert %s pop3s://%s:%d/1 --user %s:%s\n",
			ep.CAFile, toHost.Address, p, to.Address, to.Password)
	}
}

// switchSink forwards events to a sink set later, so that `up` prints the
// endpoints table before the live log while no event is lost.
type switchSink struct {
	mu      sync.Mutex
	target  event.Sink
	pending []event.Event
}

func (s *switchSink) Handle(e event.Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.target == nil {
		s.pending = append(s.pending, e)
		return
	}
	s.target.Handle(e)
}

func (s *switchSink) set(t event.Sink) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.target = t
	for _, e := range s.pending {
		t.Handle(e)
	}
	s.pending = nil
}
