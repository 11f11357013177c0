package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/oeru/copharvest/pkg/store"
)

// The floors' queries: what the commands read, with nothing done to it.
var (
	// analysis (communities, report): what the analysis reads, the SELECT
	// of store.Facts over the whole database: each live post's stored
	// facts, with the interactions it carries.
	analysisFloor = []string{
		`SELECT f.post_id, f.at, f.author, f.fact
		FROM post_facts f ORDER BY f.at, f.post_id`,
	}
	// export posts: the stored columns of the CSV, oldest first.
	exportFloor = []string{
		`SELECT p.uri, COALESCE(p.url, ''), a.acct, p.created_at, COALESCE(p.edited_at, ''), COALESCE(p.deleted_at, ''),
			COALESCE(p.language, ''), COALESCE(p.visibility, ''), p.sensitive, COALESCE(p.spoiler_text, ''), COALESCE(p.text, ''),
			COALESCE((SELECT group_concat(tag, ' ') FROM post_tags WHERE post_id = p.id), ''),
			COALESCE((SELECT group_concat(acct, ' ') FROM post_mentions WHERE post_id = p.id), ''),
			COALESCE((SELECT group_concat(url, ' ') FROM post_links WHERE post_id = p.id), ''),
			p.replies_count, p.reblogs_count, p.favourites_count, p.media_count, COALESCE(q.uri, ''),
			COALESCE(c.version, ''), COALESCE(c.domain_score, 0), COALESCE(c.community_score, 0), COALESCE(c.practice_score, 0),
			COALESCE(c.domain, 0), COALESCE(c.community, 0), COALESCE(c.practice, 0), COALESCE(c.rules, '')
		FROM posts p JOIN accounts a ON a.id = p.account_id
		LEFT JOIN posts q ON q.id = p.in_reply_to_post
		LEFT JOIN classifications c ON c.post_id = p.id
		ORDER BY p.created_at, p.id`,
	}
)

// FloorResult is one floor measurement, printed as JSON.
type FloorResult struct {
	What    string
	Rows    int64
	Seconds float64
}

// floorBench runs a floor's queries with the plainest loop: every column
// scanned as raw bytes and, for export, written tab-separated to a file.
func floorBench(args []string) error {
	fs := flag.NewFlagSet("floor", flag.ExitOnError)
	dbPath := fs.String("db", "", "database written by benchcourse db")
	what := fs.String("what", "analysis", "analysis or export")
	outPath := fs.String("o", os.DevNull, "export: file to write")
	fs.Parse(args)
	queries := map[string][]string{"analysis": analysisFloor, "export": exportFloor}[*what]
	if queries == nil {
		return fmt.Errorf("-what %q: want analysis or export", *what)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, *dbPath, true)
	if err != nil {
		return err
	}
	defer st.Close()
	out, err := os.Create(*outPath)
	if err != nil {
		return err
	}
	defer out.Close()
	w := bufio.NewWriterSize(out, 1<<16)
	res := FloorResult{What: *what}
	start := time.Now()
	for _, q := range queries {
		n, err := scanAll(ctx, st.DB(), q, w, *what == "export")
		if err != nil {
			return fmt.Errorf("%s floor: %w", *what, err)
		}
		res.Rows += n
	}
	if err := w.Flush(); err != nil {
		return err
	}
	res.Seconds = time.Since(start).Seconds()
	return json.NewEncoder(os.Stdout).Encode(res)
}

func scanAll(ctx context.Context, db *sql.DB, q string, w *bufio.Writer, write bool) (int64, error) {
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	vals := make([]sql.RawBytes, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var n int64
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, err
		}
		n++
		if !write {
			continue
		}
		for i, v := range vals {
			if i > 0 {
				w.WriteByte('\t')
			}
			w.Write(v)
		}
		w.WriteByte('\n')
	}
	return n, rows.Err()
}
