package queue

import (
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/sim/smtpclient"
)

// send runs the SMTP transactions for rcpts on an open connection. A server
// that limits recipients (452 4.5.3, RFC 5321 §4.5.3.1.10) gets the rest in
// further transactions. The error is for a transaction that failed as a
// whole (MAIL, DATA, the final reply, a timeout); per-recipient refusals are
// in the results.
func (q *Queue) send(c *smtp.Client, e *Entry, rcpts []string, mxName string) (map[string]result, event.Reply, *deliveryError) {
	results := map[string]result{}
	var done event.Reply
	if limit, ok := c.MaxMessageSize(); ok && limit > 0 && len(e.Data) > limit {
		// RFC 1870 §6: do not send what the server said it will not take.
		// The host decides this itself from the EHLO: no reply says it.
		return nil, done, localError(true, 5, event.ReasonSize, event.StageMail,
			"message is %d bytes, %s takes at most %d (SIZE)", len(e.Data), mxName, limit)
	}
	rest := rcpts
	for len(rest) > 0 {
		var later []string
		if err := q.timed(event.StageMail, func() error { return c.Mail(e.From, q.mailOptions(c, e)) }); err != nil {
			return nil, done, err
		}
		var accepted []string
		for i, r := range rest {
			err := q.timed(event.StageRcpt, func() error { return c.Rcpt(r, q.rcptOptions(c, e, r)) })
			switch {
			case err == nil:
				accepted = append(accepted, r)
			case err.reply != nil && err.reply.Code == 452 && err.reply.Enhanced == "4.5.3" && len(accepted) > 0:
				later = rest[i:] // too many recipients: these go in the next transaction
			case err.reply != nil:
				results[strings.ToLower(r)] = result{err: err, remote: mxName}
				continue
			default:
				return nil, done, err
			}
			if later != nil {
				break
			}
		}
		if len(accepted) == 0 {
			if err := c.Reset(); err != nil {
				return nil, done, connError(err, mxName)
			}
		} else if err := q.timed(event.StageData, func() (err error) { done, err = q.data(c, e); return err }); err != nil {
			for _, r := range accepted {
				results[strings.ToLower(r)] = result{err: err, remote: mxName}
			}
		} else {
			for _, r := range accepted {
				results[strings.ToLower(r)] = result{remote: mxName}
			}
		}
		rest = later
	}
	return results, done, nil
}

// data sends the content and returns the server's final reply.
func (q *Queue) data(c *smtp.Client, e *Entry) (event.Reply, error) {
	w, err := c.Data()
	if err != nil {
		return event.Reply{}, err
	}
	if _, err := w.Write(e.Data); err != nil {
		return event.Reply{}, err
	}
	resp, err := w.CloseWithResponse()
	if err != nil {
		return event.Reply{}, err
	}
	return smtpclient.SplitReply(250, resp.StatusText, event.StageData), nil
}

// timed runs one command and measures it in simulated time: a server that
// takes longer than the command timeout (a slow-server fault) counts as a
// timeout, as a real client would give up waiting (RFC 5321 §4.5.3.2).
func (q *Queue) timed(stage string, fn func() error) *deliveryError {
	start := q.cfg.Now()
	err := fn()
	if took := q.cfg.Now().Sub(start); took > q.cfg.Policy.CommandTimeout {
		return localError(false, 5, event.ReasonTimeout, stage, "timed out: no reply to %s within %s (the server took %s)",
			strings.ToUpper(stage), q.cfg.Policy.CommandTimeout, took.Round(time.Second))
	}
	if err == nil {
		return nil
	}
	d := fromError(err, stage)
	if d.reply == nil {
		d.text = fmt.Sprintf("connection lost during %s: %v", strings.ToUpper(stage), err)
	}
	return d
}

// mailOptions passes the DSN parameters on (RFC 3461 §4) when the next hop
// speaks DSN.
func (q *Queue) mailOptions(c *smtp.Client, e *Entry) *smtp.MailOptions {
	if ok, _ := c.Extension("DSN"); !ok {
		return nil
	}
	return &smtp.MailOptions{EnvelopeID: e.EnvID, Return: e.Ret}
}

func (q *Queue) rcptOptions(c *smtp.Client, e *Entry, rcpt string) *smtp.RcptOptions {
	if ok, _ := c.Extension("DSN"); !ok {
		return nil
	}
	o := &smtp.RcptOptions{Notify: e.Notify[strings.ToLower(rcpt)]}
	if orcpt := e.ORCPT[strings.ToLower(rcpt)]; orcpt != "" {
		o.OriginalRecipientType = smtp.DSNAddressTypeRFC822
		o.OriginalRecipient = orcpt
	}
	return o
}
