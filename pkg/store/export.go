package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// This file holds the streaming read queries of the weekly report and the
// research exports. Each calls fn once per row while the rows are read, so
// a caller that keeps only aggregates never holds the whole table.

// optedOutSQL is true for an account that asked not to be indexed: an
// opt-out tag in its profile, noindex, or indexable = false.
const optedOutSQL = `(%[1]s.optout = 1 OR COALESCE(%[1]s.noindex, 0) = 1 OR COALESCE(%[1]s.indexable, 1) = 0)`

func optedOut(alias string) string { return fmt.Sprintf(optedOutSQL, alias) }

// ExportFilter selects the rows of an export.
type ExportFilter struct {
	// Since and Until bound the post's created_at: [Since, Until); zero is open.
	Since, Until time.Time
	// ExcludeOptedOut leaves out opted-out accounts, their posts, and every
	// edge that touches them.
	ExcludeOptedOut bool
}

func (f ExportFilter) windowed() bool { return !f.Since.IsZero() || !f.Until.IsZero() }

// PostRow is one post as the posts export writes it. A tombstone (Deleted)
// has no content: Text, SpoilerText, Mentions, Links and Raw are empty.
type PostRow struct {
	ID                int64
	URI, URL          string
	Instance, LocalID string // the instance it was first harvested from and its id there
	Author            string
	AuthorOptedOut    bool
	CreatedAt         time.Time
	EditedAt          time.Time // zero when never edited
	DeletedAt         time.Time // zero when live
	Language          string
	Visibility        string
	Sensitive         bool
	SpoilerText, Text string
	Tags, Mentions    []string
	Links             []string
	// Sources says how the harvest reached the post: "tag:TAG@HOST" for a
	// tag timeline, "conversation@HOST" for a thread's context.
	Sources           []string
	Replies, Reblogs  int64
	Favourites        int64
	MediaCount        int64
	InReplyToURI      string // "" for a top-level post or a parent not stored
	InReplyToAuthor   string
	ThreadRootURI     string // topmost stored ancestor; the post itself at top level
	ThreadRootAuthor  string // its author
	Classified        bool
	ClassifierVersion string
	DomainScore       float64
	CommunityScore    float64
	PracticeScore     float64
	Domain            bool
	Community         bool
	Practice          bool
	Rules             string // classifications.rules JSON, "" when not classified
	CommunityID       string // from the last stored community assignment
	Verdict           string
	Raw               string // only when asked for
}

