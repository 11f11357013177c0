package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// PostFact is one live post with what community analysis needs.
type PostFact struct {
	ID                    int64 // the row id: a compact key for in-memory work
	ParentID              int64 // 0 when the parent is not stored
	IsReply               bool  // a reply, even when its parent is not stored
	URI, Author, Instance string
	Tags                  []string
	ThreadTags            []string // tags of the thread root, when that is another post
	At                    time.Time
	InReplyToURI          string
	InReplyToAuthor       string
	Classified            bool
	Domain                bool
	Community             bool
	Practice              bool
	Rules                 string // classification rules JSON ("" when not classified)
	Links                 []string
	OtherRepliers         int // distinct other authors who replied directly
}

// EdgeFact is one interaction between two accounts.
type EdgeFact struct {
	Kind     string // reply, mention, boost, favourite
	From, To string // accts
	At       time.Time
	PostURI  string
	PostID   int64     // the row id of that post
	PostAt   time.Time // when the post it is on was written
}

// tagsLinksRepliers selects, for post p, its tags and links (space-separated)
// and how many other people replied to it directly (deleted replies do not
// count): what both the community analysis and the weekly report need.
const tagsLinksRepliers = `COALESCE((SELECT group_concat(tag, ' ') FROM post_tags WHERE post_id = p.id), ''),
			COALESCE((SELECT group_concat(url, ' ') FROM post_links WHERE post_id = p.id), ''),
			(SELECT COUNT(DISTINCT r.account_id) FROM posts r WHERE r.in_reply_to_post = p.id AND r.account_id <> p.account_id AND r.deleted_at IS NULL)`

// PostFacts streams the live posts created in [since, until) (zero = open).
func (s *Store) PostFacts(ctx context.Context, since, until time.Time, fn func(*PostFact) error) error {
	where, args := timeRange("p.created_at", since, until)
	rows, err := s.r.QueryContext(ctx, `SELECT p.id, COALESCE(p.in_reply_to_post, 0), p.in_reply_to_post IS NOT NULL OR p.in_reply_to_acct IS NOT NULL,
			p.uri, a.acct, p.created_at, COALESCE(q.uri, ''), COALESCE(qa.acct, p.in_reply_to_acct, ''),
			c.post_id IS NOT NULL, COALESCE(c.domain, 0), COALESCE(c.community, 0), COALESCE(c.practice, 0), COALESCE(c.rules, ''),
			`+tagsLinksRepliers+`,
			CASE WHEN p.thread_root IS NOT NULL AND p.thread_root <> p.id
				THEN COALESCE((SELECT group_concat(tag, ' ') FROM post_tags WHERE post_id = p.thread_root), '') ELSE '' END
		FROM posts p JOIN accounts a ON a.id = p.account_id
		LEFT JOIN posts q ON q.id = p.in_reply_to_post
		LEFT JOIN accounts qa ON qa.id = q.account_id
		LEFT JOIN classifications c ON c.post_id = p.id
		WHERE p.deleted_at IS NULL`+where+` ORDER BY p.created_at, p.id`, args...)
	if err != nil {
		return fmt.Errorf("read posts: %w", err)
	}
	defer rows.Close()
	var at, tags, links, rootTags string
	for rows.Next() {
		var f PostFact
		if err := rows.Scan(&f.ID, &f.ParentID, &f.IsReply, &f.URI, &f.Author, &at, &f.InReplyToURI, &f.InReplyToAuthor, &f.Classified, &f.Domain, &f.Community,
			&f.Practice, &f.Rules, &tags, &links, &f.OtherRepliers, &rootTags); err != nil {
			return err
		}
		f.ThreadTags = strings.Fields(rootTags)
		f.At, _ = ParseTime(at)
		if i := strings.LastIndexByte(f.Author, '@'); i >= 0 {
			f.Instance = f.Author[i+1:]
		}
		f.Tags, f.Links = strings.Fields(tags), strings.Fields(links)
		if err := fn(&f); err != nil {
			return err
		}
	}
	return rows.Err()
}

// NewestPostAt returns when the newest live post was written (zero when
// there is none): what anchors default periods, so that the same database
// gives the same answer on any day.
func (s *Store) NewestPostAt(ctx context.Context) (time.Time, error) {
	var newest sql.NullString
	if err := s.r.QueryRowContext(ctx, `SELECT MAX(created_at) FROM posts WHERE deleted_at IS NULL`).Scan(&newest); err != nil {
		return time.Time{}, fmt.Errorf("newest post: %w", err)
	}
	if !newest.Valid {
		return time.Time{}, nil
	}
	return ParseTime(newest.String)
}

