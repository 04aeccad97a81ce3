// Command mailflow simulates how e-mail travels: it starts a small internet
// on loopback (DNS, SMTP, POP3, IMAP) and replays scenarios against it.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

// Exit codes (DESIGN.md): 0 pass, 1 an expectation failed, 2 bad input.
const (
	exitPass     = 0
	exitFailed   = 1
	exitBadInput = 2
)

// exitError carries an exit code up to main; its message is already printed
// when silent is set.
type exitError struct {
	code   int
	err    error
	silent bool
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func badInput(err error) error { return &exitError{code: exitBadInput, err: err} }

func main() {
	os.Exit(execute(os.Args[1:]))
}

func execute(args []string) int {
	root := newRootCommand()
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return exitPass
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if !ee.silent {
			fmt.Fprintln(os.Stderr, "mailflow:", ee.err)
		}
		return ee.code
	}
	// cobra's own errors: unknown command or flag, wrong number of arguments
	fmt.Fprintln(os.Stderr, "mailflow:", err)
	fmt.Fprintln(os.Stderr, "Run 'mailflow --help' for usage.")
	return exitBadInput
}

func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "mailflow",
		Short: "See and test how e-mail travels, on a simulated internet",
		Long: `mailflow starts a small internet on loopback inside one process: a DNS server
and, for every simulated mail host, real SMTP (25, 587, 465), POP3 and IMAP
servers. It replays scenarios against it and narrates the six steps of
delivery: connect, hand over, decide, DNS, transfer, mailbox.`,
		Example: `  mailflow list                       # the built-in scenarios
  mailflow run cross-domain           # watch one message cross two domains
  mailflow run same-domain --lang vi  # narrated in Vietnamese
  mailflow run my.yaml --format json  # the event stream as JSON Lines
  mailflow up cross-domain            # keep the servers up for real clients`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newRunCommand(), newListCommand(), newUpCommand(), newVersionCommand(),
		newDemoCommand(), newReplayCommand())
	root.AddCommand(newTestCommand(), newLoadCommand())
	root.AddCommand(newValidateCommand(), newSchemaCommand(), newNewCommand())
	root.AddCommand(newPlotCommand(), newDiagramCommand(), newReportCommand())
	// cobra's own help and completion commands, with examples like the rest
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		switch c.Name() {
		case "help":
			c.Example = "  mailflow help run            # the same as mailflow run --help"
		case "completion":
			c.Example = `  mailflow completion bash > /etc/bash_completion.d/mailflow
  source <(mailflow completion bash)     # in this shell only
  mailflow completion zsh > "${fpath[1]}/_mailflow"`
		}
	}
	return root
}
