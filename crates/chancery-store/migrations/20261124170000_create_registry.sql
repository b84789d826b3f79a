-- The registry: people, the group tree, roles, and the accounts (X accounts and Facebook Pages).
-- Ids are UUIDv7 as 16-byte BLOBs. Times are INTEGER milliseconds since the Unix epoch (UTC).
-- Tokens are never stored here (OS keyring only); accounts carry token *health* only.

CREATE TABLE store_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE people (
    id           BLOB PRIMARY KEY CHECK (length(id) = 16),
    display_name TEXT NOT NULL,
    email        TEXT NOT NULL,
    active       INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_ms   INTEGER NOT NULL,
    updated_ms   INTEGER NOT NULL
) WITHOUT ROWID;

CREATE UNIQUE INDEX people_by_email ON people (email COLLATE NOCASE);

CREATE TABLE groups (
    id         BLOB PRIMARY KEY CHECK (length(id) = 16),
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('region', 'post', 'ministers', 'ambassadors', 'other')),
    parent_id  BLOB REFERENCES groups (id) ON DELETE RESTRICT,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    CHECK (parent_id IS NULL OR parent_id <> id)
) WITHOUT ROWID;

CREATE INDEX groups_by_parent ON groups (parent_id);

-- A role on a group applies to the group's descendants too (resolved by the store).
CREATE TABLE role_grants (
    person_id  BLOB NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    group_id   BLOB NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    role       TEXT NOT NULL CHECK (role IN ('officer', 'reviewer', 'approver', 'admin')),
    created_ms INTEGER NOT NULL,
    PRIMARY KEY (person_id, group_id, role)
) WITHOUT ROWID;

CREATE INDEX role_grants_by_group ON role_grants (group_id, role);

CREATE TABLE accounts (
    id                 BLOB PRIMARY KEY CHECK (length(id) = 16),
    network            TEXT NOT NULL CHECK (network IN ('x', 'facebook')),
    -- X user id / Facebook Page id; NULL until the account is connected.
    external_id        TEXT,
    handle             TEXT NOT NULL,
    display_name       TEXT NOT NULL,
    avatar_path        TEXT,
    time_zone          TEXT NOT NULL,
    language           TEXT NOT NULL,
    group_id           BLOB NOT NULL REFERENCES groups (id) ON DELETE RESTRICT,
    kind               TEXT NOT NULL CHECK (kind IN ('institutional', 'personal', 'other')),
    token_status       TEXT NOT NULL DEFAULT 'disconnected'
                       CHECK (token_status IN ('connected', 'needs_reauth', 'disconnected')),
    token_expires_ms   INTEGER,
    token_refreshed_ms INTEGER,
    token_error        TEXT,
    created_ms         INTEGER NOT NULL,
    updated_ms         INTEGER NOT NULL
) WITHOUT ROWID;

CREATE UNIQUE INDEX accounts_by_external_id ON accounts (network, external_id)
    WHERE external_id IS NOT NULL;
CREATE UNIQUE INDEX accounts_by_handle ON accounts (network, handle COLLATE NOCASE);
CREATE INDEX accounts_by_group ON accounts (group_id);
