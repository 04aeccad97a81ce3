package scenarios

import (
	"fmt"
	"maps"
	"mime"
	"regexp"
	"slices"
	"strings"
	"time"
)

// MaxAttachmentSize bounds generated attachments: the simulator keeps every
// message in memory.
const MaxAttachmentSize = 10 << 20

var (
	idRe       = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	enhancedRe = regexp.MustCompile(`^[245]\.[0-9]{1,3}\.[0-9]{1,3}$`)
)

// oneLine reports line breaks in a value that goes into a header or a
// protocol line, where they would forge extra headers or commands.
func (v *validator) oneLine(path, what, s string) {
	if strings.ContainsAny(s, "\r\n") {
		v.at(path, "write it on one line; a | or > block keeps its final newline unless written |- or >-", "%s cannot contain a line break", what)
	}
}

// address checks an address at path and returns it normalised, or "".
func (v *validator) address(path, s string) string {
	addr, prob, hint := parseAddress(s)
	if prob != "" {
		v.at(path, hint, "%s", prob)
	}
	return addr
}

// user checks that an address at path belongs to a simulated user.
func (v *validator) user(path, s, why string) {
	addr := v.address(path, s)
	if addr == "" {
		return
	}
	if _, ok := v.users[strings.ToLower(addr)]; ok {
		return
	}
	if hint := didYouMeanName(addr, v.userAddrs); hint != "" {
		v.at(path, hint, "unknown user %s", addr)
		return
	}
	domain := addr[strings.LastIndexByte(addr, '@')+1:]
	if v.domainSet[domain] || len(v.domainList) == 0 {
		v.at(path, why, "unknown user %s", addr)
		return
	}
	hint := didYouMeanName(domain, v.domainList)
	if hint == "" {
		hint = why
	}
	v.at(path, hint, "unknown user %s: %s is not a simulated domain", addr, domain)
}

func (v *validator) actions() {
	var sent []string // ids sent before the current action
	fetchIDs := map[string]bool{}
	for i, a := range v.s.Actions {
		p := fmt.Sprintf("actions[%d]", i)
		if a.Fetch != nil {
			v.fetch(p+".fetch", a.Fetch, fetchIDs)
		}
		if a.Send != nil {
			v.send(p+".send", a.Send)
			v.dsnParams(p+".send", a.Send)
			v.sendLogin(p+".send", a.Send)
			id := a.Send.ID
			idp := p + ".send.id"
			switch first, dup := v.ids[id]; {
			case !idRe.MatchString(id):
				v.at(idp, "", "message id %q may hold only letters, digits, '.', '_' and '-'", id)
			case dup && !v.explicit(idp):
				v.at(p+".send", "give this send an id of its own", "this send's default id %s is already taken by the send at %s", id, v.firstAt(fmt.Sprintf("actions[%d].send", first), p+".send"))
			case dup:
				v.at(idp, "", "duplicate message id %s (first at %s)", id, v.firstAt(fmt.Sprintf("actions[%d].send", first), idp))
			default:
				v.ids[id] = i
				v.idList = append(v.idList, id)
			}
			sent = append(sent, id)
		}
		if a.Load != nil {
			sent = append(sent, v.load(p+".load", a.Load, i)...)
		}
		if a.Wait != nil {
			v.wait(p+".wait", a.Wait, sent)
		}
	}
}

func (v *validator) send(p string, a *Send) {
	if a.From != "" && !v.failed[p+".auth"] {
		if *a.Auth && a.Login == "" {
			v.user(p+".from", a.From, "a sender that authenticates must be a user of a domain above; or set auth: false, or login: as another user")
		} else {
			v.address(p+".from", a.From)
		}
	}
	for _, rc := range []struct {
		field string
		list  []string
	}{{"to", a.To}, {"cc", a.Cc}, {"bcc", a.Bcc}} {
		for j, r := range rc.list {
			v.address(fmt.Sprintf("%s.%s[%d]", p, rc.field, j), r)
		}
	}
	if !slices.Contains(Ports, a.Port) {
		v.at(p+".port", "use 587 for submission, 465 for submissions or 25 for smtp", "port %d is not an SMTP port the simulator serves", a.Port)
	}
	if !slices.Contains(TLSModes, a.TLS) {
		v.at(p+".tls", oneOfHint(a.TLS, TLSModes), "unknown tls mode %q", a.TLS)
	} else if implicit := a.Port == 465; implicit != (a.TLS == "implicit") && slices.Contains(Ports, a.Port) {
		// RFC 8314: port 465 speaks TLS from the first byte and nothing
		// else; 587 and 25 greet in plain text. A mismatch would leave
		// each side waiting for the other to speak first.
		hint := fmt.Sprintf("use tls: implicit on port 465, or port 587 for tls: %s", a.TLS)
		if !implicit {
			hint = fmt.Sprintf("use port 465 for implicit TLS, or tls: starttls on port %d", a.Port)
		}
		v.at(p+".tls", hint, "tls: %s does not work on port %d", a.TLS, a.Port)
	}
	if !slices.Contains(AuthMechanisms, a.AuthMechanism) {
		v.at(p+".auth_mechanism", oneOfHint(a.AuthMechanism, AuthMechanisms), "unknown auth mechanism %q", a.AuthMechanism)
	}
	if !*a.Auth {
		for _, f := range []string{"password", "auth_mechanism"} {
			if v.explicit(p + "." + f) {
				v.at(p+"."+f, "remove it, or set auth: true", "%s has no effect when auth is false", f)
			}
		}
	}
	v.submitHost(p, a)
	if a.Server != "" {
		if _, ok := v.hosts[strings.ToLower(a.Server)]; !ok {
			hint := didYouMeanName(a.Server, v.hostNames)
			if hint == "" {
				hint = "servers are the hosts of the domains above, or mail.<domain> for a domain without hosts"
			}
			v.at(p+".server", hint, "unknown server %s", a.Server)
		}
	}
	v.oneLine(p+".subject", "subject", a.Subject)
	for j, at := range a.Attachments {
		v.attachment(fmt.Sprintf("%s.attachments[%d]", p, j), at)
	}
}

