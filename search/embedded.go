package search

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/char/asciifolding"
	"github.com/blevesearch/bleve/v2/analysis/lang/fr"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/stop"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/analysis/tokenmap"
	"github.com/blevesearch/bleve/v2/mapping"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
)

// Embedded is the in-process backend on Bleve: a scorch index on disk, or in
// memory. It needs no set-up and serves a small directory, and is the
// fallback when Meilisearch is down.
type Embedded struct {
	idx      bleve.Index
	analyzer analysis.Analyzer
	syn      synonymIndex

	// steps holds the local-area radius steps some document uses: a
	// query only tests those (a geographic clause costs milliseconds).
	// Deleting documents does not shrink it, which costs time, not truth.
	mu    sync.Mutex
	steps map[string]bool
}

const (
	textAnalyzer = "portee_text"
	fieldText    = "text"
	fieldGeo     = "geo"
	fieldDoc     = "doc"
	fieldUpdated = "updated"
	fieldDemote  = "demote"
	fieldRadius  = "radius_step"
	fieldArea    = "area_departements"
	batchSize    = 1000
	// maxQueryWords is how many words of a query count.
	maxQueryWords = 10
)

// keywordFields are indexed as exact values, for filters and facets.
var keywordFields = []string{"kind", "category", "software", "registration", "load", "audience",
	"status", "hoster_status", "departement", "region", "languages", fieldArea, fieldRadius, fieldDemote}

// NewEmbedded opens (or creates) the index in dir, or keeps it in memory
// when dir is "".
func NewEmbedded(dir string) (*Embedded, error) {
	m, err := newMapping()
	if err != nil {
		return nil, fmt.Errorf("search: embedded mapping: %w", err)
	}
	var idx bleve.Index
	switch {
	case dir == "":
		idx, err = bleve.NewMemOnly(m)
	default:
		if _, statErr := os.Stat(dir); statErr == nil {
			idx, err = bleve.Open(dir)
		} else {
			idx, err = bleve.New(dir, m)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("search: open embedded index %q: %w", dir, err)
	}
	e := &Embedded{idx: idx}
	e.analyzer = idx.Mapping().AnalyzerNamed(textAnalyzer)
	if e.analyzer == nil {
		idx.Close()
		return nil, fmt.Errorf("search: embedded index %q: analyzer %s missing", dir, textAnalyzer)
	}
	e.syn = buildSynonymIndex(e.tokens)
	if err := e.loadSteps(); err != nil {
		idx.Close()
		return nil, fmt.Errorf("search: embedded index %q: %w", dir, err)
	}
	return e, nil
}

// loadSteps reads which radius steps the documents use.
func (e *Embedded) loadSteps() error {
	req := bleve.NewSearchRequestOptions(query.NewMatchAllQuery(), 0, 0, false)
	req.AddFacet(fieldRadius, bleve.NewFacetRequest(fieldRadius, len(radiusSteps)+1))
	res, err := e.idx.Search(req)
	if err != nil {
		return err
	}
	e.steps = map[string]bool{}
	if f := res.Facets[fieldRadius]; f != nil {
		for _, t := range f.Terms.Terms() {
			e.steps[t.Term] = true
		}
	}
	return nil
}

func (e *Embedded) usedSteps() []float64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []float64
	for _, s := range radiusSteps {
		if e.steps[formatStep(s)] {
			out = append(out, s)
		}
	}
	return out
}

