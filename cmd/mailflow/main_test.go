package main

import (
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// The CLI is tested as a user meets it: scripts in testdata/script run the
// real command (in-process, by testscript) and check its output and exit
// status.
func TestMain(m *testing.M) {
	testscript.Main(cleanupM{m}, map[string]func(){
		"mailflow": func() { os.Exit(execute(os.Args[1:])) },
	})
}

// cleanupM removes what the tests of the package share once they are done.
type cleanupM struct{ m *testing.M }

func (c cleanupM) Run() int {
	code := c.m.Run()
	removePlainBinary()
	return code
}

func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{Dir: "testdata/script"})
}
