package search

import (
	"math"
	"math/bits"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/search/gazetteer"
)

// memIndex is the embedded backend's query engine: a compact in-memory copy
// of what matching, filtering, faceting and ranking read (analyzed text as
// term ids with an inverted index, filter values as small codes, one shared
// coordinate per hoster place, the rotation keys). Bleve keeps the stored
// documents on disk and this copy is rebuilt from it when the index opens.
// Reading doc values from Bleve for every match cost 60 ms or more of CPU
// per browse query at 100k offers; here a query walks the matching slots
// once and keeps the page with a bounded heap.
type memIndex struct {
	mu sync.RWMutex
	// By slot, deleted slots staying until compaction: what every
	// candidate reads (hot, small so that a scan of 100k stays in cache),
	// the rotation keys per slot of the seed, and the rest.
	hot  []memHot
	rots [rotationSlots][]uint32
	docs []memDoc
	slot map[string]int32 // live document id → slot
	dead int

	cat, sw, reg, dep, lang dict
	swk                     dict // software keys (softwareKey)

	placeOf  map[[2]float64]int32
	lat, lon []float64
	trig     []placeTrig

	vocab map[string]uint32
	terms []string
	post  [][]occurrence // term id → occurrences by slot, dead slots included

	// aux guards the lazily built lookups derived from the vocabulary,
	// which only grows (compaction keeps it).
	aux    sync.Mutex
	sorted []uint32 // term ids ordered by term, for prefixes
	fuzzy  map[fuzzyKey]*fuzzyEntry
}

// occurrence is a term at a position of a document; positions in the
// hoster's name carry hosterBit, so that a query of service words can skip
// them without reading the document.
type occurrence struct{ slot, pos int32 }

const hosterBit = 1 << 30

func (o occurrence) at() int32      { return o.pos &^ hosterBit }
func (o occurrence) inHoster() bool { return o.pos&hosterBit != 0 }

// noTerm fills the position of a removed stop word, so that a phrase does
// not match across it (as in Bleve, which keeps positions).
const noTerm = ^uint32(0)

type memHot struct {
	cat, sw, reg, dep int32
	swk               int32
	services          uint32 // bit i: catalog.Categories[i] (servicesOf)
	place             int32  // -1: no coordinates
	demote            uint8
	local, gone, dead bool
}

type memDoc struct {
	id              string
	toks            []uint32 // analyzed text by position
	langs, areaDeps []int32
	step            float64 // local radius step, km; 0: none
	hFrom, hTo      int32   // positions of the hoster's name in toks
}

// dict numbers the values of one keyword field.
type dict struct {
	codes  map[string]int32
	values []string
}

func (d *dict) code(v string) int32 {
	if c, ok := d.codes[v]; ok {
		return c
	}
	if d.codes == nil {
		d.codes = map[string]int32{}
	}
	c := int32(len(d.values))
	d.codes[v] = c
	d.values = append(d.values, v)
	return c
}

// want marks the codes of values; false when none is known (nothing can
// match).
func (d *dict) want(values []string) ([]bool, bool) {
	w := make([]bool, len(d.values))
	any := false
	for _, v := range values {
		if c, ok := d.codes[v]; ok {
			w[c], any = true, true
		}
	}
	return w, any
}

func newMemIndex() *memIndex {
	return &memIndex{slot: map[string]int32{}, placeOf: map[[2]float64]int32{}, vocab: map[string]uint32{},
		fuzzy: map[fuzzyKey]*fuzzyEntry{}}
}

// memText is a document's analyzed text: terms at their positions ("" for
// a gap) and the positions [hFrom, hTo) of the hoster's name, computed
// before taking the lock.
type memText struct {
	terms      []string
	hFrom, hTo int
}

// serviceBits maps a category to its bit in memHot.services.
var serviceBits = func() map[string]uint32 {
	if len(catalog.Categories) > 32 {
		panic("search: more than 32 categories do not fit memHot.services")
	}
	m := map[string]uint32{}
	for i, c := range catalog.Categories {
		m[c] = 1 << uint(i)
	}
	return m
}()

func servicesMask(cats []string) uint32 {
	var m uint32
	for _, c := range cats {
		m |= serviceBits[c]
	}
	return m
}

