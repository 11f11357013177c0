package export

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/oeru/copharvest/pkg/classify"
	"github.com/oeru/copharvest/pkg/privacy"
	"github.com/oeru/copharvest/pkg/store"
)

// Kind says how a column's values are written.
type Kind string

const (
	KindID   Kind = "id"   // identifier, always text, never a number
	KindText Kind = "text" // free text
	KindTime Kind = "time" // ISO 8601 / RFC 3339; empty when unknown
	// KindLocalTime is a time with the offset of --tz; Parquet keeps its wall
	// clock as a timestamp without time zone.
	KindLocalTime Kind = "local time"
	KindInt       Kind = "int"   // whole number
	KindFloat     Kind = "float" // decimal number, never in scientific notation
	KindBool      Kind = "bool"  // 1/0 in CSV, true/false in JSONL
	KindList      Kind = "list"  // space-separated in CSV, an array in JSONL and Parquet
	KindJSON      Kind = "json"  // embedded JSON; never in CSV
)

// Column is one exported field.
type Column struct {
	Name string
	Kind Kind
	Doc  string
	// NotInCSV columns (raw JSON) are never in CSV, in JSONL by default and
	// in Parquet when --columns names them.
	NotInCSV bool
}

// rowContext is what a column needs besides the row.
type rowContext struct {
	pseudo *Pseudonymizer // nil: real names
	// redact, when set, replaces the traces of people who opted out.
	redact *privacy.Redactor
	// small are the instances with too few accounts to name under
	// --pseudonymize (nil: name them all).
	small map[string]bool
	loc   *time.Location
}

// SmallInstance is written instead of an instance with too few accounts in
// the data to be named in a pseudonymised export.
const SmallInstance = "other"

func (c *rowContext) account(acct string) string {
	acct = c.redact.Account(acct)
	if c.pseudo != nil {
		return c.pseudo.Account(acct)
	}
	return acct
}

// community is a community id; ids are made of members' names, so a
// member who opted out is redacted from it too.
func (c *rowContext) community(id string) string {
	id = c.redact.GroupName(id)
	if c.pseudo != nil {
		return c.pseudo.Community(id)
	}
	return id
}

// post is a post's uri, or Marker when its author opted out.
func (c *rowContext) post(uri, author string) string {
	if uri != "" && c.redact.Excluded(author) {
		return privacy.Marker
	}
	if c.pseudo != nil {
		return c.pseudo.Post(uri)
	}
	return uri
}

func (c *rowContext) instance(host string) string {
	if c.small[strings.ToLower(host)] {
		return SmallInstance
	}
	return host
}

func (c *rowContext) text(text string, mentions []string, involved ...string) string {
	text = c.redact.Text(text, mentions)
	if c.pseudo != nil {
		return c.pseudo.Text(text, mentions, involved...)
	}
	return text
}

func (c *rowContext) links(list []string) []string {
	if c.redact.Empty() && c.pseudo == nil {
		return list
	}
	out := make([]string, len(list))
	for i, u := range list {
		out[i] = c.redact.Link(u)
		if c.pseudo != nil {
			out[i] = c.pseudo.Link(out[i])
		}
	}
	return out
}

// identifying blanks a value that names a person when pseudonymising.
func (c *rowContext) identifying(s string) string {
	if c.pseudo != nil {
		return ""
	}
	return s
}

// note is a profile note: blank when pseudonymising; with opt-outs
// redacted, and blank if a trace remains (HTML hides handles in spans).
func (c *rowContext) note(s string) string {
	if c.pseudo != nil {
		return ""
	}
	if s = c.redact.Text(s, nil); c.redact.Traces(s) {
		return ""
	}
	return s
}

// field is a column and how to read it from a row of type R.
type field[R any] struct {
	Column
	get func(r *R, c *rowContext) any
}

func columnsOf[R any](fields []field[R]) []Column {
	cols := make([]Column, len(fields))
	for i, f := range fields {
		cols[i] = f.Column
	}
	return cols
}

func instanceOf(acct string) string {
	if i := strings.LastIndexByte(acct, '@'); i >= 0 {
		return acct[i+1:]
	}
	return ""
}

func mapList(list []string, fn func(string) string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = fn(s)
	}
	return out
}

func localTime(t time.Time, loc *time.Location) any {
	if t.IsZero() {
		return time.Time{}
	}
	return t.In(loc)
}

