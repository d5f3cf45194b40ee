package frontend

import (
	"net/url"
	"strconv"

	"codeberg.org/portee/portee/catalog"
)

// offerItem is an offer as the pages show it, from the catalog or from a
// search hit.
type offerItem struct {
	ID                                     int64
	Name, Summary, Category, Software      string
	Registration, Load, Price, URL, Status string
	HosterName, HosterAcct, HosterStatus   string
	Commune, PostalCode, Departement       string
	Distance                               *float64
	Href, HosterHref                       string
	Lat, Lon                               *float64
	IsHoster                               bool // a hoster without offers
	HosterSource                           string
}

func hosterHref(l *Localizer, acct string) string {
	return l.URL("/hebergeurs/" + url.PathEscape(acct))
}

func offerHref(l *Localizer, id int64) string {
	return l.URL("/offres/" + strconv.FormatInt(id, 10))
}

// knownStatus keeps remote values that have no translation out of pages.
func knownStatus(s string) string {
	switch s {
	case catalog.HosterActive, catalog.HosterDown, catalog.HosterGone:
		return s
	}
	return catalog.HosterActive
}

func itemFromOffer(l *Localizer, h *catalog.Hoster, o *catalog.Offer, directory bool) offerItem {
	it := offerItem{ID: o.ID, Name: o.Name, Summary: o.Summary, Category: o.Category, Software: o.Software.Name,
		Registration: o.Registration, Load: o.Load, Price: o.Price, URL: o.URL, Status: o.Status,
		HosterName: h.Name, HosterAcct: h.Acct(), HosterStatus: knownStatus(h.Status),
		Commune: h.Commune, PostalCode: h.PostalCode, Departement: h.Departement,
		Lat: h.Latitude, Lon: h.Longitude}
	it.HosterSource = knownSource(h.Source)
	if directory {
		it.Href = offerHref(l, o.ID)
		it.HosterHref = hosterHref(l, h.Acct())
	}
	return it
}

// pager computes page links for total items, perPage per page.
func pager(page, perPage, total int, link func(page int) string) (pages int, prev, next string) {
	if perPage <= 0 {
		perPage = 20
	}
	pages = max(1, (total+perPage-1)/perPage)
	if page > 1 {
		prev = link(page - 1)
	}
	if page < pages {
		next = link(page + 1)
	}
	return pages, prev, next
}
