// Package export writes the research exports: posts, accounts, edges and
// community memberships as CSV, JSONL or Parquet with stable, documented
// columns (docs/columns.md), the interaction network as GEXF or GraphML,
// and a Frictionless Data Package descriptor that says how they were made.
// Rows stream from the store to the writer; nothing holds a whole table.
package export

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/oeru/copharvest/pkg/privacy"
	"github.com/oeru/copharvest/pkg/store"
)

// DefaultMinInstanceAccounts is the default of Options.MinInstanceAccounts.
const DefaultMinInstanceAccounts = 5

// newRowContext loads what the privacy options need: the people who opted
// out (few), the accounts per instance and the display names (one short
// string per account) when pseudonymising.
func newRowContext(ctx context.Context, st *store.Store, opts Options) (*rowContext, error) {
	rc := &rowContext{loc: opts.Location}
	if rc.loc == nil {
		rc.loc = time.UTC
	}
	if opts.Filter.ExcludeOptedOut {
		r, err := OptOutRedactor(ctx, st)
		if err != nil {
			return nil, err
		}
		rc.redact = r
	}
	if opts.Pseudonymizer != nil {
		minAccounts := opts.MinInstanceAccounts
		if minAccounts <= 0 {
			minAccounts = DefaultMinInstanceAccounts
		}
		counts, err := st.AccountsPerInstance(ctx, opts.Filter.ExcludeOptedOut)
		if err != nil {
			return nil, err
		}
		rc.small = map[string]bool{}
		for host, n := range counts {
			if n < minAccounts {
				rc.small[host] = true
			}
		}
		names := map[string]string{}
		if err := st.DisplayNames(ctx, func(acct, name string) error {
			names[strings.ToLower(acct)] = name
			return nil
		}); err != nil {
			return nil, err
		}
		rc.pseudo = opts.Pseudonymizer.withNames(names)
	}
	return rc, nil
}

// Options of one export.
type Options struct {
	Filter store.ExportFilter
	// Format: csv, jsonl or parquet for tables; gexf or graphml for the graph.
	Format string
	// CSVRaw writes CSV text unaltered (no formula neutralising), for
	// analysis pipelines rather than spreadsheets.
	CSVRaw bool
	// GEXFVersion is 1.2draft (the default: Gephi, networkx and igraph read
	// it) or 1.3 (Gephi 0.9.3 and later).
	GEXFVersion string
	// SelfLoops keeps an account's replies to and mentions of itself in the
	// graph; network measures usually want them left out.
	SelfLoops bool
	// Columns to write, in this order; nil writes all (see SelectColumns).
	Columns []string
	// Excel adds a UTF-8 byte order mark, CRLF line ends and keeps long
	// numeric ids whole in Excel.
	Excel bool
	// Pseudonymizer, when set, replaces accounts and post uris by keyed
	// hashes and drops what names a person.
	Pseudonymizer *Pseudonymizer
	// MinInstanceAccounts: with a Pseudonymizer, an instance with fewer
	// accounts than this in the data is written as SmallInstance, since a
	// one-person server names its person (0: DefaultMinInstanceAccounts).
	MinInstanceAccounts int
	// Location is the time zone of the local-time column (nil: UTC).
	Location *time.Location
	// Now stamps the graph files' metadata.
	Now time.Time
}

// Stats says what an export wrote.
type Stats struct {
	Rows  int // rows, or nodes for the graph
	Edges int // graph only
	// SelfLoops left out of the graph.
	SelfLoops int
	// Neutralized CSV cells: text that got a leading ' (spreadsheet-safe CSV).
	Neutralized int
}

// TableFormats are the formats of the tabular exports.
var TableFormats = []string{"csv", "jsonl", "parquet"}

