package web

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mailflow/mailflow/sim"
	"github.com/mailflow/mailflow/topology"
	"github.com/mailflow/mailflow/viz/narrate"
)

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "scenario": s.net.Scenario.Name,
		"events": s.idx.last(), "mode": s.ctl.state().Mode})
}

// Topology is the network as the page draws it.
type Topology struct {
	Scenario    string       `json:"scenario"`
	Description string       `json:"description,omitempty"`
	PortPlan    string       `json:"port_plan"`
	DNS         DNSServer    `json:"dns"`
	Clients     Clients      `json:"clients"`
	Domains     []DomainInfo `json:"domains"`
	Hosts       []HostInfo   `json:"hosts"`
	Users       []UserInfo   `json:"users"`
	Records     []RecordInfo `json:"records"`
}

// DNSServer is the simulated DNS server.
type DNSServer struct {
	Name    string `json:"name"`
	Address string `json:"address"`
	Port    int    `json:"port"` // the real port
}

// Clients is where the users' mail clients connect from.
type Clients struct {
	Address string `json:"address"`
}

// DomainInfo is one simulated mail domain.
type DomainInfo struct {
	Name           string   `json:"name"`
	SubmissionHost string   `json:"submission_host,omitempty"`
	MailboxHost    string   `json:"mailbox_host"`
	Hosts          []string `json:"hosts"`
	Users          []string `json:"users"`
}

// HostInfo is one simulated mail host.
type HostInfo struct {
	Name    string `json:"name"`
	Domain  string `json:"domain"`
	Address string `json:"address"`
	MX      int    `json:"mx,omitempty"`
	// Roles: submission (takes its users' mail on 587/465), mailbox
	// (stores the domain's mail), mx (named by an MX record), smarthost
	// (other hosts relay through it), uses-smarthost.
	Roles    []string      `json:"roles"`
	Services []ServiceInfo `json:"services"`
}

// ServiceInfo is one listening service: its well-known port and the real
// one it is bound to.
type ServiceInfo struct {
	Name     string `json:"name"`
	Port     int    `json:"port"`
	RealPort int    `json:"real_port"`
}

// UserInfo is a scenario user, with the password the scenario gave it (the
// only credentials the API ever shows).
type UserInfo struct {
	Address  string `json:"address"`
	Password string `json:"password"`
	FullName string `json:"full_name,omitempty"`
	Host     string `json:"host"`
}

// RecordInfo is a DNS record the simulated DNS serves.
type RecordInfo struct {
	Name       string `json:"name"`
	Type       string `json:"type"`
	Value      string `json:"value"`
	Preference int    `json:"preference,omitempty"`
	TTL        int    `json:"ttl"`
}

func portPlan(p sim.PortMode) string {
	return map[sim.PortMode]string{sim.PortsEphemeral: "ephemeral", sim.PortsStandard: "standard",
		sim.PortsHigh: "high (standard + 10000)"}[p]
}

func (s *Server) topology() Topology {
	n, topo := s.net, s.net.Topology
	t := Topology{Scenario: n.Scenario.Name, Description: n.Scenario.Description, PortPlan: portPlan(n.PortPlan),
		DNS:     DNSServer{Name: "dns", Address: topo.DNSAddr.String(), Port: int(n.DNSAddrPort().Port())},
		Clients: Clients{Address: topo.ClientAddr.String()}, Domains: []DomainInfo{}, Hosts: []HostInfo{},
		Users: []UserInfo{}, Records: []RecordInfo{}}
	smarthost := map[string]bool{}
	relays := map[string]bool{}
	for _, sv := range n.Scenario.Servers {
		if sv.RelayTo != "" {
			smarthost[strings.ToLower(sv.RelayTo)] = true
			relays[strings.ToLower(sv.Host)] = true
		}
	}
	for _, d := range topo.Domains {
		di := DomainInfo{Name: d.Name, Hosts: []string{}, Users: []string{}}
		if h := d.SubmissionHost(); h != nil {
			di.SubmissionHost = h.Name
		}
		if d.MailboxHost != nil {
			di.MailboxHost = d.MailboxHost.Name
		}
		for _, h := range d.Hosts {
			di.Hosts = append(di.Hosts, h.Name)
		}
		for _, u := range d.Users {
			di.Users = append(di.Users, u.Address)
		}
		t.Domains = append(t.Domains, di)
	}
	for _, h := range topo.Hosts {
		hi := HostInfo{Name: h.Name, Address: h.Addr.String(), MX: h.MX, Roles: []string{}, Services: []ServiceInfo{}}
		if h.Domain != nil {
			hi.Domain = h.Domain.Name
			if h.Domain.SubmissionHost() == h {
				hi.Roles = append(hi.Roles, "submission")
			}
		}
		if h.Mailboxes {
			hi.Roles = append(hi.Roles, "mailbox")
		}
		if h.MX > 0 {
			hi.Roles = append(hi.Roles, "mx")
		}
		if smarthost[h.Name] {
			hi.Roles = append(hi.Roles, "smarthost")
		}
		if relays[h.Name] {
			hi.Roles = append(hi.Roles, "uses-smarthost")
		}
		for _, svc := range h.Services {
			hi.Services = append(hi.Services, ServiceInfo{Name: string(svc), Port: topology.StandardPort(svc),
				RealPort: n.Port(h.Name, svc)})
		}
		t.Hosts = append(t.Hosts, hi)
	}
	for _, u := range topo.Users {
		ui := UserInfo{Address: u.Address, Password: u.Password, FullName: u.FullName}
		if u.Domain != nil && u.Domain.MailboxHost != nil {
			ui.Host = u.Domain.MailboxHost.Name
		}
		t.Users = append(t.Users, ui)
	}
	for _, r := range topo.Records {
		t.Records = append(t.Records, RecordInfo{Name: r.Name, Type: r.Type, Value: r.Value,
			Preference: r.Preference, TTL: r.TTL})
	}
	return t
}

