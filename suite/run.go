package suite

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/mailflow/mailflow/sim"
	"github.com/mailflow/mailflow/viz/narrate"
)

// Options configure a suite run.
type Options struct {
	// Parallel is how many scenarios run at once (each on its own
	// addresses); defaults to 1.
	Parallel int
	// Seed, when not zero, replaces every scenario's seed.
	Seed int64
	// Repeat runs each scenario this many times (to hunt flaky ones).
	Repeat int
	// Golden compares each run's normalised trace with the file beside the
	// scenario; Update rewrites those files instead.
	Golden, Update bool
	// Timeout bounds one scenario's wall time. Defaults to 1 minute.
	Timeout time.Duration
	// Done is called after each run, from the goroutine that ran it.
	Done func(Result)
}

// Result is one run of one case.
type Result struct {
	Case   Case
	Repeat int // 1-based; 0 when not repeating
	Report *sim.Report
	Err    error  // the network could not start
	Golden string // a readable diff when the trace differs from the golden file
}

// Passed reports whether the run found nothing wrong.
func (r Result) Passed() bool {
	return r.Err == nil && r.Report != nil && r.Report.Passed() && r.Golden == ""
}

// Label names the run: the scenario, with the repeat number when repeating.
func (r Result) Label() string {
	if r.Repeat > 0 {
		return fmt.Sprintf("%s#%d", r.Case.Name, r.Repeat)
	}
	return r.Case.Name
}

// Run runs every case (Repeat times) with at most Parallel at once and
// returns the results in the order of the cases.
func Run(ctx context.Context, cases []Case, o Options) []Result {
	if o.Parallel < 1 {
		o.Parallel = 1
	}
	if o.Timeout == 0 {
		o.Timeout = time.Minute
	}
	repeat := max(o.Repeat, 1)
	results := make([]Result, len(cases)*repeat)
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < o.Parallel; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				r := runOne(ctx, cases[i/repeat], o)
				if o.Repeat > 1 {
					r.Repeat = i%repeat + 1
				}
				results[i] = r
				if o.Done != nil {
					o.Done(r)
				}
			}
		}()
	}
	for i := range results {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return results
}

func runOne(ctx context.Context, c Case, o Options) Result {
	s := *c.Scenario
	if o.Seed != 0 {
		s.Seed = o.Seed
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	rep, err := sim.Run(ctx, &s, sim.Options{Narrate: narrate.Func(narrate.English)})
	r := Result{Case: c, Report: rep, Err: err}
	if err == nil && (o.Golden || o.Update) && c.File != "" {
		r.Golden = compareGolden(c.File, rep.Events, o.Update)
	}
	return r
}