// Table writes a tabular dataset (posts, accounts, edges, communities).
func Table(ctx context.Context, st *store.Store, dataset string, w io.Writer, opts Options) (Stats, error) {
	if !slices.Contains(TableFormats, opts.Format) {
		return Stats{}, fmt.Errorf("export %s: the format must be csv, jsonl or parquet, not %q", dataset, opts.Format)
	}
	idx, err := SelectColumns(dataset, opts.Format, opts.Columns)
	if err != nil {
		return Stats{}, err
	}
	rc, err := newRowContext(ctx, st, opts)
	if err != nil {
		return Stats{}, fmt.Errorf("export %s: %w", dataset, err)
	}
	var rw rowWriter
	var cw *csvWriter
	switch opts.Format {
	case "csv":
		if cw, err = newCSVWriter(w, opts.Excel, opts.CSVRaw); err != nil {
			return Stats{}, err
		}
		rw = cw
	case "jsonl":
		rw = newJSONLWriter(w)
	case "parquet":
		rw = newParquetWriter(w, dataset)
	}
	var stats Stats
	switch dataset {
	case "posts":
		withRaw := opts.Pseudonymizer == nil && selects(postFields, idx, "raw")
		err = writeTable(rw, postFields, idx, rc, &stats, func(fn func(*store.PostRow) error) error {
			return st.ExportPosts(ctx, opts.Filter, withRaw, fn)
		})
	case "accounts":
		withRaw := opts.Pseudonymizer == nil && selects(accountFields, idx, "raw")
		err = writeTable(rw, accountFields, idx, rc, &stats, func(fn func(*store.AccountRow) error) error {
			return st.ExportAccounts(ctx, opts.Filter, withRaw, fn)
		})
	case "edges":
		err = writeTable(rw, edgeFields, idx, rc, &stats, func(fn func(*store.EdgeRow) error) error {
			return st.ExportEdges(ctx, opts.Filter, fn)
		})
	case "communities":
		err = writeTable(rw, membershipFields, idx, rc, &stats, func(fn func(*store.MembershipRow) error) error {
			return st.ExportMemberships(ctx, opts.Filter, fn)
		})
	}
	if cw != nil {
		stats.Neutralized = cw.neutralized
	}
	if err != nil {
		return stats, fmt.Errorf("export %s: %w", dataset, err)
	}
	return stats, nil
}

func selects[R any](fields []field[R], idx []int, name string) bool {
	for _, i := range idx {
		if fields[i].Name == name {
			return true
		}
	}
	return false
}

// writeTable writes the header, then one row per streamed record. Rows
// are formatted and written on another goroutine, in batches, while the
// store reads the next ones: on two cores the query and the formatting
// (decoding rules, quoting CSV, compressing Parquet) overlap. Records are
// copied into the batches, since the store reuses its record.
func writeTable[R any](rw rowWriter, fields []field[R], idx []int, rc *rowContext, stats *Stats, stream func(func(*R) error) error) error {
	cols := make([]Column, len(idx))
	for i, j := range idx {
		cols[i] = fields[j].Column
	}
	if err := rw.header(cols); err != nil {
		return err
	}
	// Large batches: each hand-over between the goroutines may wait for a
	// time slice on a busy machine. Three at most are in flight.
	const batchSize = 2048
	batches, free := make(chan []R, 1), make(chan []R, 2)
	stop, done := make(chan struct{}), make(chan error, 1)
	go func() {
		vals := make([]any, len(idx))
		var err error
		for batch := range batches {
			for k := 0; k < len(batch) && err == nil; k++ {
				for i, j := range idx {
					vals[i] = fields[j].get(&batch[k], rc)
				}
				stats.Rows++
				if err = rw.row(cols, vals); err != nil {
					close(stop) // the reader stops at its next batch
				}
			}
			clear(batch)
			select {
			case free <- batch[:0]:
			default:
			}
		}
		done <- err
	}()
	batch := make([]R, 0, batchSize)
	send := func() error {
		select {
		case batches <- batch:
		case <-stop:
			return errWriterStopped
		}
		select {
		case batch = <-free:
		default:
			batch = make([]R, 0, batchSize)
		}
		return nil
	}
	err := stream(func(r *R) error {
		if batch = append(batch, *r); len(batch) == batchSize {
			return send()
		}
		return nil
	})
	if err == nil && len(batch) > 0 {
		err = send()
	}
	close(batches)
	if werr := <-done; werr != nil {
		return werr // the reader's errWriterStopped follows from it
	}
	if err != nil {
		return err
	}
	return rw.flush()
}

// errWriterStopped ends the store's stream when writing a row failed.
var errWriterStopped = errors.New("the export's writer stopped")

// OptOutRedactor redacts everyone in st who opted out of research.
func OptOutRedactor(ctx context.Context, st *store.Store) (*privacy.Redactor, error) {
	people, err := st.OptedOutAccounts(ctx)
	if err != nil {
		return nil, err
	}
	list := make([]privacy.Person, len(people))
	for i, p := range people {
		list[i] = privacy.Person{Acct: p.Acct, DisplayName: p.DisplayName, URL: p.URL, URI: p.URI, AccountIDs: p.AccountIDs}
	}
	return privacy.NewRedactor(list), nil
}
