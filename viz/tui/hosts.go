package tui

import (
	"cmp"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/mailflow/mailflow/sim/event"
)

// Host roles in the topology pane.
const (
	RoleMail   = "mail"
	RoleDNS    = "dns"
	RoleClient = "client"
)

// Service is one service a host runs: its well-known port, and the port it
// really listens on when that differs (ephemeral ports in a run).
type Service struct {
	Name string
	Port int
	Real int
}

// Host is one machine of the topology pane, with the badges the events
// earn it.
type Host struct {
	Name     string
	Role     string
	Addr     string
	Domain   string
	Services []Service
	// MX is the preference of the MX record naming this host, 0 if none.
	MX        int
	Mailboxes bool
	// Faults are the faults the scenario injects here, as short labels
	// ("RCPT 451", "cert expired"), and FaultHits how often one struck.
	Faults    []string
	FaultHits int
	// TLS is the last TLS a hop to this host negotiated ("TLS 1.3"), and
	// TLSError what was wrong with it.
	TLS, TLSError string
	// Refused is the last error reply this host gave ("550 5.1.1").
	Refused string
	// Queued counts the deliveries (message and recipient) this host has
	// put off and still holds in its queue.
	Queued int
	queued map[string]bool
}

// queue adds (on) or takes away a message's recipients from the host's
// queue; with no recipients, all of the message's.
func (h *Host) queue(msg string, rcpts []string, on bool) {
	if h.queued == nil {
		h.queued = map[string]bool{}
	}
	if len(rcpts) == 0 && on {
		rcpts = []string{""}
	}
	for _, r := range rcpts {
		key := msg + "|" + strings.ToLower(r)
		if on {
			h.queued[key] = true
		} else {
			delete(h.queued, key)
			delete(h.queued, msg+"|")
		}
	}
	if len(rcpts) == 0 {
		for k := range h.queued {
			if strings.HasPrefix(k, msg+"|") {
				delete(h.queued, k)
			}
		}
	}
	h.Queued = len(h.queued)
}

// host returns the named host, adding it when the events name one the model
// has not met; names that are not host names (a mail client, "-") give nil.
func (m *Model) host(name string) *Host {
	if h := m.hosts[name]; h != nil {
		return h
	}
	if !isHostName(name) {
		return nil
	}
	h := &Host{Name: name, Role: RoleMail}
	if name == "dns" {
		h.Role = RoleDNS
	}
	m.hosts[name] = h
	m.Hosts = append(m.Hosts, h)
	return h
}

func isHostName(s string) bool {
	if s == "dns" {
		return true
	}
	if s == "" || strings.ContainsAny(s, " '/:") || !strings.Contains(s, ".") {
		return false
	}
	_, err := netip.ParseAddr(s)
	return err != nil
}

// applyHosts learns hosts, addresses and services from e and gives out
// badges for TLS and failures.
func (m *Model) applyHosts(e event.Event) {
	switch e.Kind {
	case event.ServerListen:
		if h := m.host(e.Host); h != nil {
			if a, err := netip.ParseAddr(e.Peer); err == nil {
				h.Addr = a.String()
			}
			h.addService(e.Service, e.Port)
		}
	case event.SMTPConnect, event.RelayConnect:
		m.host(e.Host)
		if h := m.host(e.Peer); h != nil {
			h.addService(e.Service, e.Port)
		}
	case event.DNSQuery:
		m.host(e.Host)
		m.host(e.Peer)
	case event.DNSAnswer:
		for _, r := range e.Records {
			if r.Type == "A" || r.Type == "AAAA" {
				if h := m.host(strings.TrimSuffix(r.Name, ".")); h != nil && h.Addr == "" {
					h.Addr = r.Value
				}
			}
		}
	case event.SMTPTLS:
		// Told by the client side of a hop: the badge goes to the server.
		if h := m.host(e.Peer); h != nil && e.TLS != nil {
			h.TLS, h.TLSError = e.TLS.Version, ""
			if h.TLS == "" {
				h.TLS = "none"
			}
			if e.TLS.Problem != "" {
				h.TLSError = cmp.Or(e.Error, e.TLS.Problem)
			}
		}
	case event.SMTPReply:
		if e.Failed() {
			name := e.Host
			if clientSide(e) {
				name = e.Peer // the client got the refusal from its peer
			}
			if h := m.host(name); h != nil {
				h.Refused = statusLabel(e)
			}
		}
	case event.QueueDeferred:
		if h := m.host(e.Host); h != nil && e.Msg != "" {
			h.queue(e.Msg, e.To, true)
		}
	case event.RelayDone, event.QueueFailed, event.MessageDropped:
		// The host is done with these recipients: handed on, or given up.
		if h := m.hosts[e.Host]; h != nil && e.Msg != "" {
			h.queue(e.Msg, e.To, false)
		}
	case event.MailboxStore:
		// Filed: no queue holds it any more.
		rcpts := e.To
		if len(rcpts) == 0 && e.User != "" {
			rcpts = []string{e.User}
		}
		for _, h := range m.Hosts {
			if h.Queued > 0 && e.Msg != "" {
				h.queue(e.Msg, rcpts, false)
			}
		}
	default:
		if strings.HasPrefix(string(e.Kind), "fault.") {
			if h := m.host(e.Host); h != nil {
				h.FaultHits++
				if len(h.Faults) == 0 { // a replay learns the faults as they strike
					h.addFault(faultLabel(e))
				}
			}
		}
	}
}

// faultLabel names a fault that struck: "RCPT 451", "school.test MX
// servfail".
func faultLabel(e event.Event) string {
	f := e.Fault
	if f == nil {
		return strings.TrimPrefix(string(e.Kind), "fault.")
	}
	if f.Target == "dns" {
		return strings.TrimSpace(strings.TrimSuffix(e.QName, ".") + " " + e.QType + " " + f.Effect)
	}
	label := strings.ToUpper(f.Stage)
	if f.Code != 0 {
		label += " " + strconv.Itoa(f.Code)
	} else {
		label += " " + f.Effect
	}
	if label = strings.TrimSpace(label); label == "" {
		label = strings.TrimPrefix(string(e.Kind), "fault.")
	}
	return label
}

func (h *Host) addService(name string, port int) {
	if name == "" {
		return
	}
	for _, s := range h.Services {
		if s.Name == name {
			return
		}
	}
	h.Services = append(h.Services, Service{Name: name, Port: port})
}

func (h *Host) addFault(label string) {
	for _, f := range h.Faults {
		if f == label {
			return
		}
	}
	h.Faults = append(h.Faults, label)
}

// HostsOf learns the topology from a whole recorded run: the hosts, their
// addresses and services, without the badges, which the view earns again as
// it goes. A replay shows its network from the first frame this way.
func HostsOf(events []event.Event) []Host {
	var out []Host
	for _, h := range Fold(nil, events).Hosts {
		out = append(out, Host{Name: h.Name, Role: h.Role, Addr: h.Addr, Domain: h.Domain,
			Services: h.Services, MX: h.MX, Mailboxes: h.Mailboxes, Faults: h.Faults})
	}
	// The DNS server first, as a live run lists it.
	sort.SliceStable(out, func(i, j int) bool { return out[i].Role == RoleDNS && out[j].Role != RoleDNS })
	return out
}
