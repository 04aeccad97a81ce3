package sim

import (
	"context"
	"errors"
	"hash/fnv"
	"math/rand/v2"

	"github.com/mailflow/mailflow/scenarios"
)

// Submit sends one message as the sender's mail client would, outside the
// scenario's actions (the web view's compose form, the HTTP API): steps 1
// and 2 on the wire, through the sender's submission server, logging in
// with the user's own password. The message is followed like the
// scenario's own; a refusal is an outcome (see Outcomes), not an error.
func (n *Network) Submit(ctx context.Context, s *scenarios.Send) error {
	if s.ID == "" {
		return errors.New("submit: the message needs an id")
	}
	h := fnv.New64a()
	h.Write([]byte(s.ID))
	return n.clients.Send(ctx, s, rand.New(rand.NewPCG(uint64(n.Scenario.Seed), h.Sum64())))
}