// newMapping: text folded to lower-case ASCII with French elisions and stop
// words removed (no stemming: Meilisearch does none either), keywords for
// filters and facets, a geopoint, the document itself stored as JSON.
func newMapping() (*mapping.IndexMappingImpl, error) {
	m := bleve.NewIndexMapping()
	stops := make([]interface{}, 0, len(stopWords))
	for _, w := range stopWords {
		stops = append(stops, w)
	}
	if err := m.AddCustomTokenMap("portee_stop_words", map[string]interface{}{
		"type": tokenmap.Name, "tokens": stops,
	}); err != nil {
		return nil, err
	}
	if err := m.AddCustomTokenFilter("portee_stop", map[string]interface{}{
		"type": stop.Name, "stop_token_map": "portee_stop_words",
	}); err != nil {
		return nil, err
	}
	if err := m.AddCustomAnalyzer(textAnalyzer, map[string]interface{}{
		"type":          custom.Name,
		"char_filters":  []string{asciifolding.Name},
		"tokenizer":     unicode.Name,
		"token_filters": []string{lowercase.Name, fr.ElisionName, "portee_stop"},
	}); err != nil {
		return nil, err
	}
	m.DefaultAnalyzer = textAnalyzer

	doc := bleve.NewDocumentStaticMapping()
	text := bleve.NewTextFieldMapping()
	text.Analyzer = textAnalyzer
	text.Store = false
	text.IncludeTermVectors = true // the typo tier reads which terms matched
	text.IncludeInAll = false
	doc.AddFieldMappingsAt(fieldText, text)
	for _, f := range keywordFields {
		k := bleve.NewKeywordFieldMapping()
		k.Store = false
		k.IncludeInAll = false
		k.IncludeTermVectors = false
		k.DocValues = true
		doc.AddFieldMappingsAt(f, k)
	}
	geo := bleve.NewGeoPointFieldMapping()
	geo.IncludeInAll = false
	doc.AddFieldMappingsAt(fieldGeo, geo)
	stored := bleve.NewTextFieldMapping()
	stored.Index = false
	stored.Store = true
	stored.IncludeInAll = false
	stored.IncludeTermVectors = false
	stored.DocValues = false
	doc.AddFieldMappingsAt(fieldDoc, stored)
	upd := bleve.NewNumericFieldMapping()
	upd.Index = false
	upd.Store = true
	upd.IncludeInAll = false
	upd.DocValues = false
	doc.AddFieldMappingsAt(fieldUpdated, upd)
	m.DefaultMapping = doc
	m.StoreDynamic = false
	m.IndexDynamic = false
	m.DocValuesDynamic = false
	return m, nil
}

// tokens analyzes text as documents are analyzed.
func (e *Embedded) tokens(s string) []string {
	var out []string
	for _, t := range e.analyzer.Analyze([]byte(s)) {
		out = append(out, string(t.Term))
	}
	return out
}

// Name implements Index.
func (e *Embedded) Name() string { return "embedded" }

// Close implements Index.
func (e *Embedded) Close() error { return e.idx.Close() }

// Configure implements Index; the mapping is set when the index is created.
func (e *Embedded) Configure(ctx context.Context) error { return ctx.Err() }

// searchableText joins what a query is matched against.
func searchableText(d *Document) string {
	parts := []string{d.Name, d.Software, categoryWords(d.Category), d.Summary, d.HosterName,
		d.Commune, departementName(d.Departement), d.Region, d.PostalCode}
	return strings.Join(parts, " \n ")
}

func (e *Embedded) bleveDoc(d Document) (map[string]interface{}, error) {
	d = normalized(d)
	raw, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	m := map[string]interface{}{
		fieldText:       searchableText(&d),
		fieldDoc:        string(raw),
		fieldUpdated:    float64(d.Updated),
		fieldDemote:     strconv.Itoa(demote(&d)),
		"kind":          d.Kind,
		"category":      d.Category,
		"software":      d.Software,
		"registration":  d.Registration,
		"load":          d.Load,
		"audience":      d.Audience,
		"status":        d.Status,
		"hoster_status": d.HosterStatus,
		"departement":   d.Departement,
		"region":        d.Region,
		"languages":     d.Languages,
		fieldArea:       d.AreaDeps,
	}
	if s := radiusStep(d.AreaRadiusKm); s > 0 {
		m[fieldRadius] = formatStep(s)
		e.mu.Lock()
		e.steps[formatStep(s)] = true
		e.mu.Unlock()
	}
	if hasCoords(&d) {
		m[fieldGeo] = map[string]interface{}{"lat": *d.Lat, "lon": *d.Lon}
	}
	return m, nil
}

