package frontend

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"codeberg.org/portee/portee/catalog"
	"github.com/labstack/echo/v4"
)

// feedSize is how many entries an Atom feed carries.
const feedSize = 50

// feedWindow is how far back the offers feed looks.
const feedWindow = 365 * 24 * time.Hour

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang    string      `xml:"xml:lang,attr"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Author  atomPerson  `xml:"author"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomPerson struct {
	Name string `xml:"name"`
	URI  string `xml:"uri,omitempty"`
}

type atomEntry struct {
	ID        string      `xml:"id"`
	Title     string      `xml:"title"`
	Updated   string      `xml:"updated"`
	Published string      `xml:"published"`
	Links     []atomLink  `xml:"link"`
	Author    atomPerson  `xml:"author"`
	Summary   *atomText   `xml:"summary,omitempty"`
	Category  []atomCateg `xml:"category,omitempty"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

type atomCateg struct {
	Term  string `xml:"term,attr"`
	Label string `xml:"label,attr,omitempty"`
}

func atomTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// entryTimes: an entry is published when the directory first saw it; its
// remote "updated" date can be older (a hoster that existed before the
// directory followed it), and Atom wants updated never before published.
func entryTimes(created, updated time.Time) (published, upd time.Time) {
	if updated.Before(created) {
		return created, created
	}
	return created, updated
}

// hostersFeed is the newest visible hosters, by the date the directory
// first saw them.
func (s *Server) hostersFeed(c echo.Context) error {
	hs, err := s.store.ListHosters(c.Request().Context(), catalog.HosterFilter{})
	if err != nil {
		return err
	}
	sort.SliceStable(hs, func(i, j int) bool { return hs[i].CreatedAt.After(hs[j].CreatedAt) })
	hs = hs[:min(len(hs), feedSize)]
	l := s.cat.localizer(pickLanguage(c.Request()))
	f := s.newFeed(l, "/flux/hebergeurs.atom", l.T("feed.hosters_title"))
	for i := range hs {
		h := &hs[i]
		published, updated := entryTimes(h.CreatedAt, h.Updated)
		e := atomEntry{ID: h.ActorID, Title: h.Name, Updated: atomTime(updated), Published: atomTime(published),
			Links:  []atomLink{{Rel: "alternate", Type: "text/html", Href: s.cfg.BaseURL + hosterHref(l, h.Acct())}},
			Author: atomPerson{Name: h.Name, URI: h.ActorID}}
		if h.Summary != "" {
			e.Summary = &atomText{Type: "text", Body: h.Summary}
		}
		f.add(e, updated)
	}
	return s.writeFeed(c, f)
}

// offersFeed is the newest offers of visible hosters.
func (s *Server) offersFeed(c echo.Context) error {
	ctx := c.Request().Context()
	since := s.now().Add(-feedWindow)
	os, err := s.store.ListOffers(ctx, catalog.OfferFilter{CreatedSince: &since, Limit: feedSize * 2})
	if err != nil {
		return err
	}
	l := s.cat.localizer(pickLanguage(c.Request()))
	f := s.newFeed(l, "/flux/offres.atom", l.T("feed.offers_title"))
	hosters := map[int64]*catalog.Hoster{}
	for i := range os {
		o := &os[i]
		h, ok := hosters[o.HosterID]
		if !ok {
			if h, err = s.store.HosterByID(ctx, o.HosterID); err != nil {
				return err
			}
			hosters[o.HosterID] = h
		}
		if !h.Discoverable || h.Status == catalog.HosterGone || len(f.Entries) >= feedSize {
			continue
		}
		published, updated := entryTimes(o.CreatedAt, o.Updated)
		e := atomEntry{ID: o.ObjectID, Title: l.T("feed.offer_entry", o.Name, h.Name),
			Updated: atomTime(updated), Published: atomTime(published),
			Links: []atomLink{{Rel: "alternate", Type: "text/html", Href: s.cfg.BaseURL + offerHref(l, o.ID)},
				{Rel: "related", Href: o.URL}},
			Author: atomPerson{Name: h.Name, URI: h.ActorID}}
		if catalog.IsCategory(o.Category) {
			e.Category = []atomCateg{{Term: o.Category, Label: l.T("category." + o.Category)}}
		}
		if o.Summary != "" {
			e.Summary = &atomText{Type: "text", Body: o.Summary}
		}
		f.add(e, updated)
	}
	return s.writeFeed(c, f)
}

func (s *Server) newFeed(l *Localizer, path, title string) *atomFeed {
	return &atomFeed{Lang: l.Lang, ID: s.cfg.BaseURL + path, Title: title, Updated: atomTime(time.Unix(0, 0)),
		Links: []atomLink{{Rel: "self", Type: "application/atom+xml", Href: s.cfg.BaseURL + path},
			{Rel: "alternate", Type: "text/html", Href: s.cfg.BaseURL + l.URL("/")}},
		Author: atomPerson{Name: "Portée", URI: s.cfg.BaseURL + "/"}}
}

func (f *atomFeed) add(e atomEntry, updated time.Time) {
	f.Entries = append(f.Entries, e)
	if t := atomTime(updated); t > f.Updated {
		f.Updated = t
	}
}

func (s *Server) writeFeed(c echo.Context, f *atomFeed) error {
	b, err := xml.MarshalIndent(f, "", " ")
	if err != nil {
		return err
	}
	body := append([]byte(xml.Header), b...)
	updated, _ := time.Parse(time.RFC3339, f.Updated)
	return writeCached(c, "application/atom+xml; charset=utf-8", body, updated)
}

// feedMaxAge is how long a reader may keep a feed without asking again;
// after that a conditional GET costs it a 304 and no body.
const feedMaxAge = 5 * time.Minute

// writeCached answers with validators (a strong ETag of the body, and
// Last-Modified) and honours If-None-Match, then If-Modified-Since, with
// 304 Not Modified (RFC 9110 §13.2.2).
func writeCached(c echo.Context, contentType string, body []byte, modified time.Time) error {
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:12]) + `"`
	h := c.Response().Header()
	h.Add("Vary", "Accept-Language")
	h.Set("ETag", etag)
	h.Set("Cache-Control", fmt.Sprintf("public, max-age=%d", int(feedMaxAge.Seconds())))
	if !modified.IsZero() && modified.Unix() > 0 {
		h.Set("Last-Modified", modified.UTC().Format(http.TimeFormat))
	}
	req := c.Request()
	if inm := req.Header.Get("If-None-Match"); inm != "" {
		for _, t := range strings.Split(inm, ",") {
			t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
			if t == etag || t == "*" {
				return c.NoContent(http.StatusNotModified)
			}
		}
	} else if ims := req.Header.Get("If-Modified-Since"); ims != "" && h.Get("Last-Modified") != "" {
		if t, err := http.ParseTime(ims); err == nil && !modified.Truncate(time.Second).After(t) {
			return c.NoContent(http.StatusNotModified)
		}
	}
	return c.Blob(http.StatusOK, contentType, body)
}