// put adds or replaces a normalized document.
func (m *memIndex) put(d *Document, text memText) {
	m.removeLocked(d.ID)
	s := int32(len(m.docs))
	hd := memHot{place: -1, cat: m.cat.code(d.Category), sw: m.sw.code(d.Software),
		reg: m.reg.code(d.Registration), dep: m.dep.code(d.Departement),
		demote: uint8(demote(d)), local: d.Audience != "everyone", gone: d.HosterStatus == "gone",
		swk: m.swk.code(softwareKey(d.Software)), services: servicesMask(servicesOf(d))}
	md := memDoc{id: d.ID, step: radiusStep(d.AreaRadiusKm), hFrom: int32(text.hFrom), hTo: int32(text.hTo)}
	for i := range m.rots {
		m.rots[i] = append(m.rots[i], rotationKey(i, d.ID))
	}
	for _, l := range d.Languages {
		md.langs = append(md.langs, m.lang.code(l))
	}
	for _, a := range d.AreaDeps {
		md.areaDeps = append(md.areaDeps, m.dep.code(a))
	}
	if hasCoords(d) {
		k := [2]float64{*d.Lat, *d.Lon}
		p, ok := m.placeOf[k]
		if !ok {
			p = int32(len(m.lat))
			m.placeOf[k] = p
			m.lat, m.lon = append(m.lat, k[0]), append(m.lon, k[1])
			m.trig = append(m.trig, trigOf(k[0], k[1]))
		}
		hd.place = p
	}
	md.toks = make([]uint32, len(text.terms))
	for i, t := range text.terms {
		if t == "" {
			md.toks[i] = noTerm
			continue
		}
		id, ok := m.vocab[t]
		if !ok {
			id = uint32(len(m.terms))
			m.vocab[t] = id
			m.terms = append(m.terms, t)
			m.post = append(m.post, nil)
		}
		md.toks[i] = id
		m.post[id] = append(m.post[id], md.occurrence(s, i))
	}
	m.docs = append(m.docs, md)
	m.hot = append(m.hot, hd)
	m.slot[d.ID] = s
}

// occurrence of the term at position i of the document in slot s.
func (md *memDoc) occurrence(s int32, i int) occurrence {
	o := occurrence{s, int32(i)}
	if o.pos >= md.hFrom && o.pos < md.hTo {
		o.pos |= hosterBit
	}
	return o
}

func (m *memIndex) removeLocked(id string) {
	s, ok := m.slot[id]
	if !ok {
		return
	}
	delete(m.slot, id)
	m.docs[s] = memDoc{id: id}
	m.hot[s] = memHot{dead: true, place: -1}
	m.dead++
}

// remove deletes documents and compacts when most slots are dead.
func (m *memIndex) remove(ids []string) {
	for _, id := range ids {
		m.removeLocked(id)
	}
}

// compact drops dead slots once they outnumber live ones, rebuilding the
// postings from the live documents' terms.
func (m *memIndex) compact() {
	if m.dead < 1024 || m.dead*2 < len(m.docs) {
		return
	}
	n := 0
	for i := range m.docs {
		if !m.hot[i].dead {
			m.docs[n], m.hot[n] = m.docs[i], m.hot[i]
			for r := range m.rots {
				m.rots[r][n] = m.rots[r][i]
			}
			n++
		}
	}
	clear(m.docs[n:])
	m.docs, m.hot, m.dead = m.docs[:n], m.hot[:n], 0
	for r := range m.rots {
		m.rots[r] = m.rots[r][:n]
	}
	for i := range m.post {
		m.post[i] = m.post[i][:0]
	}
	for s := range m.docs {
		m.slot[m.docs[s].id] = int32(s)
		for i, t := range m.docs[s].toks {
			if t != noTerm {
				m.post[t] = append(m.post[t], m.docs[s].occurrence(int32(s), i))
			}
		}
	}
}

func (m *memIndex) clear() {
	m.docs, m.hot, m.slot, m.dead = nil, nil, map[string]int32{}, 0
	m.rots = [rotationSlots][]uint32{}
	for i := range m.post {
		m.post[i] = nil
	}
}

// placeTrig holds the sines and cosines of a place, so that comparing
// distances costs no trigonometry per document.
type placeTrig struct{ sinLat, cosLat, sinLon, cosLon float64 }