// Upsert implements Index, in batches.
func (e *Embedded) Upsert(ctx context.Context, docs []Document) error {
	for start := 0; start < len(docs); start += batchSize {
		if err := ctx.Err(); err != nil {
			return err
		}
		b := e.idx.NewBatch()
		for _, d := range docs[start:min(start+batchSize, len(docs))] {
			if d.ID == "" {
				return fmt.Errorf("search: embedded upsert: document without id")
			}
			m, err := e.bleveDoc(d)
			if err != nil {
				return fmt.Errorf("search: embedded upsert %q: %w", d.ID, err)
			}
			if err := b.Index(d.ID, m); err != nil {
				return fmt.Errorf("search: embedded upsert %q: %w", d.ID, err)
			}
		}
		if err := e.idx.Batch(b); err != nil {
			return fmt.Errorf("search: embedded upsert: %w", err)
		}
	}
	return nil
}

// Delete implements Index.
func (e *Embedded) Delete(ctx context.Context, ids []string) error {
	for start := 0; start < len(ids); start += batchSize {
		if err := ctx.Err(); err != nil {
			return err
		}
		b := e.idx.NewBatch()
		for _, id := range ids[start:min(start+batchSize, len(ids))] {
			b.Delete(id)
		}
		if err := e.idx.Batch(b); err != nil {
			return fmt.Errorf("search: embedded delete: %w", err)
		}
	}
	return nil
}

// IDs implements Index.
func (e *Embedded) IDs(ctx context.Context) (map[string]int64, error) {
	out := make(map[string]int64)
	var after []string
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		req := bleve.NewSearchRequestOptions(query.NewMatchAllQuery(), 10000, 0, false)
		req.SortBy([]string{"_id"})
		req.Fields = []string{fieldUpdated}
		req.Score = bleve.ScoreNone
		if after != nil {
			req.SearchAfter = after
		}
		res, err := e.idx.SearchInContext(ctx, req)
		if err != nil {
			return nil, fmt.Errorf("search: embedded ids: %w", err)
		}
		for _, h := range res.Hits {
			u, _ := h.Fields[fieldUpdated].(float64)
			out[h.ID] = int64(u)
		}
		if len(res.Hits) < 10000 {
			return out, nil
		}
		after = []string{res.Hits[len(res.Hits)-1].ID}
	}
}

// Clear implements Index.
func (e *Embedded) Clear(ctx context.Context) error {
	ids, err := e.IDs(ctx)
	if err != nil {
		return fmt.Errorf("search: embedded clear: %w", err)
	}
	all := make([]string, 0, len(ids))
	for id := range ids {
		all = append(all, id)
	}
	return e.Delete(ctx, all)
}

// Search implements Index.
func (e *Embedded) Search(ctx context.Context, q Query) (Result, error) {
	var must, mustNot []query.Query
	text := queryText(q)
	var units []queryUnit
	if text != "" {
		units = e.units(q.Text) // untrimmed: a trailing blank ends the last word
		if len(units) == 0 {
			// Only stop words: nothing can match, as in Meilisearch
			// which then returns every document.
			text = ""
		}
	}
	for _, u := range units {
		must = append(must, u.query())
	}
	must = append(must, e.filters(q)...)
	mustNot = append(mustNot, term("hoster_status", "gone"))
	if len(must) == 0 {
		must = append(must, query.NewMatchAllQuery())
	}
	bq := query.NewBooleanQuery(must, nil, mustNot)

	offset, size := pageWindow(q)
	req := bleve.NewSearchRequestOptions(bq, size, offset, false)
	req.Fields = []string{fieldDoc}
	order := bsearch.SortOrder{&bsearch.SortField{Field: fieldDemote, Type: bsearch.SortFieldAsString}}
	if len(units) > 0 {
		order = append(order, &typoTier{units: units})
		req.IncludeLocations = true
	}
	if q.Near != nil {
		gs, err := bsearch.NewSortGeoDistance(fieldGeo, "m", q.Near.Lon, q.Near.Lat, false)
		if err != nil {
			return Result{}, fmt.Errorf("search: embedded geo sort: %w", err)
		}
		order = append(order, gs)
	}
	order = append(order, &rotationSort{slot: rotationSlot(q.Seed)})
	req.SortByCustom(order)
	for _, f := range facetNames {
		req.AddFacet(f, bleve.NewFacetRequest(f, 200))
	}
	res, err := e.idx.SearchInContext(ctx, req)
	if err != nil {
		return Result{}, fmt.Errorf("search: embedded search: %w", err)
	}
	out := Result{Total: int(res.Total), Facets: emptyFacets(), Hits: make([]Hit, 0, len(res.Hits))}
	for _, h := range res.Hits {
		raw, _ := h.Fields[fieldDoc].(string)
		var d Document
		if err := json.Unmarshal([]byte(raw), &d); err != nil {
			return Result{}, fmt.Errorf("search: embedded document %q: %w", h.ID, err)
		}
		out.Hits = append(out.Hits, Hit{Document: d, DistanceKm: distance(q.Near, &d)})
	}
	for name, fr := range res.Facets {
		for _, t := range fr.Terms.Terms() {
			if t.Term != "" {
				out.Facets[name][t.Term] = t.Count
			}
		}
	}
	return out, nil
}

