package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/meilisearch/meilisearch-go"
)

// Meili is the Meilisearch backend, for a large directory or several
// processes sharing one index.
type Meili struct {
	client meilisearch.ServiceManager
	index  meilisearch.IndexManager
	uid    string

	mu         sync.Mutex
	configured bool

	// writeMu serialises document additions: meilisearch-go records the
	// primary key option on the shared index object without a lock, so
	// two concurrent Upserts (an indexer's Run and a CatchUp) race.
	writeMu sync.Mutex

	facets *facetCache
}

// taskPoll is how often a write waits on its Meilisearch task.
const taskPoll = 15 * time.Millisecond

// NewMeili prepares a client of the Meilisearch at rawURL; it does not
// contact the server (Configure does).
func NewMeili(rawURL, key, indexName string) (*Meili, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("search: meilisearch url %q: want http(s)://host[:port]", rawURL)
	}
	if indexName == "" || strings.ContainsFunc(indexName, func(r rune) bool {
		return !(r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) {
		return nil, fmt.Errorf("search: meilisearch index name %q: want letters, digits, - and _", indexName)
	}
	c := meilisearch.New(strings.TrimRight(rawURL, "/"), meilisearch.WithAPIKey(key),
		meilisearch.WithCustomClient(&http.Client{Transport: meiliTransport()}))
	return &Meili{client: c, index: c.Index(indexName), uid: indexName, facets: newFacetCache()}, nil
}

// meiliTransport is the client's default transport without response
// compression. With it, Meilisearch sends a search answer of more than a
// few hits gzip-compressed in chunks, and the last chunk waits for the
// delayed ACK of the first (Nagle): 40 ms added to each query on Linux,
// measured at 10k and 100k offers, while the answers are a few kilobytes
// on a local network.
func meiliTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   100,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		DisableCompression:    true,
	}
}

// Name implements Index.
func (m *Meili) Name() string { return "meilisearch" }

// IndexName is the Meilisearch index uid.
func (m *Meili) IndexName() string { return m.uid }

// Close implements Index.
func (m *Meili) Close() error { m.client.Close(); return nil }

// unavailable wraps err with ErrUnavailable when Meilisearch could not be
// reached or answered with a server error, so that callers may fall back.
func (m *Meili) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var me *meilisearch.Error
	if errors.As(err, &me) {
		if me.ErrCode == meilisearch.MeilisearchCommunicationError || me.ErrCode == meilisearch.MeilisearchTimeoutError ||
			me.StatusCode >= 500 {
			return fmt.Errorf("search: meilisearch %s: %w: %s", op, ErrUnavailable, shortErr(me))
		}
		return fmt.Errorf("search: meilisearch %s: %s", op, shortErr(me))
	}
	return fmt.Errorf("search: meilisearch %s: %w", op, err)
}

// shortErr keeps the useful part of a client error (its full text repeats
// the request body).
func shortErr(e *meilisearch.Error) string {
	if e.MeilisearchApiError.Message != "" {
		return fmt.Sprintf("%d %s: %s", e.StatusCode, e.MeilisearchApiError.Code, e.MeilisearchApiError.Message)
	}
	if e.OriginError != nil {
		return e.OriginError.Error()
	}
	return fmt.Sprintf("status %d", e.StatusCode)
}

// wait waits for a task and turns its failure into an error.
func (m *Meili) wait(ctx context.Context, op string, ti *meilisearch.TaskInfo, err error) error {
	if err != nil {
		return m.wrap(op, err)
	}
	t, err := m.client.WaitForTaskWithContext(ctx, ti.TaskUID, taskPoll)
	if err != nil {
		return m.wrap(op, err)
	}
	if t.Status != meilisearch.TaskStatusSucceeded {
		return fmt.Errorf("search: meilisearch %s: task %d %s: %s %s", op, t.UID, t.Status, t.Error.Code, t.Error.Message)
	}
	return nil
}

func rotField(slot int) string { return "rot" + strconv.Itoa(slot) }

