-- Observation reports a node received (PostgreSQL): the latest one per
-- hoster and directory, so that a hoster hears of the discrepancies the
-- directories' observatories found before anyone else does.

CREATE TABLE observation_reports (
    hoster_id       BIGINT      NOT NULL REFERENCES hosters (id) ON DELETE CASCADE,
    directory_actor TEXT        NOT NULL,
    object_id       TEXT        NOT NULL,
    observed_at     TIMESTAMPTZ NOT NULL,
    received_at     TIMESTAMPTZ NOT NULL,
    findings        TEXT        NOT NULL DEFAULT '[]',
    discrepancies   TEXT        NOT NULL DEFAULT '[]',
    PRIMARY KEY (hoster_id, directory_actor)
);
