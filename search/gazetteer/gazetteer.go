// Package gazetteer owns turning a French place as people type it (a postal
// code, a commune name, "Saint-Nazaire (44)", "47.27,-2.21", a département)
// into coordinates, from geo.api.gouv.fr data embedded in the binary.
package gazetteer

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Place kinds.
const (
	KindPostalCode  = "postal_code"
	KindCommune     = "commune"
	KindCoordinates = "coordinates"
	KindDepartement = "departement"
	KindRegion      = "region"
)

// Place is a resolved place. For a département, Lat/Lon is the mean of its
// communes' centres and the commune fields are empty. For coordinates, the
// commune fields describe the nearest commune centre when one lies within
// nearbyKm, so that a local audience (by département) can still be matched.
type Place struct {
	Commune, INSEE, PostalCode string
	Departement                string // code: "44", "2A", "974"
	DepartementName            string
	Region                     string // name
	RegionCode                 string
	Lat, Lon                   float64
	Kind                       string // Kind*
	Label                      string // "Saint-Nazaire (44600)", for display
	// Weight is a plausible relative population weight (see Communes); it
	// is set by Communes only.
	Weight int
}

// Dep is a département.
type Dep struct {
	Code, Name, Region, RegionCode string
	Lat, Lon                       float64 // mean of its communes' centres
	Communes                       int
}

// Region is a region of France.
type Region struct{ Code, Name string }

// ErrEmpty is returned for a blank query.
var ErrEmpty = errors.New("gazetteer: empty place")

// ErrCoordinates is returned (wrapped) for coordinates out of range.
var ErrCoordinates = errors.New("gazetteer: coordinates out of range")

// AmbiguousError says a query names several places; Candidates are sorted by
// département code.
type AmbiguousError struct {
	Query      string
	Candidates []Place
}

func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("gazetteer: %q is ambiguous (%d places)", e.Query, len(e.Candidates))
}

// UnknownError says no place matches; Suggestions (at most 5) are close
// names or neighbouring postal codes, best first.
type UnknownError struct {
	Query       string
	Suggestions []Place
}

func (e *UnknownError) Error() string {
	return fmt.Sprintf("gazetteer: unknown place %q", e.Query)
}

const (
	maxQueryLen    = 120 // longer than any place name with its qualifier
	maxSuggestions = 5
	nearbyKm       = 30
)

var (
	// Decimal point, separated by a comma, a semicolon or spaces.
	coordsRe = regexp.MustCompile(`^([+-]?\d{1,3}(?:\.\d+)?)\s*[,;\s]\s*([+-]?\d{1,3}(?:\.\d+)?)$`)
	// French decimal comma, then the two numbers must be separated by
	// spaces or a semicolon: "47,27 -2,21".
	coordsFrRe = regexp.MustCompile(`^([+-]?\d{1,3},\d+)\s*[;\s]\s*([+-]?\d{1,3},\d+)$`)
	postalRe   = regexp.MustCompile(`^(\d{2})\s?(\d{3})$`)
)