// rankingRules: see rank.go. The "sort" rule carries the distance and the
// rotation, so the rules after it only order exact duplicates. Tiers
// (relevance.go) are not a rule: each tier is a query of its own (Search).
var rankingRules = []string{"demote:asc", "words", "typo", "sort", "proximity", "attribute", "exactness"}

// searchable are the searched fields, by weight (relevance.go); the
// offer's summary and name are searched in forms of their own
// (summary_text without negated mentions, offer_name empty for a hoster).
var searchable = []string{"offer_name", "software", "category_text", "summary_text", "hoster_name",
	"commune", "departement_name", "region", "postal_code"}

// searchableNoHoster is searchable without the hoster's name, for a query
// of service words only.
var searchableNoHoster = slices.DeleteFunc(slices.Clone(searchable), func(a string) bool { return a == "hoster_name" })

func meiliSettings() *meilisearch.Settings {
	sortable := []string{"_geo"}
	for i := 0; i < rotationSlots; i++ {
		sortable = append(sortable, rotField(i))
	}
	return &meilisearch.Settings{
		RankingRules:         rankingRules,
		SearchableAttributes: searchable,
		FilterableAttributes: []string{"_geo", "kind", "category", "software", "registration", "load",
			"audience", "status", "hoster_status", "departement", "region", "languages",
			"area_departements", "radius_step", "services", "software_key"},
		SortableAttributes: sortable,
		StopWords:          stopWords,
		Synonyms:           synonymMap(),
		TypoTolerance: &meilisearch.TypoTolerance{
			Enabled:             true,
			MinWordSizeForTypos: meilisearch.MinWordSizeForTypos{OneTypo: 5, TwoTypos: 9},
			DisableOnWords:      []string{},
			DisableOnAttributes: []string{},
		},
		Faceting:   &meilisearch.Faceting{MaxValuesPerFacet: 200},
		Pagination: &meilisearch.Pagination{MaxTotalHits: maxResults},
	}
}

// maxResults is the deepest result a query can page to, on both backends.
const maxResults = 1000

// Configure implements Index: creates the index and applies the settings,
// waiting for both tasks. Settings equal to the current ones cost nothing.
func (m *Meili) Configure(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.configureLocked(ctx)
}

func (m *Meili) configureLocked(ctx context.Context) error {
	ti, err := m.client.CreateIndexWithContext(ctx, &meilisearch.IndexConfig{Uid: m.uid, PrimaryKey: "id"})
	if err != nil {
		return m.wrap("create index", err)
	}
	t, err := m.client.WaitForTaskWithContext(ctx, ti.TaskUID, taskPoll)
	if err != nil {
		return m.wrap("create index", err)
	}
	if t.Status != meilisearch.TaskStatusSucceeded && t.Error.Code != "index_already_exists" {
		return fmt.Errorf("search: meilisearch create index %q: %s", m.uid, t.Error.Message)
	}
	m.facets.invalidate()
	defer m.facets.invalidate()
	before, err := m.index.GetSettingsWithContext(ctx)
	if err != nil {
		return m.wrap("settings", err)
	}
	ti, err = m.index.UpdateSettingsWithContext(ctx, meiliSettings())
	if err := m.wait(ctx, "settings", ti, err); err != nil {
		return err
	}
	// An index made with other searchable fields holds documents without
	// the fields these rules search (offer_name, summary_text, services…):
	// rewrite them from what they store, as a reindex would.
	if !slices.Equal(before.SearchableAttributes, searchable) && !slices.Equal(before.SearchableAttributes, []string{"*"}) {
		if err := m.rewriteLocked(ctx); err != nil {
			return err
		}
	}
	m.configured = true
	return nil
}