var postFields = []field[store.PostRow]{
	{Column{"uri", KindID, "the post's global ActivityPub id (its key); a keyed hash with --pseudonymize", false},
		func(r *store.PostRow, c *rowContext) any { return c.post(r.URI, r.Author) }},
	{Column{"url", KindText, "web address of the post; empty with --pseudonymize", false},
		func(r *store.PostRow, c *rowContext) any { return c.identifying(r.URL) }},
	{Column{"instance", KindText, "instance the post was harvested from (first seen)", false},
		func(r *store.PostRow, c *rowContext) any { return r.Instance }},
	{Column{"local_id", KindID, "the post's id on that instance (Mastodon: digits, GoToSocial: ULID), as text; empty with --pseudonymize", false},
		func(r *store.PostRow, c *rowContext) any { return c.identifying(r.LocalID) }},
	{Column{"created_at", KindTime, "when it was posted, UTC", false},
		func(r *store.PostRow, c *rowContext) any { return r.CreatedAt }},
	{Column{"created_local", KindLocalTime, "the same instant in the export's time zone (--tz), with its offset", false},
		func(r *store.PostRow, c *rowContext) any { return localTime(r.CreatedAt, c.loc) }},
	{Column{"edited_at", KindTime, "last edit, UTC; empty when never edited", false},
		func(r *store.PostRow, c *rowContext) any { return r.EditedAt }},
	{Column{"deleted", KindBool, "the post was deleted: a tombstone without content", false},
		func(r *store.PostRow, c *rowContext) any { return !r.DeletedAt.IsZero() }},
	{Column{"deleted_at", KindTime, "when copharvest saw it deleted, UTC", false},
		func(r *store.PostRow, c *rowContext) any { return r.DeletedAt }},
	{Column{"author", KindID, "author's account, user@host; a keyed hash with --pseudonymize", false},
		func(r *store.PostRow, c *rowContext) any { return c.account(r.Author) }},
	{Column{"author_instance", KindText, "host of the author's account; with --pseudonymize, \"other\" for an instance with fewer than --min-instance-accounts accounts", false},
		func(r *store.PostRow, c *rowContext) any { return c.instance(instanceOf(r.Author)) }},
	{Column{"opted_out", KindBool, "the author opted out of indexing (#nobot/#noindex/#nosearch, noindex, or indexable false)", false},
		func(r *store.PostRow, c *rowContext) any { return r.AuthorOptedOut }},
	{Column{"language", KindText, "language code the author's client set", false},
		func(r *store.PostRow, c *rowContext) any { return r.Language }},
	{Column{"visibility", KindText, "public or unlisted", false},
		func(r *store.PostRow, c *rowContext) any { return r.Visibility }},
	{Column{"sensitive", KindBool, "marked sensitive", false},
		func(r *store.PostRow, c *rowContext) any { return r.Sensitive }},
	{Column{"spoiler_text", KindText, "content warning", false},
		func(r *store.PostRow, c *rowContext) any { return postText(c, r, r.SpoilerText) }},
	{Column{"text", KindText, "plain text of the post (paragraphs separated by a blank line); with --pseudonymize, @mentions, links to profiles and posts and the display names of the accounts involved become pseudonyms", false},
		func(r *store.PostRow, c *rowContext) any { return postText(c, r, r.Text) }},
	{Column{"tags", KindList, "hashtags, lower case, without #", false},
		func(r *store.PostRow, c *rowContext) any { return r.Tags }},
	{Column{"mentions", KindList, "mentioned accounts, user@host (pseudonyms with --pseudonymize)", false},
		func(r *store.PostRow, c *rowContext) any { return mapList(r.Mentions, c.account) }},
	{Column{"links", KindList, "links in the post (not hashtag or mention links); links to profiles and posts become pseudonyms with --pseudonymize", false},
		func(r *store.PostRow, c *rowContext) any { return c.links(r.Links) }},
	{Column{"replies_count", KindInt, "replies, as the server last counted", false},
		func(r *store.PostRow, c *rowContext) any { return r.Replies }},
	{Column{"reblogs_count", KindInt, "boosts, as the server last counted", false},
		func(r *store.PostRow, c *rowContext) any { return r.Reblogs }},
	{Column{"favourites_count", KindInt, "favourites, as the server last counted", false},
		func(r *store.PostRow, c *rowContext) any { return r.Favourites }},
	{Column{"media_count", KindInt, "attached media", false},
		func(r *store.PostRow, c *rowContext) any { return r.MediaCount }},
	{Column{"in_reply_to_uri", KindID, "uri of the parent post; empty at top level or when the parent is not stored", false},
		func(r *store.PostRow, c *rowContext) any { return c.post(r.InReplyToURI, r.InReplyToAuthor) }},
	{Column{"in_reply_to_author", KindID, "account replied to (known even when the parent is not stored)", false},
		func(r *store.PostRow, c *rowContext) any { return c.account(r.InReplyToAuthor) }},
	{Column{"thread_root_uri", KindID, "uri of the thread's topmost stored post; the post itself at top level", false},
		func(r *store.PostRow, c *rowContext) any { return c.post(r.ThreadRootURI, r.ThreadRootAuthor) }},
	{Column{"classified", KindBool, "the classifier has scored the post (the six columns below are 0 otherwise)", false},
		func(r *store.PostRow, c *rowContext) any { return r.Classified }},
	{Column{"domain_score", KindFloat, "the classifier's probability that the post is about the domain (with `model: rules`: the D rules' weights, clamped to 0..1)", false},
		func(r *store.PostRow, c *rowContext) any { return r.DomainScore }},
	{Column{"domain", KindBool, "about the domain (score reached the model's threshold)", false},
		func(r *store.PostRow, c *rowContext) any { return r.Domain }},
	{Column{"community_score", KindFloat, "probability of community (with `model: rules`: the C rules' weights)", false},
		func(r *store.PostRow, c *rowContext) any { return r.CommunityScore }},
	{Column{"community", KindBool, "shows community (interaction, relationship)", false},
		func(r *store.PostRow, c *rowContext) any { return r.Community }},
	{Column{"practice_score", KindFloat, "probability of practice (with `model: rules`: the P rules' weights)", false},
		func(r *store.PostRow, c *rowContext) any { return r.PracticeScore }},
	{Column{"practice", KindBool, "shows practice being shared", false},
		func(r *store.PostRow, c *rowContext) any { return r.Practice }},
	{Column{"rules", KindList, "ids of the classification rules that fired, e.g. D1 C3 P3", false},
		func(r *store.PostRow, c *rowContext) any { return classify.RuleIDs(r.Rules) }},
	{Column{"classifier_version", KindText, "version of the classifier that scored the post: its model (model-RULES-HASH) or rules-RULES", false},
		func(r *store.PostRow, c *rowContext) any { return r.ClassifierVersion }},
	{Column{"community_id", KindID, "the author's community in the last `copharvest communities` run (named after its two most central members, e.g. ana+ben, or unconnected)", false},
		func(r *store.PostRow, c *rowContext) any { return c.community(r.CommunityID) }},
	{Column{"verdict", KindText, "that community's verdict", false},
		func(r *store.PostRow, c *rowContext) any { return r.Verdict }},
	{Column{"raw", KindJSON, "the status JSON as the server served it, on one line (JSONL; Parquet when named in --columns; left out with --pseudonymize)", true},
		func(r *store.PostRow, c *rowContext) any { return rawJSON(c, r.Raw) }},
	{Column{"source", KindList, "how the harvest reached the post: tag:TAG@HOST for a tag timeline of an instance, conversation@HOST for a thread's context fetched there", false},
		func(r *store.PostRow, c *rowContext) any { return r.Sources }},
}

