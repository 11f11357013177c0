package exporttest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/oeru/copharvest/pkg/classify"
	"github.com/oeru/copharvest/pkg/store"
)

// syntheticVersion changes when Synthetic's output changes, so a cached
// database from an older generator is not reused.
const syntheticVersion = 2 // 2: the facts of migration 8 (a cached copy built before them lacks them)

// SyntheticPath is where Synthetic caches the database of nPosts posts.
func SyntheticPath(nPosts int) string {
	return filepath.Join(os.TempDir(), fmt.Sprintf("copharvest-bench-%d-v%d.db", nPosts, syntheticVersion))
}

// Synthetic returns the path of a database with nPosts posts, building it
// once (later calls reuse the cached file). The shape follows the community
// benchmark's: nPosts/50 authors on six instances in communities of 5 to
// 200, posts spread evenly over the 52 ISO weeks up to and including
// 2026-W47 (so W47 holds about nPosts/52), 40% replies (90% inside the
// author's community), 20% with a mention, 30% with a link from a
// heavy-tailed pool, one or two tags, every post classified, about 0.1
// boosts and 0.2 favourites per post, and every author in a stored
// community. Rows go in with raw SQL in one transaction: going through
// SavePage would take many minutes at 1M posts.
func Synthetic(nPosts int) (string, error) {
	path := SyntheticPath(nPosts)
	if ok, _ := syntheticDone(path, nPosts); ok {
		return path, nil
	}
	for _, p := range []string{path, path + "-wal", path + "-shm", path + ".tmp", path + ".tmp-wal", path + ".tmp-shm"} {
		os.Remove(p)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, path+".tmp", false) // creates and migrates
	if err != nil {
		return "", err
	}
	st.Close()
	db, err := sql.Open("sqlite", "file:"+path+".tmp?_pragma=synchronous(OFF)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(0)")
	if err != nil {
		return "", err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if err := fillSynthetic(ctx, db, nPosts); err != nil {
		return "", fmt.Errorf("build synthetic database of %d posts: %w", nPosts, err)
	}
	if _, err := db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return "", err
	}
	db.Close()
	os.Remove(path + ".tmp-wal")
	os.Remove(path + ".tmp-shm")
	if err := os.Rename(path+".tmp", path); err != nil {
		return "", err
	}
	return path, nil
}

func syntheticDone(path string, n int) (bool, error) {
	if _, err := os.Stat(path); err != nil {
		return false, err
	}
	st, err := store.Open(context.Background(), path, true)
	if err != nil {
		return false, err
	}
	defer st.Close()
	v, err := st.Meta(context.Background(), "synthetic_posts")
	if err != nil {
		return false, err
	}
	if v != fmt.Sprint(n) {
		return false, errors.New("incomplete")
	}
	return true, nil
}

var (
	syntheticInstances = []string{"mastodon.oeru.org", "mastodon.social", "aus.social", "mastodon.nz", "fosstodon.org", "eduhub.social"}
	syntheticTags      = []string{"cop", "ds4oers", "oer", "h5p", "moodle", "opened", "edtech", "pressbooks", "creativecommons", "teaching",
		"learning", "pacific", "oeru", "mooc", "openpedagogy", "ossd", "wikieducator", "licensing", "accessibility", "assessment"}
	syntheticWords = strings.Fields(`open educational resources licence course learners teachers share practice community
		we tried in my class template how do you set up feedback H5P Moodle Pressbooks CC BY remix reuse adapt
		next week let's build a glossary thanks welcome question answer module activity rubric assessment`)
	syntheticRules = []string{
		classify.EncodeStoredHits([]classify.StoredHit{{Rule: "D1", Weight: 1, Matched: []string{"cop"}}, {Rule: "C3", Weight: 1}}),
		classify.EncodeStoredHits([]classify.StoredHit{{Rule: "D1", Weight: 1, Matched: []string{"cop"}}, {Rule: "P3", Weight: 1, Matched: []string{"h5p"}}, {Rule: "P4", Weight: 1}}),
		classify.EncodeStoredHits([]classify.StoredHit{{Rule: "C1", Weight: 1}, {Rule: "C5", Weight: 1}}),
		classify.EncodeStoredHits([]classify.StoredHit{{Rule: "D2", Weight: 1, Matched: []string{"oer"}}, {Rule: "P1", Weight: 1}, {Rule: "P3", Weight: 1, Matched: []string{"moodle"}}}),
		classify.EncodeStoredHits([]classify.StoredHit{{Rule: "C1", Weight: 1}, {Rule: "C4", Weight: 1}, {Rule: "P2", Weight: 1, Matched: []string{"template"}}}),
		classify.EncodeStoredHits([]classify.StoredHit{{Rule: "D1", Weight: 1, Matched: []string{"ds4oers"}}, {Rule: "C6", Weight: 1}, {Rule: "P7", Weight: 1}}),
	}
)