// EdgeFacts streams the interactions whose post was created in [since, until).
func (s *Store) EdgeFacts(ctx context.Context, since, until time.Time, fn func(*EdgeFact) error) error {
	// The window is applied inside each branch (windowEdges): filtering the
	// edges view from outside makes SQLite read every edge ever stored.
	edges, args := windowEdges(since, until)
	rows, err := s.r.QueryContext(ctx, `SELECT e.kind, fa.acct, ta.acct, e.at, p.uri, p.id, p.created_at
		FROM `+edges+` e JOIN posts p ON p.id = e.post_id
		JOIN accounts fa ON fa.id = e.source_id JOIN accounts ta ON ta.id = e.target_id`, args...)
	if err != nil {
		return fmt.Errorf("read interactions: %w", err)
	}
	defer rows.Close()
	var at, postAt string
	for rows.Next() {
		var e EdgeFact
		if err := rows.Scan(&e.Kind, &e.From, &e.To, &at, &e.PostURI, &e.PostID, &postAt); err != nil {
			return err
		}
		e.At, _ = ParseTime(at)
		e.PostAt, _ = ParseTime(postAt)
		if err := fn(&e); err != nil {
			return err
		}
	}
	return rows.Err()
}

func timeRange(col string, since, until time.Time) (string, []any) {
	var where string
	var args []any
	if !since.IsZero() {
		where += " AND " + col + " >= ?"
		args = append(args, FormatTime(since))
	}
	if !until.IsZero() {
		where += " AND " + col + " < ?"
		args = append(args, FormatTime(until))
	}
	return where, args
}

// CommunityAssignment is an account's community and its verdict.
type CommunityAssignment struct {
	Acct, Community, Verdict string
}

// SaveCommunities replaces the stored account → community assignment.
func (s *Store) SaveCommunities(ctx context.Context, list []CommunityAssignment) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM account_communities`); err != nil {
			return err
		}
		w := newWriter(ctx, tx, s.stamp())
		defer w.close()
		// Many rows a statement: the cost of a statement is mostly its own
		// (20,000 accounts took 0.4 s one by one).
		const batch = 200
		for len(list) > 0 {
			part := list[:min(len(list), batch)]
			list = list[len(part):]
			args := make([]any, 0, 1+3*len(part))
			args = append(args, w.now)
			for _, a := range part {
				args = append(args, a.Acct, a.Community, a.Verdict)
			}
			q := `INSERT INTO account_communities(account_id, community, verdict, computed_at)
				SELECT a.id, v.column2, v.column3, ? FROM (VALUES (?, ?, ?)` + strings.Repeat(`, (?, ?, ?)`, len(part)-1) + `) AS v
				JOIN accounts a ON a.acct = v.column1`
			if _, err := w.exec(q, args...); err != nil {
				return fmt.Errorf("save communities of %s to %s: %w", part[0].Acct, part[len(part)-1].Acct, err)
			}
		}
		return nil
	})
}

// Bits of a fact's flags.
const (
	FactClassified = 1 << iota
	FactDomain
	FactCommunity
	FactPractice
	FactQuestion
	FactIdea // it proposes an idea for practice
)

// ActKind is the kind of an Act.
type ActKind uint8

// Kinds of acts. Replies are not acts: a post's reply is its ReplyToID.
const (
	ActMention ActKind = iota + 1
	ActBoost
	ActFavourite
)

// Act is an interaction a post carries besides its reply: the author's
// mention of Account, or Account's boost or favourite of the post.
type Act struct {
	Kind    ActKind
	Account int64 // accounts.id
	At      int64 // Unix nanoseconds: the post's time for a mention, when it was seen for a boost or favourite
}

// FactSource is what a post's stored facts are made of: the columns of
// PostFact that need no other post, with the classification's rules (which
// only classify can read) and the account ids.
type FactSource struct {
	PostFact
	AuthorID, ReplyToID int64  // accounts.id; ReplyToID 0 when the parent is not stored
	ReplyToAcct         string // in_reply_to_acct when the parent is not stored
	PracticeScore       float64
	Acts                []Act // mentions of stored accounts, then boosts, then favourites
	// dataVersion is the writer's PRAGMA data_version when the source was
	// read alongside the posts to classify (see classifyAllMerged).
	dataVersion int64
	// stored is the post's classification as read with it, when it has
	// one (hasStored).
	stored    Classification
	hasStored bool
}

// FactRow is one post's facts as the analysis wants them: Flags are the
// Fact* bits; Resources are normalised links and tools, in order.
type FactRow struct {
	PostID, At, AuthorID, ParentID, ReplyToID int64 // At: Unix nanoseconds
	IsReply                                   bool
	ReplyToAcct                               string
	Flags                                     int
	Repliers                                  int     // other authors who replied directly (live replies)
	Score                                     float64 // the practice score
	Tags, RootTags, Resources                 []string
	Acts                                      []Act
}

// Fact is one post's stored facts, strings as ids: Terms (see FactTerms)
// for tags and resources, accounts.id for accounts. The slices are reused
// by the next call.
type Fact struct {
	PostID, At, AuthorID, ParentID, ReplyToID int64
	IsReply                                   bool
	ReplyToAcct                               string
	Flags                                     int
	Repliers                                  int     // other authors who replied directly (live replies)
	Score                                     float64 // the practice score
	Tags, RootTags, Resources                 []uint32
	Acts                                      []Act
}

// factsPerChunk bounds what BuildFacts holds in memory at once.
const factsPerChunk = 5000

// FactsPending counts the posts whose facts are missing or out of date.
// A database that has not been migrated yet (opened read-only) has no
// facts: ok is false.
func (s *Store) FactsPending(ctx context.Context) (n int, ok bool, err error) {
	var exists bool
	if err := s.r.QueryRowContext(ctx, `SELECT EXISTS(SELECT 1 FROM sqlite_master WHERE name = 'post_facts_pending')`).Scan(&exists); err != nil || !exists {
		return 0, false, err
	}
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM post_facts_pending`).Scan(&n); err != nil {
		return 0, false, fmt.Errorf("count posts whose facts are out of date: %w", err)
	}
	return n, true, nil
}

