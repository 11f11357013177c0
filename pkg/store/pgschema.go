package store

import (
	"regexp"
	"strings"
)

// pgMigrations are the migrations as PostgreSQL runs them: version N here is
// version N of migrations. Column types follow SQLite's storage (integers
// are 64-bit, text compares byte by byte as SQLite's BINARY collation does,
// so that both backends sort alike); ids are given as SQLite gives rowids
// (the largest plus one), so the same data has the same ids on both.
var pgMigrations = func() []string {
	out := make([]string, len(migrations))
	for i, m := range migrations {
		out[i] = pgTypes(m)
	}
	out[0] = pgRowidFunction + out[0] + pgRowidTriggers("accounts", "posts", "runs")
	out[5] += pgRowidTriggers("rejected")
	out[6] = pgTypes(pgFacts)
	out[7] = pgFactsComplete
	out[8] = `SELECT 1` // PostgreSQL's triggers queue with ON CONFLICT DO NOTHING already
	return out
}()

var (
	reRowidPK  = regexp.MustCompile(`\bid\s+INTEGER PRIMARY KEY\b`)
	reInteger  = regexp.MustCompile(`\bINTEGER\b`)
	reReal     = regexp.MustCompile(`\bREAL\b`)
	reBlob     = regexp.MustCompile(`\bBLOB\b`)
	reText     = regexp.MustCompile(`(\w+\s+)TEXT\b`)
	reNoRowid  = regexp.MustCompile(`\)\s*WITHOUT ROWID;`)
	reSQLComma = regexp.MustCompile(`--[^\n]*`)
)

// pgTypes maps SQLite's column types to PostgreSQL's.
func pgTypes(m string) string {
	m = reSQLComma.ReplaceAllString(m, "")
	m = reNoRowid.ReplaceAllString(m, ");")
	m = reRowidPK.ReplaceAllString(m, "id BIGINT PRIMARY KEY")
	m = reInteger.ReplaceAllString(m, "BIGINT")
	m = reReal.ReplaceAllString(m, "DOUBLE PRECISION")
	m = reBlob.ReplaceAllString(m, "BYTEA")
	m = reText.ReplaceAllStringFunc(m, func(s string) string {
		if strings.HasPrefix(strings.ToUpper(s), "ADD ") || strings.HasPrefix(strings.ToUpper(s), "AS ") {
			return s
		}
		return s + ` COLLATE "C"`
	})
	return m
}

// pgRowidFunction fills a missing id the way SQLite fills a rowid, under
// the writers' advisory lock (pgLockClass, pgLockWrite; see inTx).
const pgRowidFunction = `
CREATE FUNCTION copharvest_rowid() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.id IS NULL THEN
		-- The writers' lock (held already inside a write transaction):
		-- two inserts outside one never pick the same id.
		PERFORM pg_advisory_xact_lock(6516592, 2);
		EXECUTE format('SELECT COALESCE(MAX(id), 0) + 1 FROM %I', TG_TABLE_NAME) INTO NEW.id;
	END IF;
	RETURN NEW;
END $$;
-- SQLite's group_concat, for statements whose arguments rewrite leaves as
-- they are.
CREATE FUNCTION copharvest_concat(acc TEXT, v TEXT, sep TEXT) RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN v IS NULL THEN acc WHEN acc IS NULL THEN v ELSE acc || sep || v END
$$;
CREATE FUNCTION copharvest_concat(acc TEXT, v TEXT) RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$
	SELECT copharvest_concat(acc, v, ',')
$$;
CREATE AGGREGATE group_concat(TEXT, TEXT) (SFUNC = copharvest_concat, STYPE = TEXT);
CREATE AGGREGATE group_concat(TEXT) (SFUNC = copharvest_concat, STYPE = TEXT);
-- SQLite's json_valid and json_extract (simple $.a.b paths), for the
-- statements that read the served JSON.
CREATE FUNCTION json_valid(t TEXT) RETURNS BOOLEAN LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	PERFORM t::json;
	RETURN t IS NOT NULL;
EXCEPTION WHEN others THEN
	RETURN false;
END $$;
-- (NULL for text that is not JSON: PostgreSQL may test a condition on
-- json_extract before the json_valid beside it.)
CREATE FUNCTION json_extract(t TEXT, path TEXT) RETURNS TEXT LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	RETURN t::json #>> string_to_array(substr(path, 3), '.');
EXCEPTION WHEN others THEN
	RETURN NULL;
END $$;
`

