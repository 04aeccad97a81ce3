package sim

import "testing"

// A queue lets go of what it delivered or bounced: in a network that runs
// for days (mailflow up) it holds only what still waits.
func TestQueuesReleaseSettledMessages(t *testing.T) {
	for _, name := range []string{"cross-domain", "temp-failure-then-success", "unknown-user-bounce"} {
		t.Run(name, func(t *testing.T) {
			n := startBuiltin(t, name)
			requirePassed(t, play(t, n))
			for _, h := range n.Topology.Hosts {
				if q := n.Queue(h.Name); q.Held() != 0 || len(q.Entries()) != 0 {
					t.Errorf("%s still holds %d messages after all settled", h.Name, q.Held())
				}
			}
		})
	}
}