// rewriteLocked re-adds every document, derived again from its stored
// Document fields.
func (m *Meili) rewriteLocked(ctx context.Context) error {
	const page = 1000
	pk := "id"
	for off := int64(0); ; off += page {
		var res meilisearch.DocumentsResult
		if err := m.index.GetDocumentsWithContext(ctx, &meilisearch.DocumentsQuery{Offset: off, Limit: page}, &res); err != nil {
			return m.wrap("rewrite documents", err)
		}
		var docs []Document
		if err := res.Results.DecodeInto(&docs); err != nil {
			return fmt.Errorf("search: meilisearch rewrite documents: %w", err)
		}
		if len(docs) > 0 {
			md := make([]meiliDoc, 0, len(docs))
			for _, d := range docs {
				md = append(md, toMeili(d))
			}
			m.writeMu.Lock()
			ti, err := m.index.AddDocumentsWithContext(ctx, md, &meilisearch.DocumentOptions{PrimaryKey: &pk})
			m.writeMu.Unlock()
			if err := m.wait(ctx, "rewrite documents", ti, err); err != nil {
				return err
			}
		}
		if int64(len(docs)) < page {
			return nil
		}
	}
}

// ensure configures the index before its first use, so that documents
// written while Meilisearch was down at start-up never land in an index
// created with default settings.
func (m *Meili) ensure(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.configured {
		return nil
	}
	return m.configureLocked(ctx)
}

// Drop deletes the whole index (tests, and `portee reindex` of a renamed
// index).
func (m *Meili) Drop(ctx context.Context) error {
	m.mu.Lock()
	m.configured = false
	m.mu.Unlock()
	m.facets.invalidate()
	defer m.facets.invalidate()
	ti, err := m.client.DeleteIndexWithContext(ctx, m.uid)
	if err != nil {
		return m.wrap("drop index", err)
	}
	t, err := m.client.WaitForTaskWithContext(ctx, ti.TaskUID, taskPoll)
	if err != nil {
		return m.wrap("drop index", err)
	}
	if t.Status != meilisearch.TaskStatusSucceeded && t.Error.Code != "index_not_found" {
		return fmt.Errorf("search: meilisearch drop index %q: %s", m.uid, t.Error.Message)
	}
	return nil
}

type meiliGeo struct {
	Lat float64 `json:"lat"`
	Lng float64 `json:"lng"`
}

// meiliDoc is a Document with what Meilisearch needs to filter and rank it.
type meiliDoc struct {
	Document
	Geo *meiliGeo `json:"_geo,omitempty"`
	// Every searchable field is sent, empty or not: Meilisearch refuses
	// attributesToSearchOn naming a field no document has.
	Software        string   `json:"software"`
	Commune         string   `json:"commune"`
	PostalCode      string   `json:"postal_code"`
	Region          string   `json:"region"`
	CategoryText    string   `json:"category_text"`
	OfferName       string   `json:"offer_name"`
	SummaryText     string   `json:"summary_text"`
	Services        []string `json:"services,omitempty"`
	SoftwareKey     string   `json:"software_key,omitempty"`
	DepartementName string   `json:"departement_name"`
	Demote          int      `json:"demote"`
	RadiusStep      float64  `json:"radius_step,omitempty"`
	Rot0            uint32   `json:"rot0"`
	Rot1            uint32   `json:"rot1"`
	Rot2            uint32   `json:"rot2"`
	Rot3            uint32   `json:"rot3"`
	Rot4            uint32   `json:"rot4"`
	Rot5            uint32   `json:"rot5"`
	Rot6            uint32   `json:"rot6"`
	Rot7            uint32   `json:"rot7"`
}

func toMeili(d Document) meiliDoc {
	d = normalized(d)
	md := meiliDoc{Document: d, CategoryText: serviceText(&d), DepartementName: departementName(d.Departement),
		Demote: demote(&d), RadiusStep: radiusStep(d.AreaRadiusKm), OfferName: offerName(&d),
		SummaryText: withoutNegated(d.Summary), Services: servicesOf(&d), SoftwareKey: softwareKey(d.Software),
		Software: d.Software, Commune: d.Commune, PostalCode: d.PostalCode, Region: d.Region}
	if hasCoords(&d) {
		md.Geo = &meiliGeo{Lat: *d.Lat, Lng: *d.Lon}
	}
	rots := []*uint32{&md.Rot0, &md.Rot1, &md.Rot2, &md.Rot3, &md.Rot4, &md.Rot5, &md.Rot6, &md.Rot7}
	for i, p := range rots {
		*p = rotationKey(i, d.ID)
	}
	return md
}