func postText(c *rowContext, r *store.PostRow, text string) string {
	return c.text(text, r.Mentions, r.Author, r.InReplyToAuthor)
}

// rawJSON is the raw JSON, or null when pseudonymising, when it holds a
// trace of someone who opted out, or when it is not valid JSON.
func rawJSON(c *rowContext, raw string) any {
	if c.pseudo != nil || raw == "" || c.redact.Traces(raw) || !json.Valid([]byte(raw)) {
		return json.RawMessage(nil)
	}
	return json.RawMessage(raw)
}

func nullBool(b sql.NullBool) any {
	if !b.Valid {
		return nil // empty in CSV, null in JSONL
	}
	return b.Bool
}

var accountFields = []field[store.AccountRow]{
	{Column{"acct", KindID, "the account, user@host (its key); a keyed hash with --pseudonymize", false},
		func(r *store.AccountRow, c *rowContext) any { return c.account(r.Acct) }},
	{Column{"instance", KindText, "host of the account; \"other\" for a small instance with --pseudonymize", false},
		func(r *store.AccountRow, c *rowContext) any { return c.instance(instanceOf(r.Acct)) }},
	{Column{"username", KindText, "user name; empty with --pseudonymize", false},
		func(r *store.AccountRow, c *rowContext) any { return c.identifying(r.Username) }},
	{Column{"display_name", KindText, "display name; empty with --pseudonymize", false},
		func(r *store.AccountRow, c *rowContext) any { return c.identifying(r.Display) }},
	{Column{"url", KindText, "profile page; empty with --pseudonymize", false},
		func(r *store.AccountRow, c *rowContext) any { return c.identifying(r.URL) }},
	{Column{"uri", KindID, "ActivityPub id; empty with --pseudonymize", false},
		func(r *store.AccountRow, c *rowContext) any { return c.identifying(r.URI) }},
	{Column{"bot", KindBool, "the account says it is a bot", false},
		func(r *store.AccountRow, c *rowContext) any { return r.Bot }},
	{Column{"discoverable", KindBool, "the account allows being featured; empty when the server does not say", false},
		func(r *store.AccountRow, c *rowContext) any { return nullBool(r.Discoverable) }},
	{Column{"indexable", KindBool, "the account allows full-text search of its posts; empty when not said", false},
		func(r *store.AccountRow, c *rowContext) any { return nullBool(r.Indexable) }},
	{Column{"noindex", KindBool, "the account asks search engines not to index it; empty when not said", false},
		func(r *store.AccountRow, c *rowContext) any { return nullBool(r.NoIndex) }},
	{Column{"optout_tag", KindBool, "#nobot, #noindex or #nosearch in the profile", false},
		func(r *store.AccountRow, c *rowContext) any { return r.OptOutTag }},
	{Column{"opted_out", KindBool, "optout_tag, noindex, or indexable false: leave out or handle with care", false},
		func(r *store.AccountRow, c *rowContext) any { return r.OptedOut }},
	{Column{"created_at", KindTime, "when the account was created, UTC", false},
		func(r *store.AccountRow, c *rowContext) any { return r.CreatedAt }},
	{Column{"followers_count", KindInt, "followers, when last seen", false},
		func(r *store.AccountRow, c *rowContext) any { return r.Followers }},
	{Column{"following_count", KindInt, "accounts followed, when last seen", false},
		func(r *store.AccountRow, c *rowContext) any { return r.Following }},
	{Column{"statuses_count", KindInt, "posts on its instance, when last seen", false},
		func(r *store.AccountRow, c *rowContext) any { return r.Statuses }},
	{Column{"posts", KindInt, "stored live posts in the export's window", false},
		func(r *store.AccountRow, c *rowContext) any { return r.Posts }},
	{Column{"first_post", KindTime, "first of those posts, UTC", false},
		func(r *store.AccountRow, c *rowContext) any { return r.FirstPost }},
	{Column{"last_post", KindTime, "last of those posts, UTC", false},
		func(r *store.AccountRow, c *rowContext) any { return r.LastPost }},
	{Column{"community_id", KindID, "community in the last `copharvest communities` run", false},
		func(r *store.AccountRow, c *rowContext) any { return c.community(r.CommunityID) }},
	{Column{"verdict", KindText, "that community's verdict", false},
		func(r *store.AccountRow, c *rowContext) any { return r.Verdict }},
	{Column{"note", KindText, "profile text (HTML); empty with --pseudonymize", false},
		func(r *store.AccountRow, c *rowContext) any { return c.note(r.Note) }},
	{Column{"raw", KindJSON, "the account JSON as served, on one line (JSONL; Parquet when named in --columns; left out with --pseudonymize)", true},
		func(r *store.AccountRow, c *rowContext) any { return rawJSON(c, r.Raw) }},
}

