// Package sample is `copharvest sample`: a stratified sample of posts for
// human coders, with the text and context they need.
package sample

import (
	"container/heap"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"sort"

	"github.com/spf13/cobra"

	"github.com/oeru/copharvest/pkg/analysis"
	"github.com/oeru/copharvest/pkg/atomicfile"
	"github.com/oeru/copharvest/pkg/cmdutil"
	"github.com/oeru/copharvest/pkg/config"
	"github.com/oeru/copharvest/pkg/csvsafe"
	"github.com/oeru/copharvest/pkg/export"
	"github.com/oeru/copharvest/pkg/iostreams"
	"github.com/oeru/copharvest/pkg/privacy"
	"github.com/oeru/copharvest/pkg/store"
	"github.com/oeru/copharvest/pkg/text"
)

// Options of the command.
type Options struct {
	IO     *iostreams.IOStreams
	Config func() (*config.Config, error)
	N      int
	Seed   uint64
	Output string
	Excel  bool
	// ExcludeOptedOut leaves out the posts of people who opted out and
	// redacts them from others' posts, as export does.
	ExcludeOptedOut bool
}

// NewCmdSample builds the command.
func NewCmdSample(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Config: f.Config}
	cmd := &cobra.Command{
		Use:   "sample",
		Short: "Write a stratified sample of posts for human coders (CSV)",
		Long: `Write N posts for hand coding, stratified by the classifier's current
decisions (the eight domain/community/practice combinations share the
sample equally, as far as each has posts), so coders see positives and
negatives of every dimension. The same seed gives the same sample.

The CSV starts with the columns 'copharvest eval --labels' reads
(uri,domain,community,practice,split,note — the codes left empty for the
coder) followed by context: url, author, created_at, reply_to (the parent's
text), repliers (other people who replied) and the post's text. Cells that
a spreadsheet would run as formulas are neutralised.

` + cmdutil.ExitCodesHelp,
		Example: `  copharvest sample --n 200 --seed 1 -o coding.csv`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.N < 1 {
				return cmdutil.FlagErrorf("--n must be at least 1")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().IntVar(&opts.N, "n", 200, "how many posts")
	cmd.Flags().Uint64Var(&opts.Seed, "seed", 1, "random seed (same seed, same sample)")
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "", "file to write (default standard output)")
	cmd.Flags().BoolVar(&opts.Excel, "excel", false, "start with a UTF-8 byte order mark for Excel")
	cmd.Flags().BoolVar(&opts.ExcludeOptedOut, "exclude-opted-out", false, "leave out the posts of people who opted out of research, and their names, handles and links in others' posts")
	return cmd
}

// Columns of the sample CSV.
var Columns = []string{"uri", "domain", "community", "practice", "split", "note", "url", "author", "created_at", "reply_to", "repliers", "text"}

type candidate struct {
	key uint64 // random key: the stratum keeps the smallest (a uniform sample)
	row store.ClassifyRow
}

// Run writes the sample.
func Run(ctx context.Context, opts *Options) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	c, st, err := cmdutil.OpenForClassifying(ctx, cfg, false)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.UpdateThreadRoots(ctx); err != nil {
		return err
	}
	// Opted-out people are read either way: to leave them out, or to say
	// how many of their posts the sample holds.
	redact, err := export.OptOutRedactor(ctx, st)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x5a3b1e))
	// Per stratum keep at most N posts with the smallest random keys: a
	// uniform sample of the stratum without holding every post in memory.
	strata := make([]maxHeap, 8)
	total := 0
	err = st.ClassifyRows(ctx, "", false, func(r *store.ClassifyRow) error {
		if opts.ExcludeOptedOut && redact.Excluded(r.Author) {
			return nil
		}
		total++
		res := c.Classify(analysis.Input(r))
		s := 0
		for i, present := range []bool{res.Domain.Present, res.Community.Present, res.Practice.Present} {
			if present {
				s |= 1 << i
			}
		}
		cand := candidate{key: rng.Uint64(), row: *r}
		h := &strata[s]
		switch {
		case h.Len() < opts.N:
			heap.Push(h, cand)
		case cand.key < (*h)[0].key:
			(*h)[0] = cand
			heap.Fix(h, 0)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if total == 0 {
		return fmt.Errorf("%s holds no posts yet: run copharvest sync first", store.Redact(cfg.DB))
	}
	picked := allocate(strata, opts.N)
	var out io.Writer = opts.IO.Out
	var file *atomicfile.File
	if opts.Output != "" && opts.Output != "-" {
		if file, err = atomicfile.Create(opts.Output); err != nil {
			return err
		}
		defer file.Abort()
		out = file
	}
	w, err := csvsafe.NewWriter(out, opts.Excel)
	if err != nil {
		return err
	}
	w.Write(Columns)
	optedOut := 0
	for _, r := range picked {
		post, parent := text.FromHTML(r.HTML).Text, text.FromHTML(r.ParentHTML).Text
		if redact.Excluded(r.Author) {
			optedOut++
		}
		if opts.ExcludeOptedOut {
			post = redact.Text(post, r.Mentions)
			if redact.Excluded(r.ParentAuthor) {
				parent = privacy.Marker
			} else {
				parent = redact.Text(parent, nil)
			}
		}
		w.Write([]string{r.URI, "", "", "", "", "", r.URL, r.Author, store.FormatTime(r.CreatedAt), parent,
			fmt.Sprint(r.DirectRepliers), post})
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if file != nil {
		if err := file.Commit(); err != nil {
			return err
		}
	}
	fmt.Fprintf(opts.IO.ErrOut, "sampled %d of %d posts across %d strata\n", len(picked), total, nonEmpty(strata))
	if optedOut > 0 {
		fmt.Fprintf(opts.IO.ErrOut, "note: %d sampled posts are by people who opted out of research (#nobot, noindex); --exclude-opted-out leaves them out\n", optedOut)
	}
	return nil
}

// maxHeap keeps the candidates with the smallest keys, largest on top.
type maxHeap []candidate

func (h maxHeap) Len() int           { return len(h) }
func (h maxHeap) Less(i, j int) bool { return h[i].key > h[j].key }
func (h maxHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *maxHeap) Push(x any)        { *h = append(*h, x.(candidate)) }
func (h *maxHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func nonEmpty(strata []maxHeap) int {
	n := 0
	for _, s := range strata {
		if len(s) > 0 {
			n++
		}
	}
	return n
}

// allocate shares n equally among the strata; a stratum with fewer posts
// than its share gives the rest to the others.
func allocate(strata []maxHeap, n int) []store.ClassifyRow {
	for _, s := range strata {
		sort.Slice(s, func(i, j int) bool { return s[i].key < s[j].key })
	}
	take := make([]int, len(strata))
	for left := n; left > 0; {
		open := 0
		for i, s := range strata {
			if take[i] < len(s) {
				open++
			}
		}
		if open == 0 {
			break
		}
		share := max(left/open, 1)
		for i, s := range strata {
			if left == 0 {
				break
			}
			add := min(share, len(s)-take[i], left)
			take[i] += add
			left -= add
		}
	}
	var out []store.ClassifyRow
	for i, s := range strata {
		for _, cand := range s[:take[i]] {
			out = append(out, cand.row)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].PostID < out[j].PostID })
	return out
}
