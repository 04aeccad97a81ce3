package web

import (
	"bytes"
	"net/http"
	"strings"

	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/viz/narrate"
)

// MessageSummary is one message in the list: where it stands and the steps
// it went through.
type MessageSummary struct {
	ID        string   `json:"id"`
	From      string   `json:"from"`
	To        []string `json:"to"`
	Subject   string   `json:"subject"`
	State     string   `json:"state"`
	Steps     []int    `json:"steps"`
	Mailboxes []string `json:"mailboxes"`
	Error     string   `json:"error,omitempty"`
}

func summaryOf(o event.MessageOutcome) MessageSummary {
	m := MessageSummary{ID: o.Msg, From: o.From, To: o.To, Subject: o.Subject, State: o.State, Steps: o.Steps,
		Mailboxes: o.Mailboxes, Error: o.Error}
	if m.To == nil {
		m.To = []string{}
	}
	if m.Steps == nil {
		m.Steps = []int{}
	}
	if m.Mailboxes == nil {
		m.Mailboxes = []string{}
	}
	return m
}

// inMailbox reports whether a message is for addr: addressed to it or filed
// in its mailbox (an alias files into its members' mailboxes).
func (m MessageSummary) inMailbox(addr string) bool {
	for _, t := range m.To {
		if strings.EqualFold(t, addr) {
			return true
		}
	}
	for _, mb := range m.Mailboxes {
		if u, _, _ := strings.Cut(mb, "/"); strings.EqualFold(u, addr) {
			return true
		}
	}
	return false
}

// inState matches a state or one part of a combined one: "queued" matches
// "partly delivered, queued".
func inState(state, want string) bool {
	if strings.EqualFold(state, want) {
		return true
	}
	for _, part := range strings.Split(state, ",") {
		if strings.EqualFold(strings.TrimSpace(part), want) {
			return true
		}
	}
	return false
}

func (s *Server) messageList() []MessageSummary {
	out := []MessageSummary{}
	for _, o := range s.net.Outcomes() {
		out = append(out, summaryOf(o))
	}
	return out
}

func (s *Server) messages(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	mailbox, state := strings.TrimSpace(q.Get("mailbox")), strings.TrimSpace(q.Get("state"))
	out := []MessageSummary{}
	for _, m := range s.messageList() {
		if (mailbox == "" || m.inMailbox(mailbox)) && (state == "" || inState(m.State, state)) {
			out = append(out, m)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"messages": out, "count": len(out)})
}

// lookup finds a message by id.
func (s *Server) lookup(id string) (MessageSummary, bool) {
	for _, o := range s.net.Outcomes() {
		if o.Msg == id {
			return summaryOf(o), true
		}
	}
	return MessageSummary{}, false
}

// MessageDetail is one message with its envelope, its header as filed and
// every event about it.
type MessageDetail struct {
	MessageSummary
	Envelope Envelope `json:"envelope"`
	// Copy says which stored copy the headers are read from; none when the
	// message is in no mailbox and no queue (fetched and deleted, refused).
	Copy     *Copy         `json:"copy,omitempty"`
	Headers  []Header      `json:"headers"`
	Received []string      `json:"received"`
	Events   []event.Event `json:"events"`
}

// Envelope is what the servers were told in MAIL FROM and RCPT TO.
type Envelope struct {
	MailFrom string   `json:"mail_from"`
	RcptTo   []string `json:"rcpt_to"`
}

// Copy locates a stored copy of a message.
type Copy struct {
	Where   string `json:"where"` // mailbox or queue
	Mailbox string `json:"mailbox,omitempty"`
	Folder  string `json:"folder,omitempty"`
	UID     uint32 `json:"uid,omitempty"`
	Host    string `json:"host,omitempty"`
}

// Header is one header field as written, unfolded.
type Header struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// envelopeOf reads the envelope from the servers' acceptances: the first
// MAIL FROM, every RCPT TO accepted on any hop.
func envelopeOf(events []event.Event) Envelope {
	env := Envelope{RcptTo: []string{}}
	seen := map[string]bool{}
	for _, e := range events {
		if e.Kind != event.SMTPAccepted {
			continue
		}
		if env.MailFrom == "" {
			env.MailFrom = e.From
		}
		for _, t := range e.To {
			if k := strings.ToLower(t); !seen[k] {
				seen[k] = true
				env.RcptTo = append(env.RcptTo, t)
			}
		}
	}
	return env
}