// ExportPosts streams the posts created in the filter's window, tombstones
// included, oldest first. withRaw also reads the raw status JSON.
func (s *Store) ExportPosts(ctx context.Context, f ExportFilter, withRaw bool, fn func(*PostRow) error) error {
	where, args := timeRange("p.created_at", f.Since, f.Until)
	if f.ExcludeOptedOut {
		where += " AND NOT " + optedOut("a")
	}
	raw := ""
	if withRaw {
		raw = ", COALESCE(p.raw, '')"
	}
	// The driver's cost is per column read, so the short text columns
	// travel packed in one JSON array (see postPack), and the flags in one
	// integer. Sources come unsorted, as "instance\ntag": sorting a handful
	// of them in Go is cheaper than a sorter per post in SQL. The thread
	// root of a direct reply to a top-level post is its parent, already
	// joined; deeper replies climb in_reply_to_post by primary key, a few
	// steps each, so no table of all roots is ever built.
	pack, packEnd := s.packStrings()
	q := `SELECT p.id, ` + pack + `p.uri, COALESCE(p.url, ''),
			COALESCE((SELECT instance || char(10) || local_id FROM post_ids WHERE post_id = p.id ORDER BY rowid LIMIT 1), ''),
			a.acct, p.created_at, COALESCE(p.edited_at, ''), COALESCE(p.deleted_at, ''),
			COALESCE(p.language, ''), COALESCE(p.visibility, ''),
			COALESCE(q.uri, ''), COALESCE(qa.acct, p.in_reply_to_acct, ''),
			CASE WHEN p.in_reply_to_post IS NULL THEN p.uri || char(10) || a.acct
			WHEN q.id IS NOT NULL AND q.in_reply_to_post IS NULL THEN q.uri || char(10) || qa.acct ELSE (
				WITH RECURSIVE up(id, parent, depth) AS (
					SELECT q.id, q.in_reply_to_post, 1
					UNION ALL
					SELECT x.id, x.in_reply_to_post, up.depth + 1 FROM posts x JOIN up ON x.id = up.parent WHERE up.depth < 1000)
				SELECT r.uri || char(10) || ra.acct FROM up JOIN posts r ON r.id = up.id JOIN accounts ra ON ra.id = r.account_id
				WHERE up.parent IS NULL) END,
			COALESCE(c.version, ''), COALESCE(c.rules, ''), COALESCE(ac.community, ''), COALESCE(ac.verdict, '')` + packEnd + `,
			COALESCE(p.spoiler_text, ''), COALESCE(p.text, ''),
			(SELECT json_group_array(tag) FROM (SELECT tag FROM post_tags WHERE post_id = p.id ORDER BY tag)),
			(SELECT json_group_array(acct) FROM (SELECT acct FROM post_mentions WHERE post_id = p.id ORDER BY acct)),
			(SELECT json_group_array(url) FROM (SELECT url FROM post_links WHERE post_id = p.id ORDER BY url)),
			(SELECT json_group_array(instance || char(10) || tag) FROM post_sources WHERE post_id = p.id),
			p.replies_count, p.reblogs_count, p.favourites_count, p.media_count,
			CASE WHEN ` + optedOut("a") + ` THEN 1 ELSE 0 END + CASE WHEN p.sensitive <> 0 THEN 2 ELSE 0 END
				+ CASE WHEN c.post_id IS NOT NULL THEN 4 ELSE 0 END + CASE WHEN c.domain <> 0 THEN 8 ELSE 0 END
				+ CASE WHEN c.community <> 0 THEN 16 ELSE 0 END + CASE WHEN c.practice <> 0 THEN 32 ELSE 0 END,
			COALESCE(c.domain_score, 0), COALESCE(c.community_score, 0), COALESCE(c.practice_score, 0)` + raw + `
		FROM posts p JOIN accounts a ON a.id = p.account_id
		LEFT JOIN posts q ON q.id = p.in_reply_to_post
		LEFT JOIN accounts qa ON qa.id = q.account_id
		LEFT JOIN classifications c ON c.post_id = p.id
		LEFT JOIN account_communities ac ON ac.account_id = p.account_id
		WHERE 1 = 1` + where + ` ORDER BY p.created_at, p.id`
	// The rows are read on one goroutine and decoded on the caller's: on
	// two cores the driver's work, the bulk of it, overlaps the decoding
	// (and, through fn, the formatting; see export.writeTable).
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("read posts to export: %w", err)
	}
	batches, free, readErr := make(chan []rawPost, 2), make(chan []rawPost, 3), make(chan error, 1)
	go func() {
		defer close(batches)
		readErr <- readPosts(ctx, rows, withRaw, batches, free)
	}()
	var (
		r     PostRow
		short [postPackLen]string
	)
	for batch := range batches {
		for i := range batch {
			err = batch[i].decode(&r, short[:])
			if err == nil {
				err = fn(&r)
			}
			if err != nil {
				// Stop the reader and wait for it: the rows must be closed
				// before the store may be.
				cancel()
				for range batches {
				}
				<-readErr
				return err
			}
		}
		select {
		case free <- batch[:0]:
		default:
		}
	}
	return <-readErr
}

// rawPost is one row of the posts export as read, before decoding.
type rawPost struct {
	id                                         int64
	packed, spoiler, text                      string
	tags, mentions, links, sources, raw        string
	replies, reblogs, favourites, media, flags int64
	domainScore, communityScore, practiceScore float64
}

