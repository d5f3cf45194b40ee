-- Compliance history for PostgreSQL: every version of every hoster's charter
-- declaration, dated by when this catalog stored it, so that the compliance
-- table can show the change since the same date a year before. The
-- declarations table keeps only the latest version.

CREATE TABLE declaration_history (
    id              BIGSERIAL PRIMARY KEY,
    hoster_id       BIGINT  NOT NULL,
    charter_id      TEXT    NOT NULL,
    charter_version TEXT    NOT NULL,
    answers         TEXT    NOT NULL DEFAULT '[]',
    valid_from      TIMESTAMPTZ NOT NULL
);
CREATE INDEX declaration_history_hoster ON declaration_history (hoster_id, valid_from);

-- What is known of the declarations stored before this migration: their
-- content since the source last changed them.
INSERT INTO declaration_history (hoster_id, charter_id, charter_version, answers, valid_from)
    SELECT hoster_id, charter_id, charter_version, answers, updated_at FROM declarations;
