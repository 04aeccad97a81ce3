package tui

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/viz/narrate"
)

// Options configure a view.
type Options struct {
	Lang narrate.Lang
	// Title names the run: the scenario, or the trace file of a replay.
	Title string
	// Hosts is the topology known before any event (a live run's).
	Hosts []Host
	// Step starts paused before the first step (step-through); otherwise a
	// live run plays at 1×. A replay always starts paused.
	Step bool
	// Theme is the colours (see ParseTheme); NO_COLOR is honoured
	// whatever it says.
	Theme Theme
	// Screen to draw on; nil opens the terminal (see OpenTerminal).
	Screen tcell.Screen
	// At is the event number a replay starts at; 0 means its first stop.
	At int
	// Intake receives a live run's events; nil makes one (see Sink). A
	// caller that must hand the sink to the network before it knows the
	// hosts makes it first with NewIntake.
	Intake *Intake
}

// speeds are the paces of play: the wall time each step is shown for.
var speeds = []struct {
	label    string
	interval time.Duration
}{
	{"¼×", 8 * time.Second}, {"½×", 4 * time.Second}, {"1×", 2 * time.Second}, {"2×", time.Second},
	{"4×", 500 * time.Millisecond}, {"8×", 250 * time.Millisecond}, {"max", 0},
}

const defaultSpeed = 2 // 1×

// Keys the view posts to itself: tview hands key events to the input
// capture in its own goroutine, which makes them a safe way in from other
// goroutines without blocking them. No keyboard sends these.
const (
	keyWake = tcell.KeyF63 // events or the gate changed: take them in and redraw
	keyTick = tcell.KeyF62 // a replay that plays: time for the next step
	keyQuit = tcell.KeyF61 // the context ended
)

// App is the live classroom view.
type App struct {
	opts   Options
	lang   narrate.Lang
	th     Theme
	tv     *tview.Application
	screen tcell.Screen

	header, strip, topo, msgs, log, trans, footer *pane
	pages                                         *tview.Pages
	focus                                         []*pane
	focused                                       int
	modal                                         string

	intake *Intake
	gate   *Gate // nil in a replay
	live   bool
	tl     *Timeline
	model  *Model
	pos    int  // events shown
	follow bool // the view moves on with the world

	playing  bool
	skipping bool // running on to the outcome without stopping
	speed    int
	timer    *time.Timer // a playing replay's next tick
	filter   Filter      // what the log shows

	selMsg     string
	msgPinned  bool
	selLog     int // -1: follow the end
	selConn    int
	connPinned bool

	wake     chan struct{} // 1-buffered: a wake is already on its way
	stopped  atomic.Bool
	quitOnce sync.Once

	worldMu   sync.Mutex
	worldDone bool
	worldErr  error
}

// NewApp builds a view; run it with Live or Replay.
func NewApp(opts Options) *App {
	if opts.Lang == "" {
		opts.Lang = narrate.FromEnv()
	}
	if opts.Intake == nil {
		opts.Intake = NewIntake()
	}
	opts.Theme.NoColor = opts.Theme.NoColor || ThemeFromEnv().NoColor
	a := &App{opts: opts, lang: opts.Lang, th: opts.Theme, tv: tview.NewApplication(), intake: opts.Intake,
		speed: defaultSpeed, selLog: -1, wake: make(chan struct{}, 1)}
	a.model = NewModel(opts.Hosts)
	a.tl = NewTimeline(nil)
	a.build()
	return a
}

// Sink is where a live run sends its events (sim.Options.Sinks): it never
// blocks the publisher.
func (a *App) Sink() event.Sink { return a.intake }

// pane is a text view that renders itself at the width it is drawn with.
type pane struct {
	*tview.TextView
	app    *App
	name   func() string // the title; nil for no border
	render func(width int) string
	text   string
}