// Upsert implements Index.
func (m *Meili) Upsert(ctx context.Context, docs []Document) error {
	if len(docs) == 0 {
		return nil
	}
	if err := m.ensure(ctx); err != nil {
		return err
	}
	m.facets.invalidate()
	defer m.facets.invalidate()
	pk := "id"
	// Enqueue every batch, then wait: Meilisearch merges consecutive
	// additions into one indexing run. Tasks run in order, so when the
	// last one is done all are; each is still checked for failure.
	var tasks []*meilisearch.TaskInfo
	m.writeMu.Lock()
	defer m.writeMu.Unlock()
	for start := 0; start < len(docs); start += batchSize {
		part := docs[start:min(start+batchSize, len(docs))]
		md := make([]meiliDoc, 0, len(part))
		for _, d := range part {
			if d.ID == "" {
				return fmt.Errorf("search: meilisearch upsert: document without id")
			}
			md = append(md, toMeili(d))
		}
		ti, err := m.index.AddDocumentsWithContext(ctx, md, &meilisearch.DocumentOptions{PrimaryKey: &pk})
		if err != nil {
			return m.wrap("upsert", err)
		}
		tasks = append(tasks, ti)
	}
	for i := len(tasks) - 1; i >= 0; i-- {
		if err := m.wait(ctx, "upsert", tasks[i], nil); err != nil {
			return err
		}
	}
	return nil
}

// Delete implements Index.
func (m *Meili) Delete(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	if err := m.ensure(ctx); err != nil {
		return err
	}
	m.facets.invalidate()
	defer m.facets.invalidate()
	for start := 0; start < len(ids); start += batchSize {
		ti, err := m.index.DeleteDocumentsWithContext(ctx, ids[start:min(start+batchSize, len(ids))], nil)
		if err := m.wait(ctx, "delete", ti, err); err != nil {
			return err
		}
	}
	return nil
}

// Clear implements Index.
func (m *Meili) Clear(ctx context.Context) error {
	if err := m.ensure(ctx); err != nil {
		return err
	}
	m.facets.invalidate()
	defer m.facets.invalidate()
	ti, err := m.index.DeleteAllDocumentsWithContext(ctx, nil)
	return m.wait(ctx, "clear", ti, err)
}

// IDs implements Index.
func (m *Meili) IDs(ctx context.Context) (map[string]int64, error) {
	if err := m.ensure(ctx); err != nil {
		return nil, err
	}
	out := make(map[string]int64)
	const page = 5000
	for off := int64(0); ; off += page {
		var res meilisearch.DocumentsResult
		err := m.index.GetDocumentsWithContext(ctx, &meilisearch.DocumentsQuery{
			Offset: off, Limit: page, Fields: []string{"id", "updated"},
		}, &res)
		if err != nil {
			return nil, m.wrap("list ids", err)
		}
		var rows []struct {
			ID      string `json:"id"`
			Updated int64  `json:"updated"`
		}
		if err := res.Results.DecodeInto(&rows); err != nil {
			return nil, fmt.Errorf("search: meilisearch list ids: %w", err)
		}
		for _, r := range rows {
			out[r.ID] = r.Updated
		}
		if int64(len(rows)) < page {
			return out, nil
		}
	}
}

// quote renders a filter value.
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

func inFilter(field string, values []string) string {
	qs := make([]string, len(values))
	for i, v := range values {
		qs[i] = quote(v)
	}
	return field + " IN [" + strings.Join(qs, ", ") + "]"
}

func geoRadius(p *Point, km float64) string {
	return fmt.Sprintf("_geoRadius(%s, %s, %s)", strconv.FormatFloat(p.Lat, 'f', -1, 64),
		strconv.FormatFloat(p.Lon, 'f', -1, 64), strconv.FormatFloat(km*1000, 'f', 0, 64))
}

