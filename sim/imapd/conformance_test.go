package imapd

import (
	"slices"
	"strings"
	"testing"
)

// Conformance of the replies mail clients and compliance suites check,
// spoken as raw lines.

// all sends a tagged command and returns every line up to and including
// the tagged reply.
func (c *rawClient) all(tag, line string) []string {
	c.t.Helper()
	c.send(tag + " " + line + "\r\n")
	var lines []string
	for {
		l := c.line()
		lines = append(lines, l)
		if strings.HasPrefix(l, tag+" ") {
			if !strings.HasPrefix(l, tag+" OK") {
				c.t.Fatalf("%s: %q", line, lines)
			}
			return lines
		}
	}
}

func indexOf(lines []string, prefix string) int {
	return slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, prefix) })
}

func TestNewKeywordAnnouncedBeforeFetch(t *testing.T) {
	ts := start(t, false, nil)
	ts.deliver(t, "", rawMsg("one", "1"))
	a := dialRaw(t, ts.addr).loggedIn(t)
	b := dialRaw(t, ts.addr).loggedIn(t)
	a.all("s", "SELECT INBOX")
	b.all("s", "SELECT INBOX")
	got := a.all("k", "STORE 1 +FLAGS ($Important)")
	flags, perm, fetch := indexOf(got, "* FLAGS ("), indexOf(got, "* OK [PERMANENTFLAGS ("), indexOf(got, "* 1 FETCH")
	if flags < 0 || perm < 0 || fetch < 0 || flags > fetch || perm > fetch ||
		!strings.Contains(got[flags], "$Important") || !strings.Contains(got[perm], `$Important \*`) {
		t.Fatalf("STORE of a new keyword: %q", got)
	}
	// The other session hears FLAGS before the FETCH that shows it.
	got = b.all("n", "NOOP")
	flags, fetch = indexOf(got, "* FLAGS ("), indexOf(got, "* 1 FETCH")
	if flags < 0 || fetch < 0 || flags > fetch {
		t.Fatalf("other session: %q", got)
	}
	// Once known, no FLAGS again.
	if got := a.all("k2", "STORE 1 -FLAGS ($Important)"); indexOf(got, "* FLAGS") >= 0 {
		t.Fatalf("FLAGS repeated: %q", got)
	}
}

func TestRecentInIMAP4rev1(t *testing.T) {
	ts := start(t, false, nil)
	ts.deliver(t, "", rawMsg("one", "1"))
	ts.deliver(t, "", rawMsg("two", "2"))
	a := dialRaw(t, ts.addr).loggedIn(t)
	if got := a.all("st", "STATUS INBOX (RECENT MESSAGES)"); !strings.Contains(got[0], "RECENT 2") {
		t.Fatalf("STATUS before anyone looked: %q", got)
	}
	if got := a.all("s", "SELECT INBOX"); indexOf(got, "* 2 RECENT") < 0 {
		t.Fatalf("SELECT: %q", got)
	}
	for _, q := range []string{"RECENT", "NEW"} {
		if got := a.all("q", "SEARCH "+q); got[0] != "* SEARCH 1 2" {
			t.Fatalf("SEARCH %s: %q", q, got)
		}
	}
	if got := a.all("f", "FETCH 1 FLAGS"); !strings.Contains(got[0], `\Recent`) {
		t.Fatalf("FETCH FLAGS: %q", got)
	}
	// Recent to one session only.
	b := dialRaw(t, ts.addr).loggedIn(t)
	if got := b.all("s", "SELECT INBOX"); indexOf(got, "* 0 RECENT") < 0 {
		t.Fatalf("second SELECT: %q", got)
	}
	if got := b.all("q", "SEARCH OLD"); got[0] != "* SEARCH 1 2" {
		t.Fatalf("SEARCH OLD in the second session: %q", got)
	}
	// Flags the other session changes reach the owner with \Recent kept.
	b.all("fl", `STORE 1 +FLAGS (\Flagged)`)
	got := a.all("n", "NOOP")
	if i := indexOf(got, "* 1 FETCH"); i < 0 || !strings.Contains(got[i], `\Flagged`) || !strings.Contains(got[i], `\Recent`) ||
		slices.ContainsFunc(got, func(l string) bool { return strings.HasPrefix(l, "* 1 FETCH") && !strings.Contains(l, `\Recent`) }) {
		t.Fatalf("owner hears of another session's STORE: %q", got)
	}
	// A delivery while selected, and a COPY into the selected mailbox.
	ts.deliver(t, "", rawMsg("three", "3"))
	if got := a.all("n", "NOOP"); indexOf(got, "* 3 EXISTS") < 0 || indexOf(got, "* 3 RECENT") < 0 {
		t.Fatalf("NOOP after a delivery: %q", got)
	}
	if got := a.all("c", "COPY 1 INBOX"); indexOf(got, "* 4 EXISTS") < 0 || indexOf(got, "* 4 RECENT") < 0 {
		t.Fatalf("COPY into the selected mailbox: %q", got)
	}
	if got := b.all("st", "STATUS INBOX (RECENT)"); !strings.Contains(got[0], "RECENT 4") {
		t.Fatalf("STATUS while selected: %q", got)
	}
	// IMAP4rev2 has no \Recent.
	c := dialRaw(t, ts.addr).loggedIn(t)
	c.all("e", "ENABLE IMAP4rev2")
	ts.deliver(t, "", rawMsg("four", "4"))
	if got := c.all("s", "SELECT INBOX"); indexOf(got, "RECENT") >= 0 {
		t.Fatalf("SELECT in IMAP4rev2: %q", got)
	}
}

