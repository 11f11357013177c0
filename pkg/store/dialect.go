package store

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// The store's SQL is written once, in SQLite's dialect. On PostgreSQL the
// driver (postgres.go) rewrites each statement before it is prepared: the
// few constructs that differ are mechanical (placeholders, INSERT OR IGNORE,
// two-argument MAX/MIN, group_concat, json_group_array, char, rowid), and
// the handful of statements that are not (json_each batches, triggers) have
// a PostgreSQL text of their own in pgStatements and pgMigrations. No other
// package knows which backend it talks to.

// IsPostgres reports whether a database location names a PostgreSQL
// database (a postgres:// or postgresql:// URL) rather than a SQLite file.
func IsPostgres(location string) bool {
	l := strings.ToLower(location)
	return strings.HasPrefix(l, "postgres://") || strings.HasPrefix(l, "postgresql://")
}

// Redact returns a database location fit to print: a PostgreSQL URL loses
// its password (and any password= query parameter); a file path is kept.
func Redact(location string) string {
	if !IsPostgres(location) {
		return location
	}
	u, err := url.Parse(location)
	if err != nil {
		// Never echo what we cannot parse: it may hold a password.
		return "postgres://(unparsable URL)"
	}
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
	}
	q := u.Query()
	for k := range q {
		if strings.EqualFold(k, "password") {
			q.Set(k, "xxxxx")
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

var pgCache sync.Map // SQLite text -> PostgreSQL text

// toPostgres rewrites a statement written for SQLite into PostgreSQL.
func toPostgres(q string) string {
	if v, ok := pgCache.Load(q); ok {
		return v.(string)
	}
	out, ok := pgStatements[q]
	if !ok {
		out = rewrite(q)
	}
	pgCache.Store(q, out)
	return out
}

var (
	reInsertOrIgnore = regexp.MustCompile(`(?i)\bINSERT\s+OR\s+IGNORE\s+INTO\b`)
	reReturning      = regexp.MustCompile(`(?i)\sRETURNING\s`)
	reMaxMin2        = regexp.MustCompile(`(?i)\b(MAX|MIN)\(([^(),]+),([^(),]+)\)`)
	reGroupConcat2   = regexp.MustCompile(`(?i)\bgroup_concat\(([^(),]+),\s*('[^']*')\)`)
	reGroupConcat1   = regexp.MustCompile(`(?i)\bgroup_concat\(([^(),]+)\)`)
	reJSONGroupArray = regexp.MustCompile(`(?i)\bjson_group_array\(((?:[^()]|\([^()]*\))+)\)`)
	reChar           = regexp.MustCompile(`(?i)\bchar\((\d+)\)`)
	reInstr          = regexp.MustCompile(`(?i)\binstr\(`)
	reRowid          = regexp.MustCompile(`(?i)\browid\b`)
	reSQLiteMaster   = regexp.MustCompile(`\bsqlite_master\s+WHERE\s+name\b`)
	rePragma         = regexp.MustCompile(`(?i)^\s*PRAGMA\b`)
	reIsNot          = regexp.MustCompile(`(?i)\bIS\s+NOT\s+(\w+)`)
	reFromParen      = regexp.MustCompile(`(?i)\bFROM\s*\(\s*SELECT\b`)
	reAliasNext      = regexp.MustCompile(`(?i)^\s*(AS\b|[a-z_]\w*)`)
	reNotAlias       = regexp.MustCompile(`(?i)^\s*(WHERE|ORDER|GROUP|LIMIT|UNION|JOIN|LEFT|CROSS|INNER|ON|HAVING|WINDOW|EXCEPT|INTERSECT)\b`)
)

func rewrite(q string) string {
	if rePragma.MatchString(q) {
		return `SELECT 1` // SQLite's file maintenance has no PostgreSQL counterpart
	}
	if reInsertOrIgnore.MatchString(q) {
		q = reInsertOrIgnore.ReplaceAllString(q, "INSERT INTO")
		body := strings.TrimRight(q, " \t\n;")
		if loc := reReturning.FindStringIndex(body); loc != nil {
			q = body[:loc[0]] + " ON CONFLICT DO NOTHING" + body[loc[0]:]
		} else {
			q = body + " ON CONFLICT DO NOTHING"
		}
	}
	q = reMaxMin2.ReplaceAllStringFunc(q, func(m string) string {
		s := reMaxMin2.FindStringSubmatch(m)
		fn := "GREATEST"
		if strings.EqualFold(s[1], "MIN") {
			fn = "LEAST"
		}
		return fn + "(" + s[2] + "," + s[3] + ")"
	})
	q = reGroupConcat2.ReplaceAllString(q, "string_agg(CAST($1 AS TEXT), $2)")
	q = reGroupConcat1.ReplaceAllString(q, "string_agg(CAST($1 AS TEXT), ',')")
	// Compact, as SQLite writes it: json_agg would put a space after each comma.
	q = reJSONGroupArray.ReplaceAllString(q, "COALESCE('[' || string_agg(to_json($1)::text, ',') || ']', '[]')")
	q = reChar.ReplaceAllString(q, "chr($1)")
	q = reInstr.ReplaceAllString(q, "strpos(")
	q = reRowid.ReplaceAllString(q, "ctid")
	q = reSQLiteMaster.ReplaceAllString(q, "information_schema.tables WHERE table_schema = current_schema() AND table_name")
	q = reIsNot.ReplaceAllStringFunc(q, func(m string) string {
		if w := reIsNot.FindStringSubmatch(m); strings.EqualFold(w[1], "NULL") || strings.EqualFold(w[1], "DISTINCT") {
			return m
		}
		return "IS DISTINCT FROM " + m[len(m)-len(reIsNot.FindStringSubmatch(m)[1]):]
	})
	return placeholders(aliasSubqueries(q))
}

// aliasSubqueries names every subquery in a FROM clause that has no name:
// PostgreSQL (before 16) requires one, SQLite does not.
func aliasSubqueries(q string) string {
	n := 0
	for start := 0; ; {
		loc := reFromParen.FindStringIndex(q[start:])
		if loc == nil {
			return q
		}
		open := start + strings.Index(q[start+loc[0]:], "(") + loc[0]
		depth, end := 0, -1
		for i := open; i < len(q) && end < 0; i++ {
			switch q[i] {
			case '(':
				depth++
			case ')':
				if depth--; depth == 0 {
					end = i
				}
			case '\'':
				for i++; i < len(q) && q[i] != '\''; i++ {
				}
			}
		}
		if end < 0 {
			return q
		}
		rest := q[end+1:]
		if !reAliasNext.MatchString(rest) || reNotAlias.MatchString(rest) {
			n++
			q = q[:end+1] + " AS subquery" + strconv.Itoa(n) + rest
		}
		start = open + 1
	}
}

// placeholders numbers SQLite's ? and ?N as PostgreSQL's $N (a bare ? takes
// the number after the largest used so far, as in SQLite), leaving string
// literals and quoted names alone.
func placeholders(q string) string {
	var b strings.Builder
	maxN := 0
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch c {
		case '\'', '"':
			j := i + 1
			for j < len(q) && q[j] != c {
				j++
			}
			b.WriteString(q[i:min(j+1, len(q))])
			i = j
		case '?':
			j := i + 1
			for j < len(q) && q[j] >= '0' && q[j] <= '9' {
				j++
			}
			n := maxN + 1
			if j > i+1 {
				n, _ = strconv.Atoi(q[i+1 : j])
			}
			maxN = max(maxN, n)
			b.WriteString("$" + strconv.Itoa(n))
			i = j - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// pgStatements are the PostgreSQL texts of the statements that rewrite
// cannot translate: the batches that unpack a JSON array (SQLite's
// json_each), and the insert whose parameters need their types spelled out.
var pgStatements = map[string]string{
	qStoredURIs: `SELECT j.value FROM json_array_elements_text($1::json) AS j(value) JOIN posts p ON p.uri = j.value`,
	qInsertPost: `INSERT INTO posts(id, uri, url, account_id, created_at, edited_at, in_reply_to_acct, language, visibility, sensitive,
			spoiler_text, content, text, replies_count, reblogs_count, favourites_count, media_count, card_url, raw,
			first_seen, last_seen, needs_context, needs_interactions, in_reply_to_post, thread_root)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23,
			(SELECT i.post_id FROM post_ids i WHERE i.instance = $24 AND i.local_id = $25::text),
			CASE WHEN $25::text IS NULL THEN $1 ELSE (SELECT q.thread_root FROM post_ids i JOIN posts q ON q.id = i.post_id
				WHERE i.instance = $24 AND i.local_id = $25::text) END)`,
	qInsertTags: `INSERT INTO post_tags(post_id, tag) SELECT (value->>0)::bigint, value->>1 FROM json_array_elements($1::json) AS j(value)
		ON CONFLICT DO NOTHING`,
	qInsertMentions: `INSERT INTO post_mentions(post_id, acct) SELECT (value->>0)::bigint, value->>1 FROM json_array_elements($1::json) AS j(value)
		ON CONFLICT DO NOTHING`,
	qInsertLinks: `INSERT INTO post_links(post_id, url, domain) SELECT (value->>0)::bigint, value->>1, value->>2 FROM json_array_elements($1::json) AS j(value)
		ON CONFLICT DO NOTHING`,
	qInsertIDs: `INSERT INTO post_ids(instance, local_id, post_id, in_reply_to_local_id)
		SELECT $1::text, value->>0, (value->>1)::bigint, value->>2 FROM json_array_elements($2::json) AS j(value)
		ON CONFLICT(instance, local_id) DO NOTHING`,
	qInsertSources: `INSERT INTO post_sources(post_id, instance, tag) SELECT value::bigint, $1::text, $2::text FROM json_array_elements_text($3::json) AS j(value)
		ON CONFLICT DO NOTHING`,
	qLinkChildren: `WITH m(parent, child) AS MATERIALIZED (
			SELECT (j.value->>0)::bigint, c.post_id FROM json_array_elements($2::json) AS j(value)
			JOIN post_ids AS c ON c.instance = $1::text AND c.in_reply_to_local_id = j.value->>1)
		UPDATE posts SET in_reply_to_post = m.parent, thread_root = NULL FROM m
		WHERE posts.id = m.child AND posts.in_reply_to_post IS NULL`,
	qPendingRoots: `SELECT pi.local_id FROM json_array_elements_text($1::json) AS j(value)
	JOIN posts p ON p.uri = j.value
	JOIN post_ids pi ON pi.post_id = p.id AND pi.instance = $2
	WHERE p.needs_context = 1 AND pi.in_reply_to_local_id IS NULL
	ORDER BY p.id`,
	qMarkExpanded: `UPDATE posts SET needs_context = 0 WHERE uri IN (SELECT value FROM json_array_elements_text($1::json) AS j(value))`,
	qUnclassifyNeighbours: `DELETE FROM classifications WHERE post_id IN
		(SELECT in_reply_to_post FROM posts WHERE id IN (SELECT value::bigint FROM json_array_elements_text($1::json) AS j(value))
		 UNION SELECT id FROM posts WHERE in_reply_to_post IN (SELECT value::bigint FROM json_array_elements_text($1::json) AS j(value)))`,
}
