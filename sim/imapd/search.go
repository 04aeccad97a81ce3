package imapd

import (
	"bytes"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	gomessage "github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"

	"github.com/mailflow/mailflow/sim/mailstore"
)

func (s *session) Search(kind imapserver.NumKind, criteria *imap.SearchCriteria, opts *imap.SearchOptions) (*imap.SearchData, error) {
	var data *imap.SearchData
	err := s.sel.mb.locked(func() error {
		msgs, err := s.sel.mb.syncLocked(nil)
		if err == nil {
			data = s.sel.search(kind, criteria, opts, msgs)
		}
		return err
	})
	return data, storeErr(err)
}

// search runs a SEARCH over the synced messages. Call with mb.mu held.
func (sel *selection) search(kind imapserver.NumKind, criteria *imap.SearchCriteria, opts *imap.SearchOptions, msgs []mailstore.Message) *imap.SearchData {
	sel.staticCriteria(criteria, msgs)
	var (
		data imap.SearchData
		seqs imap.SeqSet
		uids imap.UIDSet
	)
	for i := range msgs {
		m := &msgs[i]
		seq := sel.st.EncodeSeqNum(uint32(i + 1))
		if seq == 0 || !match(m, seq, sel.recent[m.UID], criteria) {
			continue
		}
		seqs.AddNum(seq)
		uids.AddNum(imap.UID(m.UID))
		num := seq
		if kind == imapserver.NumKindUID {
			num = m.UID
		}
		if data.Count == 0 || num < data.Min {
			data.Min = num
		}
		data.Max = max(data.Max, num)
		data.Count++
	}
	data.All = seqs
	if kind == imapserver.NumKindUID {
		data.All = uids
	}
	if opts.ReturnSave {
		sel.searchRes = uids
	}
	return &data
}

// staticCriteria resolves "*" and "$" in the criteria's sets.
func (sel *selection) staticCriteria(c *imap.SearchCriteria, msgs []mailstore.Message) {
	var seqs []imap.SeqSet
	for _, set := range c.SeqNum {
		if imap.IsSearchRes(set) {
			c.UID = append(c.UID, sel.searchRes)
			continue
		}
		seqs = append(seqs, sel.static(set, msgs).(imap.SeqSet))
	}
	c.SeqNum = seqs
	for i, set := range c.UID {
		if imap.IsSearchRes(set) {
			c.UID[i] = sel.searchRes
			continue
		}
		c.UID[i] = sel.static(set, msgs).(imap.UIDSet)
	}
	for i := range c.Not {
		sel.staticCriteria(&c.Not[i], msgs)
	}
	for i := range c.Or {
		sel.staticCriteria(&c.Or[i][0], msgs)
		sel.staticCriteria(&c.Or[i][1], msgs)
	}
}

// match reports whether a message meets every criterion (RFC 3501 §6.4.4);
// recent says whether it is \Recent to this session.
func match(m *mailstore.Message, seq uint32, recent bool, c *imap.SearchCriteria) bool {
	hasFlag := func(f imap.Flag) bool {
		if strings.EqualFold(string(f), `\Recent`) {
			return recent
		}
		return m.HasFlag(string(f))
	}
	for _, set := range c.SeqNum {
		if !set.Contains(seq) {
			return false
		}
	}
	for _, set := range c.UID {
		if !set.Contains(imap.UID(m.UID)) {
			return false
		}
	}
	if !inDates(m.InternalDate, c.Since, c.Before) {
		return false
	}
	for _, f := range c.Flag {
		if !hasFlag(f) {
			return false
		}
	}
	for _, f := range c.NotFlag {
		if hasFlag(f) {
			return false
		}
	}
	size := int64(len(crlf(m.Raw)))
	if (c.Larger != 0 && size <= c.Larger) || (c.Smaller != 0 && size >= c.Smaller) {
		return false
	}
	if len(c.Header) > 0 || !c.SentSince.IsZero() || !c.SentBefore.IsZero() {
		h := mail.Header{Header: parse(m.Raw).Header}
		for _, hf := range c.Header {
			if !headerContains(h.FieldsByKey(hf.Key), hf.Value) && !addressContains(h, hf.Key, hf.Value) {
				return false
			}
		}
		if !c.SentSince.IsZero() || !c.SentBefore.IsZero() {
			t, err := h.Date()
			if err != nil || !inDates(t, c.SentSince, c.SentBefore) {
				return false
			}
		}
	}
	for _, text := range c.Text {
		if !entityContains(parse(m.Raw), strings.ToLower(text), true) {
			return false
		}
	}
	for _, text := range c.Body {
		if !entityContains(parse(m.Raw), strings.ToLower(text), false) {
			return false
		}
	}
	for i := range c.Not {
		if match(m, seq, recent, &c.Not[i]) {
			return false
		}
	}
	for _, or := range c.Or {
		if !match(m, seq, recent, &or[0]) && !match(m, seq, recent, &or[1]) {
			return false
		}
	}
	return true
}

// inDates compares dates only, ignoring time and zone, as IMAP does.
func inDates(t, since, before time.Time) bool {
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return (since.IsZero() || !d.Before(since)) && (before.IsZero() || d.Before(before))
}

// parse reads a message; a malformed one still gives an (empty) entity.
func parse(raw []byte) *gomessage.Entity {
	e, _ := gomessage.Read(bytes.NewReader(raw)) // an unknown charset still gives an entity
	if e == nil {
		e, _ = gomessage.New(gomessage.Header{}, bytes.NewReader(nil))
	}
	return e
}

func headerContains(fields gomessage.HeaderFields, pattern string) bool {
	pattern = strings.ToLower(pattern)
	for fields.Next() {
		if pattern == "" {
			return true
		}
		v, err := fields.Text()
		if err != nil {
			v = fields.Value()
		}
		if strings.Contains(strings.ToLower(v), pattern) {
			return true
		}
	}
	return false
}

// addressContains compares an address field written plainly, so that
// "user (comment) @ host" is found as user@host.
func addressContains(h mail.Header, key, pattern string) bool {
	if !slices.ContainsFunc(addressFields, func(f string) bool { return strings.EqualFold(f, key) }) {
		return false
	}
	pattern = strings.ToLower(pattern)
	for fields := h.FieldsByKey(key); fields.Next(); {
		if strings.Contains(strings.ToLower(addressText(fields.Value())), pattern) {
			return true
		}
	}
	return false
}

// entityContains looks for a lower-cased pattern in the decoded text parts
// and, for TEXT, in the header fields too.
func entityContains(e *gomessage.Entity, pattern string, withHeader bool) bool {
	if withHeader && headerContains(e.Header.Fields(), pattern) {
		return true
	}
	if mr := e.MultipartReader(); mr != nil {
		for {
			part, err := mr.NextPart()
			if err != nil {
				return false
			}
			if entityContains(part, pattern, withHeader) {
				return true
			}
		}
	}
	t, _, err := e.Header.ContentType()
	if err != nil {
		t = "text/plain" // RFC 2045 §5.2 default
	}
	if !strings.HasPrefix(t, "text/") && !strings.HasPrefix(t, "message/") {
		return false
	}
	body, err := io.ReadAll(io.LimitReader(e.Body, maxAppend))
	if err != nil && len(body) == 0 {
		return false
	}
	return bytes.Contains(bytes.ToLower(body), []byte(pattern))
}