func TestListChildrenAndParents(t *testing.T) {
	ts := start(t, false, nil)
	c := dialRaw(t, ts.addr).loggedIn(t)
	c.all("c", "CREATE a/b")
	got := c.all("l", `LIST "" "%"`)
	if !slices.Contains(got, `* LIST (\HasNoChildren) "/" INBOX`) || !slices.Contains(got, `* LIST (\Noselect \HasChildren) "/" "a"`) {
		t.Fatalf("LIST %%: %q", got)
	}
	c.all("c2", "CREATE a")
	got = c.all("l2", `LIST "" "*"`)
	if !slices.Contains(got, `* LIST (\HasChildren) "/" "a"`) || !slices.Contains(got, `* LIST (\HasNoChildren) "/" "a/b"`) {
		t.Fatalf("LIST *: %q", got)
	}
}

func TestSubscriptions(t *testing.T) {
	ts := start(t, false, nil)
	c := dialRaw(t, ts.addr).loggedIn(t)
	c.all("c", "CREATE x")
	if got := c.all("ls", `LSUB "" "*"`); indexOf(got, `* LSUB () "/" "x"`) >= 0 {
		t.Fatalf("CREATE subscribed: %q", got)
	}
	c.all("s", "SUBSCRIBE x")
	c.all("d", "DELETE x")
	if got := c.all("ls", `LSUB "" "*"`); !slices.Contains(got, `* LSUB (\Noselect) "/" "x"`) {
		t.Fatalf("DELETE dropped the subscription: %q", got)
	}
	if got := c.all("l", `LIST (SUBSCRIBED) "" "*"`); !slices.Contains(got, `* LIST (\NonExistent \Subscribed) "/" "x"`) {
		t.Fatalf("LIST (SUBSCRIBED): %q", got)
	}
	c.all("u", "UNSUBSCRIBE x") // a name without a folder can be unsubscribed
	if got := c.all("ls", `LSUB "" "*"`); indexOf(got, `* LSUB (\Noselect) "/" "x"`) >= 0 {
		t.Fatalf("UNSUBSCRIBE: %q", got)
	}
	c.all("c", "CREATE p/c")
	c.all("s", "SUBSCRIBE p/c")
	if got := c.all("ls", `LSUB "" "%"`); !slices.Contains(got, `* LSUB (\Noselect) "/" "p"`) {
		t.Fatalf("LSUB parent: %q", got)
	}
	got := c.all("l", `LIST (SUBSCRIBED RECURSIVEMATCH) "" "%"`)
	if !slices.Contains(got, `* LIST (\NonExistent \HasChildren) "/" "p" (CHILDINFO ("SUBSCRIBED"))`) {
		t.Fatalf("RECURSIVEMATCH: %q", got)
	}
}

func TestEnvelopeKeepsGroups(t *testing.T) {
	ts := start(t, false, nil)
	ts.deliver(t, "", "From: Bob <bob@example.test>\r\nTo: grp: a@x.test, \"B\" <b@y.test>;, c@z.test\r\nCc: empty:;\r\nSubject: g\r\n\r\nbody\r\n")
	c := dialRaw(t, ts.addr).loggedIn(t)
	c.all("s", "SELECT INBOX")
	got := c.all("f", "FETCH 1 ENVELOPE")[0]
	for _, want := range []string{
		`((NIL NIL "grp" NIL) (NIL NIL "a" "x.test") ("B" NIL "b" "y.test") (NIL NIL NIL NIL) (NIL NIL "c" "z.test"))`,
		`((NIL NIL "empty" NIL) (NIL NIL NIL NIL))`,
	} {
		if !strings.Contains(got, want) {
			t.Fatalf("ENVELOPE %q lacks %q", got, want)
		}
	}
}

func TestSearchFromWithComments(t *testing.T) {
	ts := start(t, false, nil)
	ts.deliver(t, "", "From: bob(the builder)@example.test\r\nTo: alice@example.test (Alice)\r\nSubject: c\r\n\r\nbody\r\n")
	ts.deliver(t, "", "From: carol@example.test\r\nSubject: d\r\n\r\nbody\r\n")
	c := dialRaw(t, ts.addr).loggedIn(t)
	c.all("s", "SELECT INBOX")
	for q, want := range map[string]string{
		"FROM bob@example.test": "* SEARCH 1", "TO alice@example.test": "* SEARCH 1",
		"FROM carol": "* SEARCH 2", "FROM builder": "* SEARCH 1",
	} {
		if got := c.all("q", "SEARCH "+q); got[0] != want {
			t.Fatalf("SEARCH %s: %q", q, got)
		}
	}
}

func TestMoveToTheSameMailbox(t *testing.T) {
	ts := start(t, false, nil)
	ts.deliver(t, "", rawMsg("one", "1"))
	c := dialRaw(t, ts.addr).loggedIn(t)
	c.all("s", "SELECT INBOX")
	got := c.all("m", "MOVE 1 INBOX")
	if indexOf(got, "* OK [COPYUID") < 0 || indexOf(got, "* 1 EXPUNGE") < 0 {
		t.Fatalf("MOVE to the same mailbox: %q", got)
	}
	if m := ts.messages(t, "INBOX"); len(m) != 1 || m[0].UID != 2 {
		t.Fatalf("after MOVE: %+v", m)
	}
}
