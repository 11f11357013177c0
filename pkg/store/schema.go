package store

// migrations are applied in order at Open, each in its own transaction; the
// applied versions are kept in schema_migrations. Never edit a released
// migration: append a new one.
var migrations = []string{
	// 1: the harvest foundation.
	`
CREATE TABLE accounts (
	id              INTEGER PRIMARY KEY,
	acct            TEXT NOT NULL UNIQUE,   -- user@host, also for local accounts
	uri             TEXT,
	url             TEXT,
	username        TEXT,
	display_name    TEXT,
	note            TEXT,
	bot             INTEGER NOT NULL DEFAULT 0,
	discoverable    INTEGER,                -- NULL when the server does not say
	indexable       INTEGER,
	noindex         INTEGER,
	optout          INTEGER NOT NULL DEFAULT 0, -- #nobot/#noindex/#nosearch in note or fields
	created_at      TEXT,
	followers_count INTEGER,
	following_count INTEGER,
	statuses_count  INTEGER,
	raw             TEXT,
	updated_at      TEXT NOT NULL
);

CREATE TABLE posts (
	id               INTEGER PRIMARY KEY,
	uri              TEXT NOT NULL UNIQUE,
	url              TEXT,
	account_id       INTEGER NOT NULL REFERENCES accounts(id),
	created_at       TEXT NOT NULL,          -- UTC RFC 3339
	edited_at        TEXT,
	deleted_at       TEXT,                   -- tombstone: content dropped
	in_reply_to_post INTEGER REFERENCES posts(id),
	in_reply_to_acct TEXT,                   -- parent author, known even before the parent is stored
	language         TEXT,
	visibility       TEXT,
	sensitive        INTEGER NOT NULL DEFAULT 0,
	spoiler_text     TEXT,
	content          TEXT,                   -- HTML as served
	text             TEXT,                   -- plain text
	replies_count    INTEGER NOT NULL DEFAULT 0,
	reblogs_count    INTEGER NOT NULL DEFAULT 0,
	favourites_count INTEGER NOT NULL DEFAULT 0,
	media_count      INTEGER NOT NULL DEFAULT 0,
	card_url         TEXT,
	raw              TEXT,                   -- the status JSON as first served / last updated
	first_seen       TEXT NOT NULL,
	last_seen        TEXT NOT NULL,
	needs_context    INTEGER NOT NULL DEFAULT 0, -- conversation still to fetch
	needs_interactions INTEGER NOT NULL DEFAULT 0 -- boosts/favourites still to fetch
);
CREATE INDEX posts_created ON posts(created_at);
CREATE INDEX posts_account ON posts(account_id);
CREATE INDEX posts_parent ON posts(in_reply_to_post);
CREATE INDEX posts_needs_context ON posts(needs_context) WHERE needs_context = 1;
CREATE INDEX posts_needs_interactions ON posts(needs_interactions) WHERE needs_interactions = 1;

-- The same post has a different local id on every instance.
CREATE TABLE post_ids (
	instance   TEXT NOT NULL,
	local_id   TEXT NOT NULL,
	post_id    INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
	in_reply_to_local_id TEXT,
	PRIMARY KEY (instance, local_id)
);
CREATE INDEX post_ids_post ON post_ids(post_id);
CREATE INDEX post_ids_parent ON post_ids(instance, in_reply_to_local_id);

CREATE TABLE post_tags (
	post_id INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
	tag     TEXT NOT NULL,
	PRIMARY KEY (post_id, tag)
) WITHOUT ROWID;
CREATE INDEX post_tags_tag ON post_tags(tag);

CREATE TABLE post_mentions (
	post_id INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
	acct    TEXT NOT NULL,
	PRIMARY KEY (post_id, acct)
) WITHOUT ROWID;

CREATE TABLE post_links (
	post_id INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
	url     TEXT NOT NULL,
	domain  TEXT NOT NULL,
	PRIMARY KEY (post_id, url)
) WITHOUT ROWID;

-- Which tag timeline of which instance a post was seen in.
CREATE TABLE post_sources (
	post_id  INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
	instance TEXT NOT NULL,
	tag      TEXT NOT NULL,             -- '' when found through a conversation
	PRIMARY KEY (post_id, instance, tag)
) WITHOUT ROWID;
CREATE INDEX post_sources_tag ON post_sources(instance, tag);

-- Earlier versions of edited posts.
CREATE TABLE post_edits (
	post_id      INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
	version_at   TEXT NOT NULL,         -- when that version was written
	content      TEXT,
	spoiler_text TEXT,
	PRIMARY KEY (post_id, version_at)
) WITHOUT ROWID;

-- Boosts and favourites (who, whose post). Replies and mentions are derived
-- from posts (see the edges view).
CREATE TABLE interactions (
	kind       TEXT NOT NULL CHECK (kind IN ('boost', 'favourite')),
	account_id INTEGER NOT NULL REFERENCES accounts(id),
	post_id    INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
	seen_at    TEXT NOT NULL,
	PRIMARY KEY (kind, post_id, account_id)
) WITHOUT ROWID;

CREATE VIEW edges AS
	SELECT 'reply' AS kind, p.account_id AS source_id, q.account_id AS target_id, p.id AS post_id, p.created_at AS at
	FROM posts p JOIN posts q ON q.id = p.in_reply_to_post
	UNION ALL
	SELECT 'mention', p.account_id, a.id, p.id, p.created_at
	FROM post_mentions m JOIN posts p ON p.id = m.post_id JOIN accounts a ON a.acct = m.acct
	UNION ALL
	SELECT i.kind, i.account_id, p.account_id, p.id, i.seen_at
	FROM interactions i JOIN posts p ON p.id = i.post_id;

CREATE TABLE cursors (
	instance      TEXT NOT NULL,
	tag           TEXT NOT NULL,
	newest_id     TEXT,                 -- newest id seen (forward paging from here)
	oldest_id     TEXT,                 -- oldest id reached by backfill
	oldest_at     TEXT,                 -- its created_at
	backfill_done INTEGER NOT NULL DEFAULT 0, -- the beginning of the timeline was reached
	updated_at    TEXT NOT NULL,
	PRIMARY KEY (instance, tag)
);

CREATE TABLE runs (
	id            INTEGER PRIMARY KEY,
	started_at    TEXT NOT NULL,
	ended_at      TEXT,
	status        TEXT NOT NULL,        -- running, ok, partial, failed
	instances     TEXT NOT NULL,
	tags          TEXT NOT NULL,
	requests      INTEGER NOT NULL DEFAULT 0,
	new_posts     INTEGER NOT NULL DEFAULT 0,
	updated_posts INTEGER NOT NULL DEFAULT 0,
	deleted_posts INTEGER NOT NULL DEFAULT 0,
	waits         INTEGER NOT NULL DEFAULT 0,
	waited_ms     INTEGER NOT NULL DEFAULT 0,
	error         TEXT
);
`, // 2: classification and community results.
	`
CREATE TABLE classifications (
	post_id         INTEGER PRIMARY KEY REFERENCES posts(id) ON DELETE CASCADE,
	version         TEXT NOT NULL,      -- classifier version that wrote the row
	domain_score    REAL NOT NULL,
	domain          INTEGER NOT NULL,
	community_score REAL NOT NULL,
	community       INTEGER NOT NULL,
	practice_score  REAL NOT NULL,
	practice        INTEGER NOT NULL,
	rules           TEXT NOT NULL,      -- JSON: the rules that fired, with matched words
	classified_at   TEXT NOT NULL
);
CREATE INDEX classifications_version ON classifications(version);

-- The last community assignment of each account (graph grouping), so
-- exports and reports can name an account's community and its verdict.
CREATE TABLE account_communities (
	account_id  INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
	community   TEXT NOT NULL,
	verdict     TEXT NOT NULL,
	computed_at TEXT NOT NULL
);
`, // 3: small key-value facts about the database (e.g. the last refresh).
	`CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`, // 4: each post's thread root, for classification and exports.
	`ALTER TABLE posts ADD COLUMN thread_root INTEGER REFERENCES posts(id);
CREATE INDEX posts_thread_root ON posts(thread_root);`,
	// 5: whether an account's opt-out flags came from its home server, whose
	// word wins over copies seen through other instances (which may lack
	// noindex: Mastodon sends it for local accounts only).
	`ALTER TABLE accounts ADD COLUMN flags_from_home INTEGER NOT NULL DEFAULT 0;`,
	// 6: statuses a server sent that cannot be stored, kept as
	// served so a bad post never stalls a tag; runs count them.
	`CREATE TABLE rejected (
	id          INTEGER PRIMARY KEY,
	instance    TEXT NOT NULL,
	tag         TEXT,                  -- NULL: from a conversation or a refresh
	local_id    TEXT,
	reason      TEXT NOT NULL,
	raw         TEXT NOT NULL,         -- the status's JSON as served
	raw_sha256  TEXT NOT NULL,
	rejected_at TEXT NOT NULL,
	UNIQUE(instance, raw_sha256)
);
ALTER TABLE runs ADD COLUMN rejected INTEGER NOT NULL DEFAULT 0;`,
	// 7: per-post facts kept ready for the community analysis and the
	// report (see facts.go): one row per live post with what they read,
	// strings replaced by ids, written at classify time and brought up to
	// date on first need. Triggers queue a post in post_facts_pending
	// whenever something its facts are made of changes; an existing
	// database queues every live post once (the one-time build). A
	// reclassification that decides the same queues nothing. The
	// triggers test for a queued post rather than INSERT OR IGNORE: an
	// upsert's conflict clause would override theirs.
	`CREATE TABLE fact_terms (
	id   INTEGER PRIMARY KEY,
	term TEXT NOT NULL UNIQUE           -- a tag, a normalised link or "tool:NAME"
);
CREATE TABLE post_facts (
	at            INTEGER NOT NULL,     -- created_at in Unix nanoseconds
	post_id       INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
	author        INTEGER NOT NULL,     -- accounts.id
	parent        INTEGER NOT NULL,     -- in_reply_to_post, 0 when not stored
	is_reply      INTEGER NOT NULL,     -- a reply, even when its parent is not stored
	reply_to      INTEGER NOT NULL,     -- the parent's accounts.id, 0 when the parent is not stored
	reply_to_acct TEXT NOT NULL,        -- in_reply_to_acct when the parent is not stored
	flags         INTEGER NOT NULL,     -- bits: classified, domain, community, practice, question
	tags          BLOB NOT NULL,        -- fact_terms ids, uint32 little-endian each
	root_tags     BLOB NOT NULL,        -- the thread root's tags, when the root is another post
	resources     BLOB NOT NULL,        -- normalised links, then tools
	PRIMARY KEY (at, post_id)           -- in time order: a window is one sequential range
) WITHOUT ROWID;
CREATE UNIQUE INDEX post_facts_post ON post_facts(post_id);
CREATE TABLE post_facts_pending (post_id INTEGER PRIMARY KEY) WITHOUT ROWID;
CREATE TRIGGER facts_post_insert AFTER INSERT ON posts BEGIN
	INSERT INTO post_facts_pending SELECT NEW.id WHERE NOT EXISTS (SELECT 1 FROM post_facts_pending WHERE post_id = NEW.id);
END;
CREATE TRIGGER facts_post_update AFTER UPDATE OF account_id, created_at, deleted_at, in_reply_to_post, in_reply_to_acct, thread_root ON posts
	WHEN OLD.account_id IS NOT NEW.account_id OR OLD.created_at IS NOT NEW.created_at OR OLD.deleted_at IS NOT NEW.deleted_at
		OR OLD.in_reply_to_post IS NOT NEW.in_reply_to_post OR OLD.in_reply_to_acct IS NOT NEW.in_reply_to_acct OR OLD.thread_root IS NOT NEW.thread_root
BEGIN
	INSERT INTO post_facts_pending SELECT NEW.id WHERE NOT EXISTS (SELECT 1 FROM post_facts_pending WHERE post_id = NEW.id);
END;
CREATE TRIGGER facts_post_delete AFTER DELETE ON posts BEGIN
	DELETE FROM post_facts_pending WHERE post_id = OLD.id;
END;
CREATE TRIGGER facts_tag_insert AFTER INSERT ON post_tags BEGIN
	INSERT INTO post_facts_pending SELECT NEW.post_id WHERE NOT EXISTS (SELECT 1 FROM post_facts_pending WHERE post_id = NEW.post_id);
	INSERT INTO post_facts_pending SELECT id FROM posts WHERE thread_root = NEW.post_id AND id <> NEW.post_id
		AND NOT EXISTS (SELECT 1 FROM post_facts_pending q WHERE q.post_id = posts.id);
END;
CREATE TRIGGER facts_tag_delete AFTER DELETE ON post_tags BEGIN
	INSERT INTO post_facts_pending SELECT id FROM posts WHERE id = OLD.post_id
		AND NOT EXISTS (SELECT 1 FROM post_facts_pending q WHERE q.post_id = posts.id);
	INSERT INTO post_facts_pending SELECT id FROM posts WHERE thread_root = OLD.post_id AND id <> OLD.post_id
		AND NOT EXISTS (SELECT 1 FROM post_facts_pending q WHERE q.post_id = posts.id);
END;
CREATE TRIGGER facts_link_insert AFTER INSERT ON post_links BEGIN
	INSERT INTO post_facts_pending SELECT NEW.post_id WHERE NOT EXISTS (SELECT 1 FROM post_facts_pending WHERE post_id = NEW.post_id);
END;
CREATE TRIGGER facts_link_delete AFTER DELETE ON post_links BEGIN
	INSERT INTO post_facts_pending SELECT id FROM posts WHERE id = OLD.post_id
		AND NOT EXISTS (SELECT 1 FROM post_facts_pending q WHERE q.post_id = posts.id);
END;
CREATE TRIGGER facts_classification_insert AFTER INSERT ON classifications BEGIN
	INSERT INTO post_facts_pending SELECT NEW.post_id WHERE NOT EXISTS (SELECT 1 FROM post_facts_pending WHERE post_id = NEW.post_id);
END;
CREATE TRIGGER facts_classification_update AFTER UPDATE ON classifications
	WHEN OLD.domain IS NOT NEW.domain OR OLD.community IS NOT NEW.community OR OLD.practice IS NOT NEW.practice OR OLD.rules IS NOT NEW.rules
BEGIN
	INSERT INTO post_facts_pending SELECT NEW.post_id WHERE NOT EXISTS (SELECT 1 FROM post_facts_pending WHERE post_id = NEW.post_id);
END;
CREATE TRIGGER facts_classification_delete AFTER DELETE ON classifications BEGIN
	INSERT INTO post_facts_pending SELECT id FROM posts WHERE id = OLD.post_id
		AND NOT EXISTS (SELECT 1 FROM post_facts_pending q WHERE q.post_id = posts.id);
END;
INSERT INTO post_facts_pending SELECT id FROM posts WHERE deleted_at IS NULL;`,
	// 8: the facts carry everything the analysis and the report read, so
	// that one scan of post_facts serves them: how many other authors
	// replied (a reply queues its parent), whether the post proposes an
	// idea for practice (a flag), the practice score, and the interactions
	// the post carries besides its reply (mentions, boosts, favourites; a
	// mention names an account that may be stored later, which then queues
	// it). All but the key and the author are packed in one column (see
	// encodeFact): reading a column costs the driver more than decoding
	// it. An author's first post is one index seek away. Every live post
	// is queued once to fill the new table.
	`DROP TABLE post_facts;
CREATE TABLE post_facts (
	at      INTEGER NOT NULL,           -- created_at in Unix nanoseconds
	post_id INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
	author  INTEGER NOT NULL,           -- accounts.id
	fact    BLOB NOT NULL,              -- the rest, packed
	PRIMARY KEY (at, post_id)           -- in time order: a window is one sequential range
) WITHOUT ROWID;
CREATE UNIQUE INDEX post_facts_post ON post_facts(post_id);
CREATE INDEX post_facts_author ON post_facts(author, at);
CREATE INDEX post_mentions_acct ON post_mentions(acct);
DROP TRIGGER facts_post_insert;
CREATE TRIGGER facts_post_insert AFTER INSERT ON posts BEGIN
	INSERT INTO post_facts_pending SELECT NEW.id WHERE NOT EXISTS (SELECT 1 FROM post_facts_pending WHERE post_id = NEW.id);
	INSERT INTO post_facts_pending SELECT id FROM posts WHERE id = NEW.in_reply_to_post
		AND NOT EXISTS (SELECT 1 FROM post_facts_pending q WHERE q.post_id = posts.id);
END;
DROP TRIGGER facts_post_update;
CREATE TRIGGER facts_post_update AFTER UPDATE OF account_id, created_at, deleted_at, in_reply_to_post, in_reply_to_acct, thread_root ON posts
	WHEN OLD.account_id IS NOT NEW.account_id OR OLD.created_at IS NOT NEW.created_at OR OLD.deleted_at IS NOT NEW.deleted_at
		OR OLD.in_reply_to_post IS NOT NEW.in_reply_to_post OR OLD.in_reply_to_acct IS NOT NEW.in_reply_to_acct OR OLD.thread_root IS NOT NEW.thread_root
BEGIN
	INSERT INTO post_facts_pending SELECT NEW.id WHERE NOT EXISTS (SELECT 1 FROM post_facts_pending WHERE post_id = NEW.id);
	INSERT INTO post_facts_pending SELECT id FROM posts WHERE id IN (OLD.in_reply_to_post, NEW.in_reply_to_post)
		AND NOT EXISTS (SELECT 1 FROM post_facts_pending q WHERE q.post_id = posts.id);
END;
DROP TRIGGER facts_post_delete;
CREATE TRIGGER facts_post_delete AFTER DELETE ON posts BEGIN
	DELETE FROM post_facts_pending WHERE post_id = OLD.id;
	INSERT INTO post_facts_pending SELECT id FROM posts WHERE id = OLD.in_reply_to_post
		AND NOT EXISTS (SELECT 1 FROM post_facts_pending q WHERE q.post_id = posts.id);
END;
DROP TRIGGER facts_classification_update;
CREATE TRIGGER facts_classification_update AFTER UPDATE ON classifications
	WHEN OLD.domain IS NOT NEW.domain OR OLD.community IS NOT NEW.community OR OLD.practice IS NOT NEW.practice OR OLD.rules IS NOT NEW.rules
		OR OLD.practice_score IS NOT NEW.practice_score
BEGIN
	INSERT INTO post_facts_pending SELECT NEW.post_id WHERE NOT EXISTS (SELECT 1 FROM post_facts_pending WHERE post_id = NEW.post_id);
END;
CREATE TRIGGER facts_mention_insert AFTER INSERT ON post_mentions BEGIN
	INSERT INTO post_facts_pending SELECT NEW.post_id WHERE NOT EXISTS (SELECT 1 FROM post_facts_pending WHERE post_id = NEW.post_id);
END;
CREATE TRIGGER facts_mention_delete AFTER DELETE ON post_mentions BEGIN
	INSERT INTO post_facts_pending SELECT id FROM posts WHERE id = OLD.post_id
		AND NOT EXISTS (SELECT 1 FROM post_facts_pending q WHERE q.post_id = posts.id);
END;
CREATE TRIGGER facts_interaction_insert AFTER INSERT ON interactions BEGIN
	INSERT INTO post_facts_pending SELECT NEW.post_id WHERE NOT EXISTS (SELECT 1 FROM post_facts_pending WHERE post_id = NEW.post_id);
END;
CREATE TRIGGER facts_interaction_delete AFTER DELETE ON interactions BEGIN
	INSERT INTO post_facts_pending SELECT id FROM posts WHERE id = OLD.post_id
		AND NOT EXISTS (SELECT 1 FROM post_facts_pending q WHERE q.post_id = posts.id);
END;
CREATE TRIGGER facts_account_insert AFTER INSERT ON accounts BEGIN
	INSERT INTO post_facts_pending SELECT DISTINCT m.post_id FROM post_mentions m WHERE m.acct = NEW.acct
		AND NOT EXISTS (SELECT 1 FROM post_facts_pending q WHERE q.post_id = m.post_id);
END;
INSERT INTO post_facts_pending SELECT id FROM posts WHERE deleted_at IS NULL
	AND NOT EXISTS (SELECT 1 FROM post_facts_pending q WHERE q.post_id = posts.id);`,
	// 9: the classifications' triggers queue a post with an upsert of
	// their own rather than an INSERT ... SELECT that tests the queue: an
	// INSERT that reads the table it writes goes through a temporary
	// table, made and dropped every time the trigger fires (a write of
	// every classification).
	`DROP TRIGGER facts_classification_insert;
CREATE TRIGGER facts_classification_insert AFTER INSERT ON classifications BEGIN
	INSERT INTO post_facts_pending(post_id) VALUES (NEW.post_id) ON CONFLICT DO NOTHING;
END;
DROP TRIGGER facts_classification_update;
CREATE TRIGGER facts_classification_update AFTER UPDATE ON classifications
	WHEN OLD.domain IS NOT NEW.domain OR OLD.community IS NOT NEW.community OR OLD.practice IS NOT NEW.practice OR OLD.rules IS NOT NEW.rules
		OR OLD.practice_score IS NOT NEW.practice_score
BEGIN
	INSERT INTO post_facts_pending(post_id) VALUES (NEW.post_id) ON CONFLICT DO NOTHING;
END;
DROP TRIGGER facts_classification_delete;
CREATE TRIGGER facts_classification_delete AFTER DELETE ON classifications BEGIN
	INSERT INTO post_facts_pending(post_id) SELECT id FROM posts WHERE id = OLD.post_id ON CONFLICT DO NOTHING;
END;`,
}
