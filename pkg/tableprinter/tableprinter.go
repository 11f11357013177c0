// Package tableprinter renders rows as a terminal table or a GitHub Markdown
// table with tablewriter v1, the one way every command prints tables.
package tableprinter

import (
	"io"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// Render writes headers and rows. markdown selects a paste-ready GitHub table.
func Render(w io.Writer, markdown bool, headers []string, rows [][]string) error {
	return RenderWidth(w, markdown, 0, headers, rows)
}

// RenderWidth is Render for a terminal width columns wide (0: no limit):
// long cells are wrapped so the table fits. Markdown is never wrapped.
func RenderWidth(w io.Writer, markdown bool, width int, headers []string, rows [][]string) error {
	opts := []tablewriter.Option{
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
	}
	if width > 0 && !markdown {
		opts = append(opts, tablewriter.WithRowAutoWrap(tw.WrapNormal), tablewriter.WithMaxWidth(width))
	}
	if markdown {
		opts = append(opts, tablewriter.WithRenderer(renderer.NewMarkdown()))
	}
	t := tablewriter.NewTable(w, opts...)
	hs := make([]any, len(headers))
	for i, h := range headers {
		hs[i] = h
	}
	t.Header(hs...)
	if err := t.Bulk(rows); err != nil {
		return err
	}
	return t.Render()
}
