-- The publisher holds entries for reasons other than a crisis pause: a post too late to go out
-- without a person deciding, and a post whose account must be reconnected. `hold_reason` says
-- why an entry is held; `scheduled_ms` is the instant lateness is measured from (the scheduled
-- time, or when a person released the entry; retries do not move it).
--
-- SQLite cannot drop the old CHECK (state <> 'held' OR held_by IS NOT NULL) in place, so the
-- table is rebuilt (same columns, same indexes) with the two new columns. Nothing references
-- `outbox`, so dropping the old table checks no foreign key.

CREATE TABLE outbox_new (
    id                 BLOB PRIMARY KEY CHECK (length(id) = 16),
    draft_id           BLOB NOT NULL REFERENCES drafts (id),
    draft_version      INTEGER NOT NULL,
    account_id         BLOB NOT NULL CHECK (length(account_id) = 16),
    network            TEXT NOT NULL CHECK (network IN ('x', 'facebook')),
    content_hash       TEXT NOT NULL CHECK (length(content_hash) = 64),
    send_at_ms         INTEGER NOT NULL,
    state              TEXT NOT NULL CHECK (state IN ('queued', 'held', 'sending', 'sent',
                           'failed', 'cancelled')),
    attempts           INTEGER NOT NULL DEFAULT 0,
    last_error         TEXT,
    attempt_started_ms INTEGER,
    external_post_id   TEXT,
    sent_ms            INTEGER,
    held_by            BLOB REFERENCES pauses (id),
    created_ms         INTEGER NOT NULL,
    updated_ms         INTEGER NOT NULL,
    hold_reason        TEXT CHECK (hold_reason IN ('pause', 'late', 'needs_reauth')),
    scheduled_ms       INTEGER NOT NULL,
    CHECK (state <> 'sent' OR external_post_id IS NOT NULL),
    CHECK (state <> 'held' OR hold_reason IS NOT NULL),
    CHECK (state = 'held' OR hold_reason IS NULL),
    CHECK (hold_reason IS NOT 'pause' OR held_by IS NOT NULL)
) WITHOUT ROWID;

INSERT INTO outbox_new (id, draft_id, draft_version, account_id, network, content_hash,
    send_at_ms, state, attempts, last_error, attempt_started_ms, external_post_id, sent_ms,
    held_by, created_ms, updated_ms, hold_reason, scheduled_ms)
SELECT id, draft_id, draft_version, account_id, network, content_hash,
    send_at_ms, state, attempts, last_error, attempt_started_ms, external_post_id, sent_ms,
    CASE WHEN state = 'held' THEN held_by END, created_ms, updated_ms,
    CASE WHEN state = 'held' THEN 'pause' END, send_at_ms
FROM outbox;

DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;

CREATE INDEX outbox_due ON outbox (state, send_at_ms);
CREATE INDEX outbox_by_draft ON outbox (draft_id);
CREATE INDEX outbox_by_account ON outbox (account_id, state);
-- At most one live entry per draft and account: a post can never be queued twice.
CREATE UNIQUE INDEX outbox_one_live_per_target ON outbox (draft_id, account_id)
    WHERE state IN ('queued', 'held', 'sending', 'sent');
