package mailstore

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// recount is what Status must say, counted the slow way.
func recount(t *testing.T, s *Store, user, folder string) Status {
	t.Helper()
	info, msgs, err := s.Snapshot(user, folder)
	if err != nil {
		t.Fatal(err)
	}
	st := Status{FolderInfo: info}
	for _, m := range msgs {
		if !m.HasFlag(`\Seen`) {
			st.Unseen++
		}
		if m.HasFlag(`\Deleted`) {
			st.Deleted++
		}
		st.Octets += int64(len(crlfOf(m.Raw)))
	}
	return st
}

func crlfOf(raw []byte) []byte {
	var out []byte
	for i, b := range raw {
		if b == '\n' && (i == 0 || raw[i-1] != '\r') {
			out = append(out, '\r')
		}
		out = append(out, b)
	}
	return out
}

// The running totals agree with a recount after any sequence of
// deliveries, flag changes, expunges, copies and moves.
func TestStatusTotalsFollowEveryChange(t *testing.T) {
	s := New()
	const u = "bob@school.test"
	s.AddUser(u, "pw")
	if err := s.CreateFolder(u, "Archive"); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	folders := []string{Inbox, "Archive"}
	bodies := []string{"Subject: a\r\n\r\nhi\r\n", "Subject: b\n\nbare newlines\n", "x", "Subject: c\r\n\r\nmixed\nend"}
	for step := range 400 {
		f := folders[rng.IntN(2)]
		_, msgs, _ := s.Snapshot(u, f)
		var uids []uint32
		for _, m := range msgs {
			if rng.IntN(3) == 0 {
				uids = append(uids, m.UID)
			}
		}
		var err error
		switch op := rng.IntN(6); op {
		case 0, 1:
			var flags []string
			if rng.IntN(2) == 0 {
				flags = []string{`\Seen`}
			}
			_, err = s.Deliver(u, f, []byte(bodies[rng.IntN(len(bodies))]), time.Unix(0, 0), flags...)
		case 2:
			flag := []string{`\Seen`, `\Deleted`, `\seen`, `\Flagged`}[rng.IntN(4)]
			_, err = s.SetFlags(u, f, uids, FlagOp(rng.IntN(3)), []string{flag})
		case 3:
			_, err = s.Expunge(u, f, uids)
		case 4:
			_, _, err = s.Copy(u, f, uids, folders[rng.IntN(2)])
		case 5:
			_, _, err = s.Move(u, f, uids, folders[1-rng.IntN(2)])
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range folders {
			got, err := s.Status(u, f)
			if err != nil {
				t.Fatal(err)
			}
			if want := recount(t, s, u, f); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("step %d, %s: status %+v, recount %+v", step, f, got, want)
			}
		}
	}
	_, entries, err := s.List(u, Inbox)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.WireSize != len(crlfOf(e.Raw)) {
			t.Fatalf("entry %d: wire size %d of %q", e.UID, e.WireSize, e.Raw)
		}
	}
}
