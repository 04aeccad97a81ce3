package tui

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/mailflow/mailflow/sim/event"
)

// ConnKind is the protocol of a connection in the transcript pane.
type ConnKind string

// The kinds of connection the transcript pane tells apart.
const (
	ConnSMTP  ConnKind = "smtp"
	ConnDNS   ConnKind = "dns"
	ConnFetch ConnKind = "fetch" // POP3 or IMAP
	ConnOther ConnKind = "other"
)

// Conn is one connection as the transcript pane shows it: who talked to
// whom, and the dialogue (C:/S: lines for SMTP, Q:/A: for DNS).
type Conn struct {
	Kind    ConnKind
	Host    string // the side that opened it
	Peer    string
	Port    int
	Service string
	Msg     string
	Step    int
	// Notes are indexes into Model.Events of the events told about this
	// connection before (or instead of) its transcript.
	Notes []int
	// Lines is the dialogue.
	Lines []string
	// Closed is set once the whole dialogue is known.
	Closed bool
}

// applyConn files e under its connection and returns the connection's
// index, -1 when e belongs to none.
func (m *Model) applyConn(e event.Event) int {
	idx := len(m.Events) - 1
	switch e.Kind {
	case event.SMTPConnect, event.RelayConnect:
		m.newConn(smtpKey(e), &Conn{Kind: ConnSMTP, Host: e.Host, Peer: e.Peer, Port: e.Port,
			Service: e.Service, Msg: e.Msg, Step: e.Step, Notes: []int{idx}})
		return len(m.Conns) - 1
	case event.SMTPTranscript:
		key := smtpKey(e)
		i, ok := m.openConn[key]
		if !ok {
			m.newConn(key, &Conn{Kind: ConnSMTP, Host: e.Host, Peer: e.Peer, Port: e.Port,
				Service: e.Service, Msg: e.Msg, Step: e.Step})
			i = m.openConn[key]
		}
		c := m.Conns[i]
		c.Lines = append([]string(nil), e.Transcript...)
		c.Closed = true
		delete(m.openConn, key)
		return i
	case event.DNSQuery, event.DNSAnswer:
		key := "dns|" + e.Host + "|" + e.Msg
		if e.Host == "dns" { // a question from outside the simulation, e.g. dig
			key = "dns|" + e.Peer
		}
		i, ok := m.openConn[key]
		if !ok {
			host := e.Host
			if host == "dns" {
				host = e.Peer
			}
			m.newConn(key, &Conn{Kind: ConnDNS, Host: host, Peer: "DNS", Port: 53, Service: "dns",
				Msg: e.Msg, Step: e.Step})
			i = m.openConn[key]
		}
		c := m.Conns[i]
		c.Lines = append(c.Lines, dnsLines(e)...)
		return i
	case event.RetrievalFetch, event.FetchDone:
		// The server tells its side first, the mail client then brings the
		// dialogue: one connection, keyed by server, user and service.
		server, client := e.Host, ""
		if e.Kind == event.FetchDone {
			server, client = e.Peer, e.Host
		}
		key := "fetch|" + server + "|" + e.User + "|" + e.Service
		i, ok := m.openConn[key]
		if !ok {
			m.newConn(key, &Conn{Kind: ConnFetch, Host: e.User, Peer: server, Service: e.Service, Msg: e.Msg})
			i = m.openConn[key]
		}
		c := m.Conns[i]
		c.Notes = append(c.Notes, idx)
		if e.Kind == event.FetchDone {
			c.Host, c.Port = client, e.Port
			c.Lines = append(c.Lines, e.Transcript...)
			c.Closed = true
			delete(m.openConn, key)
		}
		return i
	}
	// Events about an open SMTP connection, told from its client side.
	if i, ok := m.openConn[smtpKey(e)]; ok && e.Msg != "" {
		m.Conns[i].Notes = append(m.Conns[i].Notes, idx)
		return i
	}
	// Kinds to come (POP3/IMAP dialogues, ...) that carry a transcript.
	if len(e.Transcript) > 0 {
		key := "other|" + e.Conn + "|" + e.Host + "|" + e.Peer + "|" + e.Msg
		m.newConn(key, &Conn{Kind: ConnOther, Host: e.Host, Peer: e.Peer, Port: e.Port, Service: e.Service,
			Msg: e.Msg, Step: e.Step, Lines: append([]string(nil), e.Transcript...), Closed: true,
			Notes: []int{idx}})
		i := m.openConn[key]
		delete(m.openConn, key)
		return i
	}
	return -1
}

// newConn adds a connection and makes it the open one for key.
func (m *Model) newConn(key string, c *Conn) *Conn {
	m.Conns = append(m.Conns, c)
	m.openConn[key] = len(m.Conns) - 1
	return c
}

func smtpKey(e event.Event) string { return "smtp|" + e.Host + "|" + e.Peer + "|" + e.Msg }

// dnsLines is a DNS question or answer in dig's terms.
func dnsLines(e event.Event) []string {
	q := strings.TrimSpace(e.QName + " " + e.QType)
	if e.Kind == event.DNSQuery {
		return []string{"Q: " + q}
	}
	var out []string
	if e.Host == "dns" {
		out = append(out, "Q: "+q)
	}
	switch {
	case e.Rcode != "" && e.Rcode != "NOERROR":
		out = append(out, "A: "+e.Rcode)
	case len(e.Records) == 0:
		out = append(out, "A: (no records, NOERROR)")
	}
	for _, r := range e.Records {
		value := r.Value
		if r.Type == "MX" {
			value = strconv.Itoa(r.Pref) + " " + value
		}
		out = append(out, fmt.Sprintf("A: %s %d IN %s %s", r.Name, r.TTL, r.Type, value))
	}
	return out
}
