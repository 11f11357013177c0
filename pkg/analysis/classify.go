package analysis

import (
	"context"
	"encoding/json"

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

// HitsJSON is how the rules that fired are stored: one list for the three
// dimensions, each hit with its rule id, weight and matched words.
func HitsJSON(res classify.Result) string {
	var hits []Hit
	for _, d := range []classify.Dimension{res.Domain, res.Community, res.Practice} {
		for _, h := range d.Hits {
			hits = append(hits, Hit{Rule: h.Rule, Weight: h.Weight, Matched: h.Matched})
		}
	}
	b, _ := json.Marshal(hits)
	return string(b)
}

// Record is what the store keeps of a result.
func Record(postID int64, res classify.Result) store.Classification {
	return store.Classification{
		PostID: postID, Version: res.Version,
		DomainScore: res.Domain.Score, Domain: res.Domain.Present,
		CommunityScore: res.Community.Score, Community: res.Community.Present,
		PracticeScore: res.Practice.Score, Practice: res.Practice.Present,
		Rules: HitsJSON(res),
	}
}

// ClassifyStore classifies the posts not yet classified by this classifier
// version (all posts with rebuild) and stores the results in batches.
// Thread roots are brought up to date first: replies take their domain from
// the thread they are in.
func ClassifyStore(ctx context.Context, st *store.Store, c *classify.Classifier, rebuild bool) (int, error) {
	if err := st.UpdateThreadRoots(ctx); err != nil {
		return 0, err
	}
	const batch = 2000
	var pending []store.Classification
	n := 0
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		err := st.SaveClassifications(ctx, pending)
		n += len(pending)
		pending = pending[:0]
		return err
	}
	err := st.ClassifyRows(ctx, classify.Version, !rebuild, func(r *store.ClassifyRow) error {
		pending = append(pending, Record(r.PostID, c.Classify(Input(r))))
		if len(pending) == batch {
			return flush()
		}
		return nil
	})
	if err != nil {
		return n, err
	}
	return n, flush()
}
