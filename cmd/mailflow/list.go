package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/mailflow/mailflow/scenarios"
)

func newListCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "list",
		Short:   "List the built-in scenarios",
		Example: "  mailflow list\n  mailflow run $(mailflow list | awk 'NR==2{print $1}')",
		Args:    cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "NAME\tDESCRIPTION")
			for _, b := range scenarios.Builtins() {
				fmt.Fprintf(w, "%s\t%s\n", b.Name, b.Description)
			}
			w.Flush()
		},
	}
}