// Resolve turns q into a place. It understands:
//   - a postal code: "44600" (also "44 600", and "1000" for "01000");
//   - a commune name, accents, case and hyphens optional, "st"/"ste" for
//     "saint"/"sainte", a leading article optional: "st nazaire";
//   - a commune with its département or postal code: "Saint-Nazaire (44)",
//     "Saint-Nazaire 44", "Saint-Nazaire 44600", "44600 Saint-Nazaire",
//     "Saint-Denis (La Réunion)";
//   - coordinates "47.27,-2.21", "47.27 -2.21" or "47,27 -2,21";
//   - a département code or name: "44", "2A", "974", "Loire-Atlantique";
//   - a region name: "Bretagne", "Corse", "Pays de la Loire".
//
// A département or a region wins over a small commune of the same name
// ("La Réunion", "Bretagne"), as a well-known town wins over its homonyms;
// a département and a well-known town of one name stay ambiguous
// ("Vienne").
//
// When a postal code is shared by several communes and no name is given,
// the commune with the most postal codes of its own (a town over its
// villages; the 40 largest cities first) is returned, and among equals the
// one nearest to the centre of those communes: the point that best stands
// for the whole postal area when measuring distances. With a name, the
// commune of that postal code whose name is closest wins.
//
// Errors: ErrEmpty, a wrapped ErrCoordinates, *AmbiguousError,
// *UnknownError. On error the Place is always the zero value.
func Resolve(q string) (Place, error) {
	d, err := load()
	if err != nil {
		return Place{}, err
	}
	q = strings.TrimSpace(q)
	if q == "" {
		return Place{}, ErrEmpty
	}
	if len(q) > maxQueryLen {
		return Place{}, &UnknownError{Query: q}
	}
	// Postal codes first: "44 600" would otherwise read as coordinates.
	if pc, ok := postalCode(q); ok {
		return d.postal(q, pc)
	}
	if m := coordsRe.FindStringSubmatch(q); m != nil {
		return d.coordinates(q, m[1], m[2])
	}
	if m := coordsFrRe.FindStringSubmatch(q); m != nil {
		return d.coordinates(q, strings.Replace(m[1], ",", ".", 1), strings.Replace(m[2], ",", ".", 1))
	}
	if code, ok := depCode(q); ok {
		i, ok := d.depByCode[code]
		if !ok {
			return Place{}, &UnknownError{Query: q}
		}
		return d.depPlace(i), nil
	}
	return d.name(q)
}

// postalCode recognises a postal code, tolerating one space after the
// département digits and a dropped leading zero (spreadsheets eat it).
func postalCode(s string) (string, bool) {
	if len(s) == 4 && allDigits(s) {
		return "0" + s, true
	}
	if m := postalRe.FindStringSubmatch(s); m != nil {
		return m[1] + m[2], true
	}
	return "", false
}

// depCode recognises a département code: two digits, 2A/2B, or three digits
// for overseas ones. A one-digit code is read with its leading zero.
func depCode(s string) (string, bool) {
	switch {
	case len(s) == 1 && allDigits(s):
		return "0" + s, true
	case len(s) == 2 && allDigits(s), len(s) == 3 && allDigits(s):
		return s, true
	case len(s) == 2 && s[0] == '2' && (s[1] == 'A' || s[1] == 'a' || s[1] == 'B' || s[1] == 'b'):
		return strings.ToUpper(s), true
	}
	return "", false
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func (d *data) coordinates(q, latS, lonS string) (Place, error) {
	lat, err1 := strconv.ParseFloat(latS, 64)
	lon, err2 := strconv.ParseFloat(lonS, 64)
	if err1 != nil || err2 != nil || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
		return Place{}, fmt.Errorf("gazetteer: resolve %q: latitude must be within ±90 and longitude within ±180: %w", q, ErrCoordinates)
	}
	p := Place{Kind: KindCoordinates, Lat: lat, Lon: lon}
	coords := strconv.FormatFloat(lat, 'f', -1, 64) + ", " + strconv.FormatFloat(lon, 'f', -1, 64)
	p.Label = coords
	if i, km := d.nearest(lat, lon); km <= nearbyKm {
		c := &d.communes[i]
		dep := &d.deps[c.dep]
		p.Commune, p.INSEE, p.PostalCode = c.name, c.insee, c.postal[0]
		p.Departement, p.DepartementName = dep.Code, dep.Name
		p.Region, p.RegionCode = dep.Region, dep.RegionCode
		p.Label = coords + " (près de " + c.name + ")"
	}
	return p, nil
}

// nearest returns the commune whose centre is nearest to (lat, lon) and its
// distance. A linear scan over 35,000 centres costs tens of microseconds,
// less than keeping a spatial index in memory would be worth.
func (d *data) nearest(lat, lon float64) (int, float64) {
	best, bestD := 0, math.Inf(1)
	cosLat := math.Cos(lat * math.Pi / 180)
	for i := range d.communes {
		c := &d.communes[i]
		dy := c.lat - lat
		dx := (c.lon - lon) * cosLat
		if v := dx*dx + dy*dy; v < bestD {
			best, bestD = i, v
		}
	}
	c := &d.communes[best]
	return best, DistanceKm(lat, lon, c.lat, c.lon)
}

