package federation

import (
	"context"
	"net/url"
	"time"

	"codeberg.org/portee/portee/federation/nodeinfo"
	"codeberg.org/portee/portee/federation/vocab"
	"github.com/jmoiron/sqlx"
)

// Kinds of follower (fed_followers.kind). A node sends its vocabulary
// (offers, declarations) to Portée directories only: GoToSocial answers 500
// to object types it does not know, and reads an Update of anything typed
// like an actor as someone updating another's account.
const (
	followerUnknown   = ""          // not classified yet (fetch failed, or a row from before)
	followerDirectory = "directory" // a Portée directory
	followerOther     = "other"     // any other fediverse account
)

// followerKind tells whether actorID is a Portée directory: its actor
// document says so (an Application with our term role = directory), or,
// for directories from before that term, it is an Application on a server
// whose NodeInfo names the software portee in the directory role. An
// actor that cannot be read is unknown, and classified again later.
func (e *engine) followerKind(ctx context.Context, actorID string) string {
	c, err := e.fetcher(ctx)
	if err != nil {
		return followerUnknown
	}
	b, err := c.GetJSON(ctx, actorID)
	if err != nil {
		e.log.Debug("federation: classify follower", "actor", actorID, "err", err)
		return followerUnknown
	}
	ra, err := vocab.ParseActor(b)
	if err != nil || ra.Hoster.ActorID != actorID {
		return followerOther
	}
	if ra.IsPorteeDirectory() {
		return followerDirectory
	}
	if ra.Type != "Application" {
		return followerOther
	}
	u, err := url.Parse(actorID)
	if err != nil {
		return followerOther
	}
	doc, err := nodeinfo.Discover(ctx, c, u.Scheme+"://"+u.Host)
	if err != nil {
		e.log.Debug("federation: classify follower: nodeinfo", "actor", actorID, "err", err)
		return followerUnknown
	}
	if doc.Software.Name == nodeinfo.SoftwareName && doc.Metadata["role"] == vocab.RoleDirectory {
		return followerDirectory
	}
	return followerOther
}

// classifyRetry is how long an actor that could not be classified waits
// before the next try.
const classifyRetry = 10 * time.Minute

// classifyFollowers classifies followers of unknown kind (rows from before
// the two audiences, or whose actor could not be read at Follow time), a
// few at a time, before the outbox publishes: until then they get only
// what every server understands.
func (e *engine) classifyFollowers(ctx context.Context) {
	var actors []string
	err := e.db.SelectContext(ctx, &actors, e.db.Rebind(`SELECT DISTINCT actor_id FROM fed_followers WHERE kind = ? ORDER BY actor_id LIMIT 20`), followerUnknown)
	if err != nil {
		e.log.Warn("federation: classify followers", "err", err)
		return
	}
	for _, a := range actors {
		e.classifyMu.Lock()
		tried, seen := e.classifyTried[a]
		if seen && time.Since(tried) < classifyRetry {
			e.classifyMu.Unlock()
			continue
		}
		if len(e.classifyTried) > 10000 {
			clear(e.classifyTried)
		}
		e.classifyTried[a] = time.Now()
		e.classifyMu.Unlock()
		kind := e.followerKind(ctx, a)
		if kind == followerUnknown {
			continue
		}
		err := e.store.InTx(ctx, func(tx *sqlx.Tx) error {
			_, err := tx.ExecContext(ctx, e.db.Rebind(`UPDATE fed_followers SET kind = ? WHERE actor_id = ? AND kind = ?`), kind, a, followerUnknown)
			return err
		})
		if err != nil {
			e.log.Warn("federation: classify follower", "actor", a, "err", err)
			continue
		}
		e.log.Info("federation: follower classified", "actor", a, "kind", kind)
	}
}