var edgeFields = []field[store.EdgeRow]{
	{Column{"kind", KindText, "reply, mention, boost or favourite", false},
		func(r *store.EdgeRow, c *rowContext) any { return r.Kind }},
	{Column{"source", KindID, "account that acted (replied, mentioned, boosted, favourited)", false},
		func(r *store.EdgeRow, c *rowContext) any { return c.account(r.Source) }},
	{Column{"target", KindID, "account acted upon (parent's author, mentioned account, author of the boosted/favourited post)", false},
		func(r *store.EdgeRow, c *rowContext) any { return c.account(r.Target) }},
	{Column{"post_uri", KindID, "the replying or mentioning post, or the boosted/favourited post", false},
		func(r *store.EdgeRow, c *rowContext) any { return c.post(r.PostURI, "") }},
	{Column{"at", KindTime, "when, UTC (for boosts and favourites: when copharvest first saw them; the API gives no time)", false},
		func(r *store.EdgeRow, c *rowContext) any { return r.At }},
	{Column{"source_opted_out", KindBool, "the source account opted out", false},
		func(r *store.EdgeRow, c *rowContext) any { return r.SourceOptedOut }},
	{Column{"target_opted_out", KindBool, "the target account opted out", false},
		func(r *store.EdgeRow, c *rowContext) any { return r.TargetOptedOut }},
}