func (d *data) postal(q, pc string) (Place, error) {
	ids := d.byPostal[pc]
	if len(ids) == 0 {
		return Place{}, &UnknownError{Query: q, Suggestions: d.nearPostal(pc)}
	}
	p := d.communePlace(d.central(ids), pc)
	p.Kind = KindPostalCode
	return p, nil
}

// central returns, among communes sharing a postal code, the one with the
// largest Weight (a big city over its suburbs), and among equals the one
// nearest to their mean position: the point that best stands for the postal
// area when measuring distances.
func (d *data) central(ids []int32) int32 {
	if len(ids) == 1 {
		return ids[0]
	}
	top := 0
	var lat, lon float64
	for _, i := range ids {
		lat += d.communes[i].lat
		lon += d.communes[i].lon
		top = max(top, weight(&d.communes[i]))
	}
	lat, lon = lat/float64(len(ids)), lon/float64(len(ids))
	best, bestD := ids[0], math.Inf(1)
	for _, i := range ids {
		if weight(&d.communes[i]) < top {
			continue
		}
		if km := DistanceKm(lat, lon, d.communes[i].lat, d.communes[i].lon); km < bestD {
			best, bestD = i, km
		}
	}
	return best
}

// nearPostal suggests communes of the postal codes numerically closest to
// an unknown one within the same département prefix ("44601" → 44600).
func (d *data) nearPostal(pc string) []Place {
	pos, _ := slices.BinarySearch(d.postalCodes, pc)
	var out []Place
	lo, hi := pos-1, pos
	num, _ := strconv.Atoi(pc)
	for len(out) < maxSuggestions {
		pick := -1
		switch {
		case lo >= 0 && hi < len(d.postalCodes):
			a, _ := strconv.Atoi(d.postalCodes[lo])
			b, _ := strconv.Atoi(d.postalCodes[hi])
			if num-a <= b-num {
				pick = lo
			} else {
				pick = hi
			}
		case lo >= 0:
			pick = lo
		case hi < len(d.postalCodes):
			pick = hi
		}
		if pick < 0 || d.postalCodes[pick][:2] != pc[:2] {
			break
		}
		if pick == lo {
			lo--
		} else {
			hi++
		}
		code := d.postalCodes[pick]
		p := d.communePlace(d.central(d.byPostal[code]), code)
		p.Kind = KindPostalCode
		out = append(out, p)
	}
	return out
}

func (d *data) communePlace(i int32, postal string) Place {
	c := &d.communes[i]
	dep := &d.deps[c.dep]
	if postal == "" || !slices.Contains(c.postal, postal) {
		postal = c.postal[0]
	}
	return Place{
		Commune: c.name, INSEE: c.insee, PostalCode: postal,
		Departement: dep.Code, DepartementName: dep.Name,
		Region: dep.Region, RegionCode: dep.RegionCode,
		Lat: c.lat, Lon: c.lon,
		Kind:  KindCommune,
		Label: c.name + " (" + postal + ")",
	}
}

func (d *data) depPlace(i int) Place {
	dep := &d.deps[i]
	return Place{
		Departement: dep.Code, DepartementName: dep.Name,
		Region: dep.Region, RegionCode: dep.RegionCode,
		Lat: dep.Lat, Lon: dep.Lon,
		Kind:  KindDepartement,
		Label: dep.Name + " (" + dep.Code + ")",
	}
}

// regionNamed finds a region by normalised name, with or without its
// article.
func (d *data) regionNamed(norm string) (int, bool) {
	if i, ok := d.regionByNorm[norm]; ok {
		return i, true
	}
	i, ok := d.regionByNorm[stripArticle(norm)]
	return i, ok
}

func (d *data) regionPlace(i int) Place {
	r := &d.regionInfo[i]
	return Place{Region: r.Name, RegionCode: r.Code, Lat: r.lat, Lon: r.lon, Kind: KindRegion, Label: r.Name}
}

// qualifier is what narrows a commune name: a postal code or a département.
type qualifier struct {
	postal string
	dep    int // index in deps, -1 if none
}

