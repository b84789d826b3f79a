-- Inbox items, their triage state (status, assignee, tags, notes), the per-account counters
-- and the full-text index.

-- The bulky, rarely filtered part of an item, written once in insertion order (appends), so
-- the time-ordered `items` rows stay small (~130 bytes) where a backfill inserts them at
-- random positions. Local: `id` never leaves the store. An edit writes a new body row.
CREATE TABLE item_bodies (
    id                 INTEGER PRIMARY KEY,
    author_external_id TEXT NOT NULL,
    author_handle      TEXT,
    author_name        TEXT,
    text               TEXT NOT NULL,
    -- The text as indexed (normalised by the store) when it differs from `text`; NULL otherwise.
    search_body        TEXT,
    in_reply_to        TEXT,
    permalink          TEXT,
    -- JSON: {"mentions": [...], "hashtags": [...], "urls": [...]}
    entities           TEXT NOT NULL DEFAULT '{}',
    -- The network's payload; raw_format 0 = UTF-8 JSON as is, 1 = zstd, 2 = zstd with dictionary v1.
    raw                BLOB NOT NULL,
    raw_format         INTEGER NOT NULL CHECK (raw_format IN (0, 1, 2))
);

CREATE TABLE items (
    -- Local physical key, never leaves chancery-store: (created_ms << 10) | n, where n is
    -- 10 bits of the public id (probed upwards on a clash). Ordering by seq is ordering by
    -- creation time, so an index with seq right after its equality columns yields items
    -- newest first without a sort. It is the FTS rowid and the item_tags key. An explicit
    -- INTEGER PRIMARY KEY, so VACUUM keeps it. Not AUTOINCREMENT.
    seq                INTEGER PRIMARY KEY,
    -- Public id: UUIDv5(namespace, account_id || external_id).
    id                 BLOB NOT NULL UNIQUE CHECK (length(id) = 16),
    account_id         BLOB NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind               TEXT NOT NULL CHECK (kind IN ('x_mention', 'x_reply', 'fb_comment',
                           'fb_visitor_post', 'fb_tagged_post', 'fb_message')),
    external_id        TEXT NOT NULL,
    -- Primary language subtag, lower case ('ar', 'zh'); NULL when unknown.
    lang               TEXT,
    created_ms         INTEGER NOT NULL,
    edited_ms          INTEGER,
    conversation_id    TEXT,
    deleted            INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    status             TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'open', 'done')),
    assignee_id        BLOB REFERENCES people (id) ON DELETE SET NULL,
    status_changed_ms  INTEGER,
    -- item_bodies.id (kept by the store and the triggers below).
    body_id            INTEGER NOT NULL,
    ingested_ms        INTEGER NOT NULL,
    updated_ms         INTEGER NOT NULL,
    UNIQUE (account_id, external_id)
);

-- Each filter index is (equality columns, seq, then the columns other filters check): an
-- equality prefix is read newest first (seq order) and the remaining filters are checked in
-- the index entry itself, without visiting the table row.
CREATE INDEX items_by_account_status ON items (account_id, status, seq, deleted, lang, kind, assignee_id);
CREATE INDEX items_by_status ON items (status, seq, deleted, account_id, lang, kind, assignee_id);
CREATE INDEX items_by_lang ON items (lang, seq, deleted, account_id, status, kind, assignee_id)
    WHERE lang IS NOT NULL;
CREATE INDEX items_by_assignee ON items (assignee_id, status, seq, deleted, account_id, lang, kind)
    WHERE assignee_id IS NOT NULL;
CREATE INDEX items_by_conversation ON items (conversation_id) WHERE conversation_id IS NOT NULL;

CREATE TABLE item_tags (
    tag        TEXT NOT NULL,
    item_seq   INTEGER NOT NULL REFERENCES items (seq) ON DELETE CASCADE,
    created_ms INTEGER NOT NULL,
    PRIMARY KEY (tag, item_seq)
) WITHOUT ROWID;

CREATE INDEX item_tags_by_item ON item_tags (item_seq);

CREATE TABLE item_notes (
    id         BLOB PRIMARY KEY CHECK (length(id) = 16),
    item_id    BLOB NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    author_id  BLOB NOT NULL REFERENCES people (id) ON DELETE RESTRICT,
    text       TEXT NOT NULL,
    created_ms INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX item_notes_by_item ON item_notes (item_id, created_ms);

-- Live (not deleted) items per account and status, kept by the triggers below, so unread
-- counts for every account are O(accounts).
CREATE TABLE item_counts (
    account_id BLOB NOT NULL,
    status     TEXT NOT NULL,
    n          INTEGER NOT NULL,
    PRIMARY KEY (account_id, status)
) WITHOUT ROWID;

-- What the full-text index holds for an item.
CREATE VIEW items_fts_source AS
    SELECT i.seq AS seq, coalesce(b.search_body, b.text) AS body
    FROM items i JOIN item_bodies b ON b.id = i.body_id;

-- External-content FTS5 over the view; the triggers keep it in step with items. Loadable by
-- SQLite 3.40 (no contentless_delete). Tokeniser: see docs/schema.md.
CREATE VIRTUAL TABLE items_fts USING fts5 (
    body,
    content = 'items_fts_source',
    content_rowid = 'seq',
    tokenize = "unicode61 remove_diacritics 2 categories 'L* N* Co Mn Mc' tokenchars '_'"
);

-- Bodies are inserted before their items.
CREATE TRIGGER items_after_insert AFTER INSERT ON items BEGIN
    INSERT INTO items_fts (rowid, body)
        SELECT new.seq, coalesce(b.search_body, b.text) FROM item_bodies b WHERE b.id = new.body_id;
    INSERT INTO item_counts (account_id, status, n)
        SELECT new.account_id, new.status, 1 WHERE new.deleted = 0
        ON CONFLICT (account_id, status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER items_after_delete AFTER DELETE ON items BEGIN
    INSERT INTO items_fts (items_fts, rowid, body)
        SELECT 'delete', old.seq, coalesce(b.search_body, b.text) FROM item_bodies b WHERE b.id = old.body_id;
    DELETE FROM item_bodies WHERE id = old.body_id;
    UPDATE item_counts SET n = n - 1
        WHERE old.deleted = 0 AND account_id = old.account_id AND status = old.status;
END;

-- An edit points the item at a new body: re-index it and drop the old body.
CREATE TRIGGER items_after_update_body AFTER UPDATE OF body_id ON items
    WHEN old.body_id IS NOT new.body_id
BEGIN
    INSERT INTO items_fts (items_fts, rowid, body)
        SELECT 'delete', old.seq, coalesce(b.search_body, b.text) FROM item_bodies b WHERE b.id = old.body_id;
    INSERT INTO items_fts (rowid, body)
        SELECT new.seq, coalesce(b.search_body, b.text) FROM item_bodies b WHERE b.id = new.body_id;
    DELETE FROM item_bodies WHERE id = old.body_id;
END;

CREATE TRIGGER items_after_update_counted AFTER UPDATE OF status, deleted, account_id ON items
    WHEN old.status IS NOT new.status OR old.deleted IS NOT new.deleted
        OR old.account_id IS NOT new.account_id
BEGIN
    UPDATE item_counts SET n = n - 1
        WHERE old.deleted = 0 AND account_id = old.account_id AND status = old.status;
    INSERT INTO item_counts (account_id, status, n)
        SELECT new.account_id, new.status, 1 WHERE new.deleted = 0
        ON CONFLICT (account_id, status) DO UPDATE SET n = n + 1;
END;

-- Room for later migrations by others: drafts, approvals, outbox, audit (UUIDv7 keys).
