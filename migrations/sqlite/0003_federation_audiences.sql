-- Two audiences (issue 8): followers that are Portée directories get our
-- vocabulary (offers, declarations), every other follower only the actor's
-- Update and the Notes; the outbox lists the Notes people can read.

-- fed_followers.kind: 'directory' (a Portée directory), 'other', or ''
-- (not classified yet: rows from before this migration; the node classifies
-- them before it next publishes).
ALTER TABLE fed_followers ADD COLUMN kind TEXT NOT NULL DEFAULT '';

-- fed_activities.audience: 'public' (a Note: every follower, listed in the
-- outbox), 'followers' (every follower, not a post: the actor's Update),
-- 'directories' (Portée directories only; listed in the activities
-- collection that directories backfill from).
ALTER TABLE fed_activities ADD COLUMN audience TEXT NOT NULL DEFAULT 'directories';
UPDATE fed_activities SET audience = 'public' WHERE type = 'Create' AND object_id LIKE '%/notes/%';
UPDATE fed_activities SET audience = 'followers' WHERE type = 'Update' AND object_id = actor_id;
CREATE INDEX fed_activities_audience ON fed_activities (actor_id, audience, seq);

-- The first bytes of the last failed answer of a delivery (status aside,
-- what the remote server said), for the operator.
ALTER TABLE fed_deliveries ADD COLUMN last_response TEXT NOT NULL DEFAULT '';