// readPosts scans rows into batches until the rows end or ctx is done,
// then closes them.
func readPosts(ctx context.Context, rows *sql.Rows, withRaw bool, batches chan<- []rawPost, free <-chan []rawPost) error {
	defer rows.Close()
	const batchSize = 512
	var p rawPost
	dest := []any{&p.id, &p.packed, &p.spoiler, &p.text, &p.tags, &p.mentions, &p.links, &p.sources,
		&p.replies, &p.reblogs, &p.favourites, &p.media, &p.flags, &p.domainScore, &p.communityScore, &p.practiceScore}
	if withRaw {
		dest = append(dest, &p.raw)
	}
	batch := make([]rawPost, 0, batchSize)
	send := func() bool {
		select {
		case batches <- batch:
		case <-ctx.Done():
			return false
		}
		select {
		case batch = <-free:
		default:
			batch = make([]rawPost, 0, batchSize)
		}
		return true
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("read posts to export: %w", err)
		}
		if batch = append(batch, p); len(batch) == batchSize && !send() {
			return ctx.Err()
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read posts to export: %w", err)
	}
	if len(batch) > 0 && !send() {
		return ctx.Err()
	}
	return nil
}

// decode fills r from p; short is room for the packed strings.
func (p *rawPost) decode(r *PostRow, short []string) error {
	*r = PostRow{ID: p.id, SpoilerText: p.spoiler, Text: p.text, Raw: p.raw,
		Replies: p.replies, Reblogs: p.reblogs, Favourites: p.favourites, MediaCount: p.media,
		DomainScore: p.domainScore, CommunityScore: p.communityScore, PracticeScore: p.practiceScore}
	if err := unpackStrings(p.packed, short); err != nil {
		return fmt.Errorf("read post %d to export: %w", r.ID, err)
	}
	localID, root := short[2], short[11]
	r.URI, r.URL, r.Author, r.Language, r.Visibility = short[0], short[1], short[3], short[7], short[8]
	r.InReplyToURI, r.InReplyToAuthor = short[9], short[10]
	r.ClassifierVersion, r.Rules, r.CommunityID, r.Verdict = short[12], short[13], short[14], short[15]
	for i, t := range []*time.Time{&r.CreatedAt, &r.EditedAt, &r.DeletedAt} {
		if err := scanTime(t).Scan(short[4+i]); err != nil {
			return fmt.Errorf("read post %s to export: %w", r.URI, err)
		}
	}
	flags := p.flags
	r.AuthorOptedOut, r.Sensitive = flags&1 != 0, flags&2 != 0
	r.Classified, r.Domain, r.Community, r.Practice = flags&4 != 0, flags&8 != 0, flags&16 != 0, flags&32 != 0
	r.Instance, r.LocalID, _ = strings.Cut(localID, "\n")
	r.ThreadRootURI, r.ThreadRootAuthor, _ = strings.Cut(root, "\n")
	var err error
	for _, l := range []struct {
		dst *[]string
		src string
	}{{&r.Tags, p.tags}, {&r.Mentions, p.mentions}, {&r.Links, p.links}, {&r.Sources, p.sources}} {
		if *l.dst, err = jsonStrings(l.src); err != nil {
			return fmt.Errorf("read the lists of post %s: %w", r.URI, err)
		}
	}
	formatSources(r.Sources)
	if !r.DeletedAt.IsZero() {
		// A tombstone never carries content, whatever a row still holds.
		r.Text, r.SpoilerText, r.Mentions, r.Links, r.Raw = "", "", nil, nil, ""
	}
	return nil
}

// AccountRow is one account as the accounts export writes it.
type AccountRow struct {
	ID                   int64
	Acct, URI, URL       string
	Username, Display    string
	Note                 string
	Bot                  bool
	Discoverable         sql.NullBool
	Indexable, NoIndex   sql.NullBool
	OptOutTag            bool // #nobot, #noindex or #nosearch in the profile
	OptedOut             bool // OptOutTag, noindex, or indexable = false
	CreatedAt            time.Time
	Followers, Following int64
	Statuses             int64
	Posts                int64     // live posts in the window
	FirstPost, LastPost  time.Time // of those posts
	CommunityID, Verdict string
	Raw                  string // only when asked for
}

