package scenarios

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The enumerated values of the failure settings.
var (
	CertificateFaults = []string{"expired", "not-yet-valid", "wrong-name", "unknown-ca", "self-signed"}
	TLSPolicies       = []string{"none", "opportunistic", "required"}
	TLSFailures       = []string{"defer", "bounce"}
	FaultStages       = []string{"connect", "greeting", "ehlo", "starttls", "auth", "mail", "rcpt", "data", "dot", "data_disconnect"}
	FaultEffects      = []string{"refuse", "not_offered", "handshake", "slow"}
	DNSAnswers        = []string{"nxdomain", "servfail", "no_answer", "drop"}
	FullKinds         = []string{"temporary", "permanent"}
	WithinStates      = []string{"delivered", "bounced"}
	NotifyValues      = []string{"never", "success", "failure", "delay"}
	RetValues         = []string{"full", "hdrs"}
	BounceActions     = []string{"failed", "delayed"}
	// ReplyStages name the stages of an SMTP dialogue by the client command
	// a reply answers; connect is the greeting.
	ReplyStages = []string{"connect", "ehlo", "starttls", "auth", "mail", "rcpt", "data", "rset", "quit"}
)

var daysRe = regexp.MustCompile(`^(\d+(?:\.\d+)?)d(.*)$`)

// ParseDuration is time.ParseDuration that also takes days ("5d", "1d12h"),
// the unit mail queues speak in.
func ParseDuration(s string) (time.Duration, error) {
	if m := daysRe.FindStringSubmatch(s); m != nil {
		days, err := strconv.ParseFloat(m[1], 64)
		if err != nil {
			return 0, err
		}
		rest := time.Duration(0)
		if m[2] != "" {
			if rest, err = time.ParseDuration(m[2]); err != nil {
				return 0, err
			}
		}
		return time.Duration(days*24*float64(time.Hour)) + rest, nil
	}
	return time.ParseDuration(s)
}

// failures checks servers, queue and faults.
func (v *validator) failures() {
	seen := map[string]string{}
	for i, srv := range v.s.Servers {
		p := fmt.Sprintf("servers[%d]", i)
		v.knownHost(p+".host", srv.Host)
		if first, dup := seen[strings.ToLower(srv.Host)]; dup && srv.Host != "" {
			v.at(p+".host", "merge the settings into one entry", "host %s is already tuned (first at %s)", srv.Host, v.firstAt(first, p+".host"))
		}
		seen[strings.ToLower(srv.Host)] = p + ".host"
		v.enum(p+".certificate", srv.Certificate, CertificateFaults, "certificate fault")
		v.enum(p+".tls_policy", srv.TLSPolicy, TLSPolicies, "TLS policy")
		v.enum(p+".tls_failure", srv.TLSFailure, TLSFailures, "TLS failure action")
		if srv.TLSFailure != "" && srv.TLSPolicy != "required" {
			v.at(p+".tls_failure", "set tls_policy: required, or remove tls_failure", "tls_failure applies only to tls_policy: required")
		}
		v.queue(p+".queue", srv.Queue)
		v.relaySettings(p, srv)
		v.knownHost(p+".relay_to", srv.RelayTo)
		if srv.RelayTo != "" && strings.EqualFold(srv.RelayTo, srv.Host) {
			v.at(p+".relay_to", "name another host", "a host cannot relay to itself")
		}
		for _, n := range []struct {
			field string
			val   int
		}{{"max_message_size", srv.MaxMessageSize}, {"max_recipients", srv.MaxRecipients}, {"max_received", srv.MaxReceived}} {
			if n.val < 0 {
				v.at(p+"."+n.field, "", "%s cannot be negative", n.field)
			}
		}
		if g := srv.Greylist; g != nil {
			v.duration(p+".greylist.delay", g.Delay)
		}
		for j, f := range srv.Full {
			fp := fmt.Sprintf("%s.full[%d]", p, j)
			v.user(fp+".user", f.User, "a full mailbox belongs to a user of a domain above")
			v.enum(fp+".kind", f.Kind, FullKinds, "kind")
		}
	}
	v.queue("queue", v.s.Queue)
	v.mailboxSettings()
	for i := range v.s.Faults {
		v.fault(fmt.Sprintf("faults[%d]", i), &v.s.Faults[i])
	}
}