var membershipFields = []field[store.MembershipRow]{
	{Column{"community_id", KindID, "community (e.g. ana+ben, or unconnected) in the last `copharvest communities` run", false},
		func(r *store.MembershipRow, c *rowContext) any { return c.community(r.CommunityID) }},
	{Column{"verdict", KindText, "the community's verdict", false},
		func(r *store.MembershipRow, c *rowContext) any { return r.Verdict }},
	{Column{"account", KindID, "member account, user@host (pseudonym with --pseudonymize)", false},
		func(r *store.MembershipRow, c *rowContext) any { return c.account(r.Acct) }},
	{Column{"opted_out", KindBool, "the account opted out", false},
		func(r *store.MembershipRow, c *rowContext) any { return r.OptedOut }},
	{Column{"computed_at", KindTime, "when the communities were computed, UTC", false},
		func(r *store.MembershipRow, c *rowContext) any { return r.ComputedAt }},
}

// Datasets lists the tabular exports in the order the docs give them.
var Datasets = []string{"posts", "accounts", "edges", "communities"}

// Formats lists the formats a dataset ("graph" or a tabular one) can be
// written in, the default first. The command and the privacy tests loop
// over it, so a new format is offered and tested in one step.
func Formats(dataset string) []string {
	if dataset == "graph" {
		return []string{"gexf", "graphml"}
	}
	return TableFormats
}

// Columns returns a tabular dataset's columns in their stable order.
func Columns(dataset string) ([]Column, error) {
	switch dataset {
	case "posts":
		return columnsOf(postFields), nil
	case "accounts":
		return columnsOf(accountFields), nil
	case "edges":
		return columnsOf(edgeFields), nil
	case "communities":
		return columnsOf(membershipFields), nil
	}
	return nil, fmt.Errorf("unknown export %q: choose posts, accounts, edges, communities or graph", dataset)
}

// SelectColumns checks names against the dataset's columns and returns
// their indexes in the order given; no names selects every column the
// format carries by default (raw only in JSONL).
func SelectColumns(dataset, format string, names []string) ([]int, error) {
	cols, err := Columns(dataset)
	if err != nil {
		return nil, err
	}
	var idx []int
	if len(names) == 0 {
		for i, c := range cols {
			if !c.NotInCSV || format == "jsonl" {
				idx = append(idx, i)
			}
		}
		return idx, nil
	}
	seen := map[string]bool{}
	for _, n := range names {
		n = strings.TrimSpace(n)
		i := indexOf(cols, n)
		if i < 0 {
			return nil, fmt.Errorf("unknown %s column %q; the columns are: %s", dataset, n, columnNames(cols))
		}
		if cols[i].NotInCSV && format == "csv" {
			return nil, &NotInCSVError{Column: n}
		}
		if seen[n] {
			return nil, fmt.Errorf("column %q given twice", n)
		}
		seen[n] = true
		idx = append(idx, i)
	}
	return idx, nil
}

func indexOf(cols []Column, name string) int {
	for i, c := range cols {
		if c.Name == name {
			return i
		}
	}
	return -1
}

func columnNames(cols []Column) string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	return strings.Join(names, ", ")
}

