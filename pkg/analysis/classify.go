package analysis

import (
	"context"
	"runtime"
	"sync"

	"github.com/oeru/copharvest/pkg/classify"
	"github.com/oeru/copharvest/pkg/store"
)

// Input turns a stored row into the classifier's input.
func Input(r *store.ClassifyRow) *classify.Input {
	return &classify.Input{
		URI: r.URI, Author: r.Author, HTML: r.HTML, SpoilerText: r.Spoiler,
		Tags: r.Tags, Mentions: r.Mentions, CardURL: r.CardURL, MediaCount: r.MediaCount, Language: r.Language,
		InReplyToURI: r.InReplyToURI, ParentAuthor: r.ParentAuthor, ParentHTML: r.ParentHTML,
		DirectRepliers: r.DirectRepliers, RootTags: r.RootTags, RootHTML: r.RootHTML,
	}
}

// Record is what the store keeps of a result.
func Record(postID int64, res classify.Result) store.Classification {
	return store.Classification{
		PostID: postID, Version: res.Version,
		DomainScore: res.Domain.Score, Domain: res.Domain.Present,
		CommunityScore: res.Community.Score, Community: res.Community.Present,
		PracticeScore: res.Practice.Score, Practice: res.Practice.Present,
		Rules: classify.EncodeHits(res),
	}
}

// ClassifyStore classifies the posts not yet classified by this classifier
// version (all posts with rebuild) and stores the results in batches,
// with the per-post facts the analysis reads when the store read what they
// are made of alongside (see store.ClassifyBatches); then whatever facts
// are still out of date (see EnsureFacts). A result equal to the stored
// one is not written again (see store.SaveClassificationsWithFacts).
// Thread roots are brought up to date first: replies take their domain from
// the thread they are in. Reading, scoring and writing overlap: the store
// streams rows to scoring workers while batches are written, in the order
// they were read (which numbers the facts' terms as BuildFacts would).
func ClassifyStore(ctx context.Context, st *store.Store, c *classify.Classifier, rebuild bool) (int, error) {
	if err := st.UpdateThreadRoots(ctx); err != nil {
		return 0, err
	}
	const batchSize, maxPerTx = 2000, 16000
	workers := max(1, runtime.GOMAXPROCS(0))
	type batch struct {
		seq  int
		rows []store.ClassifyRow
	}
	type result struct {
		seq     int
		out     []store.Classification
		sources []*store.FactSource // nil when the store read none
	}
	joinResults := func(a, b result) result {
		if len(a.out) == 0 {
			return b
		}
		if a.sources == nil || b.sources == nil {
			a.sources = nil
		} else {
			a.sources = append(a.sources, b.sources...)
		}
		a.out = append(a.out, b.out...)
		return a
	}
	rows := make(chan batch, workers)
	results := make(chan result, workers)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var readErr error
	go func() {
		defer close(rows)
		seq := 0
		readErr = st.ClassifyBatches(ctx, c.Version(), !rebuild, batchSize, func(b []store.ClassifyRow) error {
			select {
			case rows <- batch{seq, b}:
				seq++
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range rows {
				r := result{seq: b.seq, out: make([]store.Classification, len(b.rows))}
				for i := range b.rows {
					r.out[i] = Record(b.rows[i].PostID, c.Classify(Input(&b.rows[i])))
				}
				if len(b.rows) > 0 && b.rows[0].Fact != nil {
					r.sources = make([]*store.FactSource, len(b.rows))
					for i := range b.rows {
						r.sources[i] = b.rows[i].Fact
					}
				}
				results <- r
			}
		}()
	}
	go func() { wg.Wait(); close(results) }()
	facts := store.NewFactsWriter(factRow)
	n, next := 0, 0
	waiting := map[int]result{} // scored ahead of an earlier batch
	var writeErr error
	write := func(r result) {
		if writeErr = st.SaveClassificationsWithFacts(ctx, r.out, r.sources, facts); writeErr != nil {
			cancel()
			return
		}
		n += len(r.out)
	}
	for r, open := <-results; open; r, open = <-results {
		if writeErr != nil {
			continue // drain so the workers can finish
		}
		waiting[r.seq] = r
		// The batches scored while the last was written go in one
		// transaction, up to maxPerTx posts: a writer that falls behind
		// writes fewer, larger transactions, each of which rewrites the
		// pages it touches once.
	more:
		for {
			select {
			case r, ok := <-results:
				if !ok {
					break more
				}
				waiting[r.seq] = r
			default:
				break more
			}
		}
		var group result
		for {
			r, ok := waiting[next]
			if !ok {
				break
			}
			delete(waiting, next)
			next++
			if len(group.out) > 0 && len(group.out)+len(r.out) > maxPerTx {
				if write(group); writeErr != nil {
					break
				}
				group = result{}
			}
			group = joinResults(group, r)
		}
		if writeErr == nil && len(group.out) > 0 {
			write(group)
		}
	}
	if writeErr != nil {
		return n, writeErr
	}
	if readErr != nil {
		return n, readErr
	}
	// The facts of the posts not written above (deleted posts, posts
	// another writer changed meanwhile, or all on a path that does not
	// read their sources): write them now rather than on the next
	// analysis.
	if _, err := EnsureFacts(ctx, st); err != nil {
		return n, err
	}
	return n, nil
}
