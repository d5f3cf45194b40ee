-- Catalog schema for SQLite. Timestamps are TIMESTAMP-declared text in UTC
-- ("2006-01-02 15:04:05.999999999+00:00", the driver's _time_format=sqlite),
-- which modernc.org/sqlite scans back into time.Time and which sorts
-- lexically in time order. Booleans are INTEGER 0/1.

CREATE TABLE hosters (
    id               INTEGER PRIMARY KEY,
    actor_id         TEXT    NOT NULL UNIQUE,
    username         TEXT    NOT NULL,
    domain           TEXT    NOT NULL,
    local            INTEGER NOT NULL DEFAULT 0,
    name             TEXT    NOT NULL DEFAULT '',
    summary          TEXT    NOT NULL DEFAULT '',
    website          TEXT    NOT NULL DEFAULT '',
    email            TEXT    NOT NULL DEFAULT '',
    legal_url        TEXT    NOT NULL DEFAULT '',
    icon_url         TEXT    NOT NULL DEFAULT '',
    org_type         TEXT    NOT NULL DEFAULT '',
    address          TEXT    NOT NULL DEFAULT '',
    postal_code      TEXT    NOT NULL DEFAULT '',
    commune          TEXT    NOT NULL DEFAULT '',
    insee            TEXT    NOT NULL DEFAULT '',
    departement      TEXT    NOT NULL DEFAULT '',
    region           TEXT    NOT NULL DEFAULT '',
    country          TEXT    NOT NULL DEFAULT '',
    latitude         REAL,
    longitude        REAL,
    member_since     TEXT    NOT NULL DEFAULT '',
    portee           INTEGER NOT NULL DEFAULT 0,
    discoverable     INTEGER NOT NULL DEFAULT 1,
    inbox_url        TEXT    NOT NULL DEFAULT '',
    shared_inbox_url TEXT    NOT NULL DEFAULT '',
    outbox_url       TEXT    NOT NULL DEFAULT '',
    followers_url    TEXT    NOT NULL DEFAULT '',
    public_key_id    TEXT    NOT NULL DEFAULT '',
    public_key_pem   TEXT    NOT NULL DEFAULT '',
    status           TEXT    NOT NULL DEFAULT 'active',
    last_seen_at     TIMESTAMP,
    fail_count       INTEGER NOT NULL DEFAULT 0,
    checks           INTEGER NOT NULL DEFAULT 0,
    checks_ok        INTEGER NOT NULL DEFAULT 0,
    updated_at       TIMESTAMP NOT NULL,
    created_at       TIMESTAMP NOT NULL,
    modified_at      TIMESTAMP NOT NULL,
    UNIQUE (username, domain)
);
CREATE INDEX hosters_status ON hosters (status);

CREATE TABLE offers (
    id                INTEGER PRIMARY KEY,
    hoster_id         INTEGER NOT NULL REFERENCES hosters (id),
    "key"             TEXT    NOT NULL,
    object_id         TEXT    NOT NULL UNIQUE,
    name              TEXT    NOT NULL DEFAULT '',
    summary           TEXT    NOT NULL DEFAULT '',
    category          TEXT    NOT NULL DEFAULT '',
    software_name     TEXT    NOT NULL DEFAULT '',
    software_version  TEXT    NOT NULL DEFAULT '',
    software_license  TEXT    NOT NULL DEFAULT '',
    software_source   TEXT    NOT NULL DEFAULT '',
    software_website  TEXT    NOT NULL DEFAULT '',
    registration      TEXT    NOT NULL DEFAULT '',
    "load"            TEXT    NOT NULL DEFAULT '',
    price             TEXT    NOT NULL DEFAULT '',
    quota             TEXT    NOT NULL DEFAULT '',
    audience          TEXT    NOT NULL DEFAULT '',
    area_departements TEXT    NOT NULL DEFAULT '[]',
    area_radius_km    REAL    NOT NULL DEFAULT 0,
    languages         TEXT    NOT NULL DEFAULT '[]',
    status            TEXT    NOT NULL DEFAULT '',
    url               TEXT    NOT NULL DEFAULT '',
    start_date        TEXT    NOT NULL DEFAULT '',
    updated_at        TIMESTAMP NOT NULL,
    created_at        TIMESTAMP NOT NULL,
    deleted_at        TIMESTAMP,
    UNIQUE (hoster_id, "key")
);
CREATE INDEX offers_hoster ON offers (hoster_id);
CREATE INDEX offers_created ON offers (created_at);

CREATE TABLE declarations (
    hoster_id       INTEGER PRIMARY KEY REFERENCES hosters (id),
    object_id       TEXT    NOT NULL UNIQUE,
    charter_id      TEXT    NOT NULL,
    charter_version TEXT    NOT NULL,
    answers         TEXT    NOT NULL DEFAULT '[]',
    updated_at      TIMESTAMP NOT NULL,
    created_at      TIMESTAMP NOT NULL
);

CREATE TABLE charters (
    id         TEXT NOT NULL,
    version    TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (id, version)
);

-- AUTOINCREMENT so that a sequence number is never reused: consumers keep
-- the last seq they handled.
CREATE TABLE changes (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    kind      TEXT    NOT NULL,
    op        TEXT    NOT NULL,
    hoster_id INTEGER NOT NULL,
    entity_id INTEGER NOT NULL,
    object_id TEXT    NOT NULL DEFAULT '',
    at        TIMESTAMP NOT NULL
);

CREATE TABLE feed_cursors (
    consumer   TEXT    PRIMARY KEY,
    seq        INTEGER NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE applied_activities (
    activity_id TEXT PRIMARY KEY,
    actor_id    TEXT NOT NULL DEFAULT '',
    applied_at  TIMESTAMP NOT NULL
);
