package smtpd

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-message/textproto"
	"github.com/emersion/go-smtp"

	"github.com/mailflow/mailflow/sim/dnsd"
	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/sim/mailauth"
	"github.com/mailflow/mailflow/topology"
)

// authTimeout bounds all the DNS questions of one message's checks.
const authTimeout = 20 * time.Second

// Replies of sender authentication. RFC 7489 §6.7 asks for a 5xy reply
// when a DMARC policy says reject; RFC 7372 §3.2 gives SPF its own code.
var (
	errDMARCReject = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1}}
	errSPFReject   = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 23}}
)

// checkSender is sender authentication at the end of DATA. A message a
// user submitted after logging in gets an Authentication-Results field
// saying so. One arriving on port 25 from outside the host's domain is
// checked (SPF, DKIM, DMARC): the verdicts are told in an auth.result event
// and written in an Authentication-Results field; the host's policy may
// refuse the message (the returned error is the reply) or send it to Spam
// (ss.quarantine says why).
func (ss *session) checkSender(raw []byte) ([]byte, error) {
	cfg := ss.srv.cfg
	ss.quarantine = ""
	if ss.user != "" && !ss.fromServer() {
		return append([]byte(mailauth.AuthHeader(cfg.Host.Name, ss.user)), raw...), nil
	}
	pol := cfg.Host.Auth.SenderAuth
	internal := ss.peerHost != nil && ss.peerHost.Domain == cfg.Host.Domain // the border host checked it
	if internal && cfg.Host.Mailboxes && spamFlagged(raw) {
		ss.quarantine = ss.peerHost.Name + " marked it as spam (X-Spam-Flag: YES)"
	}
	if ss.svc != topology.SMTP || ss.user != "" || !pol.Verify || !cfg.AuthDNS.IsValid() || internal {
		return raw, nil
	}
	// RFC 8601 §5: a field claiming to be ours came from outside: remove it.
	raw = dropResults(raw, cfg.Host.Name)
	msg := ss.msgFromEnvID()
	if msg == "" && cfg.IDs != nil {
		if id := inspect(raw).messageID; id != "" {
			msg = cfg.IDs.Assign(id)
		}
	}
	step := ss.stepHere(2)
	res := &mailauth.Resolver{Server: cfg.AuthDNS, Local: cfg.Host.Addr, Dropped: cfg.AuthDNSDropped,
		Advance: cfg.Advance, Cache: cfg.AuthCache}
	// Purpose auth: an answer such as NXDOMAIN only means "no record
	// here"; it fails nothing.
	res.Asking = func(name, qtype string) {
		ss.publish(event.Event{Kind: event.DNSQuery, Step: step, Msg: msg, Peer: "dns", QName: name, QType: qtype,
			Purpose: event.PurposeAuth})
	}
	res.Observe = func(x mailauth.Exchange) {
		if x.Cached { // from the host's cache: nothing crossed the wire
			records := dnsd.RecordsOf(x.RRs)
			for i := range records {
				records[i].TTL = uint32(x.Left / time.Second)
			}
			ss.publish(event.Event{Kind: event.DNSCached, Step: step, Msg: msg, QName: x.Name, QType: x.Type,
				Rcode: x.Rcode, Records: records, Purpose: event.PurposeAuth})
			return
		}
		a := event.Event{Kind: event.DNSAnswer, Step: step, Msg: msg, Peer: "dns", QName: x.Name, QType: x.Type,
			Rcode: x.Rcode, Records: dnsd.RecordsOf(x.RRs), Purpose: event.PurposeAuth}
		if x.Rcode == "TIMEOUT" {
			a.Rcode = "NO REPLY"
			a.SetLocal(event.ReasonTimeout, event.StatusOfReason(event.ReasonDNS), "", "no answer from DNS")
		}
		ss.publish(a)
	}
	ctx, cancel := context.WithTimeout(context.Background(), authTimeout)
	defer cancel()
	// Close ends the questions at once: the server does not wait for a DNS
	// that keeps it waiting, and the message is not kept (errClosing).
	defer context.AfterFunc(ss.srv.closing, cancel)()
	r := mailauth.Verify(ctx, res, mailauth.Input{IP: ss.peerAddr, Helo: ss.c.helo, MailFrom: ss.from, Message: raw})
	if ss.srv.isClosed() {
		return nil, errClosing
	}
	action, why, byDMARC := decide(r, pol)
	ss.publish(event.Event{Kind: event.AuthResult, Step: step, Msg: msg, From: ss.from, To: ss.rcpts,
		Auth: &event.AuthResults{Why: why, SPF: authCheck(r.SPF), DKIM: authCheck(r.DKIM), DMARC: authCheck(r.DMARC),
			Action: action}})
	switch action {
	case "reject":
		e := *errSPFReject
		e.Message = fmt.Sprintf("SPF validation failed for %s", r.SPF.Domain)
		if byDMARC {
			e = *errDMARCReject
			e.Message = fmt.Sprintf("Rejected by the DMARC policy of %s (p=reject): neither SPF nor DKIM passed for it",
				r.DMARC.Domain)
		}
		return nil, ss.reject(step, "data", &e, ss.rcpts...)
	case "spam":
		ss.quarantine = why + " → Spam folder"
		if !cfg.Host.Mailboxes {
			// The host keeping the mailboxes files it: tell it so.
			raw = append([]byte("X-Spam-Flag: YES\r\n"), raw...)
		}
	}
	return append([]byte(r.Header(cfg.Host.Name, ss.from)), raw...), nil
}