// meiliFilter renders the filters of q (see rank.go for the rules).
func meiliFilter(q Query) string {
	parts := []string{`hoster_status != "gone"`}
	for _, f := range []struct {
		field  string
		values []string
	}{
		{"services", q.Categories}, {"software", q.Software}, {"registration", q.Registrations},
		{"languages", q.Languages}, {"departement", q.Departements},
	} {
		if len(f.values) > 0 {
			parts = append(parts, inFilter(f.field, f.values))
		}
	}
	audience := []string{`audience = "everyone"`}
	if q.NearDep != "" {
		audience = append(audience, "area_departements = "+quote(q.NearDep))
	}
	if q.Near != nil {
		for _, s := range radiusSteps {
			audience = append(audience, fmt.Sprintf("(radius_step = %s AND %s)", formatStep(s), geoRadius(q.Near, s)))
		}
	}
	parts = append(parts, "("+strings.Join(audience, " OR ")+")")
	if q.Near != nil && q.RadiusKm > 0 {
		parts = append(parts, geoRadius(q.Near, q.RadiusKm))
	}
	return strings.Join(parts, " AND ")
}

// tierFilter is the filter of the first tier of units (relevance.go), ""
// when no unit names a service or a software.
func tierFilter(units []planUnit) string {
	var conds []string
	for i := range units {
		u := &units[i]
		if !u.names() {
			continue
		}
		var or []string
		if len(u.cats) > 0 {
			or = append(or, inFilter("services", u.cats))
		}
		if len(u.sw) > 0 {
			or = append(or, inFilter("software_key", u.sw))
		}
		conds = append(conds, "("+strings.Join(or, " OR ")+")")
	}
	return strings.Join(conds, " AND ")
}

// meiliText is the text Meilisearch receives: a trailing blank ends the
// last word, so that it is not matched as a prefix unless q.Prefix.
func meiliText(q Query) string {
	t := strings.TrimLeftFunc(q.Text, unicode.IsSpace)
	if !q.Prefix && strings.TrimSpace(t) != "" && !strings.HasSuffix(t, " ") {
		t += " "
	}
	return t
}

// meiliRequest builds the search request of q, all tiers together; the
// benchmarks send the same request to measure Meilisearch alone.
func meiliRequest(q Query) *meilisearch.SearchRequest {
	offset, size := pageWindow(q)
	var sort []string
	if q.Near != nil {
		sort = append(sort, fmt.Sprintf("_geoPoint(%s, %s):asc",
			strconv.FormatFloat(q.Near.Lat, 'f', -1, 64), strconv.FormatFloat(q.Near.Lon, 'f', -1, 64)))
	}
	sort = append(sort, rotField(rotationSlot(q.Seed))+":asc")
	// Page mode (not offset/limit) makes Meilisearch count every match
	// instead of estimating, so Total agrees with the embedded engine.
	per := int64(size)
	req := &meilisearch.SearchRequest{
		Query:            meiliText(q),
		Page:             int64(offset/size) + 1,
		HitsPerPage:      &per,
		Filter:           meiliFilter(q),
		Facets:           meiliFacets,
		Sort:             sort,
		MatchingStrategy: meilisearch.All,
	}
	if serviceOnly(planText(q.Text)) {
		req.AttributesToSearchOn = searchableNoHoster
	}
	return req
}

// meiliFacets are the facets asked of Meilisearch: facetNames, with
// "services" for "service".
var meiliFacets = []string{"category", "software", "registration", "departement", "services"}

type meiliResponse struct {
	Hits               []Document                `json:"hits"`
	EstimatedTotalHits int                       `json:"estimatedTotalHits"`
	TotalHits          *int                      `json:"totalHits"`
	FacetDistribution  map[string]map[string]int `json:"facetDistribution"`
}

