-- The observatory (PostgreSQL): each observation of a hoster's public sites
-- with its findings (raw details, prunable), the verdicts per day (kept),
-- and daily availability counters fed by the probes and by the directory's
-- refreshes.

CREATE TABLE observations (
    id          BIGSERIAL PRIMARY KEY,
    hoster_id   BIGINT      NOT NULL REFERENCES hosters (id) ON DELETE CASCADE,
    observed_at TIMESTAMPTZ NOT NULL,
    method      TEXT        NOT NULL,
    opted_out   BOOLEAN     NOT NULL DEFAULT FALSE,
    duration_ms BIGINT      NOT NULL DEFAULT 0,
    findings    TEXT        NOT NULL DEFAULT '[]',
    pruned      BOOLEAN     NOT NULL DEFAULT FALSE
);
CREATE INDEX observations_hoster ON observations (hoster_id, observed_at);

-- One row per hoster, day, kind and subject: the worst status seen that day.
CREATE TABLE observation_days (
    hoster_id BIGINT NOT NULL REFERENCES hosters (id) ON DELETE CASCADE,
    day       TEXT   NOT NULL,
    kind      TEXT   NOT NULL,
    subject   TEXT   NOT NULL,
    status    TEXT   NOT NULL,
    PRIMARY KEY (hoster_id, day, kind, subject)
);

CREATE TABLE availability_days (
    hoster_id BIGINT NOT NULL REFERENCES hosters (id) ON DELETE CASCADE,
    day       TEXT   NOT NULL,
    source    TEXT   NOT NULL,
    checks    BIGINT NOT NULL DEFAULT 0,
    ok        BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (hoster_id, day, source)
);
