package flow

import (
	"sort"
	"time"

	"github.com/mailflow/mailflow/sim/event"
)

// lane registers a lane (the first role given wins, except that a sender's
// client outranks a reader) and returns its name.
func (b *builder) lane(name string, role Role) string {
	if name == "" {
		return ""
	}
	if l, ok := b.lanes[name]; ok {
		if role == RoleClient && l.Role == RoleReader {
			l.Role = RoleClient
		}
		return name
	}
	if b.clients[name] && role != RoleReader {
		role = RoleClient
	}
	label := name
	if name == DNSLane {
		label = "DNS"
	}
	b.lanes[name] = &laneInfo{Lane: Lane{Name: name, Label: label, Role: role}, first: b.order}
	b.order++
	return name
}

func (b *builder) hop(e event.Event, from, to, label string, reply bool, tone Tone) {
	if from == "" || to == "" {
		return
	}
	b.hops = append(b.hops, namedHop{Hop: Hop{Seq: e.Seq, Time: e.Time, Step: e.Step, Kind: e.Kind,
		Label: label, Code: e.Code(), Tone: tone, Reply: reply, Msg: e.Msg}, from: from, to: to})
}

func (b *builder) mark(e event.Event, lane, label string, tone Tone) {
	if lane == "" {
		return
	}
	b.marks = append(b.marks, namedMark{Mark: Mark{Seq: e.Seq, Time: e.Time, Step: e.Step, Kind: e.Kind,
		Label: label, Tone: tone, Msg: e.Msg}, lane: lane})
}

// bar opens an exchange from → to; it stays open (and grows with every
// event between the two) until closed.
func (b *builder) bar(e event.Event, key, from, to, label string) *namedBar {
	b.closeBar(key)
	nb := &namedBar{Bar: Bar{Start: e.Time, End: e.Time, Step: e.Step, Label: label, Msg: e.Msg},
		from: from, to: to}
	b.bars = append(b.bars, nb)
	b.open[key] = nb
	return nb
}

// touch stretches the open exchange between two lanes to e, opening one
// when there is none (a trace may start mid-exchange).
func (b *builder) touch(e event.Event, from, to string) *namedBar {
	for _, k := range []string{from + "→" + to, to + "→" + from} {
		if nb := b.open[k]; nb != nil {
			if e.Time.After(nb.End) {
				nb.End = e.Time
			}
			return nb
		}
	}
	return b.bar(e, from+"→"+to, from, to, "")
}

// finishBar stretches the exchange between two lanes to e and closes it:
// the open one, else the last one (a transcript comes after relay.done).
func (b *builder) finishBar(e event.Event, from, to string) {
	for _, k := range []string{from + "→" + to, to + "→" + from} {
		if nb := b.open[k]; nb != nil {
			if e.Time.After(nb.End) {
				nb.End = e.Time
			}
			b.closeBar(k)
			return
		}
	}
	for i := len(b.bars) - 1; i >= 0; i-- {
		nb := b.bars[i]
		if (nb.from == from && nb.to == to) || (nb.from == to && nb.to == from) {
			if e.Time.After(nb.End) {
				nb.End = e.Time
			}
			return
		}
	}
	b.bar(e, from+"→"+to, from, to, "")
	b.closeBar(from + "→" + to)
}

func (b *builder) failBar(x, y string, tone Tone) {
	for _, k := range []string{x + "→" + y, y + "→" + x} {
		if nb := b.open[k]; nb != nil && tone > nb.Tone {
			nb.Tone = tone
		}
	}
}

func (b *builder) closeBar(key string) {
	if nb := b.open[key]; nb != nil {
		delete(b.open, key)
	}
}

// finish orders the lanes and turns names into indexes.
func (b *builder) finish() *Flow {
	f := b.f
	f.Messages = len(b.msgs)
	infos := make([]*laneInfo, 0, len(b.lanes))
	for _, l := range b.lanes {
		infos = append(infos, l)
	}
	sort.Slice(infos, func(i, j int) bool {
		a, c := infos[i], infos[j]
		if a.Role != c.Role {
			return a.Role < c.Role
		}
		return a.first < c.first
	})
	index := map[string]int{}
	for i, l := range infos {
		f.Lanes = append(f.Lanes, l.Lane)
		index[l.Name] = i
	}
	for _, h := range b.hops {
		h.From, h.To = index[h.from], index[h.to]
		f.Hops = append(f.Hops, h.Hop)
	}
	for _, m := range b.marks {
		m.Lane = index[m.lane]
		f.Marks = append(f.Marks, m.Mark)
	}
	for _, nb := range b.bars {
		nb.From, nb.To = index[nb.from], index[nb.to]
		f.Bars = append(f.Bars, nb.Bar)
	}
	return f
}

// Span is the time from the first event to the last.
func (f *Flow) Span() time.Duration { return f.End.Sub(f.Start) }