func pgRowidTriggers(tables ...string) string {
	var b strings.Builder
	for _, t := range tables {
		b.WriteString("\nCREATE TRIGGER " + t + "_rowid BEFORE INSERT ON " + t + " FOR EACH ROW EXECUTE FUNCTION copharvest_rowid();")
	}
	return b.String()
}

// pgFacts is migration 7 with its triggers in PL/pgSQL.
const pgFacts = `CREATE TABLE fact_terms (
	id   INTEGER PRIMARY KEY,
	term TEXT NOT NULL UNIQUE
);
CREATE TRIGGER fact_terms_rowid BEFORE INSERT ON fact_terms FOR EACH ROW EXECUTE FUNCTION copharvest_rowid();
CREATE TABLE post_facts (
	at            INTEGER NOT NULL,
	post_id       INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
	author        INTEGER NOT NULL,
	parent        INTEGER NOT NULL,
	is_reply      INTEGER NOT NULL,
	reply_to      INTEGER NOT NULL,
	reply_to_acct TEXT NOT NULL,
	flags         INTEGER NOT NULL,
	tags          BLOB NOT NULL,
	root_tags     BLOB NOT NULL,
	resources     BLOB NOT NULL,
	PRIMARY KEY (at, post_id)
);
CREATE UNIQUE INDEX post_facts_post ON post_facts(post_id);
CREATE TABLE post_facts_pending (post_id INTEGER PRIMARY KEY);

CREATE FUNCTION copharvest_queue_fact(p BIGINT) RETURNS void LANGUAGE sql AS $$
	INSERT INTO post_facts_pending(post_id) VALUES (p) ON CONFLICT DO NOTHING;
$$;
CREATE FUNCTION copharvest_queue_thread(root BIGINT) RETURNS void LANGUAGE sql AS $$
	INSERT INTO post_facts_pending(post_id) SELECT id FROM posts WHERE thread_root = root AND id <> root ON CONFLICT DO NOTHING;
$$;

CREATE FUNCTION facts_post() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		PERFORM copharvest_queue_fact(NEW.id);
	ELSIF TG_OP = 'DELETE' THEN
		DELETE FROM post_facts_pending WHERE post_id = OLD.id;
	ELSIF OLD.account_id IS DISTINCT FROM NEW.account_id OR OLD.created_at IS DISTINCT FROM NEW.created_at
		OR OLD.deleted_at IS DISTINCT FROM NEW.deleted_at OR OLD.in_reply_to_post IS DISTINCT FROM NEW.in_reply_to_post
		OR OLD.in_reply_to_acct IS DISTINCT FROM NEW.in_reply_to_acct OR OLD.thread_root IS DISTINCT FROM NEW.thread_root THEN
		PERFORM copharvest_queue_fact(NEW.id);
	END IF;
	RETURN NULL;
END $$;
CREATE TRIGGER facts_post AFTER INSERT OR UPDATE OR DELETE ON posts FOR EACH ROW EXECUTE FUNCTION facts_post();

CREATE FUNCTION facts_tag() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		PERFORM copharvest_queue_fact(NEW.post_id);
		PERFORM copharvest_queue_thread(NEW.post_id);
	ELSE
		IF EXISTS (SELECT 1 FROM posts WHERE id = OLD.post_id) THEN
			PERFORM copharvest_queue_fact(OLD.post_id);
		END IF;
		PERFORM copharvest_queue_thread(OLD.post_id);
	END IF;
	RETURN NULL;
END $$;
CREATE TRIGGER facts_tag AFTER INSERT OR DELETE ON post_tags FOR EACH ROW EXECUTE FUNCTION facts_tag();

-- Links and classifications queue their own post only.
CREATE FUNCTION facts_own_post() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		PERFORM copharvest_queue_fact(NEW.post_id);
	ELSIF TG_OP = 'DELETE' THEN
		IF EXISTS (SELECT 1 FROM posts WHERE id = OLD.post_id) THEN
			PERFORM copharvest_queue_fact(OLD.post_id);
		END IF;
	ELSIF TG_TABLE_NAME <> 'classifications' OR OLD.domain IS DISTINCT FROM NEW.domain OR OLD.community IS DISTINCT FROM NEW.community
		OR OLD.practice IS DISTINCT FROM NEW.practice OR OLD.rules IS DISTINCT FROM NEW.rules THEN
		PERFORM copharvest_queue_fact(NEW.post_id);
	END IF;
	RETURN NULL;
END $$;
CREATE TRIGGER facts_link AFTER INSERT OR DELETE ON post_links FOR EACH ROW EXECUTE FUNCTION facts_own_post();
CREATE TRIGGER facts_classification AFTER INSERT OR UPDATE OR DELETE ON classifications FOR EACH ROW EXECUTE FUNCTION facts_own_post();
INSERT INTO post_facts_pending SELECT id FROM posts WHERE deleted_at IS NULL;`

