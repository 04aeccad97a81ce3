package smtpd

import (
	"strings"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/sim/fault"
)

// refuseSession is a server that opened with a 4xx/5xx greeting: it only
// answers QUIT (RFC 5321 §3.1: after a 554 greeting the server waits for
// QUIT and rejects everything else with 503).
func refuseSession(c *conn, reply *smtp.SMTPError) {
	host := c.srv.cfg.Host.Name
	if c.reply(reply.Code, "", host+" "+reply.Message) != nil || reply.Code < 500 {
		return // a 421 closes the connection at once
	}
	for i := 0; i < 20; i++ {
		line, err := c.readLine(c.commandTimeout())
		if err != nil {
			return
		}
		if strings.EqualFold(strings.TrimSpace(line), "QUIT") {
			c.reply(221, "2.0.0", host+" closing connection")
			return
		}
		c.reply(503, "5.5.1", "No SMTP service here")
	}
}

// fault asks the injector whether a fault strikes this host at stage.
func (s *Server) fault(stage string, port int, rcpt string) *fault.SMTP {
	if s.cfg.Faults == nil {
		return nil
	}
	return s.cfg.Faults.SMTPAt(s.cfg.Host.Name, stage, port, rcpt)
}

// advance makes the server take d of simulated time: a slow server, which
// the client measures against its own timeout.
func (s *Server) advance(d time.Duration) {
	if s.cfg.Advance != nil && d > 0 {
		s.cfg.Advance(d)
	}
}

// publishFault tells that a fault struck, before its effect shows.
// (what, the caller's words for it, is told by the effect keyword.)
func (s *Server) publishFault(f *fault.SMTP, port int, _ string) {
	effect := f.Effect // refuse, not_offered, handshake, slow
	switch {
	case f.Stage == "data_disconnect":
		effect = "disconnect"
	case effect == "" && f.Reply != nil:
		effect = "reply"
	case effect == "":
		effect = "delay"
	}
	fe := &event.Fault{Target: "smtp", Stage: f.Stage, Effect: effect, Delay: f.Delay}
	if f.Reply != nil && effect == "reply" {
		fe.Code, fe.Enhanced, fe.Text = f.Reply.Code, event.EnhancedOf(f.Reply.EnhancedCode), f.Reply.Message
	}
	s.cfg.Publish(event.Event{Kind: event.FaultInjected, Host: s.cfg.Host.Name, Port: port, Fault: fe})
}