func term(field, value string) query.Query {
	t := query.NewTermQuery(value)
	t.SetField(field)
	return t
}

// anyOf matches documents whose field holds one of values.
func anyOf(field string, values []string) query.Query {
	qs := make([]query.Query, 0, len(values))
	for _, v := range values {
		qs = append(qs, term(field, v))
	}
	return query.NewDisjunctionQuery(qs)
}

// filters renders the facet, audience and radius filters (see rank.go).
func (e *Embedded) filters(q Query) []query.Query {
	var out []query.Query
	for _, f := range []struct {
		field  string
		values []string
	}{
		{"category", q.Categories}, {"software", q.Software}, {"registration", q.Registrations},
		{"languages", q.Languages}, {"departement", q.Departements},
	} {
		if len(f.values) > 0 {
			out = append(out, anyOf(f.field, f.values))
		}
	}
	audience := []query.Query{term("audience", "everyone")}
	if q.NearDep != "" {
		audience = append(audience, term(fieldArea, q.NearDep))
	}
	if q.Near != nil {
		for _, s := range e.usedSteps() {
			g := query.NewGeoDistanceQuery(q.Near.Lon, q.Near.Lat, formatStep(s)+"km")
			g.SetField(fieldGeo)
			audience = append(audience, query.NewConjunctionQuery([]query.Query{term(fieldRadius, formatStep(s)), g}))
		}
	}
	out = append(out, query.NewDisjunctionQuery(audience))
	if q.Near != nil && q.RadiusKm > 0 {
		g := query.NewGeoDistanceQuery(q.Near.Lon, q.Near.Lat, strconv.FormatFloat(q.RadiusKm, 'f', -1, 64)+"km")
		g.SetField(fieldGeo)
		out = append(out, g)
	}
	return out
}

// queryUnit is one word of the query, or a phrase of it found in the
// synonym table, with everything that matches it.
type queryUnit struct {
	tokens   []string   // as typed (analyzed)
	synonyms [][]string // expansions, analyzed
	prefix   bool       // last word still being typed
	exact    map[string]bool
}

// units splits the query into units: the longest phrases of the synonym
// table first, then single words.
func (e *Embedded) units(text string) []queryUnit {
	toks := e.tokens(text)
	// Meilisearch reads the first ten words of a query; so do we, which
	// also bounds the work of a long query.
	toks = toks[:min(len(toks), maxQueryWords)]
	var out []queryUnit
	for i := 0; i < len(toks); {
		n := 1
		var syn [][]string
		for l := min(e.syn.maxLen, len(toks)-i); l >= 1; l-- {
			if s, ok := e.syn.m[strings.Join(toks[i:i+l], " ")]; ok {
				n, syn = l, s
				break
			}
		}
		u := queryUnit{tokens: toks[i : i+n], synonyms: syn, exact: map[string]bool{}}
		for _, t := range u.tokens {
			u.exact[t] = true
		}
		for _, s := range syn {
			for _, t := range s {
				u.exact[t] = true
			}
		}
		out = append(out, u)
		i += n
	}
	if len(out) > 0 && len(out[len(out)-1].tokens) == 1 && !strings.HasSuffix(text, " ") {
		out[len(out)-1].prefix = true
	}
	return out
}

// typos is how many typos Meilisearch accepts in a word of this length.
func typos(word string) int {
	n := len([]rune(word))
	switch {
	case n >= 9:
		return 2
	case n >= 5:
		return 1
	}
	return 0
}