func fillSynthetic(ctx context.Context, db *sql.DB, nPosts int) error {
	rng := rand.New(rand.NewPCG(uint64(nPosts), 47))
	nAuthors := max(10, nPosts/50)
	end := Week47.AddDate(0, 0, 7)
	start := end.AddDate(0, 0, -7*52)
	step := end.Sub(start) / time.Duration(nPosts+1)
	now := store.FormatTime(end)

	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	prep := func(q string) *sql.Stmt {
		if err != nil {
			return nil
		}
		var s *sql.Stmt
		s, err = tx.PrepareContext(ctx, q)
		return s
	}
	insAccount := prep(`INSERT INTO accounts(id, acct, username, display_name, note, optout, indexable, updated_at) VALUES (?, ?, ?, ?, '', ?, ?, ?)`)
	insCommunity := prep(`INSERT INTO account_communities(account_id, community, verdict, computed_at) VALUES (?, ?, ?, ?)`)
	insPost := prep(`INSERT INTO posts(id, uri, url, account_id, created_at, in_reply_to_post, in_reply_to_acct, language, visibility,
		content, text, replies_count, reblogs_count, favourites_count, raw, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, 'en', 'public', ?, ?, ?, ?, ?, ?, ?, ?)`)
	insID := prep(`INSERT INTO post_ids(instance, local_id, post_id) VALUES (?, ?, ?)`)
	insTag := prep(`INSERT OR IGNORE INTO post_tags(post_id, tag) VALUES (?, ?)`)
	insLink := prep(`INSERT OR IGNORE INTO post_links(post_id, url, domain) VALUES (?, ?, ?)`)
	insMention := prep(`INSERT OR IGNORE INTO post_mentions(post_id, acct) VALUES (?, ?)`)
	insClass := prep(`INSERT INTO classifications(post_id, version, domain_score, domain, community_score, community, practice_score, practice, rules, classified_at)
		VALUES (?, 'synthetic', ?, ?, ?, ?, ?, ?, ?, ?)`)
	insInteraction := prep(`INSERT OR IGNORE INTO interactions(kind, account_id, post_id, seen_at) VALUES (?, ?, ?, ?)`)
	if err != nil {
		return err
	}

	accts := make([]string, nAuthors)
	communityOf := make([]int, nAuthors)
	var members [][]int
	order := rng.Perm(nAuthors)
	for s := 0; s < nAuthors; {
		size := min(nAuthors-s, 5+int(rng.ExpFloat64()*40)%196)
		for _, a := range order[s : s+size] {
			communityOf[a] = len(members)
		}
		members = append(members, order[s:s+size])
		s += size
	}
	verdicts := []string{"genuine CoP", "emerging CoP", "community of interest", "network", "off-domain"}
	for i := range accts {
		accts[i] = fmt.Sprintf("learner%06d@%s", i, syntheticInstances[i%len(syntheticInstances)])
		optout := i%97 == 0
		if _, err := insAccount.ExecContext(ctx, i+1, accts[i], fmt.Sprintf("learner%06d", i), fmt.Sprintf("Learner %d", i), optout, true, now); err != nil {
			return err
		}
		c := communityOf[i]
		if _, err := insCommunity.ExecContext(ctx, i+1, fmt.Sprintf("graph-%d", c+1), verdicts[c%len(verdicts)], now); err != nil {
			return err
		}
	}
	postRate := rand.NewZipf(rng, 1.2, 8, uint64(nAuthors-1))
	linkRank := rand.NewZipf(rng, 1.1, 4, 50000)
	recent := make([][]int, len(members)) // each community's last 50 posts
	authorOf := make([]int32, nPosts+1)
	var text strings.Builder
	for i := 1; i <= nPosts; i++ {
		author := order[int(postRate.Uint64())]
		c := communityOf[author]
		at := start.Add(time.Duration(i) * step)
		var parent any
		var parentAcct any
		if rng.Float64() < 0.4 {
			pc := c
			if rng.Float64() >= 0.9 {
				pc = rng.IntN(len(members))
			}
			if r := recent[pc]; len(r) > 0 {
				p := r[rng.IntN(len(r))]
				parent, parentAcct = p, accts[authorOf[p]]
			}
		}
		authorOf[i] = int32(author)
		recent[c] = append(recent[c], i)
		if len(recent[c]) > 50 {
			recent[c] = recent[c][1:]
		}
		text.Reset()
		for w := 0; w < 25+rng.IntN(20); w++ {
			if w > 0 {
				text.WriteByte(' ')
			}
			text.WriteString(syntheticWords[rng.IntN(len(syntheticWords))])
		}
		tag1 := syntheticTags[rng.IntN(3)]
		tag2 := syntheticTags[rng.IntN(len(syntheticTags))]
		text.WriteString(" #" + tag1 + " #" + tag2)
		localID := fmt.Sprint(110000000000000000 + i)
		user, host := splitAcct(accts[author])
		uri := fmt.Sprintf("https://%s/users/%s/statuses/%s", host, user, localID)
		raw := fmt.Sprintf(`{"id":%q,"uri":%q,"created_at":%q,"content":"<p>%s</p>"}`, localID, uri, store.FormatTime(at), text.String())
		boosts, favs := 0, 0
		if rng.Float64() < 0.1 {
			boosts = 1
		}
		if rng.Float64() < 0.2 {
			favs = 1
		}
		if _, err := insPost.ExecContext(ctx, i, uri, fmt.Sprintf("https://%s/@%s/%s", host, user, localID), author+1, store.FormatTime(at),
			parent, parentAcct, "<p>"+text.String()+"</p>", text.String(), 0, boosts, favs, raw, now, now); err != nil {
			return err
		}
		if _, err := insID.ExecContext(ctx, host, localID, i); err != nil {
			return err
		}
		for _, tag := range []string{tag1, tag2} {
			if _, err := insTag.ExecContext(ctx, i, tag); err != nil {
				return err
			}
		}
		if rng.Float64() < 0.3 {
			if _, err := insLink.ExecContext(ctx, i, fmt.Sprintf("https://oer.example/r/%d", linkRank.Uint64()), "oer.example"); err != nil {
				return err
			}
		}
		if rng.Float64() < 0.2 {
			m := members[c][rng.IntN(len(members[c]))]
			if _, err := insMention.ExecContext(ctx, i, accts[m]); err != nil {
				return err
			}
		}
		rules := syntheticRules[rng.IntN(len(syntheticRules))]
		d, cm, p := float64(strings.Count(rules, `"D`)), float64(strings.Count(rules, `"C`)), float64(strings.Count(rules, `"P`))
		if _, err := insClass.ExecContext(ctx, i, d, d >= 1, cm, cm >= 1, p, p >= 1, rules, now); err != nil {
			return err
		}
		for kind, n := range map[string]int{"boost": boosts, "favourite": favs} {
			if n > 0 {
				m := members[c][rng.IntN(len(members[c]))]
				if _, err := insInteraction.ExecContext(ctx, kind, m+1, i, store.FormatTime(at.Add(time.Hour))); err != nil {
					return err
				}
			}
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE posts SET replies_count = (SELECT COUNT(*) FROM posts r WHERE r.in_reply_to_post = posts.id)
		WHERE id IN (SELECT in_reply_to_post FROM posts WHERE in_reply_to_post IS NOT NULL)`); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO meta(key, value) VALUES ('synthetic_posts', ?)`, fmt.Sprint(nPosts)); err != nil {
		return err
	}
	return tx.Commit()
}
