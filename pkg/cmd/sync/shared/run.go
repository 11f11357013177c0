// Package shared is one `copharvest sync` run, or a watch loop of them:
// what the sync command does, shared with the commands that sync too (demo).
package shared

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/oeru/copharvest/pkg/analysis"
	"github.com/oeru/copharvest/pkg/classify"
	"github.com/oeru/copharvest/pkg/cmdutil"
	"github.com/oeru/copharvest/pkg/config"
	"github.com/oeru/copharvest/pkg/harvest"
	"github.com/oeru/copharvest/pkg/interrupt"
	"github.com/oeru/copharvest/pkg/iostreams"
	"github.com/oeru/copharvest/pkg/lock"
	"github.com/oeru/copharvest/pkg/mastodon"
	"github.com/oeru/copharvest/pkg/store"
	"github.com/oeru/copharvest/pkg/text"
)

// Options are sync's inputs; tests fill them directly.
type Options struct {
	IO        *iostreams.IOStreams
	Config    func() (*config.Config, error)
	Transport http.RoundTripper
	Now       func() time.Time
	// RetryBackoff is the first retry delay (0: the client's default);
	// tests shorten it.
	RetryBackoff time.Duration

	Since          string
	Workers        int
	MaxDuration    time.Duration
	NoInteractions bool
	Refresh        string        // "" = config's refresh; "0" = none
	Timeout        time.Duration // per request attempt
	Wait           time.Duration // how long to wait for another sync's lock
	Watch          time.Duration // loop with this interval until interrupted
	// Tick starts the wait between two --watch cycles (nil: time.After);
	// tests pass one that hands them each cycle's end.
	Tick func(time.Duration) <-chan time.Time
}

// Run performs one sync, or with --watch one every interval.
func Run(ctx context.Context, opts *Options) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Watch == 0 {
		return once(ctx, opts, cfg)
	}
	stop := interrupt.SoftStop(ctx)
	log := cmdutil.NewLogger(opts.IO.ErrOut, cfg.LogFormat)
	tick := opts.Tick
	if tick == nil {
		tick = time.After
	}
	for cycle := 1; ; cycle++ {
		err := once(ctx, opts, cfg)
		var flagErr *cmdutil.FlagError
		switch {
		case errors.As(err, &flagErr), errors.Is(err, mastodon.ErrUnauthorized):
			return err // retrying cannot help
		case ctx.Err() != nil || isStopped(stop):
			return err
		case err != nil:
			log.Error(cmdutil.Explain(err).Error(), "cycle", cycle)
		}
		log.Info("waiting for the next sync", "in", opts.Watch.String())
		select {
		case <-tick(opts.Watch):
		case <-stop:
			return nil
		case <-ctx.Done():
			return nil
		}
	}
}

func isStopped(stop <-chan struct{}) bool {
	select {
	case <-stop:
		return true
	default:
		return false
	}
}

// settings are a run's flags merged with the config, read once.
type settings struct {
	since           time.Time
	refresh         time.Duration
	explicitRefresh bool // --refresh given: run it whatever refresh_every says
	workers         int
}

// readSettings merges the flags with the config: what a run is asked to do.
func readSettings(opts *Options, cfg *config.Config, now time.Time) (settings, error) {
	var s settings
	sinceText := opts.Since
	if sinceText == "" {
		sinceText = cfg.Since
	}
	var err error
	if s.since, err = config.ParseSince(sinceText, now); err != nil {
		return s, cmdutil.FlagErrorf("--since: %v", err)
	}
	s.refresh, s.explicitRefresh = time.Duration(cfg.Refresh), opts.Refresh != ""
	if s.explicitRefresh {
		if s.refresh, err = config.ParseDuration(opts.Refresh); err != nil {
			return s, cmdutil.FlagErrorf("--refresh: %v", err)
		}
	}
	s.workers = opts.Workers
	if s.workers == 0 {
		s.workers = cfg.Workers
	}
	if s.workers < 1 || s.workers > 16 {
		return s, cmdutil.FlagErrorf("--workers must be between 1 and 16")
	}
	return s, nil
}

