-- Catalog schema for PostgreSQL: TIMESTAMPTZ for times, BOOLEAN for flags,
-- BIGSERIAL ids; JSON lists are TEXT so both engines share the Go scanners.
CREATE TABLE hosters (
    id               BIGSERIAL PRIMARY KEY,
    actor_id         TEXT    NOT NULL UNIQUE,
    username         TEXT    NOT NULL,
    domain           TEXT    NOT NULL,
    local            BOOLEAN NOT NULL DEFAULT FALSE,
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
    latitude         DOUBLE PRECISION,
    longitude        DOUBLE PRECISION,
    member_since     TEXT    NOT NULL DEFAULT '',
    portee           INTEGER NOT NULL DEFAULT 0,
    discoverable     BOOLEAN NOT NULL DEFAULT TRUE,
    inbox_url        TEXT    NOT NULL DEFAULT '',
    shared_inbox_url TEXT    NOT NULL DEFAULT '',
    outbox_url       TEXT    NOT NULL DEFAULT '',
    followers_url    TEXT    NOT NULL DEFAULT '',
    public_key_id    TEXT    NOT NULL DEFAULT '',
    public_key_pem   TEXT    NOT NULL DEFAULT '',
    status           TEXT    NOT NULL DEFAULT 'active',
    last_seen_at     TIMESTAMPTZ,
    fail_count       INTEGER NOT NULL DEFAULT 0,
    checks           INTEGER NOT NULL DEFAULT 0,
    checks_ok        INTEGER NOT NULL DEFAULT 0,
    updated_at       TIMESTAMPTZ NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    modified_at      TIMESTAMPTZ NOT NULL,
    UNIQUE (username, domain)
);
CREATE INDEX hosters_status ON hosters (status);

CREATE TABLE offers (
    id                BIGSERIAL PRIMARY KEY,
    hoster_id         BIGINT  NOT NULL REFERENCES hosters (id),
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
    area_radius_km    DOUBLE PRECISION    NOT NULL DEFAULT 0,
    languages         TEXT    NOT NULL DEFAULT '[]',
    status            TEXT    NOT NULL DEFAULT '',
    url               TEXT    NOT NULL DEFAULT '',
    start_date        TEXT    NOT NULL DEFAULT '',
    updated_at        TIMESTAMPTZ NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL,
    deleted_at        TIMESTAMPTZ,
    UNIQUE (hoster_id, "key")
);
CREATE INDEX offers_hoster ON offers (hoster_id);
CREATE INDEX offers_created ON offers (created_at);

CREATE TABLE declarations (
    hoster_id       BIGINT  PRIMARY KEY REFERENCES hosters (id),
    object_id       TEXT    NOT NULL UNIQUE,
    charter_id      TEXT    NOT NULL,
    charter_version TEXT    NOT NULL,
    answers         TEXT    NOT NULL DEFAULT '[]',
    updated_at      TIMESTAMPTZ NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL
);

CREATE TABLE charters (
    id         TEXT NOT NULL,
    version    TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (id, version)
);

-- Writers take an advisory lock before appending here (see store.go), so
-- seq values become visible in increasing order.
CREATE TABLE changes (
    seq       BIGSERIAL PRIMARY KEY,
    kind      TEXT    NOT NULL,
    op        TEXT    NOT NULL,
    hoster_id BIGINT  NOT NULL,
    entity_id BIGINT  NOT NULL,
    object_id TEXT    NOT NULL DEFAULT '',
    at        TIMESTAMPTZ NOT NULL
);

CREATE TABLE feed_cursors (
    consumer   TEXT    PRIMARY KEY,
    seq        BIGINT  NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE applied_activities (
    activity_id TEXT PRIMARY KEY,
    actor_id    TEXT NOT NULL DEFAULT '',
    applied_at  TIMESTAMPTZ NOT NULL
);
