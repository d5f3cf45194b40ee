-- Hosters read from ChatonsInfos or Librehosters files beside the nodes:
-- where each hoster's record comes from ("portee": a signed node), and the
-- report of every import run (what was read, every problem found), kept for
-- the dashboard and the logs.
ALTER TABLE hosters ADD COLUMN source TEXT NOT NULL DEFAULT 'portee';

CREATE TABLE import_reports (
    id            INTEGER PRIMARY KEY,
    kind          TEXT    NOT NULL,
    source_url    TEXT    NOT NULL,
    started_at    TIMESTAMP NOT NULL,
    finished_at   TIMESTAMP NOT NULL,
    files         INTEGER NOT NULL DEFAULT 0,
    organizations INTEGER NOT NULL DEFAULT 0,
    services      INTEGER NOT NULL DEFAULT 0,
    error         TEXT    NOT NULL DEFAULT '',
    problems      TEXT    NOT NULL DEFAULT '[]'
);
CREATE INDEX import_reports_source ON import_reports (source_url, id);

-- Which organisations each imported source listed at its last import: one
-- that a federation stops listing (it left the collective) is marked gone,
-- unless another source still lists it.
CREATE TABLE import_members (
    source_url TEXT NOT NULL,
    actor_id   TEXT NOT NULL,
    PRIMARY KEY (source_url, actor_id)
);
CREATE INDEX import_members_actor ON import_members (actor_id);
