package flow

import (
	"strings"

	"github.com/mailflow/mailflow/sim/event"
)

// authMark marks the verdicts a receiving server reached on the sender
// (auth.result, step 5) on its lane: "SPF pass · DKIM pass · DMARC pass",
// and what it did when it did not simply accept: "→ reject", "→ spam".
func (b *builder) authMark(e event.Event) {
	host := actor(e.Host)
	if host == "" || e.Auth == nil {
		b.unknown(e)
		return
	}
	label, tone := AuthLabel(e.Auth)
	b.mark(e, b.lane(host, RoleServer), label, tone)
}

// AuthLabel puts the three verdicts on one line, read from the event's
// fields, with the tone of the server's action: failed for a refusal,
// deferred for the Spam folder.
func AuthLabel(a *event.AuthResults) (string, Tone) {
	verdict := func(r string) string {
		if r = clean(r); r != "" {
			return r
		}
		return "none"
	}
	label := strings.Join([]string{
		"SPF " + verdict(a.SPF.Result),
		"DKIM " + verdict(a.DKIM.Result),
		"DMARC " + verdict(a.DMARC.Result),
	}, " · ")
	tone := Info
	switch act := clean(a.Action); act {
	case "", "accept":
	case "reject":
		label, tone = label+" → reject", Failed
	case "spam":
		label, tone = label+" → spam", Deferred
	default:
		label += " → " + act
	}
	return label, tone
}
