package local

import (
	"strings"
	"testing"
	"time"

	"github.com/mailflow/mailflow/scenarios"
	"github.com/mailflow/mailflow/topology"
)

func network(t *testing.T) *topology.Network {
	t.Helper()
	s, err := scenarios.Parse("t.yaml", []byte(`
domains:
  - name: school.test
    users:
      - name: bob
        filters:
          - {tag: homework, label: Homework, star: true}
          - {from: boss@, forward: bob@home.test}
          - {subject_contains: spam, delete: true}
      - name: carol
    aliases:
      - {name: team, members: [bob@school.test, carol@school.test, dan@other.test, staff@school.test]}
      - {name: staff, members: [team@school.test, carol@school.test], posting: domain}
  - name: other.test
    users: [{name: dan}]
`))
	if err != nil {
		t.Fatal(err)
	}
	n, err := topology.Build(s, topology.NewPlan(topology.RunPrefix(), false))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestKindsAndPosting(t *testing.T) {
	r := New(network(t))
	for addr, want := range map[string]Kind{"bob@school.test": Mailbox, "bob+homework@school.test": Mailbox,
		"team@school.test": Group, "nobody@school.test": Unknown} {
		if got, _ := r.Kind(addr); got != want {
			t.Errorf("%s: kind %v, want %v", addr, got, want)
		}
	}
	if !r.MayPost("staff@school.test", "bob@school.test") || r.MayPost("staff@school.test", "dan@other.test") {
		t.Error("a closed group must take posts only from its domain")
	}
	if !r.MayPost("team@school.test", "dan@other.test") {
		t.Error("an open group refused an outsider")
	}
}

func TestExpandFollowsAliasesAndStopsLoops(t *testing.T) {
	r := New(network(t))
	targets, err := r.Expand("team@school.test")
	if err == nil || !strings.Contains(err.Error(), "alias loop") {
		t.Fatalf("team → staff → team should report a loop, got %v", err)
	}
	var names []string
	for _, tg := range targets {
		if tg.User != nil {
			names = append(names, tg.User.Address)
		} else {
			names = append(names, "remote:"+tg.Remote)
		}
	}
	if got := strings.Join(names, ","); got != "bob@school.test,carol@school.test,remote:dan@other.test" {
		t.Fatalf("expansion = %s", got)
	}
	targets, _ = r.Expand("bob+homework@school.test")
	if len(targets) != 1 || targets[0].Tag != "homework" || targets[0].User.Address != "bob@school.test" {
		t.Fatalf("sub-address: %+v", targets)
	}
}

func TestFiltersFirstMatchDecides(t *testing.T) {
	bob := network(t).User("bob@school.test")
	cases := []struct {
		m    Message
		want Decision
	}{
		{Message{Tag: "homework", Subject: "spam homework"}, Decision{Folder: "Homework", Flags: []string{`\Flagged`}}},
		{Message{From: "boss@work.test"}, Decision{Folder: "INBOX", Forward: []string{"bob@home.test"}}},
		{Message{Subject: "Cheap SPAM"}, Decision{Folder: "INBOX", Delete: true}},
		{Message{Subject: "hello"}, Decision{Folder: "INBOX"}},
	}
	for _, c := range cases {
		got := Filter(bob, c.m)
		if got.Folder != c.want.Folder || got.Delete != c.want.Delete || strings.Join(got.Flags, ",") != strings.Join(c.want.Flags, ",") ||
			strings.Join(got.Forward, ",") != strings.Join(c.want.Forward, ",") {
			t.Errorf("%+v: got %+v, want %+v", c.m, got, c.want)
		}
	}
}

func TestSRSRoundTrip(t *testing.T) {
	now := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	fwd := SRSForward("alice@example.test", "school.test", now)
	if !strings.HasPrefix(fwd, "SRS0=") || !strings.HasSuffix(fwd, "=example.test=alice@school.test") {
		t.Fatalf("forward address %q", fwd)
	}
	if orig, ok := SRSReverse(fwd); !ok || orig != "alice@example.test" {
		t.Fatalf("reverse: %q %v", orig, ok)
	}
	forged := strings.Replace(fwd, "alice", "mallory", 1)
	if _, ok := SRSReverse(forged); ok {
		t.Fatal("a forged SRS address reversed")
	}
	if SRSForward("", "school.test", now) != "" || SRSForward("bob@school.test", "school.test", now) != "bob@school.test" {
		t.Fatal("null sender and own-domain senders must stay as they are")
	}
}
