-- Staff accounts and audits for PostgreSQL: TIMESTAMPTZ times, BOOLEAN
-- flags, BIGSERIAL ids; lists are JSON text as in 0001.
--
-- The account tables serve every role that signs in: a directory's staff
-- (admin, auditor) and, later, a node's own admins. Nothing in them is
-- specific to one role.

-- One row per person who signs in. password_hash is a PHC-style argon2id
-- string ('' until a password is set through a one-time link).
CREATE TABLE accounts (
    id            BIGSERIAL PRIMARY KEY,
    email         TEXT    NOT NULL UNIQUE,
    role          TEXT    NOT NULL,
    password_hash TEXT    NOT NULL DEFAULT '',
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);

-- One-time sign-in links: only the SHA-256 of the token is kept.
CREATE TABLE account_tokens (
    token_hash TEXT    PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    purpose    TEXT    NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX account_tokens_account ON account_tokens (account_id);

-- Server-side sessions: the cookie holds a random id, the table its SHA-256,
-- so a copy of the database does not hand out live sessions.
CREATE TABLE sessions (
    id_hash      TEXT    PRIMARY KEY,
    account_id   BIGINT NOT NULL REFERENCES accounts (id),
    csrf_token   TEXT    NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);
CREATE INDEX sessions_last_seen ON sessions (last_seen_at);

-- Sign-in failures per key ("account:EMAIL" or "addr:IP"), so that the
-- growing delay survives a restart and holds across processes.
CREATE TABLE signin_failures (
    throttle_key TEXT    PRIMARY KEY,
    failures     INTEGER NOT NULL DEFAULT 0,
    last_at      TIMESTAMPTZ NOT NULL,
    blocked_until TIMESTAMPTZ NOT NULL
);

-- What staff changed. account_email is copied so the log reads the same
-- after an account changes.
CREATE TABLE activity_log (
    id            BIGSERIAL PRIMARY KEY,
    at            TIMESTAMPTZ NOT NULL,
    account_id    BIGINT,
    account_email TEXT    NOT NULL DEFAULT '',
    action        TEXT    NOT NULL,
    subject       TEXT    NOT NULL DEFAULT '',
    detail        TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX activity_log_at ON activity_log (at);

-- An audit is the collective's verdict on one hoster against one charter
-- version. No foreign key to hosters: an audit outlives its hoster, and
-- hoster_actor names it even then. state: draft, published (immutable).
-- received: true on a node for an audit a directory delivered; publisher_actor
-- is the directory actor that published it (on a directory, its own).
-- declaration is the hoster's declaration as it was when the audit opened
-- (JSON of catalog.CharterDeclaration), declaration_updated its Updated.
-- auditors: JSON list of the emails (or, when received, names) of whoever
-- contributed. object_id is the ActivityPub id, set when published.
CREATE TABLE audits (
    id                  BIGSERIAL PRIMARY KEY,
    hoster_id           BIGINT  NOT NULL,
    hoster_actor        TEXT    NOT NULL,
    charter_id          TEXT    NOT NULL,
    charter_version     TEXT    NOT NULL,
    state               TEXT    NOT NULL DEFAULT 'draft',
    received            BOOLEAN NOT NULL DEFAULT FALSE,
    publisher_actor     TEXT    NOT NULL DEFAULT '',
    object_id           TEXT    UNIQUE,
    declaration         TEXT    NOT NULL DEFAULT '{}',
    declaration_updated TIMESTAMPTZ,
    auditors            TEXT    NOT NULL DEFAULT '[]',
    opened_at           TIMESTAMPTZ NOT NULL,
    published_at        TIMESTAMPTZ,
    due_at              TIMESTAMPTZ NOT NULL,
    supersedes          BIGINT REFERENCES audits (id),
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX audits_hoster ON audits (hoster_id, state, published_at);
CREATE INDEX audits_state ON audits (state, published_at);

-- One verdict per audit and commitment. verdict: conforme, partiel,
-- non-conforme, non-verifiable, sans-objet, or '' while a draft leaves it
-- open. evidence: JSON list of URLs. private_note never leaves the
-- dashboard (never federated, never on a public page). revision grows by
-- one per save so that two auditors on the same commitment see a conflict
-- instead of overwriting each other.
CREATE TABLE audit_verdicts (
    audit_id       BIGINT NOT NULL REFERENCES audits (id),
    commitment_id  TEXT    NOT NULL,
    verdict        TEXT    NOT NULL DEFAULT '',
    evidence       TEXT    NOT NULL DEFAULT '[]',
    public_comment TEXT    NOT NULL DEFAULT '',
    private_note   TEXT    NOT NULL DEFAULT '',
    revision       INTEGER NOT NULL DEFAULT 1,
    updated_by     TEXT    NOT NULL DEFAULT '',
    updated_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (audit_id, commitment_id)
);
