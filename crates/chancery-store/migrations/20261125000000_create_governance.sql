-- Governance: approval policies, drafts and their versions, workflow decisions, the outbox,
-- crisis pauses, and the hash-chained audit trail.
-- Ids are UUIDv7 as 16-byte BLOBs. Times are INTEGER milliseconds since the Unix epoch (UTC).

-- The approval policy of a group; applies to its descendants unless a nearer group has one.
CREATE TABLE approval_policies (
    group_id   BLOB PRIMARY KEY REFERENCES groups (id) ON DELETE CASCADE,
    scope      TEXT NOT NULL CHECK (scope IN ('none', 'posts', 'replies', 'all')),
    -- JSON array of {"role": "reviewer", "mode": "any"|"all"}, in order.
    steps      TEXT NOT NULL,
    updated_ms INTEGER NOT NULL
) WITHOUT ROWID;

-- The head of each draft: its workflow state and latest version number. The content lives in
-- draft_versions (every save is a version; none is ever deleted or changed).
CREATE TABLE drafts (
    id            BLOB PRIMARY KEY CHECK (length(id) = 16),
    kind          TEXT NOT NULL CHECK (kind IN ('post', 'reply')),
    author_id     BLOB NOT NULL REFERENCES people (id),
    state         TEXT NOT NULL CHECK (state IN ('editing', 'in_review', 'changes_requested',
                      'rejected', 'withdrawn', 'approved', 'expired')),
    version       INTEGER NOT NULL CHECK (version >= 1),
    round         INTEGER NOT NULL DEFAULT 0,
    approved_hash TEXT,
    state_note    TEXT,
    -- The earliest scheduled instant of the latest version (a draft not approved by then
    -- expires); NULL for "as soon as approved".
    deadline_ms   INTEGER,
    rev           INTEGER NOT NULL,
    created_ms    INTEGER NOT NULL,
    updated_ms    INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX drafts_by_state ON drafts (state, deadline_ms);
CREATE INDEX drafts_by_author ON drafts (author_id, updated_ms);

CREATE TABLE draft_versions (
    draft_id     BLOB NOT NULL REFERENCES drafts (id),
    version      INTEGER NOT NULL CHECK (version >= 1),
    -- JSON DraftContent (text, variants, media, targets, schedule, reply_to).
    content      TEXT NOT NULL,
    -- JSON [ResolvedTarget]: the accounts the targets resolved to when saved.
    targets      TEXT NOT NULL,
    content_hash TEXT NOT NULL CHECK (length(content_hash) = 64),
    saved_by     BLOB NOT NULL REFERENCES people (id),
    saved_ms     INTEGER NOT NULL,
    PRIMARY KEY (draft_id, version)
) WITHOUT ROWID;

CREATE TRIGGER draft_versions_are_kept BEFORE DELETE ON draft_versions
BEGIN
    SELECT RAISE(ABORT, 'draft versions are never deleted');
END;

CREATE TRIGGER draft_versions_are_immutable BEFORE UPDATE ON draft_versions
BEGIN
    SELECT RAISE(ABORT, 'draft versions are never changed');
END;

CREATE TABLE draft_decisions (
    id           BLOB PRIMARY KEY CHECK (length(id) = 16),
    draft_id     BLOB NOT NULL REFERENCES drafts (id),
    round        INTEGER NOT NULL,
    -- NULL for the system (expiry).
    person_id    BLOB REFERENCES people (id),
    kind         TEXT NOT NULL CHECK (kind IN ('submitted', 'resubmitted', 'withdrawn',
                     'approved', 'rejected', 'changes_requested', 'expired')),
    content_hash TEXT NOT NULL,
    note         TEXT,
    -- JSON [{"lane": <group uuid>, "step": n}] for approvals.
    counted_for  TEXT NOT NULL DEFAULT '[]',
    at_ms        INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX draft_decisions_by_draft ON draft_decisions (draft_id, round, at_ms);

CREATE TABLE pauses (
    id          BLOB PRIMARY KEY CHECK (length(id) = 16),
    scope_kind  TEXT NOT NULL CHECK (scope_kind IN ('all', 'group', 'account')),
    -- The group or account id; NULL for 'all'.
    scope_id    BLOB CHECK ((scope_kind = 'all') = (scope_id IS NULL)),
    reason      TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    started_by  BLOB NOT NULL REFERENCES people (id),
    started_ms  INTEGER NOT NULL,
    until_ms    INTEGER,
    ended_ms    INTEGER,
    ended_by    BLOB REFERENCES people (id)
) WITHOUT ROWID;

CREATE INDEX pauses_open ON pauses (ended_ms);

-- One row per (approved draft, target account). No foreign key to accounts: the history of
-- what was sent outlives an account's removal from the registry.
CREATE TABLE outbox (
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
    CHECK (state <> 'sent' OR external_post_id IS NOT NULL),
    CHECK (state <> 'held' OR held_by IS NOT NULL)
) WITHOUT ROWID;

CREATE INDEX outbox_due ON outbox (state, send_at_ms);
CREATE INDEX outbox_by_draft ON outbox (draft_id);
CREATE INDEX outbox_by_account ON outbox (account_id, state);
-- At most one live entry per draft and account: a post can never be queued twice.
CREATE UNIQUE INDEX outbox_one_live_per_target ON outbox (draft_id, account_id)
    WHERE state IN ('queued', 'held', 'sending', 'sent');

-- The audit trail. `seq` is the chain position (1, 2, 3... without gaps), assigned as
-- head + 1 inside the appending transaction (not AUTOINCREMENT); `id` is the entry's UUIDv7.
-- entry_hash = SHA-256 over the canonical encoding of every other column (see
-- chancery_store::audit_entry_hash); prev_hash is the previous entry's entry_hash (64 zeros
-- for the first). UNIQUE prev_hash: the chain cannot fork.
CREATE TABLE audit_log (
    seq          INTEGER PRIMARY KEY CHECK (seq >= 1),
    id           BLOB NOT NULL UNIQUE CHECK (length(id) = 16),
    at_ms        INTEGER NOT NULL,
    actor_id     BLOB,
    actor_name   TEXT NOT NULL,
    action       TEXT NOT NULL,
    subject_kind TEXT NOT NULL,
    subject_id   TEXT NOT NULL,
    content_hash TEXT,
    details      TEXT NOT NULL,
    prev_hash    TEXT NOT NULL UNIQUE,
    entry_hash   TEXT NOT NULL UNIQUE
);

-- The last entry (seq, hash), written in the same transaction as each append: a deleted tail
-- shows up as a head that no longer matches.
CREATE TABLE audit_head (
    one        INTEGER PRIMARY KEY CHECK (one = 1),
    seq        INTEGER NOT NULL,
    entry_hash TEXT NOT NULL
);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
