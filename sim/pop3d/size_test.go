package pop3d

import (
	"testing"

	"github.com/mailflow/mailflow/sim/mailstore"
)

// The size LIST and STAT report without reading a message is the size
// RETR sends.
func TestSizeWithoutReadingIsTheSizeSent(t *testing.T) {
	for _, raw := range []string{"", "x", "a\r\nb\r\n", "a\nb\n", "a\nb", "a\r\nb\r", "\n\n", "\r", "a\r\r\nb\n\r\n"} {
		s := mailstore.New()
		s.AddUser("u@x.test", "pw")
		if _, err := s.Deliver("u@x.test", mailstore.Inbox, []byte(raw), mailstore.Message{}.InternalDate); err != nil {
			t.Fatal(err)
		}
		_, entries, err := s.List("u@x.test", mailstore.Inbox)
		if err != nil {
			t.Fatal(err)
		}
		m := dropMsg{raw: entries[0].Raw, size: popSize(entries[0].Raw, entries[0].WireSize)}
		if got := len(m.bytes()); got != m.size {
			t.Errorf("%q: reported %d octets, sends %d", raw, m.size, got)
		}
	}
}
