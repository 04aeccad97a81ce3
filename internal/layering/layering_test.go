package layering

import (
	"bytes"
	"maps"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/mailflow/mailflow/"

// pkg is one package of the module as go list sees it, paths relative to
// the module: what it imports itself and what it depends on in all.
type pkg struct {
	imports, deps []string
}

// list runs go list over the whole module.
func list(t *testing.T) map[string]pkg {
	t.Helper()
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := exec.LookPath(goTool); err != nil {
		goTool = "go"
	}
	cmd := exec.Command(goTool, "list", "-f", "{{.ImportPath}}|{{join .Imports \" \"}}|{{join .Deps \" \"}}", module+"...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	own := func(field string) []string {
		var ps []string
		for _, p := range strings.Fields(field) {
			if rel, ok := strings.CutPrefix(p, module); ok {
				ps = append(ps, rel)
			}
		}
		return ps
	}
	pkgs := map[string]pkg{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(line, "|")
		if len(f) != 3 {
			t.Fatalf("go list line %q", line)
		}
		pkgs[strings.TrimPrefix(f[0], module)] = pkg{imports: own(f[1]), deps: own(f[2])}
	}
	return pkgs
}

// under reports whether p is root or inside it.
func under(p, root string) bool { return p == root || strings.HasPrefix(p, root+"/") }

// simLeaves are the packages every part of the simulator shares: the event
// contract, the envelope, the clock, the mailstore, records of the wire.
// They import nothing of the module but one another (sim/mailauth asks
// through sim/dnsask), so anything may import them.
var simLeaves = []string{"sim/event", "sim/envelope", "sim/clock", "sim/mailstore", "sim/transcript", "sim/dsn",
	"sim/pki", "sim/slots", "sim/mailauth", "sim/dnsask"}

// The rules of docs/architecture.md, "Import rules". Each names the
// packages it holds for and what they must not import, directly or (deps)
// through anything.
func TestImportRules(t *testing.T) {
	pkgs := list(t)
	for _, must := range []string{"sim", "sim/queue", "sim/smtpd", "sim/check", "sim/client", "viz/narrate", "viz/web"} {
		if _, ok := pkgs[must]; !ok {
			t.Fatalf("go list does not show %s: the rules below would check nothing", must)
		}
	}
	type rule struct {
		why   string
		holds func(p string) bool // the packages the rule is for
		deps  bool                // check everything depended on, not just direct imports
		bad   func(p, imp string) bool
	}
	is := func(names ...string) func(string) bool {
		return func(p string) bool { return slices.Contains(names, p) }
	}
	inSim := func(p string) bool { return under(p, "sim") && p != "sim" }
	rules := []rule{
		{why: "the queue takes envelope.Message: it does not know the server that accepted the mail",
			holds: is("sim/queue"), deps: true, bad: func(_, imp string) bool {
				return slices.Contains([]string{"sim/smtpd", "sim/imapd", "sim/pop3d"}, imp)
			}},
		{why: "the SMTP server hands accepted mail to Config.Take, not to a queue it knows",
			holds: is("sim/smtpd"), deps: true, bad: func(_, imp string) bool {
				return slices.Contains([]string{"sim/queue", "sim/imapd", "sim/pop3d", "sim/smtpclient"}, imp)
			}},
		{why: "POP3 and IMAP read the mailstore; they know nothing of how mail got there",
			holds: is("sim/imapd", "sim/pop3d"), deps: true, bad: func(_, imp string) bool {
				return slices.Contains([]string{"sim/smtpd", "sim/queue", "sim/dnsd", "sim/local"}, imp)
			}},
		{why: "below the composition root only the clients and the checks read the scenario's YAML types; " +
			"servers get compiled configuration from topology",
			holds: func(p string) bool { return inSim(p) && p != "sim/client" && p != "sim/check" },
			bad:   func(_, imp string) bool { return imp == "scenarios" }},
		{why: "the shared leaves import nothing of the module but one another",
			holds: is(simLeaves...), deps: true, bad: func(_, imp string) bool { return !slices.Contains(simLeaves, imp) }},
		{why: "only the composition root wires the clients and the checks in",
			holds: func(p string) bool { return inSim(p) && p != "sim/check" },
			bad:   func(_, imp string) bool { return imp == "sim/client" || imp == "sim/check" }},
		{why: "the checks read what happened; they start and drive nothing",
			holds: is("sim/check"), deps: true, bad: func(_, imp string) bool {
				return slices.Contains([]string{"sim/smtpd", "sim/queue", "sim/dnsd", "sim/imapd", "sim/pop3d"}, imp)
			}},
		{why: "the simulator tells what happened through events; words and pictures are the views'",
			holds: func(p string) bool { return under(p, "sim") || p == "topology" || p == "scenarios" }, deps: true,
			bad: func(_, imp string) bool { return under(imp, "viz") || under(imp, "suite") || under(imp, "cmd") }},
		{why: "views read the event stream and nothing else of the simulator",
			holds: func(p string) bool { return under(p, "viz") && !under(p, "viz/web") }, deps: true,
			bad: func(_, imp string) bool { return !under(imp, "viz") && imp != "sim/event" }},
		{why: "the web view drives a live network through the composition root and reads its mailboxes; " +
			"no server is its business",
			holds: func(p string) bool { return under(p, "viz/web") },
			bad: func(_, imp string) bool {
				return under(imp, "sim") && !slices.Contains([]string{"sim", "sim/event", "sim/mailstore"}, imp)
			}},
	}
	names := slices.Sorted(maps.Keys(pkgs))
	for _, r := range rules {
		checked := 0
		for _, p := range names {
			info := pkgs[p]
			if !r.holds(p) {
				continue
			}
			checked++
			imps := info.imports
			if r.deps {
				imps = info.deps
			}
			for _, imp := range imps {
				if r.bad(p, imp) {
					t.Errorf("%s imports %s: %s", p, imp, r.why)
				}
			}
		}
		if checked == 0 {
			t.Errorf("the rule %q holds for no package", r.why)
		}
	}
}
