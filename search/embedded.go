package search

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
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
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
)

// Embedded is the in-process backend: Bleve (a scorch index on disk, or in
// memory) keeps the documents, and a compact copy in memory, rebuilt when
// the index opens, answers the queries (embedded_mem.go). It needs no
// set-up, serves a directory of 100k offers in milliseconds, and is the
// fallback when Meilisearch is down.
type Embedded struct {
	idx      bleve.Index
	analyzer analysis.Analyzer
	syn      synonymIndex

	// mem answers queries (embedded_mem.go); Bleve stores the documents.
	mem *memIndex
	// wmu orders writes, so that Bleve and mem apply them in one order.
	wmu sync.Mutex
	// running admits as many queries at once as there are processors:
	// a query is pure CPU, and more of them at once only share the cores
	// unfairly (the Go scheduler lets some wait several time slices while
	// others finish), which makes the slowest latencies long. Waiting
	// queries queue in arrival order instead.
	running chan struct{}
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
	e := &Embedded{idx: idx, running: make(chan struct{}, runtime.GOMAXPROCS(0))}
	e.analyzer = idx.Mapping().AnalyzerNamed(textAnalyzer)
	if e.analyzer == nil {
		idx.Close()
		return nil, fmt.Errorf("search: embedded index %q: analyzer %s missing", dir, textAnalyzer)
	}
	e.syn = buildSynonymIndex(e.tokens)
	if err := e.load(); err != nil {
		idx.Close()
		return nil, fmt.Errorf("search: embedded index %q: %w", dir, err)
	}
	return e, nil
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

// textParts are what a query is matched against, by weight (relevance.go):
// what the offer is, its summary without negated mentions, the hoster's
// name (part hosterPart), the hoster's place.
func textParts(d *Document) []string {
	return []string{offerName(d) + " \n " + d.Software + " \n " + serviceText(d), withoutNegated(d.Summary), d.HosterName,
		strings.Join([]string{d.Commune, departementName(d.Departement), d.Region, d.PostalCode}, " \n ")}
}

// hosterPart is the index of the hoster's name in textParts.
const hosterPart = 2

// searchableText joins what a query is matched against.
func searchableText(d *Document) string { return strings.Join(textParts(d), " \n ") }

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
	}
	if hasCoords(&d) {
		m[fieldGeo] = map[string]interface{}{"lat": *d.Lat, "lon": *d.Lon}
	}
	return m, nil
}

// Upsert implements Index, in batches.
func (e *Embedded) Upsert(ctx context.Context, docs []Document) error {
	e.wmu.Lock()
	defer e.wmu.Unlock()
	for start := 0; start < len(docs); start += batchSize {
		if err := ctx.Err(); err != nil {
			return err
		}
		part := docs[start:min(start+batchSize, len(docs))]
		b := e.idx.NewBatch()
		norm := make([]Document, 0, len(part))
		texts := make([]memText, 0, len(part))
		for _, d := range part {
			if d.ID == "" {
				return fmt.Errorf("search: embedded upsert: document without id")
			}
			d = normalized(d)
			m, err := e.bleveDoc(d)
			if err != nil {
				return fmt.Errorf("search: embedded upsert %q: %w", d.ID, err)
			}
			if err := b.Index(d.ID, m); err != nil {
				return fmt.Errorf("search: embedded upsert %q: %w", d.ID, err)
			}
			norm = append(norm, d)
			texts = append(texts, e.memText(&d))
		}
		if err := e.idx.Batch(b); err != nil {
			return fmt.Errorf("search: embedded upsert: %w", err)
		}
		e.mem.mu.Lock()
		for i := range norm {
			e.mem.put(&norm[i], texts[i])
		}
		e.mem.compact()
		e.mem.mu.Unlock()
	}
	return nil
}