// name resolves a commune or département name, with an optional qualifier.
func (d *data) name(q string) (Place, error) {
	full := Normalize(q)
	if full == "" {
		return Place{}, &UnknownError{Query: q}
	}
	// Official names may themselves end in parentheses ("Château-Chinon
	// (Ville)"), so the whole query is tried as a name first.
	ids, dep := d.lookup(full)
	if r, ok := d.regionNamed(full); ok && dep < 0 {
		if !slices.ContainsFunc(ids, d.notable) {
			return d.regionPlace(r), nil
		}
	}
	if len(ids) > 0 || dep >= 0 {
		return d.pick(q, ids, dep)
	}
	name, qualText, ok := splitQualifier(q)
	if !ok {
		return Place{}, &UnknownError{Query: q, Suggestions: d.suggest(full, nil)}
	}
	norm := Normalize(name)
	qual := qualifier{dep: -1}
	if pc, ok := postalCode(qualText); ok {
		qual.postal = pc
	} else if code, ok := depCode(qualText); ok {
		if i, ok := d.depByCode[code]; ok {
			qual.dep = i
		}
	} else if i, ok := d.depByNorm[Normalize(qualText)]; ok {
		qual.dep = i
	}
	if norm == "" || qual.postal == "" && qual.dep < 0 {
		return Place{}, &UnknownError{Query: q, Suggestions: d.suggest(norm, nil)}
	}
	ids, depMatch := d.lookup(norm)
	keep := func(i int32) bool {
		if qual.postal != "" {
			return slices.Contains(d.communes[i].postal, qual.postal)
		}
		return d.communes[i].dep == qual.dep
	}
	var found []int32
	for _, i := range ids {
		if keep(i) {
			found = append(found, i)
		}
	}
	switch {
	case len(found) == 1:
		return d.communePlace(found[0], qual.postal), nil
	case len(found) > 1:
		return Place{}, d.ambiguous(q, found, -1, qual.postal)
	case qual.dep >= 0 && depMatch == qual.dep:
		return d.depPlace(qual.dep), nil
	}
	// A postal code is strong evidence: within it, the closest name wins
	// ("saint nazair 44600").
	if qual.postal != "" {
		maxD := maxDistance(norm)
		best, bestD := int32(-1), maxD+1
		for _, i := range d.byPostal[qual.postal] {
			if dd := distance(norm, d.communes[i].norm, maxD); dd < bestD {
				best, bestD = i, dd
			}
		}
		if best >= 0 {
			return d.communePlace(best, qual.postal), nil
		}
	}
	sugg := d.suggest(norm, keep)
	if len(sugg) == 0 {
		sugg = d.suggest(norm, nil)
	}
	return Place{}, &UnknownError{Query: q, Suggestions: sugg}
}

// lookup finds communes by normalised name, and a département by name
// (-1 if none). Names without their article or their parenthesis are a
// fallback: "sables d olonne" finds Les Sables-d'Olonne, "bors" both Bors.
func (d *data) lookup(norm string) ([]int32, int) {
	dep, ok := d.depByNorm[norm]
	if !ok {
		dep = -1
	}
	if ids := d.byName[norm]; len(ids) > 0 || dep >= 0 {
		return ids, dep
	}
	bare := stripArticle(norm)
	var ids []int32
	if bare != norm {
		ids = d.byName[bare]
	}
	if len(ids) == 0 {
		ids = d.byAlt[bare]
	}
	if dep, ok = d.depByAlt[bare]; !ok {
		dep = -1
	}
	return ids, dep
}

// pick turns the communes and département matching a name into a place, or
// an ambiguity.
func (d *data) pick(q string, ids []int32, dep int) (Place, error) {
	if dep >= 0 {
		// Paris is a commune and a département of one commune: one place.
		if len(ids) == 0 || len(ids) == 1 && d.deps[dep].Communes == 1 && d.communes[ids[0]].dep == dep {
			if len(ids) == 1 {
				return d.communePlace(ids[0], ""), nil
			}
			return d.depPlace(dep), nil
		}
		// The département wins over small homonym communes ("La
		// Réunion", a village of the Lot-et-Garonne), not over a town
		// everybody knows ("Vienne").
		if !slices.ContainsFunc(ids, d.notable) {
			return d.depPlace(dep), nil
		}
		return Place{}, d.ambiguous(q, ids, dep, "")
	}
	if len(ids) == 1 {
		return d.communePlace(ids[0], ""), nil
	}
	if i, ok := d.wellKnown(ids); ok {
		return d.communePlace(i, ""), nil
	}
	return Place{}, d.ambiguous(q, ids, -1, "")
}

