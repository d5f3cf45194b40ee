-- Observation reports a node received (SQLite): the latest one per hoster
-- and directory, so that a hoster hears of the discrepancies the
-- directories' observatories found before anyone else does.

CREATE TABLE observation_reports (
    hoster_id       INTEGER NOT NULL REFERENCES hosters (id) ON DELETE CASCADE,
    directory_actor TEXT    NOT NULL,
    object_id       TEXT    NOT NULL,
    observed_at     TIMESTAMP NOT NULL,
    received_at     TIMESTAMP NOT NULL,
    findings        TEXT    NOT NULL DEFAULT '[]',
    discrepancies   TEXT    NOT NULL DEFAULT '[]',
    PRIMARY KEY (hoster_id, directory_actor)
);