func trigOf(lat, lon float64) placeTrig {
	const rad = math.Pi / 180
	return placeTrig{math.Sin(lat * rad), math.Cos(lat * rad), math.Sin(lon * rad), math.Cos(lon * rad)}
}

// hav is the haversine of the angle between two places, which grows with
// their distance: enough to order them. With cos(a-b) expanded it needs
// only products.
func hav(p, q *placeTrig) float64 {
	cosDLat := p.cosLat*q.cosLat + p.sinLat*q.sinLat
	cosDLon := p.cosLon*q.cosLon + p.sinLon*q.sinLon
	return (1-cosDLat)/2 + p.cosLat*q.cosLat*(1-cosDLon)/2
}

// havOfKm is the haversine of a distance, for comparing with hav (on the
// sphere of gazetteer.DistanceKm).
func havOfKm(km float64) float64 {
	const earthKm = 6371.0088
	x := math.Sin(min(km/(2*earthKm), math.Pi/2))
	return x * x
}

// bitset of slots.
type bitset []uint64

func (b bitset) set(i int32)      { b[i>>6] |= 1 << (uint(i) & 63) }
func (b bitset) has(i int32) bool { return b[i>>6]&(1<<(uint(i)&63)) != 0 }
func (b bitset) or(o bitset) {
	for i := range b {
		b[i] |= o[i]
	}
}
func (b bitset) and(o bitset) {
	for i := range b {
		b[i] &= o[i]
	}
}

func (m *memIndex) addPostings(b bitset, term string, noHoster bool) {
	if id, ok := m.vocab[term]; ok {
		m.addTerm(b, id, noHoster)
	}
}

// addTerm adds the documents holding a term; noHoster skips its
// occurrences in the hoster's name.
func (m *memIndex) addTerm(b bitset, id uint32, noHoster bool) {
	for _, o := range m.post[id] {
		if !noHoster || !o.inHoster() {
			b.set(o.slot)
		}
	}
}

// phrase adds the documents holding the terms ts at consecutive positions.
func (m *memIndex) phrase(b bitset, ts []string, noHoster bool) {
	if len(ts) == 1 {
		m.addPostings(b, ts[0], noHoster)
		return
	}
	ids := make([]uint32, len(ts))
	rare := -1
	for i, t := range ts {
		id, ok := m.vocab[t]
		if !ok {
			return
		}
		ids[i] = id
		if rare < 0 || len(m.post[id]) < len(m.post[ids[rare]]) {
			rare = i
		}
	}
	for _, o := range m.post[ids[rare]] {
		if noHoster && o.inHoster() {
			continue
		}
		toks := m.docs[o.slot].toks
		start := int(o.at()) - rare
		if start >= 0 && start+len(ids) <= len(toks) && slices.Equal(toks[start:start+len(ids)], ids) {
			b.set(o.slot)
		}
	}
}

// prefixed adds the documents holding a term that starts with prefix.
func (m *memIndex) prefixed(b bitset, prefix string, noHoster bool) {
	m.aux.Lock()
	if len(m.sorted) != len(m.terms) {
		m.sorted = m.sorted[:0]
		for i := range m.terms {
			m.sorted = append(m.sorted, uint32(i))
		}
		slices.SortFunc(m.sorted, func(x, y uint32) int { return strings.Compare(m.terms[x], m.terms[y]) })
	}
	sorted := m.sorted
	m.aux.Unlock()
	i, _ := slices.BinarySearchFunc(sorted, prefix, func(id uint32, p string) int { return strings.Compare(m.terms[id], p) })
	for ; i < len(sorted) && strings.HasPrefix(m.terms[sorted[i]], prefix); i++ {
		m.addTerm(b, sorted[i], noHoster)
	}
}

type fuzzyKey struct {
	term string
	k    int
}

// fuzzyEntry caches the vocabulary terms within k edits of a term, as far
// as the vocabulary has been scanned (it only grows).
type fuzzyEntry struct {
	ids     []uint32
	scanned int
}

// maxFuzzyCache bounds the cache; it is emptied when full.
const maxFuzzyCache = 4096

