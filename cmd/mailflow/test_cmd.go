package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/mailflow/mailflow/suite"
	"github.com/mailflow/mailflow/viz/report"
)

type testOptions struct {
	junit    string
	format   string
	run      string
	shard    string
	seed     int64
	repeat   int
	parallel int
	golden   bool
	update   bool
	timeout  time.Duration
	report   string
}

func newTestCommand() *cobra.Command {
	var o testOptions
	cmd := &cobra.Command{
		Use:   "test [FILES|DIRS|GLOBS|BUILT-INS]...",
		Short: "Run scenarios as a regression suite",
		Long: `Test runs scenarios in parallel, each on its own loopback addresses, and
prints a pass/fail line per scenario, then the details of each failure:
what was expected, what was observed, the line of the expectation and the
events that explain it. Without arguments it runs every built-in.

A directory means every *.yaml below it; files whose name starts with "_"
are left out (shared topologies for extends:). A glob matches files, or
built-in names when it has no slash.

With --golden, each scenario's normalised trace (times relative, addresses
and ports masked) is compared with NAME.golden.jsonl beside the scenario
file; --update writes those files.

Exit status: 0 when every scenario passes, 1 when one fails, 2 for bad input
(an invalid scenario, a bad flag).`,
		Example: `  mailflow test                          # every built-in
  mailflow test tests/ --junit junit.xml  # a suite, with a JUnit report for CI
  mailflow test tests/ --shard 2/4        # the second quarter, for a CI matrix
  mailflow test 'tls-*' --repeat 20       # hunt a flaky scenario
  mailflow test cases.yaml --golden --update`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTests(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), args, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.junit, "junit", "", "write a JUnit XML report to this file")
	f.StringVar(&o.format, "format", "text", "output: text or json (one object per scenario, then a summary)")
	f.StringVar(&o.run, "run", "", "run only scenarios whose name matches this regular expression")
	f.StringVar(&o.shard, "shard", "", "run only shard I of N (I/N), e.g. for a CI matrix")
	f.Int64Var(&o.seed, "seed", 0, "replace every scenario's seed")
	f.IntVar(&o.repeat, "repeat", 1, "run each scenario N times")
	f.IntVar(&o.parallel, "parallel", runtime.GOMAXPROCS(0), "scenarios run at once")
	f.BoolVar(&o.golden, "golden", false, "compare each trace with NAME.golden.jsonl beside the scenario")
	f.BoolVar(&o.update, "update", false, "with --golden: rewrite the golden files")
	f.DurationVar(&o.timeout, "timeout", time.Minute, "wall-time limit for one scenario")
	f.StringVar(&o.report, "report", "", "write an HTML report (pictures, log, transcripts) per failed scenario into this directory")
	return cmd
}

func runTests(ctx context.Context, stdout, stderr io.Writer, args []string, o testOptions) error {
	if o.format != "text" && o.format != "json" {
		return badInput(fmt.Errorf("--format must be text or json, not %q", o.format))
	}
	if o.repeat < 1 || o.parallel < 1 {
		return badInput(errors.New("--repeat and --parallel must be at least 1"))
	}
	var re *regexp.Regexp
	if o.run != "" {
		var err error
		if re, err = regexp.Compile(o.run); err != nil {
			return badInput(fmt.Errorf("--run: %w", err))
		}
	}
	shard, shards := 1, 1
	if o.shard != "" {
		var err error
		if shard, shards, err = suite.ParseShard(o.shard); err != nil {
			return badInput(err)
		}
	}
	cases, err := suite.Collect(args)
	if err != nil {
		return badInput(describeLoadErrors(err))
	}
	cases = suite.Select(cases, re, shard, shards)
	if len(cases) == 0 {
		return badInput(errors.New("no scenario to run (check --run and --shard)"))
	}
	warnNoExpectations(stderr, cases)
	if ctx == nil {
		ctx = context.Background()
	}
	bar := progress(stderr, len(cases)*o.repeat, o.format == "text")
	began := time.Now()
	results := suite.Run(ctx, cases, suite.Options{Parallel: o.parallel, Seed: o.seed, Repeat: o.repeat,
		Golden: o.golden || o.update, Update: o.update, Timeout: o.timeout, Done: bar})
	wall := time.Since(began)
	if o.junit != "" {
		f, err := os.Create(o.junit)
		if err != nil {
			return badInput(fmt.Errorf("--junit: %w", err))
		}
		err = suite.WriteJUnit(f, results, wall)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("--junit: %w", err)
		}
	}
	failed := 0
	for _, r := range results {
		if !r.Passed() {
			failed++
		}
	}
	if o.report != "" {
		if err := writeReports(o.report, results); err != nil {
			return fmt.Errorf("--report: %w", err)
		}
	}
	if o.format == "json" {
		if err := suite.WriteJSON(stdout, results); err != nil {
			return err
		}
	} else {
		printTestResults(stdout, results, wall)
	}
	if failed > 0 {
		return &exitError{code: exitFailed, err: fmt.Errorf("%d of %d scenario run(s) failed", failed, len(results)), silent: true}
	}
	return nil
}

