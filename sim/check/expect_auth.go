package check

import (
	"fmt"
	"strings"

	"github.com/mailflow/mailflow/scenarios"
	"github.com/mailflow/mailflow/sim/event"
)

// checkAuth matches the verdicts receiving servers reached on a message:
// some auth.result event of it (at the host, when given) has every result
// asked for.
func (c *Checker) checkAuth(x *scenarios.AuthExpectation) Result {
	var want []string
	for _, f := range []struct{ name, val string }{{"spf", x.SPF}, {"dkim", x.DKIM}, {"dmarc", x.DMARC}} {
		if f.val != "" {
			want = append(want, f.name+"="+f.val)
		}
	}
	r := Result{Kind: "auth", Expected: "message " + x.Message + " checked with " + strings.Join(want, " ")}
	if x.ReasonContains != "" {
		r.Expected += fmt.Sprintf(" for a reason containing %q", x.ReasonContains)
	}
	if x.Host != "" {
		r.Expected += " at " + x.Host
	}
	keep := func(e event.Event) bool {
		return e.Kind == event.AuthResult && e.Auth != nil && e.Msg == x.Message &&
			(x.Host == "" || strings.EqualFold(e.Host, x.Host))
	}
	var seen []string
	for _, e := range c.Events() {
		if !keep(e) {
			continue
		}
		a := e.Auth
		seen = append(seen, fmt.Sprintf("%s: spf=%s dkim=%s dmarc=%s", e.Host, a.SPF.Result, a.DKIM.Result, a.DMARC.Result))
		reasons := a.SPF.Reason + "\n" + a.DKIM.Reason + "\n" + a.DMARC.Reason + "\n" + a.Why
		if (x.SPF == "" || a.SPF.Result == x.SPF) && (x.DKIM == "" || a.DKIM.Result == x.DKIM) &&
			(x.DMARC == "" || a.DMARC.Result == x.DMARC) &&
			(x.ReasonContains == "" || strings.Contains(reasons, x.ReasonContains)) {
			r.Passed = true
			r.Observed = seen[len(seen)-1]
			return r
		}
	}
	if len(seen) == 0 {
		r.Observed = "no server checked message " + x.Message
	} else {
		r.Observed = strings.Join(seen, "; ")
	}
	r.Related = c.related(keep)
	return r
}