// fuzzyTerms returns the term ids within k edits (with transpositions,
// as Bleve's fuzzy query) of t.
func (m *memIndex) fuzzyTerms(t string, k int) []uint32 {
	m.aux.Lock()
	defer m.aux.Unlock()
	key := fuzzyKey{t, k}
	e := m.fuzzy[key]
	if e == nil {
		if len(m.fuzzy) >= maxFuzzyCache {
			clear(m.fuzzy)
		}
		e = &fuzzyEntry{}
		m.fuzzy[key] = e
	}
	if e.scanned < len(m.terms) {
		tr := []rune(t)
		var buf []int
		for i := e.scanned; i < len(m.terms); i++ {
			w := m.terms[i]
			if n := utf8.RuneCountInString(w); n < len(tr)-k || n > len(tr)+k {
				continue
			}
			var ok bool
			ok, buf = withinEdits(tr, w, k, buf)
			if ok {
				e.ids = append(e.ids, uint32(i))
			}
		}
		e.scanned = len(m.terms)
	}
	return e.ids
}

// withinEdits reports whether w is at most k insertions, deletions,
// substitutions or transpositions of adjacent letters away from a.
func withinEdits(a []rune, w string, k int, buf []int) (bool, []int) {
	b := []rune(w)
	n := len(b) + 1
	if cap(buf) < 3*n {
		buf = make([]int, 3*n)
	}
	buf = buf[:3*n]
	prev2, prev, cur := buf[:n], buf[n:2*n], buf[2*n:]
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		lo := cur[0]
		for j := 1; j < n; j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			lo = min(lo, v)
		}
		if lo > k {
			return false, buf
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[n-1] <= k, buf
}

// memHit is a candidate of the page heap.
type memHit struct {
	tier, demote, typos uint8
	dist                float64
	rot                 uint32
	slot                int32
}

// memResult is what a query reads from memory: the page's ids with their
// order, the total and the facet counts.
type memResult struct {
	ids    []string
	total  int
	facets map[string]map[string]int
}

