package cmdutil

import (
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// secretFlags hold keys or tokens: a recorded command line shows REDACTED.
var secretFlags = map[string]bool{"token": true, "salt": true}

// CommandLine is the command as the user gave it, rebuilt from the parsed
// flags and arguments (so that it is the same however it was spelled),
// with secrets replaced by REDACTED and values quoted for a POSIX shell.
// Exports record it so that a data set says how it was made.
func CommandLine(cmd *cobra.Command, args []string) string {
	parts := strings.Fields(cmd.CommandPath())
	parts = append(parts, args...)
	add := func(f *pflag.Flag) {
		if !f.Changed {
			return
		}
		if f.Value.Type() == "bool" {
			if f.Value.String() == "true" {
				parts = append(parts, "--"+f.Name)
			} else {
				parts = append(parts, "--"+f.Name+"=false")
			}
			return
		}
		value := f.Value.String()
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			value = strings.Join(sv.GetSlice(), ",")
		}
		if secretFlags[f.Name] {
			value = "REDACTED"
		}
		parts = append(parts, "--"+f.Name, shellQuote(value))
	}
	cmd.InheritedFlags().VisitAll(add)
	cmd.LocalFlags().VisitAll(add)
	return strings.Join(parts, " ")
}

func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=,@+%", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