// Search implements Index. A query whose words name a service or a
// software is two queries, one per tier (relevance.go): the first tier's
// hits, then the second's, as one list.
func (m *Meili) Search(ctx context.Context, q Query) (Result, error) {
	if err := m.ensure(ctx); err != nil {
		return Result{}, err
	}
	req := meiliRequest(q)
	tier := tierFilter(planText(q.Text))
	if tier == "" {
		hits, total, facets, err := m.run(ctx, req)
		if err != nil {
			return Result{}, err
		}
		return m.result(q, hits, total, facets), nil
	}
	base := req.Filter.(string)
	first, second := *req, *req
	first.Filter = base + " AND (" + tier + ")"
	second.Filter = base + " AND NOT (" + tier + ")"
	offset, size := pageWindow(q)
	// The second tier's first page gives its count and facets, and on the
	// first page the hits that follow the first tier's. Both requests go
	// at once.
	second.Page = 1
	type answer struct {
		hits   []Document
		total  int
		facets map[string]map[string]int
		err    error
	}
	other := make(chan answer, 1)
	go func() {
		var a answer
		a.hits, a.total, a.facets, a.err = m.run(ctx, &second)
		other <- a
	}()
	hits, total0, facets, err := m.run(ctx, &first)
	a := <-other
	if err != nil {
		return Result{}, err
	}
	if a.err != nil {
		return Result{}, a.err
	}
	more, total1, facets1 := a.hits, a.total, a.facets
	if need := size - len(hits); need > 0 && total1 > 0 && offset+len(hits) < maxResults {
		skip := max(0, offset-total0)
		if skip > 0 || len(more) < min(need, total1) {
			rest := second
			rest.Page, rest.HitsPerPage, rest.Offset, rest.Limit = 0, nil, int64(skip), int64(need)
			rest.Facets = nil
			more, _, _, err = m.run(ctx, &rest)
			if err != nil {
				return Result{}, err
			}
		}
		hits = append(hits, more[:min(need, len(more))]...)
	}
	for name, values := range facets1 {
		if facets[name] == nil {
			facets[name] = map[string]int{}
		}
		for v, n := range values {
			facets[name][v] += n
		}
	}
	return m.result(q, hits, total0+total1, facets), nil
}

func (m *Meili) result(q Query, hits []Document, total int, facets map[string]map[string]int) Result {
	out := Result{Total: total, Facets: facets, Hits: make([]Hit, 0, len(hits))}
	for _, d := range hits {
		out.Hits = append(out.Hits, Hit{Document: d, DistanceKm: distance(q.Near, &d)})
	}
	return out
}

// run sends one request; facet counts come from the cache when they are
// there (and are then not asked of Meilisearch).
func (m *Meili) run(ctx context.Context, req *meilisearch.SearchRequest) ([]Document, int, map[string]map[string]int, error) {
	filter, _ := req.Filter.(string)
	key := facetKey(req.Query+"\x00"+strings.Join(req.AttributesToSearchOn, ","), filter)
	wantFacets := req.Facets != nil
	facets, gen, cached := m.facets.get(key)
	if cached || !wantFacets {
		r := *req
		r.Facets = nil
		req = &r
	}
	raw, err := m.index.SearchRawWithContext(ctx, req.Query, req)
	if err != nil {
		return nil, 0, nil, m.wrap("search", err)
	}
	var r meiliResponse
	if err := json.Unmarshal(*raw, &r); err != nil {
		return nil, 0, nil, fmt.Errorf("search: meilisearch search: decode: %w", err)
	}
	total := r.EstimatedTotalHits
	if r.TotalHits != nil {
		total = *r.TotalHits
	}
	if cached || !wantFacets {
		return r.Hits, total, facets, nil
	}
	facets = emptyFacets()
	for name, values := range r.FacetDistribution {
		if name == "services" {
			name = "service"
		}
		if _, ok := facets[name]; !ok {
			continue
		}
		for v, n := range values {
			facets[name][v] = n
		}
	}
	m.facets.put(key, gen, facets)
	return r.Hits, total, facets, nil
}

var _ Index = (*Meili)(nil)