// pgFactsComplete is migration 8 with its triggers in PL/pgSQL.
const pgFactsComplete = `DROP TABLE post_facts;
CREATE TABLE post_facts (
	at      BIGINT NOT NULL,
	post_id BIGINT NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
	author  BIGINT NOT NULL,
	fact    BYTEA NOT NULL,
	PRIMARY KEY (at, post_id)
);
CREATE UNIQUE INDEX post_facts_post ON post_facts(post_id);
CREATE INDEX post_facts_author ON post_facts(author, at);
CREATE INDEX post_mentions_acct ON post_mentions(acct);

CREATE FUNCTION copharvest_queue_parent(p BIGINT) RETURNS void LANGUAGE sql AS $$
	INSERT INTO post_facts_pending(post_id) SELECT id FROM posts WHERE id = p ON CONFLICT DO NOTHING;
$$;

CREATE OR REPLACE FUNCTION facts_post() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		PERFORM copharvest_queue_fact(NEW.id);
		PERFORM copharvest_queue_parent(NEW.in_reply_to_post);
	ELSIF TG_OP = 'DELETE' THEN
		DELETE FROM post_facts_pending WHERE post_id = OLD.id;
		PERFORM copharvest_queue_parent(OLD.in_reply_to_post);
	ELSIF OLD.account_id IS DISTINCT FROM NEW.account_id OR OLD.created_at IS DISTINCT FROM NEW.created_at
		OR OLD.deleted_at IS DISTINCT FROM NEW.deleted_at OR OLD.in_reply_to_post IS DISTINCT FROM NEW.in_reply_to_post
		OR OLD.in_reply_to_acct IS DISTINCT FROM NEW.in_reply_to_acct OR OLD.thread_root IS DISTINCT FROM NEW.thread_root THEN
		PERFORM copharvest_queue_fact(NEW.id);
		PERFORM copharvest_queue_parent(OLD.in_reply_to_post);
		PERFORM copharvest_queue_parent(NEW.in_reply_to_post);
	END IF;
	RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION facts_own_post() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		PERFORM copharvest_queue_fact(NEW.post_id);
	ELSIF TG_OP = 'DELETE' THEN
		IF EXISTS (SELECT 1 FROM posts WHERE id = OLD.post_id) THEN
			PERFORM copharvest_queue_fact(OLD.post_id);
		END IF;
	ELSIF TG_TABLE_NAME <> 'classifications' OR OLD.domain IS DISTINCT FROM NEW.domain OR OLD.community IS DISTINCT FROM NEW.community
		OR OLD.practice IS DISTINCT FROM NEW.practice OR OLD.rules IS DISTINCT FROM NEW.rules
		OR OLD.practice_score IS DISTINCT FROM NEW.practice_score THEN
		PERFORM copharvest_queue_fact(NEW.post_id);
	END IF;
	RETURN NULL;
END $$;
CREATE TRIGGER facts_mention AFTER INSERT OR DELETE ON post_mentions FOR EACH ROW EXECUTE FUNCTION facts_own_post();
CREATE TRIGGER facts_interaction AFTER INSERT OR DELETE ON interactions FOR EACH ROW EXECUTE FUNCTION facts_own_post();

CREATE FUNCTION facts_account() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO post_facts_pending(post_id) SELECT DISTINCT post_id FROM post_mentions WHERE acct = NEW.acct ON CONFLICT DO NOTHING;
	RETURN NULL;
END $$;
CREATE TRIGGER facts_account AFTER INSERT ON accounts FOR EACH ROW EXECUTE FUNCTION facts_account();
INSERT INTO post_facts_pending SELECT id FROM posts WHERE deleted_at IS NULL ON CONFLICT DO NOTHING;`