func (v *validator) knownHost(path, name string) {
	if name == "" {
		return
	}
	if _, ok := v.hosts[strings.ToLower(name)]; !ok {
		v.at(path, didYouMeanName(name, v.hostNames), "unknown host %s", name)
	}
}

func (v *validator) enum(path, val string, allowed []string, what string) {
	if val != "" && !contains(allowed, val) && !v.failed[path] {
		v.at(path, oneOfHint(val, allowed), "unknown %s %q", what, val)
	}
}

func (v *validator) duration(path, s string) {
	if s == "" {
		return
	}
	if d, err := ParseDuration(s); err != nil || d <= 0 {
		v.at(path, "write a positive duration such as 30m, 2h or 5d", "%q is not a duration", s)
	}
}

func (v *validator) queue(p string, q *Queue) {
	if q == nil {
		return
	}
	for j, r := range q.Retry {
		v.duration(fmt.Sprintf("%s.retry[%d]", p, j), r)
	}
	v.duration(p+".give_up", q.GiveUp)
	v.duration(p+".delay_notice", q.DelayNotice)
}

func (v *validator) fault(p string, f *Fault) {
	switch {
	case f.Host == "" && f.DNS == "":
		v.at(p, "name the host whose SMTP server misbehaves, or the DNS name", "a fault needs host or dns")
		return
	case f.Host != "" && f.DNS != "":
		v.at(p+".dns", "write two faults, one for the host and one for the DNS name", "a fault has host or dns, not both")
		return
	}
	if f.Times < 0 {
		v.at(p+".times", "", "times cannot be negative")
	}
	switch pr := f.Probability; {
	case v.failed[p+".probability"]:
	case pr < 0 || pr > 1:
		v.at(p+".probability", "a probability runs from 0 to 1, e.g. 0.3", "probability %v is outside 0 to 1", pr)
	case pr == 0 && v.explicit(p+".probability"):
		// 0 is how the fault injector reads "unset", that is always
		v.at(p+".probability", "write a value above 0, up to 1, or remove the fault", "probability 0 would never apply")
	}
	v.duration(p+".delay", f.Delay)
	v.window(p, f)
	if f.DNS != "" {
		if f.Answer == "" && !v.failed[p+".answer"] {
			v.at(p, oneOfHint("", DNSAnswers), "a DNS fault needs answer")
		}
		v.enum(p+".answer", f.Answer, DNSAnswers, "DNS answer")
		if f.Type != "" {
			v.enum(p+".type", strings.ToUpper(f.Type), RecordTypes, "record type")
		}
		for _, field := range []string{"stage", "reply", "effect", "recipient", "port"} {
			if v.explicit(p + "." + field) {
				v.at(p+"."+field, "it belongs to host faults", "%s does not apply to a DNS fault", field)
			}
		}
		return
	}
	v.knownHost(p+".host", f.Host)
	if f.Stage == "" && !v.failed[p+".stage"] {
		v.at(p, oneOfHint("", FaultStages), "a host fault needs stage")
	}
	v.enum(p+".stage", f.Stage, FaultStages, "stage")
	v.enum(p+".effect", f.Effect, FaultEffects, "effect")
	okEffect := map[string][]string{"connect": {"refuse", "slow"}, "starttls": {"not_offered", "handshake", "slow"}}
	if f.Effect != "" && f.Effect != "slow" && !contains(okEffect[f.Stage], f.Effect) && contains(FaultEffects, f.Effect) {
		v.at(p+".effect", fmt.Sprintf("at stage %s use a reply, or effect slow", f.Stage), "effect %s does not apply to stage %s", f.Effect, f.Stage)
	}
	if f.Effect == "slow" && f.Delay == "" {
		v.at(p+".effect", "add delay: 10m (longer than the client's 5-minute timeout)", "effect slow needs a delay")
	}
	if f.Port != 0 && !contains([]string{"25", "465", "587"}, strconv.Itoa(f.Port)) {
		v.at(p+".port", "use 25, 587 or 465", "port %d does not run SMTP", f.Port)
	}
	if f.Recipient != "" {
		v.address(p+".recipient", f.Recipient)
		if f.Stage != "rcpt" {
			v.at(p+".recipient", "use it with stage: rcpt", "recipient applies only to stage rcpt")
		}
	}
	if r := f.Reply; r != nil {
		if r.Code < 200 || r.Code > 599 {
			v.at(p+".reply.code", "reply codes run from 200 to 599", "%d is not an SMTP reply code", r.Code)
		} else if r.Enhanced != "" && (!enhancedRe.MatchString(r.Enhanced) || r.Enhanced[0] != strconv.Itoa(r.Code)[0]) {
			v.at(p+".reply.enhanced", "an enhanced code has three numbers and starts with the reply's class, e.g. 4.3.0 for 451", "%q does not fit reply %d", r.Enhanced, r.Code)
		}
		v.oneLine(p+".reply.text", "reply text", r.Text)
	}
}

