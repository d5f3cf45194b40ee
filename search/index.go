// Package search owns finding offers: the Index interface with its
// Meilisearch and embedded backends, the indexer that follows the catalog's
// change feed, and the gazetteer that turns a French place into coordinates.
package search

import (
	"context"
	"errors"
)

// ErrUnavailable is returned (wrapped) by a backend that cannot be reached;
// callers may fall back to another backend.
var ErrUnavailable = errors.New("search: backend unavailable")

// Document is one searchable offer with its hoster denormalised into it.
// A hoster with no offer is indexed as one document of Kind "hoster" so that
// it is still findable.
type Document struct {
	ID   string `json:"id"`   // stable and URL-safe: "o<offer id>" or "h<hoster id>"
	Kind string `json:"kind"` // "offer" or "hoster"

	OfferID      int64    `json:"offer_id,omitempty"`
	OfferURL     string   `json:"offer_url,omitempty"`    // ActivityPub id of the offer
	Name         string   `json:"name"`                   // offer name (hoster name for Kind hoster)
	Summary      string   `json:"summary,omitempty"`      //
	Category     string   `json:"category,omitempty"`     // catalog.Categories
	Software     string   `json:"software,omitempty"`     // "Nextcloud"
	Registration string   `json:"registration,omitempty"` // none, free, member, client
	Load         string   `json:"load,omitempty"`         // open, full
	Audience     string   `json:"audience,omitempty"`     // everyone, local
	AreaDeps     []string `json:"area_departements,omitempty"`
	AreaRadiusKm float64  `json:"area_radius_km,omitempty"`
	Languages    []string `json:"languages,omitempty"`
	Status       string   `json:"status,omitempty"` // offer status
	ServiceURL   string   `json:"url,omitempty"`
	Price        string   `json:"price,omitempty"`

	HosterID      int64    `json:"hoster_id"`
	HosterActor   string   `json:"hoster_actor"`
	HosterAcct    string   `json:"hoster_acct"`
	HosterName    string   `json:"hoster_name"`
	HosterSummary string   `json:"hoster_summary,omitempty"`
	HosterStatus  string   `json:"hoster_status"` // active, down, gone
	Commune       string   `json:"commune,omitempty"`
	PostalCode    string   `json:"postal_code,omitempty"`
	Departement   string   `json:"departement,omitempty"`
	Region        string   `json:"region,omitempty"`
	Lat           *float64 `json:"lat,omitempty"`
	Lon           *float64 `json:"lon,omitempty"`
	MemberSince   string   `json:"member_since,omitempty"`
	// CharterScore is the share (0..1) of "yes" among the required
	// commitments the hoster answered yes, partial or no; CharterRequired
	// and CharterAnswered say how many there are and how many have an
	// answer, so that a missing answer never reads as a failure. Shown,
	// never used to rank.
	CharterScore    float64 `json:"charter_score"`
	CharterRequired int     `json:"charter_required"`
	CharterAnswered int     `json:"charter_answered"`
	// Updated is the unix time (seconds) of the latest change to the offer,
	// its hoster or its declaration: what `portee reindex --check` compares.
	Updated int64 `json:"updated"`

	// HosterSource: portee (a signed node), chatonsinfos or librehosters.
	HosterSource string `json:"hoster_source,omitempty"`
}

// Point is a WGS84 position.
type Point struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

// Query is a resolved search request: the place is already a Point.
type Query struct {
	Text          string
	Near          *Point   // nil: no geographic ordering
	NearDep       string   // département of the resolved place, for local audiences
	RadiusKm      float64  // 0: no radius filter
	Categories    []string // OR within a facet, AND across facets; an offer matches by its category or a service of its software
	Software      []string
	Registrations []string
	Languages     []string
	Departements  []string
	Page          int    // 1-based
	PerPage       int    // capped by the caller
	Seed          string // tie rotation seed; stable within a day
	// Prefix: the last word is being typed and matches as a prefix too
	// (an interactive search). A submitted query is made of whole words.
	Prefix bool
}

// Hit is one result.
type Hit struct {
	Document   Document `json:"document"`
	DistanceKm *float64 `json:"distance_km,omitempty"`
}

// Result is one page of results. Facets maps a facet name ("category",
// "software", "registration", "departement") to value → count over all
// matching documents, not only the page.
type Result struct {
	Hits   []Hit                     `json:"hits"`
	Total  int                       `json:"total"`
	Facets map[string]map[string]int `json:"facets"`
}

// Index is implemented by the Meilisearch and the embedded backends; both
// pass the same contract suite (searchtest).
type Index interface {
	// Configure applies settings (searchable, filterable, sortable
	// attributes, synonyms, stop words, typo tolerance). Idempotent.
	Configure(ctx context.Context) error
	// Upsert adds or replaces documents by ID.
	Upsert(ctx context.Context, docs []Document) error
	// Delete removes documents by ID; unknown IDs are not an error.
	Delete(ctx context.Context, ids []string) error
	// Search answers a query.
	Search(ctx context.Context, q Query) (Result, error)
	// IDs lists every indexed document id with its Updated value, for
	// `portee reindex --check`.
	IDs(ctx context.Context) (map[string]int64, error)
	// Clear removes every document.
	Clear(ctx context.Context) error
	// Name is "meilisearch" or "embedded".
	Name() string
	Close() error
}