// wellKnown picks, among homonyms, the one town everybody means ("saint
// nazaire" is the port of the Loire-Atlantique, not the villages of the
// Gard and the Pyrénées-Orientales). When two well-known towns share the
// name (Saint-Denis 93 and 974) the name stays ambiguous.
func (d *data) wellKnown(ids []int32) (int32, bool) {
	found, n := int32(-1), 0
	for _, i := range ids {
		if d.notable(i) {
			found, n = i, n+1
		}
	}
	return found, n == 1
}

// notable reports whether a commune is a town everybody knows.
func (d *data) notable(i int32) bool {
	c := &d.communes[i]
	return bigCity[c.insee] || notableTowns[c.norm+"|"+d.deps[c.dep].Code]
}

// ambiguous lists the candidates of a name; a commune's label names its
// département too ("Saint-Denis (93200, Seine-Saint-Denis)"), since a
// postal code alone tells most people nothing.
func (d *data) ambiguous(q string, ids []int32, dep int, postal string) *AmbiguousError {
	e := &AmbiguousError{Query: q}
	for _, i := range ids {
		p := d.communePlace(i, postal)
		p.Label = p.Commune + " (" + p.PostalCode + ", " + p.DepartementName + ")"
		e.Candidates = append(e.Candidates, p)
	}
	if dep >= 0 {
		e.Candidates = append(e.Candidates, d.depPlace(dep))
	}
	slices.SortStableFunc(e.Candidates, comparePlaces)
	return e
}

func comparePlaces(a, b Place) int {
	if c := strings.Compare(a.Departement, b.Departement); c != 0 {
		return c
	}
	if c := strings.Compare(a.Kind, b.Kind); c != 0 {
		return c
	}
	if c := strings.Compare(a.Commune, b.Commune); c != 0 {
		return c
	}
	return strings.Compare(a.INSEE, b.INSEE)
}

// splitQualifier separates "Saint-Nazaire (44)", "Saint-Nazaire 44",
// "Saint-Nazaire, 44600" or "44600 Saint-Nazaire" into a name and a
// qualifier text (not yet checked).
func splitQualifier(q string) (name, qual string, ok bool) {
	if strings.HasSuffix(q, ")") {
		if open := strings.LastIndexByte(q, '('); open > 0 {
			return strings.TrimRight(strings.TrimSpace(q[:open]), ","), strings.TrimSpace(q[open+1 : len(q)-1]), true
		}
	}
	fields := strings.Fields(strings.ReplaceAll(q, ",", " "))
	if len(fields) < 2 {
		return "", "", false
	}
	if last := fields[len(fields)-1]; isCode(last) {
		return strings.Join(fields[:len(fields)-1], " "), last, true
	}
	if first := fields[0]; allDigits(first) && (len(first) == 5 || len(first) == 4) {
		return strings.Join(fields[1:], " "), first, true
	}
	return "", "", false
}

func isCode(s string) bool {
	if _, ok := depCode(s); ok {
		return true
	}
	return allDigits(s) && (len(s) == 4 || len(s) == 5)
}

func maxDistance(norm string) int {
	return min(1+len(norm)/4, 3)
}

type scored struct {
	p    Place
	dist int
	w    int // weight: the larger commune first
	n    int // name length: among prefix matches, the shortest first
}

