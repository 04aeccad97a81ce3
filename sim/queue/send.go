package queue

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-smtp"
)

// send runs the SMTP transactions for rcpts on an open connection. A server
// that limits recipients (452 4.5.3, RFC 5321 §4.5.3.1.10) gets the rest in
// further transactions. The error is for a transaction that failed as a
// whole (MAIL, DATA, the final reply, a timeout); per-recipient refusals are
// in the results.
func (q *Queue) send(c *smtp.Client, e *Entry, rcpts []string, mxName string) (map[string]result, *deliveryError) {
	results := map[string]result{}
	if limit, ok := c.MaxMessageSize(); ok && limit > 0 && len(e.Data) > limit {
		// RFC 1870 §6: do not send what the server said it will not take.
		return nil, &deliveryError{permanent: true, code: 552, enhanced: "5.3.4",
			text: fmt.Sprintf("message is %d bytes, %s takes at most %d (SIZE)", len(e.Data), mxName, limit)}
	}
	rest := rcpts
	for len(rest) > 0 {
		var later []string
		if err := q.timed("MAIL", func() error { return c.Mail(e.From, q.mailOptions(c, e)) }); err != nil {
			return nil, err
		}
		var accepted []string
		for i, r := range rest {
			err := q.timed("RCPT", func() error { return c.Rcpt(r, q.rcptOptions(c, e, r)) })
			switch {
			case err == nil:
				accepted = append(accepted, r)
			case err.code == 452 && err.enhanced == "4.5.3" && len(accepted) > 0:
				later = rest[i:] // too many recipients: these go in the next transaction
			case err.code != 0:
				results[strings.ToLower(r)] = result{err: err, remote: mxName}
				continue
			default:
				return nil, err
			}
			if later != nil {
				break
			}
		}
		if len(accepted) == 0 {
			if err := c.Reset(); err != nil {
				return nil, connError(err, mxName)
			}
		} else if err := q.timed("DATA", func() error { return q.data(c, e) }); err != nil {
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
	return results, nil
}

func (q *Queue) data(c *smtp.Client, e *Entry) error {
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(e.Data); err != nil {
		return err
	}
	return w.Close()
}

// timed runs one command and measures it in simulated time: a server that
// takes longer than the command timeout (a slow-server fault) counts as a
// timeout, as a real client would give up waiting (RFC 5321 §4.5.3.2).
func (q *Queue) timed(cmd string, fn func() error) *deliveryError {
	start := q.cfg.Now()
	err := fn()
	if took := q.cfg.Now().Sub(start); took > q.cfg.Policy.CommandTimeout {
		return &deliveryError{enhanced: "4.4.2", text: fmt.Sprintf("timed out: no reply to %s within %s (the server took %s)",
			cmd, q.cfg.Policy.CommandTimeout, took.Round(time.Second))}
	}
	if err == nil {
		return nil
	}
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return replyError(se)
	}
	return &deliveryError{enhanced: "4.4.2", text: fmt.Sprintf("connection lost during %s: %v", cmd, err)}
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