// ExportAccounts streams accounts in acct order. Without a window every
// account; with one, the accounts that wrote a post in it or took part in
// an interaction on a post of it.
func (s *Store) ExportAccounts(ctx context.Context, f ExportFilter, withRaw bool, fn func(*AccountRow) error) error {
	postWhere, postArgs := timeRange("created_at", f.Since, f.Until)
	var where string
	args := append([]any{}, postArgs...)
	if f.windowed() {
		edges, edgeArgs := windowEdges(f.Since, f.Until)
		where = ` AND (a.id IN (SELECT account_id FROM posts WHERE deleted_at IS NULL` + postWhere + `)
			OR a.id IN (SELECT source_id FROM ` + edges + `) OR a.id IN (SELECT target_id FROM ` + edges + `))`
		args = append(append(append(args, postArgs...), edgeArgs...), edgeArgs...)
	}
	if f.ExcludeOptedOut {
		where += " AND NOT " + optedOut("a")
	}
	raw := "''"
	if withRaw {
		raw = "COALESCE(a.raw, '')"
	}
	q := `SELECT a.id, a.acct, COALESCE(a.uri, ''), COALESCE(a.url, ''), COALESCE(a.username, ''), COALESCE(a.display_name, ''),
			COALESCE(a.note, ''), a.bot, a.discoverable, a.indexable, a.noindex, a.optout, ` + optedOut("a") + `,
			COALESCE(a.created_at, ''), COALESCE(a.followers_count, 0), COALESCE(a.following_count, 0), COALESCE(a.statuses_count, 0),
			COALESCE(st.n, 0), COALESCE(st.first, ''), COALESCE(st.last, ''),
			COALESCE(ac.community, ''), COALESCE(ac.verdict, ''), ` + raw + `
		FROM accounts a
		LEFT JOIN (SELECT account_id, COUNT(*) AS n, MIN(created_at) AS first, MAX(created_at) AS last
			FROM posts WHERE deleted_at IS NULL` + postWhere + ` GROUP BY account_id) st ON st.account_id = a.id
		LEFT JOIN account_communities ac ON ac.account_id = a.id
		WHERE 1 = 1` + where + ` ORDER BY a.acct`
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("read accounts to export: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r AccountRow
		if err := rows.Scan(&r.ID, &r.Acct, &r.URI, &r.URL, &r.Username, &r.Display, &r.Note, &r.Bot, &r.Discoverable,
			&r.Indexable, &r.NoIndex, &r.OptOutTag, &r.OptedOut, scanTime(&r.CreatedAt), &r.Followers, &r.Following, &r.Statuses,
			&r.Posts, scanTime(&r.FirstPost), scanTime(&r.LastPost), &r.CommunityID, &r.Verdict, &r.Raw); err != nil {
			return fmt.Errorf("read accounts to export: %w", err)
		}
		if err := fn(&r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// EdgeRow is one interaction: source replied to, mentioned, boosted or
// favourited target's post (for a reply, the parent's author).
type EdgeRow struct {
	Kind                           string // reply, mention, boost, favourite
	Source, Target                 string // accts
	SourceOptedOut, TargetOptedOut bool
	PostURI                        string // the replying/mentioning post, or the boosted/favourited one
	At                             time.Time
}

// ExportEdges streams the interactions on live posts created in the window,
// ordered by time.
func (s *Store) ExportEdges(ctx context.Context, f ExportFilter, fn func(*EdgeRow) error) error {
	edges, args := windowEdges(f.Since, f.Until)
	var where string
	if f.ExcludeOptedOut {
		where = " AND NOT " + optedOut("sa") + " AND NOT " + optedOut("ta")
	}
	rows, err := s.r.QueryContext(ctx, `SELECT e.kind, sa.acct, ta.acct, `+optedOut("sa")+`, `+optedOut("ta")+`, p.uri, e.at
		FROM `+edges+` e JOIN posts p ON p.id = e.post_id
		JOIN accounts sa ON sa.id = e.source_id JOIN accounts ta ON ta.id = e.target_id
		WHERE 1 = 1`+where+` ORDER BY e.at, p.id, e.kind, sa.acct, ta.acct`, args...)
	if err != nil {
		return fmt.Errorf("read interactions to export: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r EdgeRow
		if err := rows.Scan(&r.Kind, &r.Source, &r.Target, &r.SourceOptedOut, &r.TargetOptedOut, &r.PostURI, scanTime(&r.At)); err != nil {
			return fmt.Errorf("read interactions to export: %w", err)
		}
		if err := fn(&r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// TieRow is all interactions of one kind from one account to another,
// aggregated: how many, the first and the last.
type TieRow struct {
	Kind                           string
	Source, Target                 string
	SourceOptedOut, TargetOptedOut bool
	Count                          int64
	First, Last                    time.Time
}

// ExportTies streams the interactions of the window grouped by (kind,
// source, target); SQLite does the grouping, so memory stays flat.
func (s *Store) ExportTies(ctx context.Context, f ExportFilter, fn func(*TieRow) error) error {
	edges, args := windowEdges(f.Since, f.Until)
	var optOutWhere string
	if f.ExcludeOptedOut {
		optOutWhere = " AND NOT " + optedOut("sa") + " AND NOT " + optedOut("ta")
	}
	rows, err := s.r.QueryContext(ctx, `SELECT t.kind, sa.acct, ta.acct, `+optedOut("sa")+`, `+optedOut("ta")+`, t.n, t.first, t.last
		FROM (SELECT e.kind, e.source_id, e.target_id, COUNT(*) AS n, MIN(e.at) AS first, MAX(e.at) AS last
			FROM `+edges+` e GROUP BY e.kind, e.source_id, e.target_id) t
		JOIN accounts sa ON sa.id = t.source_id JOIN accounts ta ON ta.id = t.target_id
		WHERE 1 = 1`+optOutWhere+` ORDER BY sa.acct, ta.acct, t.kind`, args...)
	if err != nil {
		return fmt.Errorf("read ties to export: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r TieRow
		if err := rows.Scan(&r.Kind, &r.Source, &r.Target, &r.SourceOptedOut, &r.TargetOptedOut, &r.Count, scanTime(&r.First), scanTime(&r.Last)); err != nil {
			return fmt.Errorf("read ties to export: %w", err)
		}
		if err := fn(&r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// windowEdges is the edges view restricted to live posts created in
// [since, until), with the time range inside each branch of the union: a
// range on the joined posts table cannot reach into the view, and SQLite
// would otherwise read every edge ever stored. Its arguments are the range
// arguments three times.
func windowEdges(since, until time.Time) (string, []any) {
	where, args := timeRange("p.created_at", since, until)
	q := `(SELECT 'reply' AS kind, p.account_id AS source_id, q.account_id AS target_id, p.id AS post_id, p.created_at AS at
			FROM posts p JOIN posts q ON q.id = p.in_reply_to_post WHERE p.deleted_at IS NULL` + where + `
		UNION ALL
		SELECT 'mention', p.account_id, a.id, p.id, p.created_at
			FROM posts p JOIN post_mentions m ON m.post_id = p.id JOIN accounts a ON a.acct = m.acct WHERE p.deleted_at IS NULL` + where + `
		UNION ALL
		SELECT i.kind, i.account_id, p.account_id, p.id, i.seen_at
			FROM posts p JOIN interactions i ON i.kind IN ('boost', 'favourite') AND i.post_id = p.id WHERE p.deleted_at IS NULL` + where + `)`
	return q, append(append(append([]any{}, args...), args...), args...)
}

// MembershipRow is one account's stored community assignment.
type MembershipRow struct {
	CommunityID, Verdict string
	Acct                 string
	OptedOut             bool
	ComputedAt           time.Time
}

// ExportMemberships streams the stored account → community assignment (the
// last `communities` run), by community then account.
func (s *Store) ExportMemberships(ctx context.Context, f ExportFilter, fn func(*MembershipRow) error) error {
	var where string
	if f.ExcludeOptedOut {
		where = " AND NOT " + optedOut("a")
	}
	rows, err := s.r.QueryContext(ctx, `SELECT ac.community, ac.verdict, a.acct, `+optedOut("a")+`, ac.computed_at
		FROM account_communities ac JOIN accounts a ON a.id = ac.account_id
		WHERE 1 = 1`+where+` ORDER BY ac.community, a.acct`)
	if err != nil {
		return fmt.Errorf("read communities to export: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r MembershipRow
		if err := rows.Scan(&r.CommunityID, &r.Verdict, &r.Acct, &r.OptedOut, scanTime(&r.ComputedAt)); err != nil {
			return fmt.Errorf("read communities to export: %w", err)
		}
		if err := fn(&r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ActivityRow is one live post as the weekly report reads it.
type ActivityRow struct {
	URI, URL, Author string
	At               time.Time
	IsReply          bool // replies to someone (the parent may not be stored)
	OtherRepliers    int  // distinct other authors who replied directly, at any time
	Text             string
	Tags, Links      []string
	Classified       bool
	PracticeScore    float64
	Practice         bool
	Rules            string
}

// ActivityPosts streams the live posts created in [since, until), oldest first.
func (s *Store) ActivityPosts(ctx context.Context, since, until time.Time, fn func(*ActivityRow) error) error {
	where, args := timeRange("p.created_at", since, until)
	rows, err := s.r.QueryContext(ctx, `SELECT p.uri, COALESCE(p.url, ''), a.acct, p.created_at,
			p.in_reply_to_post IS NOT NULL OR p.in_reply_to_acct IS NOT NULL,
			COALESCE(p.text, ''), `+tagsLinksRepliers+`,
			c.post_id IS NOT NULL, COALESCE(c.practice_score, 0), COALESCE(c.practice, 0), COALESCE(c.rules, '')
		FROM posts p JOIN accounts a ON a.id = p.account_id
		LEFT JOIN classifications c ON c.post_id = p.id
		WHERE p.deleted_at IS NULL`+where+` ORDER BY p.created_at, p.id`, args...)
	if err != nil {
		return fmt.Errorf("read the period's posts: %w", err)
	}
	defer rows.Close()
	var tags, links string
	for rows.Next() {
		var r ActivityRow
		if err := rows.Scan(&r.URI, &r.URL, &r.Author, scanTime(&r.At), &r.IsReply, &r.Text,
			&tags, &links, &r.OtherRepliers, &r.Classified, &r.PracticeScore, &r.Practice, &r.Rules); err != nil {
			return fmt.Errorf("read the period's posts: %w", err)
		}
		r.Tags, r.Links = strings.Fields(tags), strings.Fields(links)
		if err := fn(&r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// EarlierAuthors streams the authors of live posts created in [since,
// until) who had posted before since, so a report can tell returning
// members from new ones. EXISTS stops at each author's first earlier post.
func (s *Store) EarlierAuthors(ctx context.Context, since, until time.Time, fn func(acct string) error) error {
	where, args := timeRange("created_at", since, until)
	rows, err := s.r.QueryContext(ctx, `SELECT a.acct
		FROM (SELECT DISTINCT account_id FROM posts WHERE deleted_at IS NULL`+where+`) w JOIN accounts a ON a.id = w.account_id
		WHERE EXISTS (SELECT 1 FROM posts f WHERE f.account_id = w.account_id AND f.deleted_at IS NULL AND f.created_at < ?)
		ORDER BY a.acct`, append(args, FormatTime(since))...)
	if err != nil {
		return fmt.Errorf("read earlier authors: %w", err)
	}
	defer rows.Close()
	var acct string
	for rows.Next() {
		if err := rows.Scan(&acct); err != nil {
			return fmt.Errorf("read earlier authors: %w", err)
		}
		if err := fn(acct); err != nil {
			return err
		}
	}
	return rows.Err()
}

// PostAuthors streams the author and time of every live post created in
// [since, until), in time order: the light query behind weekly counts.
func (s *Store) PostAuthors(ctx context.Context, since, until time.Time, fn func(acct string, at time.Time) error) error {
	where, args := timeRange("p.created_at", since, until)
	rows, err := s.r.QueryContext(ctx, `SELECT a.acct, p.created_at FROM posts p JOIN accounts a ON a.id = p.account_id
		WHERE p.deleted_at IS NULL`+where+` ORDER BY p.created_at`, args...)
	if err != nil {
		return fmt.Errorf("read post authors: %w", err)
	}
	defer rows.Close()
	var acct string
	var t time.Time
	for rows.Next() {
		if err := rows.Scan(&acct, scanTime(&t)); err != nil {
			return fmt.Errorf("read post authors: %w", err)
		}
		if err := fn(acct, t); err != nil {
			return err
		}
	}
	return rows.Err()
}

// OptedOutAccount is what names an account that opted out, for redacting
// it from other people's rows.
type OptedOutAccount struct {
	Acct, DisplayName, URL, URI string
	AccountIDs                  []string // local ids on the instances its posts came through
}

// OptedOutAccounts lists the accounts that opted out (few, so all at once).
func (s *Store) OptedOutAccounts(ctx context.Context) ([]OptedOutAccount, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT a.acct, COALESCE(a.display_name, ''), COALESCE(a.url, ''), COALESCE(a.uri, ''),
			COALESCE((SELECT group_concat(id, ' ') FROM (
				SELECT DISTINCT json_extract(p.raw, '$.account.id') AS id FROM posts p
				WHERE p.account_id = a.id AND json_valid(p.raw) AND json_extract(p.raw, '$.account.id') IS NOT NULL
				UNION SELECT json_extract(a.raw, '$.id') WHERE json_valid(a.raw) AND json_extract(a.raw, '$.id') IS NOT NULL)), '')
		FROM accounts a WHERE `+optedOut("a")+` ORDER BY a.acct`)
	if err != nil {
		return nil, fmt.Errorf("read opted-out accounts: %w", err)
	}
	defer rows.Close()
	var out []OptedOutAccount
	for rows.Next() {
		var a OptedOutAccount
		var ids string
		if err := rows.Scan(&a.Acct, &a.DisplayName, &a.URL, &a.URI, &ids); err != nil {
			return nil, fmt.Errorf("read opted-out accounts: %w", err)
		}
		a.AccountIDs = strings.Fields(ids)
		out = append(out, a)
	}
	return out, rows.Err()
}

// AccountsPerInstance counts the stored accounts of each host (the part of
// acct after @), leaving out opted-out ones when asked.
func (s *Store) AccountsPerInstance(ctx context.Context, excludeOptedOut bool) (map[string]int, error) {
	where := ""
	if excludeOptedOut {
		where = " WHERE NOT " + optedOut("a")
	}
	rows, err := s.r.QueryContext(ctx, `SELECT lower(substr(a.acct, instr(a.acct, '@') + 1)), COUNT(*) FROM accounts a`+where+` GROUP BY 1`)
	if err != nil {
		return nil, fmt.Errorf("count accounts per instance: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var host string
		var n int
		if err := rows.Scan(&host, &n); err != nil {
			return nil, fmt.Errorf("count accounts per instance: %w", err)
		}
		out[host] = n
	}
	return out, rows.Err()
}

// DisplayNames streams each account's display name (accounts without one
// are skipped).
func (s *Store) DisplayNames(ctx context.Context, fn func(acct, name string) error) error {
	rows, err := s.r.QueryContext(ctx, `SELECT acct, display_name FROM accounts WHERE COALESCE(display_name, '') <> ''`)
	if err != nil {
		return fmt.Errorf("read display names: %w", err)
	}
	defer rows.Close()
	var acct, name string
	for rows.Next() {
		if err := rows.Scan(&acct, &name); err != nil {
			return fmt.Errorf("read display names: %w", err)
		}
		if err := fn(acct, name); err != nil {
			return err
		}
	}
	return rows.Err()
}

// postPackLen is the number of strings in the packed column of
// ExportPosts, in the order of its SELECT.
const postPackLen = 16

// packStrings opens and closes the SQL expression that packs strings into
// one JSON array text for unpackStrings.
func (s *Store) packStrings() (string, string) {
	if s.pg {
		return "json_build_array(", ")::text"
	}
	return "json_array(", ")"
}

// unpackStrings decodes a JSON array of exactly len(dst) strings (or
// nulls, read as "") as SQLite's json_array or PostgreSQL's
// json_build_array write it. A string without escapes is a substring of s;
// an escaped one is decoded byte for byte, so text that is not valid UTF-8
// comes back unchanged, as from a plain column.
func unpackStrings(s string, dst []string) error {
	i := 0
	skip := func() {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
			i++
		}
	}
	skip()
	if i == len(s) || s[i] != '[' {
		return fmt.Errorf("packed columns %.40q: not a JSON array", s)
	}
	i++
	for k := range dst {
		skip()
		if k > 0 {
			if i == len(s) || s[i] != ',' {
				return fmt.Errorf("packed columns %.40q: want %d values", s, len(dst))
			}
			i++
			skip()
		}
		if strings.HasPrefix(s[i:], "null") {
			dst[k], i = "", i+4
			continue
		}
		if i == len(s) || s[i] != '"' {
			return fmt.Errorf("packed columns %.40q: value %d is not a string", s, k)
		}
		i++
		start, escaped := i, false
		for i < len(s) && s[i] != '"' {
			if s[i] == '\\' {
				escaped = true
				i++
			}
			i++
		}
		if i >= len(s) {
			return fmt.Errorf("packed columns %.40q: unterminated string", s)
		}
		dst[k] = s[start:i]
		if escaped {
			v, err := unescapeJSON(dst[k])
			if err != nil {
				return fmt.Errorf("packed columns %.40q: %w", s, err)
			}
			dst[k] = v
		}
		i++
	}
	skip()
	if i != len(s)-1 || s[i] != ']' {
		return fmt.Errorf("packed columns %.40q: want %d values", s, len(dst))
	}
	return nil
}

// unescapeJSON decodes the escapes of a JSON string's body and keeps every
// other byte as it is.
func unescapeJSON(s string) (string, error) {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			j := strings.IndexByte(s[i:], '\\')
			if j < 0 {
				j = len(s) - i
			}
			b.WriteString(s[i : i+j])
			i += j - 1
			continue
		}
		if i++; i == len(s) {
			return "", fmt.Errorf("a JSON string ends in a backslash")
		}
		switch c := s[i]; c {
		case '"', '\\', '/':
			b.WriteByte(c)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, ok := hex4(s[i+1:])
			if !ok {
				return "", fmt.Errorf("bad \\u escape in a JSON string")
			}
			i += 4
			if utf16.IsSurrogate(r) {
				if r2, ok := hex4(strings.TrimPrefix(s[i+1:], "\\u")); ok && strings.HasPrefix(s[i+1:], "\\u") {
					if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
						r = d
						i += 6
					}
				}
			}
			b.WriteRune(r)
		default:
			return "", fmt.Errorf("bad escape \\%c in a JSON string", c)
		}
	}
	return b.String(), nil
}

func hex4(s string) (rune, bool) {
	if len(s) < 4 {
		return 0, false
	}
	n, err := strconv.ParseUint(s[:4], 16, 16)
	return rune(n), err == nil
}

// formatSources turns a post's "instance\ntag" sources into
// "tag:TAG@HOST" (tag timelines first) and "conversation@HOST", in the
// order tag timelines first, then by instance and tag.
func formatSources(list []string) {
	slices.SortFunc(list, func(a, b string) int {
		ai, at, _ := strings.Cut(a, "\n")
		bi, bt, _ := strings.Cut(b, "\n")
		if (at == "") != (bt == "") {
			if at == "" {
				return 1
			}
			return -1
		}
		return cmp.Or(strings.Compare(ai, bi), strings.Compare(at, bt))
	})
	for i, s := range list {
		if instance, tag, _ := strings.Cut(s, "\n"); tag == "" {
			list[i] = "conversation@" + instance
		} else {
			list[i] = "tag:" + tag + "@" + instance
		}
	}
}

// jsonStrings decodes a json_group_array of text. Lists travel as JSON, not
// joined by a separator, because a hostile server can put any character in
// a tag, account or link. The common case (no escapes) is split directly:
// without a backslash no value can hold a quote, so `","` only separates.
func jsonStrings(s string) ([]string, error) {
	if s == "[]" || s == "" {
		return nil, nil
	}
	if !strings.ContainsRune(s, '\\') && strings.HasPrefix(s, `["`) && strings.HasSuffix(s, `"]`) {
		return strings.Split(s[2:len(s)-2], `","`), nil
	}
	var list []string
	if err := json.Unmarshal([]byte(s), &list); err != nil {
		return nil, err
	}
	return list, nil
}
