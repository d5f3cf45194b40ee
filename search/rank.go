package search

import (
	"hash/fnv"
	"math"
	"strconv"
	"strings"

	"codeberg.org/portee/portee/search/gazetteer"
)

// Ranking and fairness, the same on both backends.
//
// Results are ordered by, in turn:
//  0. when q names a service or a software, the tier (relevance.go): the
//     offers that are that service or software, then those that only
//     mention the words. Within a tier, which field matched or how often
//     does not rank, so that a longer description gains nothing.
//  1. demotion (see demote): offers of active hosters that still take
//     users, then offers whose load is full, then offers of hosters marked
//     down. Hosters marked gone are never returned.
//  2. when q is not empty, the number of query words matched only with a
//     typo (exact and synonym matches first).
//  3. when near is given, the distance from the place to the hoster
//     (hosters without coordinates last).
//  4. ties: a rotation, hash(slot(seed), document id), so that no hoster
//     sits on top for good. The seed changes daily; within a day the order
//     is stable and paging is consistent. Size and popularity never rank.
//
// Audience: an offer for a local area is returned only when the query
// place lies inside the area: its département is one of the offer's
// area_departements, or the place is within area_radius_km of the hoster
// (the radius is rounded up to a step of radiusSteps, at most 200 km, so
// that Meilisearch can filter it). Without a place, local offers are not returned. Offers for
// everyone online are never hidden by distance alone: only an explicit
// radius_km filters them, like every other offer, by the distance of their
// hoster; documents without coordinates are then left out.

// rotationSlots is how many precomputed rotations a document carries
// (fields rot0…rot7 in Meilisearch): a daily seed picks one of them.
const rotationSlots = 8

// rotationSlot maps a seed to a slot.
func rotationSlot(seed string) int {
	h := fnv.New32a()
	h.Write([]byte(seed))
	return int(h.Sum32() % rotationSlots)
}

// rotationKey is the tie-break of document id in a slot.
func rotationKey(slot int, id string) uint32 {
	h := fnv.New32a()
	h.Write([]byte{byte(slot), ':'})
	h.Write([]byte(id))
	// fnv alone keeps ids that share a prefix close; mix the bits.
	x := h.Sum32()
	x ^= x >> 16
	x *= 0x7feb352d
	x ^= x >> 15
	x *= 0x846ca68b
	x ^= x >> 16
	return x
}

// Demotion levels.
const (
	demoteNone = 0 // active hoster, open offer
	demoteFull = 1 // offer full
	demoteDown = 2 // hoster down
)

// demote says how far down a document goes whatever its relevance.
func demote(d *Document) int {
	switch {
	case d.HosterStatus == "down":
		return demoteDown
	case d.Load == "full":
		return demoteFull
	}
	return demoteNone
}

// radiusSteps are the values a local area's radius is rounded up to; a
// radius above the last counts as the last (an area that wide is a region,
// better said with area_departements). Large geographic filters are slow
// in Bleve, which is another reason to stop at 200 km.
var radiusSteps = []float64{5, 10, 20, 30, 50, 75, 100, 150, 200}

// radiusStep rounds a local area's radius up to a step; 0 for none.
func radiusStep(r float64) float64 {
	if !(r > 0) {
		return 0
	}
	for _, s := range radiusSteps {
		if r <= s {
			return s
		}
	}
	return radiusSteps[len(radiusSteps)-1]
}

// normalized fills the defaults a document may omit, so that filters need
// no special case for missing fields.
func normalized(d Document) Document {
	if d.Kind == "" {
		d.Kind = "offer"
	}
	if d.Audience == "" {
		d.Audience = "everyone"
	}
	if d.HosterStatus == "" {
		d.HosterStatus = "active"
	}
	return d
}

// hasCoords reports whether a document can be placed on a map.
func hasCoords(d *Document) bool {
	return d.Lat != nil && d.Lon != nil && !math.IsNaN(*d.Lat) && !math.IsNaN(*d.Lon)
}

// distance of a document from the query place, rounded to 10 m; nil when
// either is unknown. Computed here rather than by the backend so that both
// give the same number.
func distance(near *Point, d *Document) *float64 {
	if near == nil || !hasCoords(d) {
		return nil
	}
	km := math.Round(gazetteer.DistanceKm(near.Lat, near.Lon, *d.Lat, *d.Lon)*100) / 100
	return &km
}

// departementName returns the name of a département code, "" if unknown.
func departementName(code string) string {
	if code == "" {
		return ""
	}
	name, _, ok := gazetteer.Departement(code)
	if !ok {
		return ""
	}
	return name
}

// facetNames lists the facets every Result carries.
// "service" counts what offers are (servicesOf): an offer of Nextcloud
// counts for cloud and for calendar.
var facetNames = []string{"category", "software", "registration", "departement", "service"}

func emptyFacets() map[string]map[string]int {
	f := make(map[string]map[string]int, len(facetNames))
	for _, n := range facetNames {
		f[n] = map[string]int{}
	}
	return f
}

// pageWindow returns offset and size of a query page with sane defaults.
func pageWindow(q Query) (offset, size int) {
	page, per := q.Page, q.PerPage
	if page < 1 {
		page = 1
	}
	if per < 1 {
		per = 20
	}
	return (page - 1) * per, per
}

func formatStep(s float64) string { return strconv.FormatFloat(s, 'f', -1, 64) }

// queryText trims the text of a query; a query of blanks is a browse.
func queryText(q Query) string { return strings.TrimSpace(q.Text) }