// scratch holds the per-query buffers proportional to the index, reused
// across queries.
type scratch struct {
	sets  []bitset
	pdist []float64
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

func (sc *scratch) set(i, words int) bitset {
	for len(sc.sets) <= i {
		sc.sets = append(sc.sets, nil)
	}
	b := sc.sets[i]
	if cap(b) < words {
		b = make(bitset, words)
	}
	b = b[:words]
	clear(b)
	sc.sets[i] = b
	return b
}

// search runs q over memory; see rank.go for the rules it applies.
func (m *memIndex) search(q Query, units []queryUnit) memResult {
	m.mu.RLock()
	defer m.mu.RUnlock()
	sc := scratchPool.Get().(*scratch)
	defer scratchPool.Put(sc)
	n := len(m.docs)
	words := (n + 63) / 64

	// Text: per unit, the documents matching it exactly (word, phrase,
	// synonym, prefix) and those matching it at all (with typos).
	var exact []bitset
	var matched bitset
	// A query of service words only does not search the hoster's name.
	noHoster := len(units) > 0
	for i := range units {
		noHoster = noHoster && units[i].names()
	}
	if len(units) > 0 {
		exact = make([]bitset, len(units))
		matched = sc.set(0, words)
		for i := range units {
			u := &units[i]
			ex := sc.set(1+2*i, words)
			if len(u.tokens) == 1 {
				m.addPostings(ex, u.tokens[0], noHoster)
			} else {
				// As in Meilisearch, the words of a phrase of the synonym
				// table match anywhere; its synonyms match as phrases.
				all := sc.set(2+2*i, words)
				m.addPostings(all, u.tokens[0], noHoster)
				tmp := sc.set(2+2*len(units), words)
				for _, t := range u.tokens[1:] {
					clear(tmp)
					m.addPostings(tmp, t, noHoster)
					all.and(tmp)
				}
				ex.or(all)
			}
			for _, s := range u.synonyms {
				m.phrase(ex, s, noHoster)
			}
			if u.prefix {
				m.prefixed(ex, u.tokens[0], noHoster)
			}
			anyMatch := sc.set(2+2*i, words)
			copy(anyMatch, ex)
			if len(u.tokens) == 1 {
				if k := typos(u.tokens[0]); k > 0 {
					for _, id := range m.fuzzyTerms(u.tokens[0], k) {
						m.addTerm(anyMatch, id, noHoster)
					}
				}
			} else {
				// Each word of a phrase may carry its typos, as in
				// Meilisearch.
				all := sc.set(2+2*len(units), words)
				tmp := sc.set(3+2*len(units), words)
				for j, t := range u.tokens {
					clear(tmp)
					m.addPostings(tmp, t, noHoster)
					if k := typos(t); k > 0 {
						for _, id := range m.fuzzyTerms(t, k) {
							m.addTerm(tmp, id, noHoster)
						}
					}
					if j == 0 {
						copy(all, tmp)
					} else {
						all.and(tmp)
					}
				}
				anyMatch.or(all)
			}
			exact[i] = ex
			if i == 0 {
				copy(matched, anyMatch)
			} else {
				matched.and(anyMatch)
			}
		}
	}
	// Tiers (relevance.go): the first holds the documents that are, for
	// every unit naming a service or a software, that service or software.
	type tierCond struct {
		mask uint32
		sw   []bool
	}
	var tiers []tierCond
	for i := range units {
		u := &units[i]
		if !u.names() {
			continue
		}
		c := tierCond{mask: servicesMask(u.cats), sw: make([]bool, len(m.swk.values))}
		for _, k := range u.sw {
			if code, ok := m.swk.codes[k]; ok {
				c.sw[code] = true
			}
		}
		tiers = append(tiers, c)
	}

	// Filters as code lookups.
	type codeFilter struct {
		want []bool
		on   bool
	}
	var sws, regs, deps, langs codeFilter
	none := false
	// A category filter keeps what the offer is: its category or a
	// service of its software.
	catMask := servicesMask(q.Categories)
	if len(q.Categories) > 0 && catMask == 0 {
		none = true
	}
	for _, f := range []struct {
		d      *dict
		values []string
		out    *codeFilter
	}{
		{&m.sw, q.Software, &sws}, {&m.reg, q.Registrations, &regs},
		{&m.dep, q.Departements, &deps}, {&m.lang, q.Languages, &langs},
	} {
		if len(f.values) == 0 {
			continue
		}
		w, ok := f.d.want(f.values)
		*f.out = codeFilter{w, true}
		none = none || !ok
	}
	nearDep := int32(-1)
	if q.NearDep != "" {
		if c, ok := m.dep.codes[q.NearDep]; ok {
			nearDep = c
		}
	}
	// Distances are compared as haversines, computed once per place;
	// a limit is checked in kilometres, as shown, when close to it.
	var pdist []float64
	var qt placeTrig
	if q.Near != nil {
		qt = trigOf(q.Near.Lat, q.Near.Lon)
		if cap(sc.pdist) < len(m.lat) {
			sc.pdist = make([]float64, len(m.lat))
		}
		pdist = sc.pdist[:len(m.lat)]
		for i := range pdist {
			pdist[i] = -1
		}
	}
	dist := func(place int32) float64 {
		if place < 0 || pdist == nil {
			return math.Inf(1)
		}
		v := pdist[place]
		if v < 0 {
			v = hav(&qt, &m.trig[place])
			pdist[place] = v
		}
		return v
	}
	within := func(place int32, h, km float64) bool {
		switch lim := havOfKm(km); {
		case place < 0 || h > lim*1.01:
			return false
		case h < lim*0.99:
			return true
		}
		return gazetteer.DistanceKm(q.Near.Lat, q.Near.Lon, m.lat[place], m.lon[place]) <= km
	}

	catN := make([]int, len(m.cat.values))
	swN := make([]int, len(m.sw.values))
	regN := make([]int, len(m.reg.values))
	depN := make([]int, len(m.dep.values))
	var serviceN [32]int
	offset, size := pageWindow(q)
	k := offset + size
	h := make([]memHit, 0, min(k, 1024))
	rots := m.rots[rotationSlot(q.Seed)]
	total := 0
	less := func(a, b *memHit) bool {
		if a.tier != b.tier {
			return a.tier < b.tier
		}
		if a.demote != b.demote {
			return a.demote < b.demote
		}
		if a.typos != b.typos {
			return a.typos < b.typos
		}
		if a.dist != b.dist {
			return a.dist < b.dist
		}
		if a.rot != b.rot {
			return a.rot < b.rot
		}
		return m.docs[a.slot].id < m.docs[b.slot].id
	}

	visit := func(s int32) {
		d := &m.hot[s]
		if d.dead || d.gone {
			return
		}
		if catMask != 0 && d.services&catMask == 0 || sws.on && !sws.want[d.sw] || regs.on && !regs.want[d.reg] ||
			deps.on && !deps.want[d.dep] {
			return
		}
		if langs.on {
			ok := false
			for _, l := range m.docs[s].langs {
				if langs.want[l] {
					ok = true
					break
				}
			}
			if !ok {
				return
			}
		}
		dk := math.Inf(1)
		if q.Near != nil {
			dk = dist(d.place)
		}
		if d.local {
			cold := &m.docs[s]
			ok := nearDep >= 0 && slices.Contains(cold.areaDeps, nearDep)
			if !ok && q.Near != nil && cold.step > 0 && within(d.place, dk, cold.step) {
				ok = true
			}
			if !ok {
				return
			}
		}
		if q.RadiusKm > 0 && q.Near != nil && !within(d.place, dk, q.RadiusKm) {
			return
		}
		total++
		catN[d.cat]++
		swN[d.sw]++
		regN[d.reg]++
		depN[d.dep]++
		for sv := d.services; sv != 0; sv &= sv - 1 {
			serviceN[bits.TrailingZeros32(sv)]++
		}
		c := memHit{demote: d.demote, dist: dk, rot: rots[s], slot: s}
		for _, t := range tiers {
			if d.services&t.mask == 0 && !t.sw[d.swk] {
				c.tier = 1
				break
			}
		}
		for i := range exact {
			if !exact[i].has(s) {
				c.typos++
			}
		}
		if len(h) < k {
			h = append(h, c)
			heapUp(h, len(h)-1, less)
		} else if less(&c, &h[0]) {
			h[0] = c
			heapDown(h, 0, less)
		}
	}
	switch {
	case none:
	case matched != nil:
		for w, word := range matched {
			for word != 0 {
				b := bits.TrailingZeros64(word)
				word &= word - 1
				visit(int32(w*64 + b))
			}
		}
	default:
		for s := range m.docs {
			visit(int32(s))
		}
	}

	slices.SortFunc(h, func(a, b memHit) int {
		if less(&a, &b) {
			return -1
		}
		if less(&b, &a) {
			return 1
		}
		return 0
	})
	out := memResult{total: total, facets: emptyFacets()}
	for i := offset; i < len(h); i++ {
		out.ids = append(out.ids, m.docs[h[i].slot].id)
	}
	for _, f := range []struct {
		name   string
		counts []int
		d      *dict
	}{{"category", catN, &m.cat}, {"software", swN, &m.sw}, {"registration", regN, &m.reg}, {"departement", depN, &m.dep}} {
		topFacet(out.facets[f.name], f.counts, f.d.values)
	}
	for i, c := range catalog.Categories {
		if serviceN[i] > 0 {
			out.facets["service"][c] = serviceN[i]
		}
	}
	return out
}

// maxFacetValues is how many values of a facet are returned, the most
// frequent first, as Meilisearch's maxValuesPerFacet.
const maxFacetValues = 200

func topFacet(out map[string]int, counts []int, values []string) {
	var idx []int
	for c, n := range counts {
		if n > 0 && values[c] != "" {
			idx = append(idx, c)
		}
	}
	if len(idx) > maxFacetValues {
		slices.SortFunc(idx, func(a, b int) int {
			if counts[a] != counts[b] {
				return counts[b] - counts[a]
			}
			return strings.Compare(values[a], values[b])
		})
		idx = idx[:maxFacetValues]
	}
	for _, c := range idx {
		out[values[c]] = counts[c]
	}
}

// heapUp and heapDown keep h a max-heap under less: the root is the worst
// hit kept, replaced when a better one comes.
func heapUp(h []memHit, i int, less func(a, b *memHit) bool) {
	for i > 0 {
		p := (i - 1) / 2
		if !less(&h[p], &h[i]) {
			return
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
}

func heapDown(h []memHit, i int, less func(a, b *memHit) bool) {
	for {
		l, w := 2*i+1, i
		if l < len(h) && less(&h[w], &h[l]) {
			w = l
		}
		if r := l + 1; r < len(h) && less(&h[w], &h[r]) {
			w = r
		}
		if w == i {
			return
		}
		h[i], h[w] = h[w], h[i]
		i = w
	}
}
