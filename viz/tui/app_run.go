package tui

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gdamore/tcell/v2"

	"github.com/mailflow/mailflow/sim/event"
)

// ErrNoTerminal says the view cannot open a terminal; callers fall back to
// the narrated log.
var ErrNoTerminal = errors.New("no terminal")

// OpenTerminal opens and initialises the terminal screen, so a caller can
// find out there is none before it starts anything, and fall back.
func OpenTerminal() (tcell.Screen, error) {
	s, err := tcell.NewScreen()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoTerminal, err)
	}
	if err := s.Init(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoTerminal, err)
	}
	return initialized{s}, nil
}

// initialized is a screen OpenTerminal already set up: tview would set it up
// again, which a terminal screen does not survive.
type initialized struct{ tcell.Screen }

func (initialized) Init() error { return nil }

// World is a live run the view drives.
type World struct {
	// SetGate installs the view's gate on the bus (Bus.SetGate), nil
	// removes it.
	SetGate func(func(event.Event))
	// Run plays the scenario to its end: actions, settling, expectations,
	// summary. Its context ends when the view quits.
	Run func(ctx context.Context) error
}

// Live shows a running world until the user quits or ctx ends. Events come
// in through Sink, which must already be attached to the world's bus. On
// return the gate is open again, the world's Run has returned and no
// goroutine of the view is left.
func (a *App) Live(ctx context.Context, w World) error {
	if err := a.open(); err != nil {
		return err
	}
	a.live, a.follow = true, true
	a.playing = !a.opts.Step
	a.gate = NewGate(a.playing, speeds[a.speed].interval, a.poke)
	if w.SetGate != nil {
		w.SetGate(a.gate.Hold)
	}
	worldCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		var err error
		if w.Run != nil {
			err = w.Run(worldCtx)
		}
		a.worldMu.Lock()
		a.worldDone, a.worldErr = true, err
		a.worldMu.Unlock()
		a.poke()
	}()
	err := a.run(ctx)
	a.gate.Close()
	if w.SetGate != nil {
		w.SetGate(nil)
	}
	cancel()
	<-done
	return err
}

// Replay shows recorded events, with seek, until the user quits or ctx
// ends. No network runs.
func (a *App) Replay(ctx context.Context, events []event.Event) error {
	if err := a.open(); err != nil {
		return err
	}
	if len(a.opts.Hosts) == 0 {
		a.opts.Hosts = HostsOf(events)
	}
	a.tl = NewTimeline(events)
	a.model = NewModel(a.opts.Hosts)
	start := a.tl.First()
	if a.opts.At > 0 {
		start = min(a.opts.At, a.tl.Len())
	}
	a.seek(start)
	return a.run(ctx)
}

// open sets up the screen, before any goroutine may poke the view.
func (a *App) open() error {
	screen := a.opts.Screen
	if screen == nil {
		var err error
		if screen, err = OpenTerminal(); err != nil {
			return err
		}
	}
	a.screen = screen
	a.tv.SetScreen(screen)
	return nil
}

// run shows the view until quit.
func (a *App) run(ctx context.Context) error {
	a.intake.setNotify(a.poke)
	stop := context.AfterFunc(ctx, func() {
		if a.gate != nil {
			a.gate.Close() // let the world go at once, the screen follows
		}
		a.post(keyQuit)
	})
	defer stop()
	a.absorb()
	err := a.tv.Run()
	a.stopped.Store(true)
	a.intake.setNotify(nil)
	if a.timer != nil {
		a.timer.Stop()
	}
	return err
}

// poke asks for a frame: at most one is on its way at a time, so a burst of
// events costs one frame, not one each. It never blocks.
func (a *App) poke() {
	if a.stopped.Load() {
		return
	}
	select {
	case a.wake <- struct{}{}:
		a.post(keyWake)
	default: // a frame is coming and will take these events too
	}
}

// post sends one of the view's own keys to its event loop without
// blocking; when the screen's queue is full it tries again shortly.
func (a *App) post(k tcell.Key) {
	if a.stopped.Load() || a.screen == nil {
		return
	}
	if err := a.screen.PostEvent(tcell.NewEventKey(k, 0, tcell.ModNone)); err != nil {
		time.AfterFunc(10*time.Millisecond, func() { a.post(k) })
	}
}

// absorb takes in the events that came since the last frame.
func (a *App) absorb() {
	select {
	case <-a.wake:
	default:
	}
	evs := a.intake.Take()
	if len(evs) == 0 {
		return
	}
	a.tl.Append(evs...)
	if a.follow {
		for _, e := range evs {
			a.model.Apply(e)
		}
		a.pos = a.tl.Len()
	}
}

// quit stops the view; the world runs on to its end without it.
func (a *App) quit() {
	a.quitOnce.Do(func() {
		a.stopped.Store(true)
		a.intake.setNotify(nil)
		if a.gate != nil {
			a.gate.Close()
		}
		a.tv.Stop()
	})
}

// world reports whether the live world finished, and with what error.
func (a *App) world() (bool, error) {
	a.worldMu.Lock()
	defer a.worldMu.Unlock()
	return a.worldDone, a.worldErr
}
