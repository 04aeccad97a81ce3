package slots

import "testing"

func TestAdmitShedsTheLeastUsefulConnection(t *testing.T) {
	p := New(3)
	var shed []string
	admit := func(name string) *Slot {
		s, ok := p.Admit(func() { shed = append(shed, name) })
		if !ok {
			t.Fatalf("%s refused", name)
		}
		return s
	}
	busy := admit("busy")
	busy.Set(Busy)
	idle := admit("idle")
	idle.Set(Idle)
	silent := admit("silent") // still in Handshake
	_ = silent
	admit("new1")
	if len(shed) != 1 || shed[0] != "silent" {
		t.Fatalf("shed %v, want the silent connection first", shed)
	}
	if !silent.Shed() || idle.Shed() {
		t.Fatalf("Shed() silent=%v idle=%v", silent.Shed(), idle.Shed())
	}
	// new1 is in Handshake now, younger than nothing else in that phase.
	admit("new2")
	if shed[len(shed)-1] != "new1" {
		t.Fatalf("shed %v, want new1 (handshake before idle)", shed)
	}
	if in, n := p.Stats(); in != 3 || n != 2 {
		t.Fatalf("stats in use %d shed %d, want 3 and 2", in, n)
	}
}

func TestAdmitSparesNewcomersOverOldIdlers(t *testing.T) {
	p := New(2)
	var shed []string
	old, _ := p.Admit(func() { shed = append(shed, "old") })
	old.Set(Idle)
	old.since = old.since.Add(-2 * Grace) // idle for long
	young, _ := p.Admit(func() { shed = append(shed, "young") })
	_ = young // just connected: Handshake, but within Grace
	p.Admit(func() {})
	if len(shed) != 1 || shed[0] != "old" {
		t.Fatalf("shed %v, want the long-idle connection before the newcomer", shed)
	}
}

func TestAdmitRefusesWhenAllBusy(t *testing.T) {
	p := New(2)
	for range 2 {
		s, _ := p.Admit(func() { t.Error("a busy connection was shed") })
		s.Set(Busy)
	}
	if _, ok := p.Admit(func() {}); ok {
		t.Fatal("admitted over the cap with every connection busy")
	}
}

func TestReleaseFreesASlot(t *testing.T) {
	p := New(1)
	s, _ := p.Admit(func() { t.Error("shed after release") })
	s.Set(Busy)
	s.Release()
	s.Release() // twice is fine
	if _, ok := p.Admit(func() {}); !ok {
		t.Fatal("released slot not reusable")
	}
}

func TestCrowded(t *testing.T) {
	p := New(4)
	for i := range 3 {
		if p.Crowded() {
			t.Fatalf("crowded with %d of 4", i)
		}
		p.Admit(func() {})
	}
	if !p.Crowded() {
		t.Fatal("not crowded with 3 of 4")
	}
}
