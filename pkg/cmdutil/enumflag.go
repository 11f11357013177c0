package cmdutil

import (
	"fmt"
	"slices"
	"strings"

	"github.com/oeru/copharvest/pkg/analysis"
	"github.com/spf13/cobra"
)

// EnumFlag binds a flag that takes one of options (--format, --by): the
// value is checked once, while the flags are parsed (a wrong one is a usage
// error naming the choices), lands typed in *p, and the shell completes the
// choices. usage is the flag's help; the choices are appended to it.
func EnumFlag[T ~string](cmd *cobra.Command, p *T, name, shorthand string, value T, options []T, usage string) {
	*p = value
	names := make([]string, len(options))
	for i, o := range options {
		names[i] = string(o)
	}
	cmd.Flags().VarP(&enumValue[T]{p: p, options: options, names: names}, name, shorthand, usage+": "+JoinOr(names))
	_ = cmd.RegisterFlagCompletionFunc(name, func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return names, cobra.ShellCompDirectiveNoFileComp
	})
}

type enumValue[T ~string] struct {
	p       *T
	options []T
	names   []string
}

func (e *enumValue[T]) String() string { return string(*e.p) }
func (e *enumValue[T]) Type() string   { return "string" }

func (e *enumValue[T]) Set(s string) error {
	if !slices.Contains(e.options, T(s)) {
		return fmt.Errorf("must be %s, not %q", JoinOr(e.names), s)
	}
	*e.p = T(s)
	return nil
}

// Groupings are the values of --by.
var Groupings = []analysis.Grouping{analysis.ByGraph, analysis.ByTag, analysis.ByInstance}

// JoinOr lists choices as "a, b or c".
func JoinOr(choices []string) string {
	if len(choices) < 2 {
		return strings.Join(choices, "")
	}
	return strings.Join(choices[:len(choices)-1], ", ") + " or " + choices[len(choices)-1]
}