func (s *Server) hosts(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.topology())
}

// QueueHost is one host's outbound queue.
type QueueHost struct {
	Host    string       `json:"host"`
	Entries []QueueEntry `json:"entries"`
}

// QueueEntry is one message waiting in a queue.
type QueueEntry struct {
	Msg        string           `json:"msg"`
	From       string           `json:"from"`
	Arrived    time.Time        `json:"arrived"`
	Attempts   int              `json:"attempts"`
	NextTry    *time.Time       `json:"next_attempt,omitempty"`
	Recipients []QueueRecipient `json:"recipients"`
}

// QueueRecipient is one recipient of a queued message and its last try.
type QueueRecipient struct {
	Address   string `json:"address"`
	State     string `json:"state"`
	LastError string `json:"last_error,omitempty"`
	Status    string `json:"status,omitempty"`
	Remote    string `json:"remote,omitempty"`
}

func (s *Server) queues() []QueueHost {
	out := []QueueHost{}
	for _, h := range s.net.Topology.Hosts {
		q := s.net.Queue(h.Name)
		qh := QueueHost{Host: h.Name, Entries: []QueueEntry{}}
		if q == nil {
			out = append(out, qh)
			continue
		}
		for _, e := range q.Entries() {
			qe := QueueEntry{Msg: e.Msg, From: e.From, Arrived: e.Arrived, Attempts: e.Attempts,
				Recipients: []QueueRecipient{}}
			if !e.NextTry.IsZero() {
				next := e.NextTry
				qe.NextTry = &next
			}
			for _, rc := range e.Recipients {
				qe.Recipients = append(qe.Recipients, QueueRecipient{Address: rc.Address, State: string(rc.State),
					LastError: rc.LastError, Status: rc.Status, Remote: rc.Remote})
			}
			qh.Entries = append(qh.Entries, qe)
		}
		out = append(out, qh)
	}
	return out
}

func (s *Server) queue(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"now": s.net.Clock.Now(), "hosts": s.queues()})
}

func (s *Server) statsHandler(w http.ResponseWriter, r *http.Request) {
	seconds := 60
	if v := r.URL.Query().Get("seconds"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n >= rateWindow {
			writeError(w, http.StatusBadRequest, "seconds must be a number from 1 to "+strconv.Itoa(rateWindow-1))
			return
		}
		seconds = n
	}
	var names []string
	for _, h := range s.net.Topology.Hosts {
		names = append(names, h.Name)
	}
	snap := s.stats.snapshot(names, seconds)
	depth := map[string]int{}
	for _, q := range s.queues() {
		depth[q.Host] = len(q.Entries)
	}
	for i := range snap.Hosts {
		snap.Hosts[i].QueueDepth = depth[snap.Hosts[i].Name]
	}
	snap.Events = s.idx.last()
	snap.Messages = len(s.net.Outcomes())
	writeJSON(w, http.StatusOK, snap)
}

func (s *Server) control(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.ctl.state())
}

// ControlRequest moves the world on in step mode.
type ControlRequest struct {
	// Action: step (let the next step happen), play (one step per
	// interval_ms; 0 lets everything through), pause.
	Action     string `json:"action"`
	IntervalMS int64  `json:"interval_ms,omitempty"`
}

func (s *Server) setControl(w http.ResponseWriter, r *http.Request) {
	var req ControlRequest
	if !readJSON(w, r, &req) {
		return
	}
	if s.ctl.gate == nil {
		writeError(w, http.StatusConflict, "the network runs live (mailflow up): there is no step to let through")
		return
	}
	switch req.Action {
	case "step":
		s.ctl.gate.Step()
	case "play":
		if req.IntervalMS < 0 || req.IntervalMS > 60_000 {
			writeError(w, http.StatusBadRequest, "interval_ms must be from 0 to 60000")
			return
		}
		s.ctl.setPlaying(true, time.Duration(req.IntervalMS)*time.Millisecond)
	case "pause":
		s.ctl.setPlaying(false, 0)
	default:
		writeError(w, http.StatusBadRequest, `action must be "step", "play" or "pause"`)
		return
	}
	writeJSON(w, http.StatusOK, s.ctl.state())
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// StepInfo names one of the six steps, in both languages, with the
// question a class asks about it and its answer (viz/narrate's words, the
// same the terminal view uses).
type StepInfo struct {
	Step     int               `json:"step"`
	Name     map[string]string `json:"name"`
	Question map[string]string `json:"question"`
	Why      map[string]string `json:"why"`
}

func (s *Server) steps(w http.ResponseWriter, r *http.Request) {
	out := []StepInfo{}
	for step := 1; step <= 6; step++ {
		si := StepInfo{Step: step, Name: map[string]string{}, Question: map[string]string{}, Why: map[string]string{}}
		for _, l := range []narrate.Lang{narrate.English, narrate.Vietnamese} {
			si.Name[string(l)] = narrate.StepName(l, step)
			si.Question[string(l)] = narrate.WhyQuestion(l, step)
			si.Why[string(l)] = narrate.Why(l, step)
		}
		out = append(out, si)
	}
	writeJSON(w, http.StatusOK, out)
}