// storedCopy returns a message's text as filed (in mailbox when given),
// else as it waits in a queue.
func (s *Server) storedCopy(id, mailbox string, events []event.Event) ([]byte, *Copy) {
	for _, e := range events {
		if e.Kind != event.MailboxStore || e.UID == 0 || (mailbox != "" && !strings.EqualFold(e.User, mailbox)) {
			continue
		}
		msgs, err := s.net.Store.Messages(e.User, e.Folder)
		if err != nil {
			continue
		}
		for _, m := range msgs {
			if m.UID == e.UID {
				return m.Raw, &Copy{Where: "mailbox", Mailbox: e.User, Folder: e.Folder, UID: e.UID, Host: actor(e)}
			}
		}
	}
	if mailbox != "" {
		return nil, nil
	}
	for _, h := range s.net.Topology.Hosts {
		q := s.net.Queue(h.Name)
		if q == nil {
			continue
		}
		for _, e := range q.Entries() {
			if e.Msg == id {
				return e.Data, &Copy{Where: "queue", Host: h.Name}
			}
		}
	}
	return nil, nil
}

// parseHeader splits a message's header into fields, in order, unfolded.
func parseHeader(raw []byte) []Header {
	out := []Header{}
	for line := range bytes.Lines(raw) {
		l := strings.TrimRight(string(line), "\r\n")
		if l == "" {
			break
		}
		if (l[0] == ' ' || l[0] == '\t') && len(out) > 0 {
			out[len(out)-1].Value += " " + strings.TrimSpace(l)
			continue
		}
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			continue // not a field: a malformed message is shown as it is in raw
		}
		out = append(out, Header{Name: name, Value: strings.TrimSpace(value)})
	}
	return out
}

// receivedChain lists the Received: fields from the newest (top) to the
// oldest, as written: read bottom-up it is the message's path.
func receivedChain(h []Header) []string {
	out := []string{}
	for _, f := range h {
		if strings.EqualFold(f.Name, "Received") {
			out = append(out, f.Value)
		}
	}
	return out
}

// langOf reads ?lang=; the empty string keeps the bus's language.
func (s *Server) langOf(r *http.Request) (narrate.Lang, bool) {
	v := r.URL.Query().Get("lang")
	if v == "" {
		return s.cfg.Lang, true
	}
	l, err := narrate.ParseLang(v)
	return l, err == nil
}

// narrated returns e with its text in lang.
func (s *Server) narrated(e event.Event, lang narrate.Lang) event.Event {
	if lang != s.cfg.Lang {
		e.Text = narrate.Text(lang, e)
	}
	return e
}

func (s *Server) message(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	lang, ok := s.langOf(r)
	if !ok {
		writeError(w, http.StatusBadRequest, "lang must be en or vi")
		return
	}
	sum, ok := s.lookup(id)
	if !ok {
		writeError(w, http.StatusNotFound, "no message "+id+" (see /api/messages)")
		return
	}
	events := s.idx.message(id)
	d := MessageDetail{MessageSummary: sum, Envelope: envelopeOf(events), Headers: []Header{}, Received: []string{},
		Events: []event.Event{}}
	raw, cp := s.storedCopy(id, r.URL.Query().Get("mailbox"), events)
	if cp != nil {
		d.Copy = cp
		d.Headers = parseHeader(raw)
		d.Received = receivedChain(d.Headers)
	}
	for _, e := range events {
		d.Events = append(d.Events, s.narrated(e, lang))
	}
	writeJSON(w, http.StatusOK, d)
}

func (s *Server) messageRaw(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, ok := s.lookup(id); !ok {
		writeError(w, http.StatusNotFound, "no message "+id+" (see /api/messages)")
		return
	}
	raw, cp := s.storedCopy(id, r.URL.Query().Get("mailbox"), s.idx.message(id))
	if cp == nil {
		writeError(w, http.StatusNotFound, "message "+id+" is in no mailbox and no queue now "+
			"(refused, bounced, or fetched and deleted)")
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Mailflow-Copy", cp.Where)
	w.Write(raw)
}
