package federation

import (
	"context"
	"net/http"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/federation/nodeinfo"
	"codeberg.org/portee/portee/federation/vocab"
	"codeberg.org/portee/portee/federation/webfinger"
	"github.com/labstack/echo/v4"
)

// discovery is what a role tells WebFinger and NodeInfo.
type discovery struct {
	role     string                                       // "node" or "directory"
	lookup   func(context.Context, string) (string, bool) // username → actor URL, besides the instance actor
	byActor  func(context.Context, string) (string, bool) // actor URL → username, besides the instance actor
	metadata func(context.Context) map[string]any
	users    func(context.Context) int
	posts    func(context.Context) int
}

// registerCommon mounts what both roles serve: WebFinger, NodeInfo, the
// JSON-LD context, the instance actor and its collections, the shared inbox
// and every activity we sent.
func (e *engine) registerCommon(r *echo.Echo, instanceUser, instanceName, instanceSummary string,
	handle func(context.Context, *inbound) error, d discovery) {
	pp := vocab.Paths{}
	instance := e.paths.InstanceActor()

	wf := webfinger.Handler(e.domain,
		func(ctx context.Context, user string) (string, bool) {
			if d.lookup != nil {
				if a, ok := d.lookup(ctx, user); ok {
					return a, true
				}
			}
			if user == instanceUser {
				return instance, true
			}
			return "", false
		},
		func(ctx context.Context, actor string) (string, bool) {
			if actor == instance {
				return instanceUser, true
			}
			if d.byActor != nil {
				return d.byActor(ctx, actor)
			}
			return "", false
		})
	r.GET("/.well-known/webfinger", echo.WrapHandler(wf))

	ni := nodeinfo.Handler(e.cfg.BaseURL, func(ctx context.Context) nodeinfo.Document {
		return e.nodeInfo(ctx, d)
	})
	r.GET(nodeinfo.WellKnownPath, echo.WrapHandler(ni))
	r.GET(nodeinfo.Path20, echo.WrapHandler(ni))
	r.GET(nodeinfo.Path21, echo.WrapHandler(ni))

	r.GET(pp.Context(), serveContext)
	r.GET(pp.Activity(":id"), e.serveActivity)

	r.GET(pp.InstanceActor(), func(c echo.Context) error {
		k, err := e.keyFor(c.Request().Context(), instance)
		if err != nil {
			return err
		}
		b, err := vocab.Application(e.paths, instanceUser, instanceName, instanceSummary, d.role, k.pubPEM)
		if err != nil {
			return err
		}
		return writeAP(c, http.StatusOK, b)
	})
	r.GET(pp.InstanceOutbox(), func(c echo.Context) error {
		return e.serveOutbox(c, instance, e.paths.InstanceOutbox(), false)
	})
	r.GET(pp.InstanceFollowers(), func(c echo.Context) error {
		return e.serveCount(c, e.paths.InstanceFollowers(), `SELECT COUNT(*) FROM fed_followers WHERE local_actor = ?`, instance)
	})
	r.GET(pp.InstanceFollowing(), func(c echo.Context) error {
		return e.serveCount(c, e.paths.InstanceFollowing(), `SELECT COUNT(*) FROM fed_follows WHERE local_actor = ? AND state = 'accepted'`, instance)
	})
	r.POST(pp.InstanceInbox(), func(c echo.Context) error { return e.serveInbox(c, instance, handle) })
	r.POST(pp.SharedInbox(), func(c echo.Context) error { return e.serveInbox(c, "", handle) })
}

// nodeInfo builds the NodeInfo document with the role and useful counts.
func (e *engine) nodeInfo(ctx context.Context, d discovery) nodeinfo.Document {
	meta := map[string]any{"role": d.role, "nodeName": "Portée " + e.domain}
	if d.metadata != nil {
		for k, v := range d.metadata(ctx) {
			meta[k] = v
		}
	}
	doc := nodeinfo.Document{
		Software: nodeinfo.Software{Name: "portee", Version: e.cfg.Version,
			Repository: "https://codeberg.org/portee/portee", Homepage: "https://codeberg.org/portee/portee"},
		Protocols: []string{"activitypub"},
	}
	users := 0
	if d.users != nil {
		users = d.users(ctx)
	}
	posts := 0
	if d.posts != nil {
		posts = d.posts(ctx)
	}
	doc.Usage.Users.Total = users
	doc.Usage.Users.ActiveMonth = users
	doc.Usage.Users.ActiveHalfyear = users
	doc.Usage.LocalPosts = posts
	doc.Metadata = meta
	return doc
}

// count runs a COUNT query, 0 on error (NodeInfo must answer anyway).
func (e *engine) count(ctx context.Context, q string, args ...any) int {
	var n int
	if err := e.db.GetContext(ctx, &n, e.db.Rebind(q), args...); err != nil {
		e.log.Debug("federation: count", "err", err)
	}
	return n
}

func (e *engine) countHosters(ctx context.Context, local bool) int {
	n, err := e.store.CountHosters(ctx, catalog.HosterFilter{Local: &local})
	if err != nil {
		e.log.Debug("federation: count hosters", "err", err)
	}
	return n
}