// BuildFacts brings the facts of every queued post up to date, in chunks
// of a few thousand posts, each in its own write transaction (so that no
// writer can queue a post between reading it and clearing it); convert
// turns a post's sources into its facts. It returns how many posts it
// wrote.
func (s *Store) BuildFacts(ctx context.Context, convert func(*FactSource) FactRow) (int, error) {
	terms := &factTerms{}
	written := 0
	for {
		n, err := s.buildFactsChunk(ctx, terms, convert)
		if err != nil {
			return written, err
		}
		if n < 0 {
			return written, nil
		}
		written += n
	}
}

// factTerms is the fact_terms table as a map, read once and kept across
// transactions; a transaction that fails drops it (it may hold ids that
// were rolled back).
type factTerms struct {
	ids map[string]uint32 // nil: not read yet
}

func (t *factTerms) load(ctx context.Context, tx *sql.Tx) error {
	if t.ids != nil {
		return nil
	}
	ids := map[string]uint32{}
	rows, err := tx.QueryContext(ctx, `SELECT id, term FROM fact_terms`)
	if err != nil {
		return fmt.Errorf("read fact terms: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id uint32
		var term string
		if err := rows.Scan(&id, &term); err != nil {
			return fmt.Errorf("read fact terms: %w", err)
		}
		ids[term] = id
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read fact terms: %w", err)
	}
	t.ids = ids
	return nil
}

// of returns the ids of list, storing the terms not stored yet.
func (t *factTerms) of(ctx context.Context, tx *sql.Tx, list []string) ([]uint32, error) {
	out := make([]uint32, 0, len(list))
	for _, term := range list {
		id, ok := t.ids[term]
		if !ok {
			var id64 int64
			if err := tx.QueryRowContext(ctx, `INSERT INTO fact_terms(term) VALUES (?) RETURNING id`, term).Scan(&id64); err != nil {
				return nil, fmt.Errorf("store fact term %q: %w", term, err)
			}
			id = uint32(id64)
			t.ids[term] = id
		}
		out = append(out, id)
	}
	return out, nil
}

// factsPerStatement is how many rows one INSERT of facts carries (4
// parameters each).
const factsPerStatement = 200

// writeFacts stores the facts of sources, in order (which decides the ids
// of new terms), whose old facts are gone (replace false) or replaced
// (replace true: SQLite only).
func writeFacts(ctx context.Context, tx *sql.Tx, terms *factTerms, convert func(*FactSource) FactRow, sources []*FactSource, replace bool) error {
	insert := `INSERT`
	if replace {
		insert = `INSERT OR REPLACE`
	}
	if err := terms.load(ctx, tx); err != nil {
		return err
	}
	args := make([]any, 0, 4*factsPerStatement)
	flush := func() error {
		if len(args) == 0 {
			return nil
		}
		rows := len(args) / 4
		if _, err := tx.ExecContext(ctx, insert+` INTO post_facts(post_id, at, author, fact) VALUES (?, ?, ?, ?)`+
			strings.Repeat(", (?, ?, ?, ?)", rows-1), args...); err != nil {
			return fmt.Errorf("store the facts of posts %v to %v: %w", args[0], args[len(args)-4], err)
		}
		args = args[:0]
		return nil
	}
	var f Fact
	var err error
	for _, src := range sources {
		r := convert(src)
		f = Fact{PostID: r.PostID, At: r.At, AuthorID: r.AuthorID, ParentID: r.ParentID, ReplyToID: r.ReplyToID, IsReply: r.IsReply,
			ReplyToAcct: r.ReplyToAcct, Flags: r.Flags, Repliers: r.Repliers, Score: r.Score, Acts: r.Acts}
		if f.Tags, err = terms.of(ctx, tx, r.Tags); err != nil {
			return err
		}
		if f.RootTags, err = terms.of(ctx, tx, r.RootTags); err != nil {
			return err
		}
		if f.Resources, err = terms.of(ctx, tx, r.Resources); err != nil {
			return err
		}
		args = append(args, r.PostID, r.At, r.AuthorID, encodeFact(&f))
		if len(args) == cap(args) {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// buildFactsChunk rebuilds the facts of the first queued posts; -1: none
// was queued.
func (s *Store) buildFactsChunk(ctx context.Context, terms *factTerms, convert func(*FactSource) FactRow) (int, error) {
	written := -1
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var lo, hi sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT MIN(post_id), MAX(post_id) FROM (SELECT post_id FROM post_facts_pending ORDER BY post_id LIMIT ?)`,
			factsPerChunk).Scan(&lo, &hi); err != nil {
			return fmt.Errorf("read queued facts: %w", err)
		}
		if !lo.Valid {
			return nil
		}
		var sources []FactSource
		rows, err := tx.QueryContext(ctx, `SELECT p.id, p.account_id, COALESCE(p.in_reply_to_post, 0), p.in_reply_to_post IS NOT NULL OR p.in_reply_to_acct IS NOT NULL,
				p.created_at, COALESCE(q.account_id, 0), CASE WHEN q.id IS NULL THEN COALESCE(p.in_reply_to_acct, '') ELSE '' END,
				c.post_id IS NOT NULL, COALESCE(c.domain, 0), COALESCE(c.community, 0), COALESCE(c.practice, 0), COALESCE(c.rules, ''),
				COALESCE(c.practice_score, 0),
				(SELECT COUNT(DISTINCT r.account_id) FROM posts r WHERE r.in_reply_to_post = p.id AND r.account_id <> p.account_id AND r.deleted_at IS NULL),
				COALESCE((SELECT group_concat(tag, ' ') FROM post_tags WHERE post_id = p.id), ''),
				COALESCE((SELECT group_concat(url, ' ') FROM post_links WHERE post_id = p.id), ''),
				CASE WHEN p.thread_root IS NOT NULL AND p.thread_root <> p.id
					THEN COALESCE((SELECT group_concat(tag, ' ') FROM post_tags WHERE post_id = p.thread_root), '') ELSE '' END
			FROM post_facts_pending f JOIN posts p ON p.id = f.post_id
			LEFT JOIN posts q ON q.id = p.in_reply_to_post
			LEFT JOIN classifications c ON c.post_id = p.id
			WHERE f.post_id BETWEEN ? AND ? AND p.deleted_at IS NULL ORDER BY f.post_id`, lo.Int64, hi.Int64)
		if err != nil {
			return fmt.Errorf("read the sources of facts: %w", err)
		}
		var at, tags, links, rootTags string
		for rows.Next() {
			var f FactSource
			if err := rows.Scan(&f.ID, &f.AuthorID, &f.ParentID, &f.IsReply, &at, &f.ReplyToID, &f.ReplyToAcct,
				&f.Classified, &f.Domain, &f.Community, &f.Practice, &f.Rules, &f.PracticeScore, &f.OtherRepliers, &tags, &links, &rootTags); err != nil {
				rows.Close()
				return err
			}
			f.At, _ = ParseTime(at)
			f.Tags, f.Links, f.ThreadTags = strings.Fields(tags), strings.Fields(links), strings.Fields(rootTags)
			sources = append(sources, f)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read the sources of facts: %w", err)
		}
		if err := readActs(ctx, tx, lo.Int64, hi.Int64, sources); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM post_facts WHERE post_id IN (SELECT post_id FROM post_facts_pending WHERE post_id BETWEEN ? AND ?)`, lo.Int64, hi.Int64); err != nil {
			return fmt.Errorf("clear out-of-date facts: %w", err)
		}
		list := make([]*FactSource, len(sources))
		for i := range sources {
			list[i] = &sources[i]
		}
		if err := writeFacts(ctx, tx, terms, convert, list, false); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM post_facts_pending WHERE post_id BETWEEN ? AND ?`, lo.Int64, hi.Int64); err != nil {
			return fmt.Errorf("clear queued facts: %w", err)
		}
		written = len(sources)
		return nil
	})
	if err != nil {
		terms.ids = nil
	}
	return written, err
}

// readActs gives each source its acts: the mentions of stored accounts
// (by acct), then boosts, then favourites (by account id), the order the
// analysis has always read them in.
func readActs(ctx context.Context, tx *sql.Tx, lo, hi int64, sources []FactSource) error {
	index := make(map[int64]int, len(sources))
	for i := range sources {
		index[sources[i].ID] = i
	}
	rows, err := tx.QueryContext(ctx, `SELECT m.post_id, 0, m.acct, a.id, '' FROM post_facts_pending f JOIN post_mentions m ON m.post_id = f.post_id
			JOIN accounts a ON a.acct = m.acct WHERE f.post_id BETWEEN ? AND ?
		UNION ALL
		SELECT i.post_id, CASE i.kind WHEN 'boost' THEN 1 ELSE 2 END, '', i.account_id, i.seen_at FROM post_facts_pending f
			JOIN interactions i ON i.post_id = f.post_id WHERE f.post_id BETWEEN ? AND ?
		ORDER BY 1, 2, 3, 4`, lo, hi, lo, hi)
	if err != nil {
		return fmt.Errorf("read the interactions of facts: %w", err)
	}
	defer rows.Close()
	kinds := [...]ActKind{ActMention, ActBoost, ActFavourite}
	var postID, kind, account int64
	var acct, seen string
	for rows.Next() {
		if err := rows.Scan(&postID, &kind, &acct, &account, &seen); err != nil {
			return fmt.Errorf("read the interactions of facts: %w", err)
		}
		i, ok := index[postID]
		if !ok || kind < 0 || kind > 2 {
			continue
		}
		f := &sources[i]
		a := Act{Kind: kinds[kind], Account: account, At: f.At.UnixNano()}
		if a.Kind != ActMention {
			t, err := ParseTime(seen)
			if err != nil {
				return fmt.Errorf("read the interactions of post %d: %w", postID, err)
			}
			a.At = t.UnixNano()
		}
		f.Acts = append(f.Acts, a)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read the interactions of facts: %w", err)
	}
	return nil
}

// factVersion starts every packed fact: what a later layout would change.
const factVersion = 1

// encodeFact packs all of f but its key (PostID, At) and author:
// the version, then varints — is_reply, flags, parent, reply_to,
// repliers — the score's 8 bytes, reply_to_acct (length, bytes), the tag,
// root tag and resource ids (count, ids each), and the acts (count, then
// kind byte, account, time minus the post's).
func encodeFact(f *Fact) []byte {
	b := make([]byte, 0, 32+len(f.ReplyToAcct)+3*(len(f.Tags)+len(f.RootTags)+len(f.Resources))+12*len(f.Acts))
	b = append(b, factVersion)
	isReply := uint64(0)
	if f.IsReply {
		isReply = 1
	}
	for _, v := range []uint64{isReply, uint64(f.Flags), uint64(f.ParentID), uint64(f.ReplyToID), uint64(f.Repliers)} {
		b = binary.AppendUvarint(b, v)
	}
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(f.Score))
	b = binary.AppendUvarint(b, uint64(len(f.ReplyToAcct)))
	b = append(b, f.ReplyToAcct...)
	for _, list := range [][]uint32{f.Tags, f.RootTags, f.Resources} {
		b = binary.AppendUvarint(b, uint64(len(list)))
		for _, id := range list {
			b = binary.AppendUvarint(b, uint64(id))
		}
	}
	b = binary.AppendUvarint(b, uint64(len(f.Acts)))
	for _, a := range f.Acts {
		b = append(b, byte(a.Kind))
		b = binary.AppendUvarint(b, uint64(a.Account))
		b = binary.AppendVarint(b, a.At-f.At)
	}
	return b
}

// factReader reads a packed fact; the first error sticks.
type factReader struct {
	b   []byte
	err error
}

func (r *factReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *factReader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *factReader) take(n uint64) []byte {
	if uint64(len(r.b)) < n {
		r.fail()
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *factReader) fail() {
	if r.err == nil {
		r.err = errors.New("truncated")
	}
	r.b = nil
}

// decodeFact unpacks b into f (whose key and author are set), reusing its
// slices.
func decodeFact(b []byte, f *Fact) error {
	if len(b) == 0 || b[0] != factVersion {
		return fmt.Errorf("packed facts of an unknown layout (%d bytes)", len(b))
	}
	r := factReader{b: b[1:]}
	f.IsReply = r.uvarint() != 0
	f.Flags, f.ParentID, f.ReplyToID, f.Repliers = int(r.uvarint()), int64(r.uvarint()), int64(r.uvarint()), int(r.uvarint())
	if score := r.take(8); score != nil {
		f.Score = math.Float64frombits(binary.LittleEndian.Uint64(score))
	}
	f.ReplyToAcct = ""
	if n := r.uvarint(); n > 0 {
		f.ReplyToAcct = string(r.take(n))
	}
	for _, list := range []*[]uint32{&f.Tags, &f.RootTags, &f.Resources} {
		n := r.uvarint()
		if n > uint64(len(r.b)) {
			r.fail()
		}
		*list = (*list)[:0]
		for range n {
			*list = append(*list, uint32(r.uvarint()))
		}
	}
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.fail()
	}
	f.Acts = f.Acts[:0]
	for range n {
		kind := r.take(1)
		if kind == nil {
			break
		}
		f.Acts = append(f.Acts, Act{Kind: ActKind(kind[0]), Account: int64(r.uvarint()), At: f.At + r.varint()})
	}
	if r.err == nil && len(r.b) > 0 {
		r.err = fmt.Errorf("%d bytes left over", len(r.b))
	}
	return r.err
}

// FactNames returns the two tables facts refer to by id: every account's
// acct (AccountNames) and every term (FactTerms).
func (s *Store) FactNames(ctx context.Context) (accounts, terms []string, err error) {
	if accounts, err = s.AccountNames(ctx); err != nil {
		return nil, nil, err
	}
	if terms, err = s.FactTerms(ctx); err != nil {
		return nil, nil, err
	}
	return accounts, terms, nil
}

// FactTerms returns the terms facts refer to, indexed by id ("" where no
// term has that id).
func (s *Store) FactTerms(ctx context.Context) ([]string, error) {
	return s.names(ctx, `SELECT id, term FROM fact_terms ORDER BY id`)
}

// AccountNames returns every account's acct, indexed by accounts.id.
func (s *Store) AccountNames(ctx context.Context) ([]string, error) {
	return s.names(ctx, `SELECT id, acct FROM accounts ORDER BY id`)
}

func (s *Store) names(ctx context.Context, query string) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("read names: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		if id < 0 || id > 1<<31 {
			return nil, fmt.Errorf("read names: id %d out of range", id)
		}
		for int64(len(out)) <= id {
			out = append(out, "")
		}
		out[id] = name
	}
	return out, rows.Err()
}

// CountFacts counts the live posts created in [since, until) that have
// facts: what lets a reader size its arrays once.
func (s *Store) CountFacts(ctx context.Context, since, until time.Time) (int, error) {
	where, args := factsRange(since, until)
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM post_facts f WHERE 1 = 1`+where, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count post facts: %w", err)
	}
	return n, nil
}

// FactSpan returns the times (Unix nanoseconds) of the first and the last
// post facts of [since, until); ok is false when there are none. Each end
// is one seek in the table's time order.
func (s *Store) FactSpan(ctx context.Context, since, until time.Time) (first, last int64, ok bool, err error) {
	where, args := factsRange(since, until)
	var lo, hi sql.NullInt64
	if err := s.r.QueryRowContext(ctx, `SELECT (SELECT f.at FROM post_facts f WHERE 1 = 1`+where+` ORDER BY f.at LIMIT 1),
		(SELECT f.at FROM post_facts f WHERE 1 = 1`+where+` ORDER BY f.at DESC LIMIT 1)`, append(args, args...)...).Scan(&lo, &hi); err != nil {
		return 0, 0, false, fmt.Errorf("find the time span of the post facts: %w", err)
	}
	return lo.Int64, hi.Int64, lo.Valid && hi.Valid, nil
}

// integer is a driver's integer value as an int64.
func integer(v any) (int64, bool) {
	switch v := v.(type) {
	case int64:
		return v, true
	case int32:
		return int64(v), true
	}
	return 0, false
}

func factsRange(since, until time.Time) (string, []any) {
	var where string
	var args []any
	if !since.IsZero() {
		where += " AND f.at >= ?"
		args = append(args, since.UnixNano())
	}
	if !until.IsZero() {
		where += " AND f.at < ?"
		args = append(args, until.UnixNano())
	}
	return where, args
}

// Facts streams the stored facts of the live posts created in [since,
// until) (zero = open), in creation order.
func (s *Store) Facts(ctx context.Context, since, until time.Time, fn func(*Fact) error) error {
	where, args := factsRange(since, until)
	q := `SELECT f.post_id, f.at, f.author, f.fact
		FROM post_facts f WHERE 1 = 1` + where + ` ORDER BY f.at, f.post_id`
	if !s.pg && !s.noRawReader {
		err := s.factsRaw(ctx, q, args, fn)
		if !errors.Is(err, errNoRawReader) {
			return err
		}
	}
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("read post facts: %w", err)
	}
	defer rows.Close()
	var f Fact
	var packed sql.RawBytes
	// The integers are scanned as they come: database/sql stores a value
	// into an *any as it is, but into an *int64 through reflection, which
	// cost more than the rest of the scan over a million rows.
	var postID, at, author any
	for rows.Next() {
		if err := rows.Scan(&postID, &at, &author, &packed); err != nil {
			return fmt.Errorf("read post facts: %w", err)
		}
		id, ok1 := integer(postID)
		nanos, ok2 := integer(at)
		authorID, ok3 := integer(author)
		if !ok1 || !ok2 || !ok3 {
			return fmt.Errorf("read post facts: post %v at %v by %v: not integers", postID, at, author)
		}
		if err := f.fill(id, nanos, authorID, packed); err != nil {
			return err
		}
		if err := fn(&f); err != nil {
			return err
		}
	}
	return rows.Err()
}

// factsRaw is Facts through a rawReader; errNoRawReader when the file
// cannot be opened that way.
func (s *Store) factsRaw(ctx context.Context, q string, args []any, fn func(*Fact) error) error {
	r, err := openRawReader(s.path)
	if err != nil {
		return err
	}
	defer r.close()
	ints := make([]int64, len(args))
	for i, a := range args {
		ints[i] = a.(int64)
	}
	var f Fact
	rows := 0
	err = r.query(ctx, q, ints, func(st *rawStmt) error {
		rows++
		id, ok1 := st.int64At(0)
		nanos, ok2 := st.int64At(1)
		authorID, ok3 := st.int64At(2)
		if !ok1 || !ok2 || !ok3 {
			return fmt.Errorf("read post facts: post %q at %q by %q: not integers", st.textAt(0), st.textAt(1), st.textAt(2))
		}
		if err := f.fill(id, nanos, authorID, st.bytesAt(3)); err != nil {
			return err
		}
		return fn(&f)
	})
	switch {
	case err == nil || ctx.Err() != nil || !r.failed:
		return err // the row's own error, or the caller's, as it is
	case rows == 0:
		// SQLite opens files lazily: a file this connection cannot read
		// (a read-only directory without the WAL index, which the pool
		// reads as immutable) fails at the first step, before any row.
		return errNoRawReader
	}
	return fmt.Errorf("read post facts: %w", err)
}

// fill sets f from a row of the facts query.
func (f *Fact) fill(postID, at, author int64, packed []byte) error {
	f.PostID, f.At, f.AuthorID = postID, at, author
	if err := decodeFact(packed, f); err != nil {
		return fmt.Errorf("read the facts of post %d: %w", postID, err)
	}
	return nil
}

// FactAuthors streams the time and author (accounts.id) of the live posts
// created in [since, until) (zero = open), in creation order: what a trend
// of members reads of the periods before a report's, without reading and
// unpacking the rest of each post's facts.
func (s *Store) FactAuthors(ctx context.Context, since, until time.Time, fn func(at, author int64) error) error {
	where, args := factsRange(since, until)
	rows, err := s.r.QueryContext(ctx, `SELECT f.at, f.author FROM post_facts f WHERE 1 = 1`+where+` ORDER BY f.at, f.post_id`, args...)
	if err != nil {
		return fmt.Errorf("read post authors: %w", err)
	}
	defer rows.Close()
	var atValue, authorValue any // as they come: see Facts
	for rows.Next() {
		if err := rows.Scan(&atValue, &authorValue); err != nil {
			return fmt.Errorf("read post authors: %w", err)
		}
		at, ok1 := integer(atValue)
		author, ok2 := integer(authorValue)
		if !ok1 || !ok2 {
			return fmt.Errorf("read post authors: %v at %v: not integers", authorValue, atValue)
		}
		if err := fn(at, author); err != nil {
			return err
		}
	}
	return rows.Err()
}

// AuthorsPostingBefore returns which of the accounts (accounts.id) wrote a
// live post before t: one index seek each (post_facts_author), however
// long the history before t.
func (s *Store) AuthorsPostingBefore(ctx context.Context, authors []int64, t time.Time) (map[int64]bool, error) {
	out := map[int64]bool{}
	if len(authors) == 0 {
		return out, nil
	}
	// A trend reaching back past the first post (a course's whole
	// history) needs no seek per author: one says nobody posted before.
	var any bool
	if err := s.r.QueryRowContext(ctx, `SELECT EXISTS(SELECT 1 FROM post_facts WHERE at < ?)`, t.UnixNano()).Scan(&any); err != nil {
		return nil, fmt.Errorf("read earlier posts: %w", err)
	}
	if !any {
		return out, nil
	}
	stmt, err := s.r.PrepareContext(ctx, `SELECT EXISTS(SELECT 1 FROM post_facts WHERE author = ? AND at < ?)`)
	if err != nil {
		return nil, fmt.Errorf("read earlier authors: %w", err)
	}
	defer stmt.Close()
	for _, a := range authors {
		var earlier bool
		if err := stmt.QueryRowContext(ctx, a, t.UnixNano()).Scan(&earlier); err != nil {
			return nil, fmt.Errorf("read earlier posts of account %d: %w", a, err)
		}
		if earlier {
			out[a] = true
		}
	}
	return out, nil
}

// PostDetail is what a report lists of a post beside its facts.
type PostDetail struct {
	URI, URL, Text, Rules string
}

// PostDetails returns the details of the posts with the given row ids (a
// report's few listed posts), by id.
func (s *Store) PostDetails(ctx context.Context, ids []int64) (map[int64]PostDetail, error) {
	out := make(map[int64]PostDetail, len(ids))
	for len(ids) > 0 {
		batch := ids[:min(len(ids), 500)]
		ids = ids[len(batch):]
		args := make([]any, len(batch))
		for i, id := range batch {
			args[i] = id
		}
		rows, err := s.r.QueryContext(ctx, `SELECT p.id, p.uri, COALESCE(p.url, ''), COALESCE(p.text, ''), COALESCE(c.rules, '')
			FROM posts p LEFT JOIN classifications c ON c.post_id = p.id
			WHERE p.id IN (?`+strings.Repeat(", ?", len(batch)-1)+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("read listed posts: %w", err)
		}
		for rows.Next() {
			var id int64
			var d PostDetail
			if err := rows.Scan(&id, &d.URI, &d.URL, &d.Text, &d.Rules); err != nil {
				rows.Close()
				return nil, fmt.Errorf("read listed posts: %w", err)
			}
			out[id] = d
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("read listed posts: %w", err)
		}
	}
	return out, nil
}
