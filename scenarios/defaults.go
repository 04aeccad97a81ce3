package scenarios

import (
	"fmt"
	"mime"
	"path/filepath"
	"strings"
)

// Default values, as documented on the fields.
const (
	DefaultSeed           = 1
	DefaultStart          = "2026-01-05T09:00:00Z"
	DefaultPassword       = "password"
	DefaultPort           = 587
	DefaultAuthMechanism  = "PLAIN"
	DefaultAttachmentSize = 1024
	DefaultContentType    = "application/octet-stream"
	DefaultTimeout        = "10s"
	DefaultLoadSize       = 1024
	DefaultFolder         = "INBOX"
	DefaultTTL            = 300
)

// Allowed values of the enumerated fields, shared by validation and Schema.
var (
	Ports          = []int{25, 465, 587}
	TLSModes       = []string{"starttls", "implicit", "none"}
	AuthMechanisms = []string{"PLAIN", "LOGIN"}
	Services       = []string{"smtp", "submission", "submissions", "pop3", "pop3s", "imap", "imaps"}
	RecordTypes    = []string{"A", "AAAA", "MX", "TXT", "CNAME", "NS"}
)

// applyDefaults fills every unset field that has a documented default. It
// runs after decoding and before validation, so validation sees final values.
func applyDefaults(s *Scenario) {
	if s.Seed == 0 {
		s.Seed = DefaultSeed
	}
	if s.Start == "" {
		s.Start = DefaultStart
	}
	for i := range s.Domains {
		d := &s.Domains[i]
		for j := range d.Users {
			if d.Users[j].Password == "" {
				d.Users[j].Password = DefaultPassword
			}
		}
		for j := range d.Hosts {
			h := &d.Hosts[j]
			if len(h.Services) == 0 {
				h.Services = append([]string(nil), Services...)
			}
			if h.Mailboxes == nil {
				h.Mailboxes = ptr(j == 0)
			}
		}
		for j := range d.DNS {
			if d.DNS[j].TTL == 0 {
				d.DNS[j].TTL = DefaultTTL
			}
		}
	}
	sends, fetches, loads := 0, 0, 0
	for i := range s.Actions {
		if l := s.Actions[i].Load; l != nil {
			loads++
			defaultLoad(l, loads)
		}
		if f := s.Actions[i].Fetch; f != nil {
			fetches++
			defaultFetch(f, fetches)
		}
		if a := s.Actions[i].Send; a != nil {
			sends++
			defaultSend(a, sends)
		}
		if w := s.Actions[i].Wait; w != nil && w.Timeout == "" {
			w.Timeout = DefaultTimeout
		}
	}
	for i := range s.Expect {
		e := &s.Expect[i]
		for _, d := range []*Delivered{e.Delivered, e.NotDelivered} {
			if d != nil && d.Folder == "" {
				d.Folder = DefaultFolder
			}
		}
	}
}

// defaultLoad fills the defaults of the n-th load action (from 1).
func defaultLoad(l *LoadAction, n int) {
	if l.ID == "" {
		l.ID = fmt.Sprintf("load%d", n)
	}
	if l.Concurrency == 0 {
		l.Concurrency = 1
	}
	if l.Size == 0 {
		l.Size = DefaultLoadSize
	}
	if l.Subject == "" {
		l.Subject = "Load test"
	}
}

// defaultSend fills the defaults of the n-th send action (from 1).
func defaultSend(a *Send, n int) {
	if a.ID == "" {
		a.ID = fmt.Sprintf("m%d", n)
	}
	if a.Port == 0 {
		a.Port = DefaultPort
	}
	if a.TLS == "" {
		a.TLS = "starttls"
		if a.Port == 465 {
			a.TLS = "implicit"
		}
	}
	if a.Auth == nil {
		a.Auth = ptr(a.Port != 25)
	}
	if a.AuthMechanism == "" {
		a.AuthMechanism = DefaultAuthMechanism
	}
	for i := range a.Attachments {
		at := &a.Attachments[i]
		if at.ContentType == "" {
			at.ContentType = contentType(at.Name)
		}
		if at.Content == "" && at.Size == 0 {
			at.Size = DefaultAttachmentSize
		}
	}
}

// commonTypes fixes the types of the usual attachments, so a scenario's
// messages do not depend on the machine's MIME tables.
var commonTypes = map[string]string{
	".pdf":  "application/pdf",
	".txt":  "text/plain; charset=utf-8",
	".md":   "text/markdown; charset=utf-8",
	".csv":  "text/csv; charset=utf-8",
	".html": "text/html; charset=utf-8",
	".json": "application/json",
	".xml":  "text/xml; charset=utf-8",
	".zip":  "application/zip",
	".png":  "image/png",
	".jpg":  "image/jpeg",
	".jpeg": "image/jpeg",
	".gif":  "image/gif",
	".ics":  "text/calendar; charset=utf-8",
	".doc":  "application/msword",
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
	".odt":  "application/vnd.oasis.opendocument.text",
	".exe":  "application/vnd.microsoft.portable-executable",
}

// contentType guesses an attachment's MIME type from its file name.
func contentType(name string) string {
	ext := strings.ToLower(filepath.Ext(name))
	if t, ok := commonTypes[ext]; ok {
		return t
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return DefaultContentType
}

func ptr[T any](v T) *T { return &v }
