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
// then the per-post facts the analysis reads (see EnsureFacts).
// Thread roots are brought up to date first: replies take their domain from
// the thread they are in. Reading, scoring and writing overlap: the store
// streams rows to scoring workers while batches are written.
func ClassifyStore(ctx context.Context, st *store.Store, c *classify.Classifier, rebuild bool) (int, error) {
	if err := st.UpdateThreadRoots(ctx); err != nil {
		return 0, err
	}
	const batchSize = 2000
	workers := max(1, runtime.GOMAXPROCS(0))
	rows := make(chan []store.ClassifyRow, workers)
	results := make(chan []store.Classification, workers)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var readErr error
	go func() {
		defer close(rows)
		readErr = st.ClassifyBatches(ctx, c.Version(), !rebuild, batchSize, func(batch []store.ClassifyRow) error {
			select {
			case rows <- batch:
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
			for batch := range rows {
				out := make([]store.Classification, len(batch))
				for i := range batch {
					out[i] = Record(batch[i].PostID, c.Classify(Input(&batch[i])))
				}
				results <- out
			}
		}()
	}
	go func() { wg.Wait(); close(results) }()
	n := 0
	var writeErr error
	for out := range results {
		if writeErr != nil {
			continue // drain so the workers can finish
		}
		if writeErr = st.SaveClassifications(ctx, out); writeErr != nil {
			cancel()
			continue
		}
		n += len(out)
	}
	if writeErr != nil {
		return n, writeErr
	}
	if readErr != nil {
		return n, readErr
	}
	// The analysis reads per-post facts made of the classification: write
	// them now rather than on the next analysis.
	if _, err := EnsureFacts(ctx, st); err != nil {
		return n, err
	}
	return n, nil
}