// once is one sync run, recorded in the runs table: read the settings,
// open and lock the database, harvest, classify what is new, record and
// report the outcome.
func once(ctx context.Context, opts *Options, cfg *config.Config) error {
	now := opts.Now
	set, err := readSettings(opts, cfg, now())
	if err != nil {
		return err
	}
	since, refresh, workers := set.since, set.refresh, set.workers
	log := cmdutil.NewLogger(opts.IO.ErrOut, cfg.LogFormat)

	st, err := store.Open(ctx, cfg.DB, false)
	if err != nil {
		return err
	}
	defer st.Close()
	lk, err := st.LockHarvest(ctx, cfg.Instances, cfg.Tags, opts.Wait)
	if err != nil {
		var held *lock.HeldError
		if errors.As(err, &held) {
			return &cmdutil.LockedError{Err: err}
		}
		return err
	}
	defer lk.Release()

	// The configured refresh runs at most every refresh_every: a cron job
	// syncing every 15 minutes should not re-read a week of posts each time.
	if refresh > 0 && !set.explicitRefresh {
		last, _ := st.Meta(ctx, "last_refresh")
		if at, err := store.ParseTime(last); err == nil && now().Sub(at) < time.Duration(cfg.RefreshEvery) {
			refresh = 0
		}
	}

	if opts.MaxDuration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.MaxDuration)
		defer cancel()
	}

	var sources []harvest.Source
	for _, inst := range cfg.Instances {
		c, err := cmdutil.NewClient(inst, cfg.TokenFor(inst), opts.Transport, opts.RetryBackoff, opts.Timeout, log)
		if err != nil {
			return cmdutil.FlagErrorf("%v", err)
		}
		sources = append(sources, harvest.Source{Client: c})
	}
	if n, err := st.CloseDeadRuns(ctx); err != nil {
		return err
	} else if n > 0 {
		log.Warn(fmt.Sprintf("%d earlier run(s) ended without recording an outcome (killed or crashed); marked failed", n))
	}
	runID, err := st.StartRun(ctx, cfg.Instances, cfg.Tags)
	if err != nil {
		return err
	}
	progress := newProgress(opts.IO, cfg.Quiet, log, since)
	interactions := !opts.NoInteractions
	if cfg.Interactions != nil && !*cfg.Interactions {
		interactions = false
	}
	start := now()
	res, runErr := harvest.Run(ctx, st, harvest.Options{
		Sources:      sources,
		Tags:         cfg.Tags,
		Since:        since,
		Workers:      workers,
		Interactions: interactions,
		Refresh:      refresh,
		Now:          now,
		Stop:         interrupt.SoftStop(ctx),
		OnEvent:      progress.event,
	})
	progress.done()
	classifyNew(ctx, st, cfg, res, log)

	status, exitErr := outcome(ctx, res, runErr, len(sources))
	rec := store.Run{ID: runID, Status: status, Requests: res.Requests, New: res.New, Updated: res.Updated,
		Deleted: res.Deleted, Waits: res.Waits, Waited: res.Waited, Rejected: res.Rejected}
	if exitErr != nil {
		rec.Error = text.ForTerminal(exitErr.Error()) // status replays it on a terminal
	}
	if err := st.FinishRun(rec); err != nil {
		log.Error(err.Error())
	}
	if refresh > 0 && status == "ok" {
		if err := st.SetMeta(context.WithoutCancel(ctx), "last_refresh", store.FormatTime(start)); err != nil {
			log.Error(err.Error())
		}
	}
	printSummary(opts, cfg, log, res, status, runID, now().Sub(start))
	return exitErr
}

// classifyNew classifies new and changed posts at once, so reports never
// see an unclassified post; and the posts a killed run left unclassified.
// Its failures are logged: the harvest is kept whatever happens here.
func classifyNew(ctx context.Context, st *store.Store, cfg *config.Config, res harvest.Result, log *slog.Logger) {
	leftover := 0
	if res.New+res.Updated == 0 {
		var err error
		if leftover, err = st.Unclassified(ctx, classify.Version); err != nil {
			log.Error(err.Error())
		}
	}
	if res.New+res.Updated+leftover > 0 {
		if c, err := cmdutil.Classifier(cfg); err != nil {
			log.Error(err.Error())
		} else if _, err := analysis.ClassifyStore(context.WithoutCancel(ctx), st, c, false); err != nil {
			log.Error("classify: " + err.Error())
		}
	}
}

// printSummary writes the run's summary on stderr: one line (or a JSON
// record), after the per-tag lines unless quiet.
func printSummary(opts *Options, cfg *config.Config, log *slog.Logger, res harvest.Result, status string, runID int64, took time.Duration) {
	rejected := ""
	if res.Rejected > 0 {
		rejected = fmt.Sprintf(", %d rejected as malformed", res.Rejected)
	}
	summary := fmt.Sprintf("sync %s: %d new, %d updated, %d deleted posts%s; %d requests (%d for conversations, %d for the refresh), %d waits (%s) in %s",
		status, res.New, res.Updated, res.Deleted, rejected, res.Requests, res.ThreadRequests, res.RefreshRequests, res.Waits, res.Waited.Round(time.Second), took.Round(time.Millisecond))
	if cfg.LogFormat == "json" {
		log.Info("sync finished", "status", status, "new", res.New, "updated", res.Updated, "deleted", res.Deleted, "rejected", res.Rejected, "requests", res.Requests,
			"thread_requests", res.ThreadRequests, "refresh_requests", res.RefreshRequests, "waits", res.Waits, "waited_ms", res.Waited.Milliseconds(), "run", runID)
	} else {
		if !cfg.Quiet {
			for _, t := range res.Tags {
				fmt.Fprintf(opts.IO.ErrOut, "  %s #%s: %d pages, %d new, %d updated\n", t.Instance, t.Tag, t.Pages, t.New, t.Updated)
			}
		}
		fmt.Fprintln(opts.IO.ErrOut, summary)
	}
}