func textTerm(t string) query.Query { q := query.NewTermQuery(t); q.SetField(fieldText); return q }

func textPhrase(ts []string) query.Query {
	if len(ts) == 1 {
		return textTerm(ts[0])
	}
	return query.NewPhraseQuery(ts, fieldText)
}

// query matches the unit exactly, by a synonym, as a prefix or with typos.
func (u queryUnit) query() query.Query {
	alts := []query.Query{textPhrase(u.tokens)}
	if len(u.tokens) > 1 {
		words := make([]query.Query, 0, len(u.tokens))
		for _, t := range u.tokens {
			words = append(words, textTerm(t))
		}
		alts = append(alts, query.NewConjunctionQuery(words))
	}
	for _, s := range u.synonyms {
		alts = append(alts, textPhrase(s))
	}
	if len(u.tokens) == 1 {
		t := u.tokens[0]
		if u.prefix {
			p := query.NewPrefixQuery(t)
			p.SetField(fieldText)
			alts = append(alts, p)
		}
		if k := typos(t); k > 0 {
			f := query.NewFuzzyQuery(t)
			f.SetField(fieldText)
			f.SetFuzziness(k)
			alts = append(alts, f)
		}
	}
	return query.NewDisjunctionQuery(alts)
}

// matchedExactly reports whether a hit matched the unit without a typo.
func (u *queryUnit) matchedExactly(d *bsearch.DocumentMatch) bool {
	for _, l := range d.FieldTermLocations {
		if u.exact[l.Term] || (u.prefix && strings.HasPrefix(l.Term, u.tokens[0])) {
			return true
		}
	}
	return false
}

// synonymIndex is the synonym table in analyzed form.
type synonymIndex struct {
	m      map[string][][]string
	maxLen int
}

func buildSynonymIndex(analyze func(string) []string) synonymIndex {
	si := synonymIndex{m: map[string][][]string{}}
	for k, vs := range synonymMap() {
		kt := analyze(k)
		if len(kt) == 0 {
			continue
		}
		key := strings.Join(kt, " ")
		si.maxLen = max(si.maxLen, len(kt))
		for _, v := range vs {
			if vt := analyze(v); len(vt) > 0 && strings.Join(vt, " ") != key {
				si.m[key] = append(si.m[key], vt)
			}
		}
	}
	return si
}

// typoTier sorts hits by the number of query units matched only with a
// typo, as Meilisearch's "typo" ranking rule does.
type typoTier struct{ units []queryUnit }

func (s *typoTier) UpdateVisitor(string, []byte) {}
func (s *typoTier) Value(d *bsearch.DocumentMatch) string {
	n := 0
	for i := range s.units {
		if !s.units[i].matchedExactly(d) {
			n++
		}
	}
	return string(rune('0' + min(n, 9)))
}
func (s *typoTier) DecodeValue(v string) string { return v }
func (s *typoTier) Descending() bool            { return false }
func (s *typoTier) RequiresDocID() bool         { return false }
func (s *typoTier) RequiresScoring() bool       { return false }
func (s *typoTier) RequiresFields() []string    { return nil }
func (s *typoTier) Reverse()                    {}
func (s *typoTier) Copy() bsearch.SearchSort    { c := *s; return &c }

// rotationSort breaks ties with rotationKey, as Meilisearch sorts on the
// rot<slot> field.
type rotationSort struct{ slot int }

func (s *rotationSort) UpdateVisitor(string, []byte) {}

func (s *rotationSort) Value(d *bsearch.DocumentMatch) string {
	return fmt.Sprintf("%08x", rotationKey(s.slot, d.ID))
}
func (s *rotationSort) DecodeValue(v string) string { return v }
func (s *rotationSort) Descending() bool            { return false }
func (s *rotationSort) RequiresDocID() bool         { return true }
func (s *rotationSort) RequiresScoring() bool       { return false }
func (s *rotationSort) RequiresFields() []string    { return nil }
func (s *rotationSort) Reverse()                    {}
func (s *rotationSort) Copy() bsearch.SearchSort    { c := *s; return &c }

var _ Index = (*Embedded)(nil)