// WriteColumnsDoc writes docs/columns.md from the column definitions, so
// the documentation cannot drift from the code (a test compares them).
func WriteColumnsDoc(w io.Writer) error {
	var b strings.Builder
	b.WriteString(`# Export columns

Generated from pkg/export/columns.go (` + "`" + `go test ./pkg/export -run TestColumnsDoc -update` + "`" + `); the
order is stable: new columns are only ever appended. ` + "`" + `--columns a,b,c` + "`" + ` selects and reorders.

Which format for what:

| format | for | text |
|---|---|---|
| ` + "`" + `csv` + "`" + ` (default) | spreadsheets (Excel, LibreOffice, Google Sheets) | spreadsheet-safe: a cell starting with ` + "`" + `=` + "`" + `, ` + "`" + `+` + "`" + `, ` + "`" + `-` + "`" + `, ` + "`" + `@` + "`" + `, tab or CR gets a leading ` + "`" + `'` + "`" + `; the command says how many |
| ` + "`" + `csv --csv-raw` + "`" + ` | R, pandas, DuckDB, shell tools that want CSV | exactly as stored |
| ` + "`" + `jsonl` + "`" + ` | scripts, ` + "`" + `jq` + "`" + `, archiving; the only format with ` + "`" + `raw` + "`" + ` by default | exactly as stored |
| ` + "`" + `parquet` + "`" + ` | pandas, R arrow, Polars, DuckDB at scale: typed, compressed, fast | exactly as stored |

Conventions:

- **id** columns are text, never numbers: Mastodon's 18-digit ids would lose digits as numbers.
  With ` + "`" + `--excel` + "`" + `, an id made only of digits is written as ` + "`" + `="109..."` + "`" + ` so Excel shows it whole
  (the one formula copharvest writes; its content is digits only).
- **time** columns are ISO 8601 (RFC 3339): UTC with ` + "`" + `Z` + "`" + `, milliseconds when the server gave them;
  empty (null) when unknown. In Parquet: timestamps (microseconds, UTC).
- **local time** (` + "`" + `created_local` + "`" + `) is the same instant in ` + "`" + `--tz` + "`" + ` with its offset; in Parquet a
  timestamp without time zone holding the wall clock of ` + "`" + `--tz` + "`" + `.
- **bool** columns are ` + "`" + `1` + "`" + `/` + "`" + `0` + "`" + ` in CSV (empty when the server did not say), ` + "`" + `true` + "`" + `/` + "`" + `false` + "`" + ` in JSONL,
  booleans (null when not said) in Parquet.
- **int** columns are 64-bit integers, **float** columns never use scientific notation (doubles in Parquet).
- **list** columns are JSON arrays in JSONL and lists of strings in Parquet. In CSV the items are
  separated by a single space, which no item contains: whitespace inside an item (valid tags,
  accounts and URLs have none; in a URL ` + "`" + `%20` + "`" + ` is the same address) is percent-encoded.
- **text** is UTF-8; a byte that is not valid UTF-8 (a misbehaving server) becomes U+FFFD in every
  format. In JSONL every record is one line: newlines, U+2028 and U+2029 are escaped, and ` + "`" + `raw` + "`" + ` is
  the server's JSON re-encoded compact (null when the server's JSON was invalid).
- **text** cells starting with ` + "`" + `=` + "`" + `, ` + "`" + `+` + "`" + `, ` + "`" + `-` + "`" + `, ` + "`" + `@` + "`" + `, tab or carriage return get a leading ` + "`" + `'` + "`" + ` in CSV
  (OWASP CSV injection), so a spreadsheet shows them as text and never runs them; ` + "`" + `--csv-raw` + "`" + `
  leaves them alone. JSONL and Parquet are never changed. Empty text is null in Parquet.
- CSV is RFC 4180 via Go's encoding/csv: cells with commas, quotes or newlines are quoted.
  ` + "`" + `--excel` + "`" + ` adds a UTF-8 byte order mark and CRLF line ends.
- ` + "`" + `raw` + "`" + ` is in JSONL by default, in Parquet when ` + "`" + `--columns` + "`" + ` names it (a JSON column), never in CSV.
- Deleted posts are tombstones: ` + "`" + `deleted` + "`" + ` is 1 and every content column is empty.
- ` + "`" + `--pseudonymize` + "`" + ` replaces accounts (also @mentions inside text) and post uris by keyed hashes
  (HMAC-SHA256 with the config's ` + "`" + `salt` + "`" + ` or ` + "`" + `--salt` + "`" + `: the same key gives the same pseudonyms in
  every export) and empties the columns that name a person (urls, local ids, names, notes, raw).
  Links to an account's profile or post become its pseudonym (for a post, the pseudonym of its
  Mastodon uri, as in the ` + "`uri`" + ` column); the display names of the accounts a post involves
  become their account pseudonyms; ` + "`author_instance`" + ` and ` + "`instance`" + ` are ` + "`other`" + ` for an instance
  with fewer than ` + "`--min-instance-accounts`" + ` (default 5) accounts in the database.
- ` + "`--exclude-opted-out`" + ` leaves out accounts that opted out, their posts and every edge touching them,
  and in everyone else's rows replaces every trace of them by ` + "`[opted-out]`" + `: @handles and links to
  their profile or posts in ` + "`text`" + `, ` + "`spoiler_text`" + `, ` + "`links`" + ` and ` + "`note`" + `, their display name in text,
  their entries in ` + "`mentions`" + `, and ` + "`in_reply_to_author`" + `, ` + "`in_reply_to_uri`" + ` and ` + "`thread_root_uri`" + ` when
  they point at them. A ` + "`raw`" + ` JSON or profile note that still names them is left empty.
- With ` + "`" + `-o FILE` + "`" + `, ` + "`" + `datapackage.json` + "`" + ` in the same directory describes the file: a
  [Frictionless Data Package](https://specs.frictionlessdata.io/data-package/) whose Table Schema
  gives each column's type, and whose ` + "`" + `copharvest` + "`" + ` section says how it was made (see README).
`)
	for _, ds := range Datasets {
		cols, _ := Columns(ds)
		fmt.Fprintf(&b, "\n## %s\n\n| # | column | kind | meaning |\n|---|---|---|---|\n", ds)
		for i, c := range cols {
			fmt.Fprintf(&b, "| %d | `%s` | %s | %s |\n", i+1, c.Name, c.Kind, strings.ReplaceAll(c.Doc, "|", "\\|"))
		}
	}
	b.WriteString(`
## graph (GEXF 1.2draft or 1.3, GraphML)

` + "`" + `copharvest export graph --format gexf|graphml` + "`" + ` writes a directed multigraph for Gephi, networkx,
NodeXL, igraph and vosonSML. Nodes are accounts (id = acct or pseudonym; characters XML cannot
hold, and ` + "`" + `%` + "`" + `, are percent-encoded, so no two accounts share an id) with attributes ` + "`" + `instance` + "`" + ` (` + "`other`" + ` for a small instance with ` + "`--pseudonymize`" + `),
` + "`" + `community` + "`" + `, ` + "`" + `verdict` + "`" + `, ` + "`" + `posts` + "`" + ` and ` + "`" + `opted_out` + "`" + `. Edges are one per (source, target, kind), kind one
of reply, mention, boost, favourite, with ` + "`" + `weight` + "`" + ` = the number of such interactions (GEXF's own
edge weight; a GraphML key named ` + "`" + `weight` + "`" + `), ` + "`" + `kind` + "`" + `, ` + "`" + `first` + "`" + ` and ` + "`" + `last` + "`" + ` (UTC times). Self-loops (an
account replying to or mentioning itself) are left out unless ` + "`" + `--self-loops` + "`" + `. GEXF is 1.2draft by
default, which Gephi, networkx and igraph read; ` + "`" + `--gexf-version 1.3` + "`" + ` also writes the kind as the
edge's ` + "`" + `kind` + "`" + `, so Gephi keeps parallel edges of different kinds apart.
`)
	_, err := io.WriteString(w, b.String())
	return err
}

// SelectedColumns is the columns an export writes: SelectColumns' choice.
func SelectedColumns(dataset, format string, names []string) ([]Column, error) {
	idx, err := SelectColumns(dataset, format, names)
	if err != nil {
		return nil, err
	}
	all, _ := Columns(dataset)
	cols := make([]Column, len(idx))
	for i, j := range idx {
		cols[i] = all[j]
	}
	return cols, nil
}

// NotInCSVError: a column that CSV cannot hold (raw JSON) was asked for.
type NotInCSVError struct{ Column string }

func (e *NotInCSVError) Error() string {
	return fmt.Sprintf("column %q is not in CSV exports", e.Column)
}