// moreExpectations checks the expectation kinds about failures and hops.
func (v *validator) moreExpectations(p string, e Expectation) {
	if b := e.Bounced; b != nil {
		v.messageID(p+".bounced.message", b.Message)
		if b.Recipient != "" {
			v.address(p+".bounced.recipient", b.Recipient)
		}
		if b.Status != "" && !regexp.MustCompile(`^[245](\.\d{1,3}){0,2}\.?$`).MatchString(b.Status) {
			v.at(p+".bounced.status", "write a status such as 5.1.1, or a prefix such as 5.", "%q is not a status code", b.Status)
		}
		v.enum(p+".bounced.action", b.Action, BounceActions, "action")
	}
	if d := e.DNS; d != nil && d.Type != "" {
		v.enum(p+".dns.type", strings.ToUpper(d.Type), append(RecordTypes, "SOA"), "record type")
	}
	if t := e.Retries; t != nil {
		v.messageID(p+".retries.message", t.Message)
		if t.Count == nil && t.AtLeast == 0 {
			v.at(p+".retries", "add count: N or at_least: N", "retries needs count or at_least")
		}
	}
	if w := e.Within; w != nil {
		v.messageID(p+".within.message", w.Message)
		v.duration(p+".within.duration", w.Duration)
		v.enum(p+".within.state", w.State, WithinStates, "state")
	}
	if t := e.Transcript; t != nil {
		if t.Message != "" {
			v.messageID(p+".transcript.message", t.Message)
		}
		v.knownHost(p+".transcript.peer", t.Peer)
		v.replyStage(p+".transcript.stage", t.Stage)
		if t.Count != nil && *t.Count < 0 {
			v.at(p+".transcript.count", "write 0 to check that no line matches", "count %d cannot be negative", *t.Count)
		}
	}
	if t := e.TLS; t != nil {
		v.knownHost(p+".tls.to", t.To)
	}
	v.authExpectation(p+".auth", e.Auth)
}

// dsnParams checks a send's NOTIFY and RET (RFC 3461 §4.1: NEVER stands
// alone).
func (v *validator) dsnParams(p string, s *Send) {
	for j, n := range s.Notify {
		v.enum(fmt.Sprintf("%s.notify[%d]", p, j), strings.ToLower(n), NotifyValues, "notify value")
		if strings.EqualFold(n, "never") && len(s.Notify) > 1 {
			v.at(fmt.Sprintf("%s.notify[%d]", p, j), "write notify: [never] alone, or list the notices wanted", "never cannot be combined with other notify values")
		}
	}
	v.enum(p+".ret", strings.ToLower(s.Ret), RetValues, "ret value")
}

// window checks a fault's from, until and for.
func (v *validator) window(p string, f *Fault) {
	if f.From == "" && f.Until == "" && f.For == "" {
		return
	}
	_, field, err := FaultWindow(*f, v.s.StartTime())
	if err == nil || v.failed[p+"."+field] {
		return
	}
	hint := ""
	switch {
	case strings.Contains(err.Error(), "is not a time") || strings.Contains(err.Error(), "is not a span"):
		hint = errWindowTime.Error()
	case strings.Contains(err.Error(), "is not a duration"):
		hint = "write a positive duration such as 30m, 3h or 1d"
	case strings.Contains(err.Error(), "not both"):
		hint = "keep one of them"
	}
	v.at(p+"."+field, hint, "%s", err.Error())
}
