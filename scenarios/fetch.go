package scenarios

import (
	"fmt"
	"slices"
	"strings"
)

// Protocols a fetch action speaks.
var FetchProtocols = []string{"pop3", "imap"}

// defaultFetch fills the defaults of the n-th fetch action (from 1).
func defaultFetch(f *Fetch, n int) {
	if f.ID == "" {
		f.ID = fmt.Sprintf("f%d", n)
	}
	f.Protocol = strings.ToLower(f.Protocol)
	if f.TLS == "" {
		f.TLS = "implicit"
	}
	if f.Keep == nil {
		f.Keep = ptr(f.Protocol == "imap")
	}
	if f.Folder == "" {
		f.Folder = DefaultFolder
	}
}

// fetch checks one fetch action.
func (v *validator) fetch(p string, f *Fetch, fetchIDs map[string]bool) {
	if f.User != "" {
		v.user(p+".user", f.User, "the client logs in as a user of a domain above")
	}
	if !contains(FetchProtocols, f.Protocol) && !v.failed[p+".protocol"] {
		v.at(p+".protocol", oneOfHint(f.Protocol, FetchProtocols), "unknown protocol %q", f.Protocol)
	}
	if !contains(TLSModes, f.TLS) {
		v.at(p+".tls", oneOfHint(f.TLS, TLSModes), "unknown tls mode %q", f.TLS)
	}
	if f.Protocol == "pop3" && f.Folder != DefaultFolder {
		v.at(p+".folder", "POP3 knows only the INBOX; use protocol: imap to read other folders", "pop3 cannot read folder %q", f.Folder)
	}
	v.oneLine(p+".folder", "a folder", f.Folder)
	idp := p + ".id"
	switch {
	case !idRe.MatchString(f.ID):
		v.at(idp, "", "fetch id %q may hold only letters, digits, '.', '_' and '-'", f.ID)
	case fetchIDs[f.ID]:
		v.at(idp, "give each fetch an id of its own", "duplicate fetch id %s", f.ID)
	}
	fetchIDs[f.ID] = true
}

// fetched checks a fetched expectation against the fetch ids.
func (v *validator) fetched(p string, x *FetchedExpectation) {
	if x.Fetch != "" && !slices.Contains(v.fetchIDs(), x.Fetch) {
		v.at(p+".fetch", didYouMeanName(x.Fetch, v.fetchIDs()), "no fetch action has id %s", x.Fetch)
	}
	if x.Count != nil && *x.Count < 0 {
		v.at(p+".count", "", "count %d cannot be negative", *x.Count)
	}
	if x.From != "" {
		v.address(p+".from", x.From)
	}
	v.headers(p+".headers", x.Headers)
}

// fetchIDs lists the fetch ids in action order, so a suggestion among
// equally close ids is the same on every run.
func (v *validator) fetchIDs() []string {
	var ids []string
	for _, a := range v.s.Actions {
		if a.Fetch != nil {
			ids = append(ids, a.Fetch.ID)
		}
	}
	return ids
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
