// Package version is `copharvest version`.
package version

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/oeru/copharvest/pkg/build"
	"github.com/oeru/copharvest/pkg/cmdutil"
	"github.com/oeru/copharvest/pkg/store"
)

// NewCmdVersion prints the version, Go version and database schema version.
func NewCmdVersion(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of copharvest",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := fmt.Fprintf(f.IOStreams.Out, "copharvest %s (%s, database schema %d)\n", build.String(), runtime.Version(), store.SchemaVersion())
			return err
		},
	}
}
