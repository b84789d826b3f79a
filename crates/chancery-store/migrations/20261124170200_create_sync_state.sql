-- Sync cursors (one per account and stream) and the quarantine of payloads that could not be
-- stored as items.

CREATE TABLE sync_cursors (
    account_id        BLOB NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    stream            TEXT NOT NULL CHECK (stream IN ('x_mentions', 'x_replies', 'fb_feed',
                          'fb_tagged', 'fb_comments', 'fb_conversations')),
    newest_id         TEXT,
    since_ms          INTEGER,
    backfill_position TEXT,
    horizon_reached   INTEGER NOT NULL DEFAULT 0 CHECK (horizon_reached IN (0, 1)),
    updated_ms        INTEGER NOT NULL,
    PRIMARY KEY (account_id, stream)
) WITHOUT ROWID;

CREATE TABLE quarantine (
    id          BLOB PRIMARY KEY CHECK (length(id) = 16),
    account_id  BLOB NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    stream      TEXT NOT NULL,
    external_id TEXT,
    reason      TEXT NOT NULL,
    raw         BLOB NOT NULL,
    raw_format  INTEGER NOT NULL CHECK (raw_format IN (0, 1, 2)),
    received_ms INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX quarantine_by_account ON quarantine (account_id, received_ms);