func (v *validator) attachment(p string, at Attachment) {
	v.oneLine(p+".name", "an attachment name", at.Name)
	if strings.ContainsAny(at.Name, "/\\") {
		v.at(p+".name", "", "attachment name %q cannot contain a path; give the file name only", at.Name)
	}
	if _, _, err := mime.ParseMediaType(at.ContentType); err != nil {
		v.at(p+".content_type", "e.g. application/pdf", "%q is not a MIME type", at.ContentType)
	}
	switch {
	case at.Size < 0:
		v.at(p+".size", "", "size %d cannot be negative", at.Size)
	case at.Size > MaxAttachmentSize:
		v.at(p+".size", "", "size %d is too large (at most %d bytes)", at.Size, MaxAttachmentSize)
	case at.Content != "" && v.explicit(p+".size"):
		v.at(p+".size", "remove size, or remove content to attach generated data", "size applies only when content is empty")
	}
}

func (v *validator) wait(p string, w *Wait, sent []string) {
	for j, id := range w.Messages {
		mp := fmt.Sprintf("%s.messages[%d]", p, j)
		switch {
		case slices.Contains(sent, id):
		case v.idKnownLater(id):
			v.at(mp, "move the wait after that send", "message %s is sent after this wait", id)
		default:
			v.at(mp, idHint(id, sent), "unknown message id %s", id)
		}
	}
	d, err := time.ParseDuration(w.Timeout)
	switch {
	case err != nil:
		v.at(p+".timeout", "write a duration such as 10s, 1m or 500ms", "timeout %q is not a duration", w.Timeout)
	case d <= 0:
		v.at(p+".timeout", "", "timeout %s must be positive", w.Timeout)
	}
}

// idKnownLater reports whether some send, at any place, has this id.
func (v *validator) idKnownLater(id string) bool {
	for _, a := range v.s.Actions {
		if a.Send != nil && a.Send.ID == id {
			return true
		}
	}
	return false
}

func (v *validator) messageID(path, id string) {
	if _, ok := v.ids[id]; !ok && !v.loadMsgs[id] {
		v.at(path, idHint(id, v.idList), "unknown message id %s", id)
	}
}

// idHint suggests a close message id, else lists the known ones.
func idHint(id string, ids []string) string {
	switch h := didYouMeanName(id, ids); {
	case h != "":
		return h
	case len(ids) == 0:
		return "no message is sent before this point"
	default:
		return "the send ids are " + quoteList(ids, "and")
	}
}

func (v *validator) expectations() {
	for i, e := range v.s.Expect {
		p := fmt.Sprintf("expect[%d]", i)
		if e.Delivered != nil {
			v.delivered(p+".delivered", e.Delivered, false)
		}
		if e.NotDelivered != nil {
			v.delivered(p+".not_delivered", e.NotDelivered, true)
		}
		if st := e.Steps; st != nil {
			if st.Message != "" {
				v.messageID(p+".steps.message", st.Message)
			}
			seen := map[int]bool{}
			for j, n := range st.Sequence {
				sp := fmt.Sprintf("%s.steps.sequence[%d]", p, j)
				switch {
				case v.failed[sp]:
				case n < 1 || n > 6:
					v.at(sp, "the steps are numbered 1 to 6", "step %d does not exist", n)
				case seen[n]:
					v.at(sp, "", "step %d appears twice", n)
				}
				seen[n] = true
			}
		}
		if r := e.Reply; r != nil {
			v.reply(p+".reply", r)
		}
		if x := e.Fetched; x != nil {
			v.fetched(p+".fetched", x)
		}
		v.moreExpectations(p, e)
	}
}