func (p *pane) Draw(screen tcell.Screen) {
	if p.name != nil {
		// The focused pane's title gets an arrow, so it shows without colour.
		// No style tags here: tview measures titles in bytes.
		title, color := " "+p.name()+" ", p.app.th.Text()
		if a := p.app; len(a.focus) > 0 && a.focus[a.focused] == p {
			title = " ▸ " + p.name() + " "
			color = a.th.color(roleFocus)
		}
		p.SetTitle(title)
		p.SetTitleColor(color)
	}
	_, _, w, _ := p.GetInnerRect()
	if t := p.render(w); t != p.text {
		p.text = t
		p.SetText(t)
	}
	p.TextView.Draw(screen)
}

// newPane makes a pane; with a name it gets a border and that title.
func (a *App) newPane(name func() string, render func(int) string) *pane {
	tv := tview.NewTextView().SetDynamicColors(true).SetWrap(true).SetWordWrap(true)
	a.th.styleText(tv)
	p := &pane{TextView: tv, app: a, name: name, render: render}
	if name != nil {
		tv.SetBorder(true)
		tv.SetTitleAlign(tview.AlignLeft)
	}
	return p
}

// build lays the panes out: header, strip, then the network and messages
// on the left, log and transcript on the right, keys at the bottom.
func (a *App) build() {
	w := func() *words { return wordsFor(a.lang) }
	a.header = a.newPane(nil, func(cols int) string { return RenderHeader(a.headerState(), a.lang, a.th, cols) })
	a.footer = a.newPane(nil, func(cols int) string { return RenderFooter(a.lang, a.th, cols) })
	a.strip = a.newPane(func() string { return esc(StripTitle(a.model, a.stripMsg(), a.lang)) },
		func(cols int) string { return RenderStrip(a.model, a.stripMsg(), a.nextEvent(), a.lang, a.th, cols) })
	a.strip.SetWrap(false)
	a.topo = a.newPane(func() string { return esc(w().network) },
		func(cols int) string { return RenderTopology(a.model, a.lang, a.th, cols) })
	a.msgs = a.newPane(func() string { return esc(w().messages) },
		func(cols int) string { return RenderMessages(a.model, a.stripMsg(), a.lang, a.th, cols) })
	a.log = a.newPane(func() string {
		if a.filter.Empty() {
			return esc(w().log)
		}
		return esc(w().log + " · " + w().filterShown + ": " + a.filter.String())
	}, func(cols int) string { return RenderLog(a.model, a.nextEvent(), a.filter, a.lang, a.th, cols) })
	a.trans = a.newPane(func() string { return esc(w().transcript) },
		func(cols int) string { return RenderTranscript(a.model, a.connIndex(), a.lang, a.th) })
	a.msgs.SetRegions(true)
	a.log.SetRegions(true)
	a.log.ScrollToEnd()
	a.focus = []*pane{a.log, a.trans, a.msgs, a.topo}

	left := tview.NewFlex().SetDirection(tview.FlexRow).AddItem(a.topo, 0, 1, false).AddItem(a.msgs, 0, 1, false)
	right := tview.NewFlex().SetDirection(tview.FlexRow).AddItem(a.log, 0, 1, true).AddItem(a.trans, 0, 1, false)
	body := tview.NewFlex().AddItem(left, 0, 2, false).AddItem(right, 0, 3, true)
	root := tview.NewFlex().SetDirection(tview.FlexRow).
		AddItem(a.header, 1, 0, false).
		AddItem(a.strip, 4, 0, false).
		AddItem(body, 0, 1, true).
		AddItem(a.footer, 1, 0, false)
	for _, f := range []*tview.Flex{left, right, body, root} {
		f.SetBackgroundColor(a.th.Background())
	}
	a.pages = tview.NewPages().AddPage("main", root, true, true)
	a.pages.SetBackgroundColor(a.th.Background())
	a.tv.SetRoot(a.pages, true).SetFocus(a.log)
	a.tv.SetInputCapture(a.onKey)
}