// suggest proposes up to five places whose normalised name is within a
// small edit distance of norm or starts with it; keep, when not nil,
// restricts communes. Typos come first by distance ("saint nazair" →
// Saint-Nazaire), names merely starting with norm (Saint-Nazaire-d'Aude)
// after one typo and before two, then the larger commune, the shorter
// name, then by département.
func (d *data) suggest(norm string, keep func(int32) bool) []Place {
	if norm == "" {
		return nil
	}
	maxD := maxDistance(norm)
	prefixOK := len(norm) >= 3
	var found []scored
	// score is twice the edit distance, and 3 (between one and two typos)
	// for a name that merely starts with norm; -1 for no match.
	score := func(name string) int {
		if dist := distance(norm, name, maxD); dist <= maxD {
			return 2 * dist
		}
		if prefixOK && strings.HasPrefix(name, norm) {
			return 3
		}
		return -1
	}
	for _, name := range d.names {
		dist := score(name)
		if dist < 0 {
			continue
		}
		for _, i := range d.byName[name] {
			if keep != nil && !keep(i) {
				continue
			}
			found = append(found, scored{p: d.communePlace(i, ""), dist: dist, w: weight(&d.communes[i]), n: len(name)})
		}
	}
	if keep == nil {
		for i := range d.deps {
			if dist := score(d.deps[i].norm); dist >= 0 {
				found = append(found, scored{p: d.depPlace(i), dist: dist, w: math.MaxInt, n: len(d.deps[i].norm)})
			}
		}
	}
	slices.SortFunc(found, func(a, b scored) int {
		if a.dist != b.dist {
			return a.dist - b.dist
		}
		if a.w != b.w {
			if a.w > b.w {
				return -1
			}
			return 1
		}
		if a.n != b.n {
			return a.n - b.n
		}
		return comparePlaces(a.p, b.p)
	})
	out := make([]Place, 0, min(len(found), maxSuggestions))
	for _, s := range found[:min(len(found), maxSuggestions)] {
		out = append(out, s.p)
	}
	return out
}

// Departement returns the name and region name of a département code.
func Departement(code string) (name, region string, ok bool) {
	d, err := load()
	if err != nil {
		return "", "", false
	}
	c, ok := depCode(strings.TrimSpace(code))
	if !ok {
		return "", "", false
	}
	i, ok := d.depByCode[c]
	if !ok {
		return "", "", false
	}
	return d.deps[i].Name, d.deps[i].Region, true
}

// Departements lists the départements sorted by code, or nil if the
// embedded data cannot be read.
func Departements() []Dep {
	d, err := load()
	if err != nil {
		return nil
	}
	out := make([]Dep, len(d.deps))
	for i := range d.deps {
		out[i] = d.deps[i].Dep
	}
	return out
}

// Regions lists the regions in the order of the source data.
func Regions() []Region {
	d, err := load()
	if err != nil {
		return nil
	}
	return slices.Clone(d.regions)
}

// Communes returns one place per commune (not per postal code; PostalCode is
// its smallest one), in the order of the source data, with Weight set: the
// number of postal codes of the commune (a crude proxy for its size),
// times 50 for the 40 largest cities. The data has no population; this is
// only meant to spread a synthetic federation plausibly.
func Communes() []Place {
	d, err := load()
	if err != nil {
		return nil
	}
	out := make([]Place, len(d.communes))
	for i := range d.communes {
		out[i] = d.communePlace(int32(i), "")
		out[i].Weight = weight(&d.communes[i])
	}
	return out
}

// DistanceKm is the great-circle distance between two points (haversine,
// mean Earth radius).
func DistanceKm(lat1, lon1, lat2, lon2 float64) float64 {
	const earthKm = 6371.0088
	const rad = math.Pi / 180
	dLat := (lat2 - lat1) * rad
	dLon := (lon2 - lon1) * rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) +
		math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthKm * math.Asin(math.Sqrt(min(a, 1)))
}

// CommunesOf lists the communes a postal code serves, by name (the node's
// dashboard offers them to choose from). An unknown code gives none.
func CommunesOf(code string) ([]Place, error) {
	d, err := load()
	if err != nil {
		return nil, err
	}
	pc, ok := postalCode(code)
	if !ok {
		return nil, nil
	}
	out := make([]Place, 0, len(d.byPostal[pc]))
	for _, i := range d.byPostal[pc] {
		out = append(out, d.communePlace(i, pc))
	}
	slices.SortFunc(out, func(a, b Place) int { return strings.Compare(a.Commune, b.Commune) })
	return out, nil
}