// spamFlagged reports whether a border host of the domain marked the
// message as spam.
func spamFlagged(raw []byte) bool {
	h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(raw)))
	return err == nil && strings.EqualFold(strings.TrimSpace(h.Get("X-Spam-Flag")), "YES")
}

// decide applies the host's policy to the verdicts: DMARC's disposition
// when the host enforces it (byDMARC), then an SPF fail when the host acts
// on one.
func decide(r mailauth.Results, pol topology.SenderAuth) (action, why string, byDMARC bool) {
	if pol.DMARC != "report" && r.DMARC.Result == mailauth.Fail {
		switch r.DMARC.Disposition {
		case "reject":
			return "reject", fmt.Sprintf("DMARC failed and %s asks receivers to reject (p=reject)", r.DMARC.Domain), true
		case "quarantine":
			return "spam", fmt.Sprintf("DMARC failed and %s asks receivers to quarantine (p=quarantine)", r.DMARC.Domain), true
		}
	}
	if r.SPF.Result == mailauth.Fail {
		switch pol.SPFFail {
		case "reject":
			return "reject", fmt.Sprintf("SPF failed for %s and this server refuses SPF failures", r.SPF.Domain), false
		case "spam":
			return "spam", fmt.Sprintf("SPF failed for %s and this server files SPF failures as spam", r.SPF.Domain), false
		}
	}
	return "accept", "", false
}

func authCheck(c mailauth.Check) event.AuthCheck {
	return event.AuthCheck{Result: c.Result, Reason: c.Reason, Domain: c.Domain, Selector: c.Selector, Policy: c.Policy}
}

// dropResults removes the Authentication-Results fields of the header that
// name authservID.
func dropResults(raw []byte, authservID string) []byte {
	end := bytes.Index(raw, []byte("\r\n\r\n"))
	if end < 0 {
		return raw
	}
	var out bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(raw[:end+2]))
	sc.Buffer(make([]byte, 0, 4096), len(raw)+1)
	sc.Split(splitCRLF)
	skipping := false
	changed := false
	for sc.Scan() {
		line := sc.Text()
		if len(line) > 0 && (line[0] == ' ' || line[0] == '\t') {
			if !skipping {
				out.WriteString(line + "\r\n")
			}
			continue
		}
		name, value, _ := strings.Cut(line, ":")
		id, _, _ := strings.Cut(strings.TrimSpace(value), ";")
		skipping = strings.EqualFold(strings.TrimSpace(name), "Authentication-Results") &&
			strings.EqualFold(strings.TrimSpace(id), authservID)
		if skipping {
			changed = true
			continue
		}
		out.WriteString(line + "\r\n")
	}
	if !changed {
		return raw
	}
	out.Write(raw[end+2:])
	return out.Bytes()
}

func splitCRLF(data []byte, atEOF bool) (int, []byte, error) {
	if i := bytes.Index(data, []byte("\r\n")); i >= 0 {
		return i + 2, data[:i], nil
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}