// Delete implements Index.
func (e *Embedded) Delete(ctx context.Context, ids []string) error {
	e.wmu.Lock()
	defer e.wmu.Unlock()
	for start := 0; start < len(ids); start += batchSize {
		if err := ctx.Err(); err != nil {
			return err
		}
		part := ids[start:min(start+batchSize, len(ids))]
		b := e.idx.NewBatch()
		for _, id := range part {
			b.Delete(id)
		}
		if err := e.idx.Batch(b); err != nil {
			return fmt.Errorf("search: embedded delete: %w", err)
		}
		e.mem.mu.Lock()
		e.mem.remove(part)
		e.mem.compact()
		e.mem.mu.Unlock()
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
	if err := e.Delete(ctx, all); err != nil {
		return err
	}
	e.wmu.Lock()
	e.mem.mu.Lock()
	e.mem.clear()
	e.mem.mu.Unlock()
	e.wmu.Unlock()
	return nil
}

// memText analyzes a document's text as Bleve does, keeping positions,
// part by part with a gap between parts (a phrase does not span two), and
// notes where the hoster's name is.
func (e *Embedded) memText(d *Document) memText {
	var out memText
	for i, part := range textParts(d) {
		if i > 0 {
			out.terms = append(out.terms, "")
		}
		if i == hosterPart {
			out.hFrom = len(out.terms)
		}
		base := len(out.terms)
		for _, t := range e.analyzer.Analyze([]byte(part)) {
			p := base + t.Position - 1
			for len(out.terms) < p {
				out.terms = append(out.terms, "")
			}
			if len(out.terms) == p {
				out.terms = append(out.terms, string(t.Term))
			}
		}
		if i == hosterPart {
			out.hTo = len(out.terms)
		}
	}
	return out
}

// load rebuilds the in-memory engine from the stored documents.
func (e *Embedded) load() error {
	e.mem = newMemIndex()
	var after []string
	for {
		req := bleve.NewSearchRequestOptions(query.NewMatchAllQuery(), 10000, 0, false)
		req.SortBy([]string{"_id"})
		req.Fields = []string{fieldDoc}
		req.Score = bleve.ScoreNone
		if after != nil {
			req.SearchAfter = after
		}
		res, err := e.idx.Search(req)
		if err != nil {
			return fmt.Errorf("load documents: %w", err)
		}
		for _, h := range res.Hits {
			raw, _ := h.Fields[fieldDoc].(string)
			var d Document
			if err := json.Unmarshal([]byte(raw), &d); err != nil {
				return fmt.Errorf("load document %q: %w", h.ID, err)
			}
			d = normalized(d)
			e.mem.put(&d, e.memText(&d))
		}
		if len(res.Hits) < 10000 {
			return nil
		}
		after = []string{res.Hits[len(res.Hits)-1].ID}
	}
}

// Search implements Index: memory picks the page, Bleve gives its
// documents.
func (e *Embedded) Search(ctx context.Context, q Query) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	var units []queryUnit
	if queryText(q) != "" {
		// Untrimmed: a trailing blank ends the last word. A query of stop
		// words only has no unit and browses, as in Meilisearch.
		units = e.units(q)
	}
	select {
	case e.running <- struct{}{}:
	case <-ctx.Done():
		return Result{}, fmt.Errorf("search: embedded search: %w", ctx.Err())
	}
	defer func() { <-e.running }()
	r := e.mem.search(q, units)
	out := Result{Total: r.total, Facets: r.facets, Hits: make([]Hit, 0, len(r.ids))}
	for _, id := range r.ids {
		d, ok, err := e.document(id)
		if err != nil {
			return Result{}, fmt.Errorf("search: embedded search: %w", err)
		}
		if !ok {
			continue // deleted since memory was read
		}
		out.Hits = append(out.Hits, Hit{Document: d, DistanceKm: distance(q.Near, &d)})
	}
	return out, nil
}

// document reads a stored document.
func (e *Embedded) document(id string) (Document, bool, error) {
	doc, err := e.idx.Document(id)
	if err != nil {
		return Document{}, false, fmt.Errorf("document %q: %w", id, err)
	}
	if doc == nil {
		return Document{}, false, nil
	}
	var raw []byte
	doc.VisitFields(func(f index.Field) {
		if f.Name() == fieldDoc {
			raw = f.Value()
		}
	})
	var d Document
	if err := json.Unmarshal(raw, &d); err != nil {
		return Document{}, false, fmt.Errorf("document %q: %w", id, err)
	}
	return d, true, nil
}

// queryUnit is one word of the query, or a phrase of it found in the
// synonym table or the vocabulary, with everything that matches it.
type queryUnit struct {
	tokens   []string   // as typed (analyzed)
	synonyms [][]string // expansions, analyzed
	prefix   bool       // last word still being typed (Query.Prefix)
	cats, sw []string   // services and software it names (relevance.go)
}

func (u *queryUnit) names() bool { return len(u.cats) > 0 || len(u.sw) > 0 }

// units splits the query into units: the longest phrases of the synonym
// table first, then single words.
func (e *Embedded) units(q Query) []queryUnit {
	toks := e.tokens(q.Text)
	// Meilisearch reads the first ten words of a query; so do we, which
	// also bounds the work of a long query.
	toks = toks[:min(len(toks), maxQueryWords)]
	var out []queryUnit
	for _, r := range splitUnits(toks, func(k string) bool { _, ok := e.syn.m[k]; return ok }) {
		key := strings.Join(toks[r[0]:r[1]], " ")
		v := vocab[key]
		out = append(out, queryUnit{tokens: toks[r[0]:r[1]], synonyms: e.syn.m[key], cats: v.cats, sw: v.sw})
	}
	if q.Prefix && len(out) > 0 && len(out[len(out)-1].tokens) == 1 && !strings.HasSuffix(q.Text, " ") {
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

var _ Index = (*Embedded)(nil)
