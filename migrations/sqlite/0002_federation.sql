-- Federation state for SQLite: local actors' keys, the remote key cache,
-- followers and follows, the outbox, and the durable delivery queue.
-- Timestamps follow 0001 (UTC text that sorts in time order).

-- One RSA key pair per local actor (hoster or instance actor).
CREATE TABLE fed_keys (
    actor_id    TEXT PRIMARY KEY,
    private_pem TEXT NOT NULL,
    public_pem  TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);

-- Remote actors whose keys verified signatures: a cache, refetched once when
-- a signature fails (key rotation).
CREATE TABLE fed_remote_actors (
    actor_id         TEXT PRIMARY KEY,
    key_id           TEXT NOT NULL,
    public_key_pem   TEXT NOT NULL,
    inbox_url        TEXT NOT NULL DEFAULT '',
    shared_inbox_url TEXT NOT NULL DEFAULT '',
    fetched_at       TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX fed_remote_actors_key ON fed_remote_actors (key_id);

-- Who follows a local actor.
CREATE TABLE fed_followers (
    id               INTEGER PRIMARY KEY,
    local_actor      TEXT NOT NULL,
    actor_id         TEXT NOT NULL,
    inbox_url        TEXT NOT NULL,
    shared_inbox_url TEXT NOT NULL DEFAULT '',
    follow_id        TEXT NOT NULL,
    created_at       TIMESTAMP NOT NULL,
    UNIQUE (local_actor, actor_id)
);

-- Whom a local actor follows (the directory's nodes), the state of the
-- Follow, and when the directory refreshes that actor next.
CREATE TABLE fed_follows (
    id              INTEGER PRIMARY KEY,
    local_actor     TEXT NOT NULL,
    target_actor    TEXT NOT NULL,
    follow_id       TEXT NOT NULL UNIQUE,
    state           TEXT NOT NULL DEFAULT 'pending',
    next_refresh_at TIMESTAMP NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    UNIQUE (local_actor, target_actor)
);
CREATE INDEX fed_follows_refresh ON fed_follows (next_refresh_at);

-- Every activity a local actor sent; listed = shown in its outbox (Accept
-- and Follow are not).
CREATE TABLE fed_activities (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    activity_id TEXT NOT NULL UNIQUE,
    actor_id   TEXT NOT NULL,
    type       TEXT NOT NULL,
    object_id  TEXT NOT NULL DEFAULT '',
    listed     INTEGER NOT NULL DEFAULT 1,
    body       TEXT NOT NULL,
    published  TIMESTAMP NOT NULL
);
CREATE INDEX fed_activities_outbox ON fed_activities (actor_id, listed, seq);
CREATE INDEX fed_activities_object ON fed_activities (object_id);

-- Objects that exist only in federation (the Notes announcing offers).
CREATE TABLE fed_objects (
    object_id TEXT PRIMARY KEY,
    actor_id  TEXT NOT NULL,
    type      TEXT NOT NULL,
    body      TEXT NOT NULL,
    published TIMESTAMP NOT NULL
);

-- The delivery queue: one row per (activity, inbox). status: pending, done,
-- failed (refused for good), dead (gave up), skipped (inbox dead at enqueue).
-- A worker claims a row by setting lease_until; an expired lease (crash) makes
-- the row claimable again.
CREATE TABLE fed_deliveries (
    id              INTEGER PRIMARY KEY,
    activity_id     TEXT NOT NULL,
    inbox_url       TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    lease_until     TIMESTAMP,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    UNIQUE (activity_id, inbox_url)
);
CREATE INDEX fed_deliveries_due ON fed_deliveries (status, next_attempt_at);

-- Inbox health: an inbox that failed for longer than the give-up delay is
-- dead; deliveries to it are skipped until its host talks to us again.
CREATE TABLE fed_inboxes (
    inbox_url     TEXT PRIMARY KEY,
    host          TEXT NOT NULL,
    dead          INTEGER NOT NULL DEFAULT 0,
    failing_since TIMESTAMP,
    last_error    TEXT NOT NULL DEFAULT '',
    updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX fed_inboxes_host ON fed_inboxes (host);