func (v *validator) delivered(p string, d *Delivered, not bool) {
	if d.Mailbox != "" {
		v.user(p+".mailbox", d.Mailbox, "a mailbox belongs to a user of a domain above")
	}
	if d.From != "" {
		v.address(p+".from", d.From)
	}
	v.oneLine(p+".folder", "a folder", d.Folder)
	v.oneLine(p+".subject", "subject", d.Subject)
	if d.Count != nil {
		switch {
		case not:
			v.at(p+".count", "remove it: not_delivered means no matching message", "count does not apply to not_delivered")
		case *d.Count < 0:
			v.at(p+".count", "", "count %d cannot be negative", *d.Count)
		}
	}
	for j, a := range d.Attachments {
		if a == "" {
			v.at(fmt.Sprintf("%s.attachments[%d]", p, j), "", "an attachment name cannot be empty")
		}
	}
	v.headers(p+".headers", d.Headers)
}

// headerNameRe is a header field name (RFC 5322 §3.6.8: printable ASCII
// but the colon).
var headerNameRe = regexp.MustCompile(`^[!-9;-~]+$`)

// headers checks the header names an expectation looks for.
func (v *validator) headers(p string, h map[string]string) {
	for _, k := range slices.Sorted(maps.Keys(h)) {
		if !headerNameRe.MatchString(k) {
			v.at(p+"."+k, "write the header's name alone, e.g. Reply-To, without the colon", "%q is not a header name", k)
		}
		v.oneLine(p+"."+k, "a header text", h[k])
	}
}

func (v *validator) reply(p string, r *ReplyExpectation) {
	if r.Message != "" {
		v.messageID(p+".message", r.Message)
	}
	v.replyStage(p+".stage", r.Stage)
	if !v.explicit(p+".code") || v.failed[p+".code"] {
		return // reported as missing, or as not a number
	}
	if r.Code < 200 || r.Code > 599 {
		v.at(p+".code", "reply codes run from 200 to 599, e.g. 550", "%d is not an SMTP reply code", r.Code)
		return
	}
	if r.Enhanced == "" {
		return
	}
	switch {
	case !enhancedRe.MatchString(r.Enhanced):
		v.at(p+".enhanced", "enhanced codes look like 5.1.1: class 2, 4 or 5, then two numbers", "%q is not an enhanced status code", r.Enhanced)
	case r.Enhanced[0] != fmt.Sprint(r.Code)[0]:
		v.at(p+".enhanced", "", "enhanced code %s does not match reply code %d: they start with the same digit", r.Enhanced, r.Code)
	}
}

// replyStage checks a stage of the SMTP dialogue named by an expectation,
// pointing the stages of faults to their names here.
func (v *validator) replyStage(p, stage string) {
	if stage == "" || contains(ReplyStages, strings.ToLower(stage)) || v.failed[p] {
		return
	}
	hint := oneOfHint(stage, ReplyStages)
	switch strings.ToLower(stage) {
	case "dot", "data_disconnect":
		hint = "the reply after the final dot answers stage data"
	case "greeting":
		hint = "the greeting answers stage connect"
	case "helo", "lhlo":
		hint = "HELO and EHLO are stage ehlo"
	}
	v.at(p, hint, "unknown stage %q", stage)
}

// submitHost checks that a send without server: has somewhere to submit:
// the domain of the account that logs in (or of the sender) must be
// simulated and have a host running submission (587) or submissions
// (465), as the mail client looks for one there.
func (v *validator) submitHost(p string, a *Send) {
	if a.Server != "" {
		return
	}
	field, who := p+".from", a.From
	if *a.Auth && a.Login != "" {
		field, who = p+".login", a.Login
	}
	v.submitter(field, who, *a.Auth)
}

// submitter checks that who's mail client finds a server of its domain to
// submit to; auth says whether it logs in (then the sender check has
// already told of a domain that is not simulated).
func (v *validator) submitter(field, who string, auth bool) {
	if who == "" || v.failed[field] {
		return
	}
	dom := strings.ToLower(who[strings.LastIndexByte(who, '@')+1:])
	for _, d := range v.s.Domains {
		if !strings.EqualFold(d.Name, dom) {
			continue
		}
		if len(d.Hosts) == 0 {
			return // the default host runs every service
		}
		for _, h := range d.Hosts {
			if len(h.Services) == 0 || slices.Contains(h.Services, "submission") || slices.Contains(h.Services, "submissions") {
				return
			}
		}
		v.at(field, "add submission to the services of one of its hosts; a send may instead name the host with server:",
			"no host of %s runs submission or submissions, so %s's mail client has no server to submit to", d.Name, who)
		return
	}
	if !auth { // with auth, the sender check has said it already
		v.at(field, "name the host the client talks to with server:, e.g. server: mail.school.test, port: 25",
			"%s is not in a domain above, so its mail client has no server to submit to", who)
	}
}