// warnNoExpectations names every scenario that checks nothing: it passes
// whatever happens, which is most often a topology shared through extends:
// that was not named with a leading "_".
func warnNoExpectations(w io.Writer, cases []suite.Case) {
	for _, c := range cases {
		if len(c.Scenario.Expect) > 0 {
			continue
		}
		where := c.Name
		if c.File != "" {
			where = c.File
		}
		fmt.Fprintf(w, "warning: %s has no expectations, so it passes whatever happens", where)
		if c.File != "" {
			fmt.Fprintf(w, "; if it is a topology shared through extends:, name it _%s so that mailflow test leaves it out", filepath.Base(c.File))
		}
		fmt.Fprintln(w)
	}
}

// describeLoadErrors formats every scenario that failed to load as a
// compiler would.
func describeLoadErrors(err error) error {
	var lines []string
	for _, e := range unjoin(err) {
		if le, ok := loadScenarioError(e); ok {
			lines = append(lines, le)
		} else {
			lines = append(lines, e.Error())
		}
	}
	return fmt.Errorf("cannot load the suite:\n%s", joinLines(lines))
}

func printTestResults(w io.Writer, results []suite.Result, wall time.Duration) {
	passed := 0
	for _, r := range results {
		status := "FAIL"
		if r.Passed() {
			status = "PASS"
			passed++
		}
		d := time.Duration(0)
		if r.Report != nil {
			d = r.Report.Wall
		}
		fmt.Fprintf(w, "%s  %-32s %6.2fs\n", status, r.Label(), d.Seconds())
	}
	for _, r := range results {
		if !r.Passed() {
			fmt.Fprintln(w)
			suite.WriteFailure(w, r)
		}
	}
	fmt.Fprintf(w, "\nscenarios: %d passed, %d failed (%.2fs)\n", passed, len(results)-passed, wall.Seconds())
}

// progress shows a bar on a terminal while a larger suite runs; elsewhere
// (CI logs, pipes) it stays silent.
func progress(w io.Writer, total int, text bool) func(suite.Result) {
	f, ok := w.(*os.File)
	if !ok || !text || total < 2 {
		return nil
	}
	if fi, err := f.Stat(); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	bar := progressbar.NewOptions(total, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription("scenarios"),
		progressbar.OptionShowCount(), progressbar.OptionClearOnFinish(), progressbar.OptionThrottle(100*time.Millisecond))
	var mu sync.Mutex
	return func(suite.Result) {
		mu.Lock()
		bar.Add(1)
		mu.Unlock()
	}
}

// writeReports saves one self-contained HTML report per failed run, named
// after the scenario, for a CI job to attach.
func writeReports(dir string, results []suite.Result) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, r := range results {
		if r.Passed() || r.Report == nil {
			continue
		}
		name := strings.NewReplacer("/", "_", "#", "-").Replace(r.Label()) + ".html"
		if err := report.Save(filepath.Join(dir, name), r.Report.Events, report.Options{Title: r.Label()}); err != nil {
			return err
		}
	}
	return nil
}