// outcome decides the run's status and the error that sets the exit code.
func outcome(ctx context.Context, res harvest.Result, err error, instances int) (string, error) {
	if err == nil {
		return "ok", nil
	}
	if errors.Is(err, harvest.ErrStopped) {
		return "partial", &cmdutil.PartialError{Err: fmt.Errorf("sync stopped after the current page on request; %d new posts were kept, run sync again to continue", res.New)}
	}
	if ctx.Err() != nil {
		why := "interrupted"
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			why = "time budget (--max-duration) reached"
		}
		return "partial", &cmdutil.PartialError{Err: fmt.Errorf("sync stopped: %s; %d new posts were kept, run sync again to continue", why, res.New)}
	}
	var msgs []string
	for inst, e := range res.InstanceErrors {
		msgs = append(msgs, cmdutil.ExplainAPIError(inst, e).Error())
	}
	joined := errors.New(strings.Join(msgs, "\n"))
	var partial *cmdutil.PartialError
	if len(res.InstanceErrors) < instances || errors.As(cmdutil.ExplainAPIError("", err), &partial) {
		return "partial", &cmdutil.PartialError{Err: joined}
	}
	return "failed", joined
}

// progress shows a live bar on a terminal (pages, posts, requests, waits,
// and how far back the backfill has reached: with --since, the share done
// and an estimate of the time left). Off a terminal it stays quiet and the
// summary line says it all.
type progress struct {
	io      *iostreams.IOStreams
	log     *slog.Logger
	draw    bool
	since   time.Time
	bar     *progressbar.ProgressBar
	key     string    // instance and tag the bar is about
	start   time.Time // how far back the tag was read when the bar began
	pages   int
	posts   int
	newSeen int
}

func newProgress(io *iostreams.IOStreams, quiet bool, log *slog.Logger, since time.Time) *progress {
	return &progress{io: io, log: log, draw: io.ShowProgress() && !quiet, since: since}
}

// barSteps is the bar's resolution when the share done is known.
const barSteps = 1000

func (p *progress) event(e harvest.Event) {
	switch e.Kind {
	case harvest.Warning:
		p.clear()
		p.log.Warn(e.Message + cmdutil.WarningHint(e.Warning))
	case harvest.PageStored:
		p.pages++
		p.posts += e.Posts
		p.newSeen += e.New
		if !p.draw {
			return
		}
		if key := e.Instance + " #" + e.Tag; key != p.key || p.bar == nil {
			p.clear()
			p.key, p.start = key, e.Reached
			max := int64(-1) // unknown: a spinner
			if !p.since.IsZero() && e.Reached.After(p.since) {
				max = barSteps
			}
			p.bar = progressbar.NewOptions64(max,
				progressbar.OptionSetWriter(p.io.ErrOut),
				progressbar.OptionSetWidth(20),
				progressbar.OptionSetPredictTime(max > 0),
				progressbar.OptionShowDescriptionAtLineEnd(),
				progressbar.OptionThrottle(100*time.Millisecond),
				progressbar.OptionClearOnFinish(),
			)
		}
		desc := fmt.Sprintf("%s: %d pages, %d posts (%d new), %d requests, %d waits", p.key, p.pages, p.posts, p.newSeen, e.Requests, e.Waits)
		if !e.Reached.IsZero() && !e.BackfillDone {
			desc += ", back to " + e.Reached.Format("2006-01-02")
		}
		p.bar.Describe(desc)
		switch {
		case e.BackfillDone && p.bar.GetMax64() > 0:
			p.bar.Set64(barSteps)
		case p.bar.GetMax64() > 0 && p.start.After(p.since):
			done := float64(p.start.Sub(e.Reached)) / float64(p.start.Sub(p.since))
			p.bar.Set64(int64(min(max(done, 0), 1) * barSteps))
		default:
			p.bar.Add64(1) // turns the spinner
		}
	}
}

func (p *progress) clear() {
	if p.bar != nil {
		p.bar.Clear()
		p.bar = nil
		p.key = ""
	}
}

func (p *progress) done() { p.clear() }
