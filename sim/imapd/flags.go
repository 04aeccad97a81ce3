package imapd

import (
	"io"
	"slices"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"

	"github.com/mailflow/mailflow/sim/mailstore"
)

// What a selected session hears of flags: the keywords in use (FLAGS,
// PERMANENTFLAGS) and \Recent, which is its own.

func flagSet(flags []imap.Flag) map[imap.Flag]bool {
	set := make(map[imap.Flag]bool, len(flags))
	for _, f := range flags {
		set[f] = true
	}
	return set
}

// flagsUpdate returns the FLAGS and PERMANENTFLAGS responses that tell the
// client of keywords new to the folder, or "". Call with mb.mu held; send
// it with untagged before any FETCH shows one (RFC 3501 §7.2.6).
func (sel *selection) flagsUpdate(msgs []mailstore.Message) string {
	flags := mailboxFlags(msgs)
	fresh := false
	for _, f := range flags {
		if !sel.flagsSent[f] {
			fresh = true
			sel.flagsSent[f] = true
		}
	}
	if !fresh {
		return ""
	}
	list := make([]string, len(flags))
	for i, f := range flags {
		list[i] = string(f)
	}
	perm := ""
	if !sel.readOnly {
		perm = strings.Join(list, " ") + ` \*`
	}
	return "* FLAGS (" + strings.Join(list, " ") + ")\r\n* OK [PERMANENTFLAGS (" + perm + ")] Flags permitted\r\n"
}

// untagged writes responses imapserver has no writer for. It runs where
// imapserver writes nothing else: before a command's own responses, or
// from Poll.
func (sel *selection) untagged(text string) error {
	if text == "" {
		return nil
	}
	_, err := io.WriteString(sel.out, text)
	return err
}

// sendRecentFlags sends the flag changes of this session's \Recent
// messages, with \Recent, numbered as the client knows them now.
func (sel *selection) sendRecentFlags(w *imapserver.UpdateWriter) error {
	type update struct {
		seq   uint32
		uid   uint32
		flags []imap.Flag
	}
	var updates []update
	_ = sel.mb.locked(func() error {
		if len(sel.flagUpdates) == 0 {
			return nil
		}
		msgs, err := sel.mb.hub.store.Messages(sel.mb.user, sel.mb.name)
		if err != nil {
			return err
		}
		byUID := make(map[uint32][]string, len(msgs))
		for _, m := range msgs {
			byUID[m.UID] = m.Flags
		}
		for i, uid := range sel.mb.uids {
			flags, ok := byUID[uid]
			if !sel.flagUpdates[uid] || !ok {
				continue
			}
			if seq := sel.st.EncodeSeqNum(uint32(i + 1)); seq != 0 {
				updates = append(updates, update{seq, uid, append(imapFlags(flags), imap.Flag(`\Recent`))})
			}
		}
		clear(sel.flagUpdates)
		return nil
	})
	for _, u := range updates {
		if err := w.WriteMessageFlags(u.seq, imap.UID(u.uid), u.flags); err != nil {
			return err
		}
	}
	return nil
}

// claims reports whether messages become \Recent to this session: it
// selected read-write and speaks IMAP4rev1 (IMAP4rev2 has no \Recent).
func (sel *selection) claims() bool { return !sel.readOnly && sel.rev1 }

// recentNow counts the session's \Recent messages still in msgs.
func (sel *selection) recentNow(msgs []mailstore.Message) int {
	n := 0
	for _, m := range msgs {
		if sel.recent[m.UID] {
			n++
		}
	}
	return n
}

// mailboxFlags lists the system flags and the keywords in use.
func mailboxFlags(msgs []mailstore.Message) []imap.Flag {
	flags := slices.Clone(systemFlags)
	for _, m := range msgs {
		for _, f := range imapFlags(m.Flags) {
			if !slices.Contains(flags, f) {
				flags = append(flags, f)
			}
		}
	}
	return flags
}
