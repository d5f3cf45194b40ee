package federation

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/federation/chatonsinfos"
	"codeberg.org/portee/portee/federation/librehosters"
	"github.com/labstack/echo/v4"
)

// propertiesType is how ChatonsInfos files are served (StatoolInfos reads
// them as UTF-8 text).
const propertiesType = "text/plain; charset=utf-8"

// chatonsInfosExtras holds each local hoster's free "chatonsinfos:" map
// from its hoster file, copied into its exported files.
type chatonsInfosExtras struct {
	mu sync.RWMutex
	m  map[string]map[string]string
}

func (x *chatonsInfosExtras) get(username string) map[string]string {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.m[username]
}

// SetChatonsInfosExtra sets the keys a local hoster adds to its ChatonsInfos
// files (host provider, metrics URLs…), from its hoster file.
func (n *Node) SetChatonsInfosExtra(username string, extra map[string]string) {
	n.ciExtra.mu.Lock()
	defer n.ciExtra.mu.Unlock()
	if n.ciExtra.m == nil {
		n.ciExtra.m = map[string]map[string]string{}
	}
	n.ciExtra.m[username] = extra
}

func (e *engine) generator() string { return "Portée " + e.cfg.Version }

// registerChatonsInfos mounts a node's exports: the organisation file of
// each local hoster, one service file per offer, and /librehost.json.
func (n *Node) registerChatonsInfos(r *echo.Echo) {
	r.GET(chatonsinfos.WellKnown+":file", n.chatonsInfosOrganization)
	r.GET(chatonsinfos.WellKnown+":username/:file", n.chatonsInfosService)
	r.GET(librehosters.Path, n.librehost)
}

func (n *Node) chatonsInfosOrganization(c echo.Context) error {
	ctx := c.Request().Context()
	user, ok := strings.CutSuffix(c.Param("file"), ".properties")
	if !ok {
		return echo.NewHTTPError(http.StatusNotFound, "no such file")
	}
	h, err := n.localHoster(ctx, user)
	if err != nil {
		return err
	}
	offers, err := n.e.store.OffersByHoster(ctx, h.ID)
	if err != nil {
		return err
	}
	base := n.e.cfg.BaseURL
	body := chatonsinfos.OrganizationFile(h, offers, func(key string) string {
		return base + chatonsinfos.ServicePath(h.Username, key)
	}, n.ciExtra.get(h.Username), n.e.generator(), time.Now())
	return c.Blob(http.StatusOK, propertiesType, body)
}

func (n *Node) chatonsInfosService(c echo.Context) error {
	ctx := c.Request().Context()
	key, ok := strings.CutSuffix(c.Param("file"), ".properties")
	if !ok {
		return echo.NewHTTPError(http.StatusNotFound, "no such file")
	}
	h, err := n.localHoster(ctx, c.Param("username"))
	if err != nil {
		return err
	}
	o, err := n.e.store.OfferByObjectID(ctx, n.e.paths.Offer(h.Username, key))
	if errors.Is(err, catalog.ErrNotFound) || (err == nil && (o.DeletedAt != nil || o.HosterID != h.ID)) {
		return echo.NewHTTPError(http.StatusNotFound, "no such service")
	}
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, propertiesType, chatonsinfos.ServiceFile(h, o, n.ciExtra.get(h.Username), n.e.generator(), time.Now()))
}

// librehost answers the node's hoster as a librehost.json. A node serves
// one hoster in practice; with several, the first one is the node's.
func (n *Node) librehost(c echo.Context) error {
	ctx := c.Request().Context()
	hs, err := n.e.store.LocalHosters(ctx)
	if err != nil {
		return err
	}
	if len(hs) == 0 {
		return echo.NewHTTPError(http.StatusNotFound, "no hoster")
	}
	h := &hs[0]
	offers, err := n.e.store.OffersByHoster(ctx, h.ID)
	if err != nil {
		return err
	}
	b, err := librehosters.Write(h, offers, h.ActorID, n.e.paths.ChatonsInfos(h.Username))
	if err != nil {
		return err
	}
	c.Response().Header().Set("Access-Control-Allow-Origin", "*")
	return c.Blob(http.StatusOK, "application/ld+json; charset=utf-8", b)
}

// chatonsInfosMetadata is what NodeInfo says of the node's ChatonsInfos
// files: one organisation file per local hoster.
func (n *Node) chatonsInfosMetadata(ctx context.Context) []string {
	hs, err := n.e.store.LocalHosters(ctx)
	if err != nil {
		return nil
	}
	out := make([]string, 0, len(hs))
	for _, h := range hs {
		out = append(out, n.e.paths.ChatonsInfos(h.Username))
	}
	return out
}

// registerChatonsInfos mounts the directory's federation file, whose subs
// are its hosters' organisation files: a node's own export, or the file an
// imported hoster was read from.
func (d *Directory) registerChatonsInfos(r *echo.Echo) {
	r.GET(chatonsinfos.FederationPath, d.chatonsInfosFederation)
}

func (d *Directory) chatonsInfosFederation(c echo.Context) error {
	ctx := c.Request().Context()
	hs, err := d.e.store.ListHosters(ctx, catalog.HosterFilter{})
	if err != nil {
		return err
	}
	subs := map[string]string{}
	for _, h := range hs {
		var file string
		switch h.Source {
		case catalog.SourcePortee:
			u, err := url.Parse(h.ActorID)
			if err != nil || u.Host == "" {
				continue
			}
			file = u.Scheme + "://" + u.Host + chatonsinfos.OrganizationPath(url.PathEscape(h.Username))
		case catalog.SourceChatonsInfos:
			file = h.ActorID
		default:
			continue
		}
		id := chatonsinfos.Slug(h.Username + "-" + h.Domain)
		for n := 2; subs[id] != ""; n++ {
			id = chatonsinfos.Slug(h.Username+"-"+h.Domain) + "-" + strconv.Itoa(n)
		}
		subs[id] = file
	}
	body := chatonsinfos.FederationFile("Annuaire Portée "+d.e.domain,
		"Les hébergeurs que suit cet annuaire Portée.", d.e.cfg.BaseURL, subs, d.e.generator(), time.Now())
	return c.Blob(http.StatusOK, propertiesType, body)
}

// withChatonsInfos adds where the ChatonsInfos files are to NodeInfo
// metadata.
func withChatonsInfos(files any, m map[string]any) map[string]any {
	m["chatonsinfos"] = files
	return m
}

// hideImportedDuplicates makes the node's signed data win over an imported
// record of the same hoster (same website host), which stops being shown.
func (d *Directory) hideImportedDuplicates(ctx context.Context, h *catalog.Hoster) {
	if _, err := d.e.store.HideImportedDuplicates(ctx, catalog.WebsiteHost(h.Website), time.Now()); err != nil {
		d.e.log.Warn("federation: hide imported duplicates", "actor", h.ActorID, "err", err)
	}
}
