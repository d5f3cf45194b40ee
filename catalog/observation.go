package catalog

import (
	"database/sql/driver"
	_ "embed"
	"fmt"
	"sync"
	"time"

	"gopkg.in/yaml.v3"
)

// Observation kinds: what the observatory checks on a hoster's public sites.
const (
	KindReachability  = "reachability"   // HTTP status and response time
	KindHTTPSRedirect = "https-redirect" // plain HTTP sends to HTTPS
	KindTLS           = "tls"            // certificate chain, name, expiry; protocol
	KindHSTS          = "hsts"           // Strict-Transport-Security
	KindThirdParty    = "third-party"    // a resource from outside the hoster's domains
	KindCookie        = "cookie"         // set on the first visit, without interaction
	KindSoftware      = "software"       // what the site says it runs
	KindDocument      = "document"       // legal notice, evidence links
	KindChatonsInfos  = "chatonsinfos"   // a ChatonsInfos file is published
	KindRobots        = "robots"         // robots.txt forbids us a page
	KindOptedOut      = "opted-out"      // the hoster refuses observation
)

// Finding statuses: a problem can contradict a declaration, info never does.
const (
	FindingOK      = "ok"
	FindingProblem = "problem"
	FindingInfo    = "info"
)

// Observation methods: how a finding was made.
const (
	MethodHTTP    = "http"    // plain requests (status, TLS, headers, well-known endpoints)
	MethodHTML    = "html"    // parsing the HTML and CSS the server sent
	MethodBrowser = "browser" // headless Chromium, every request intercepted
)

// Finding is one fact observed on a hoster's site or an offer's.
type Finding struct {
	Kind   string `json:"kind"`
	URL    string `json:"url"`
	Offer  string `json:"offer,omitempty"` // offer key; "" for the hoster's own website
	Method string `json:"method"`
	Status string `json:"status"`
	// Code narrows the kind: "legal-notice" or "evidence" for documents,
	// "first-party" or "third-party" for cookies, the source of a software
	// finding ("generator", "nodeinfo", "status.php").
	Code string `json:"code,omitempty"`
	// Reason says why a finding is a problem: "expired", "status-404",
	// "parked", "version-differs"…
	Reason string `json:"reason,omitempty"`
	// Millis is the response time, for reachability.
	Millis int64 `json:"ms,omitempty"`
	// Host and Category, for third-party resources and cookies.
	Host     string `json:"host,omitempty"`
	Category string `json:"category,omitempty"`
	// Value is the fact in short: "200", "TLS 1.3", "Nextcloud 31.0.2".
	Value string `json:"value,omitempty"`
	// Declared is what the hoster declared (software and version).
	Declared string `json:"declared,omitempty"`
	// Commitment is the commitment an evidence link was given for.
	Commitment string `json:"commitment,omitempty"`
	// Detail is raw evidence (the error text, the resource URLs): pruned
	// from old observations.
	Detail string `json:"detail,omitempty"`
}

// Subject names what a finding is about, for the verdicts kept per day.
func (f *Finding) Subject() string {
	switch f.Kind {
	case KindThirdParty, KindCookie:
		return f.Offer + " " + f.Host + " " + f.Code
	case KindDocument:
		return f.Code + " " + f.URL
	}
	return f.Offer + " " + f.URL
}

// Findings is stored as JSON in one column.
type Findings []Finding

// Value implements driver.Valuer.
func (l Findings) Value() (driver.Value, error) { return jsonList([]Finding(l)) }

// Scan implements sql.Scanner.
func (l *Findings) Scan(src any) error { return scanJSON(src, (*[]Finding)(l)) }

// Observation is one round of the observatory over a hoster and its offers.
type Observation struct {
	ID         int64     `db:"id" json:"-"`
	HosterID   int64     `db:"hoster_id" json:"-"`
	ObservedAt time.Time `db:"observed_at" json:"observed_at"`
	Method     string    `db:"method" json:"method"` // MethodHTML or MethodBrowser: how third parties were found
	OptedOut   bool      `db:"opted_out" json:"opted_out"`
	DurationMS int64     `db:"duration_ms" json:"duration_ms"`
	Findings   Findings  `db:"findings" json:"findings"`
	Pruned     bool      `db:"pruned" json:"-"` // raw details removed
}

// ObservationDay is the worst status of one subject on one day.
type ObservationDay struct {
	HosterID int64  `db:"hoster_id"`
	Day      string `db:"day"` // YYYY-MM-DD, UTC
	Kind     string `db:"kind"`
	Subject  string `db:"subject"`
	Status   string `db:"status"`
}

// Availability sources.
const (
	AvailabilityProbe   = "probe"   // the observatory's reachability probes
	AvailabilityRefresh = "refresh" // the directory's refreshes of the actor
)

// ObservationRule says which commitments a kind of problem informs. Code
// and Category, when set, narrow the rule; Evidenced maps a broken evidence
// link to the commitment it was given for.
type ObservationRule struct {
	Kind        string   `yaml:"kind" json:"kind"`
	Code        string   `yaml:"code,omitempty" json:"code,omitempty"`
	Category    string   `yaml:"category,omitempty" json:"category,omitempty"`
	Commitments []string `yaml:"commitments" json:"commitments"`
	Evidenced   bool     `yaml:"evidenced,omitempty" json:"evidenced,omitempty"`
	WhyFR       string   `yaml:"why_fr" json:"why_fr"`
	WhyEN       string   `yaml:"why_en" json:"why_en"`
}

// ObservationMap maps observation kinds to the commitments of one charter.
type ObservationMap struct {
	Charter string            `yaml:"charter" json:"charter"`
	Rules   []ObservationRule `yaml:"rules" json:"rules"`
}

//go:embed observation_map.yaml
var observationMapYAML []byte

var defaultObservationMap = sync.OnceValue(func() *ObservationMap {
	var m ObservationMap
	if err := yaml.Unmarshal(observationMapYAML, &m); err != nil {
		panic("catalog: embedded observation map: " + err.Error())
	}
	ch := DefaultCharter()
	known := map[string]bool{}
	for _, c := range ch.Commitments {
		known[c.ID] = true
	}
	for _, r := range m.Rules {
		for _, c := range r.Commitments {
			if !known[c] {
				panic(fmt.Sprintf("catalog: observation map: unknown commitment %q", c))
			}
		}
	}
	return &m
})

// DefaultObservationMap is the mapping shipped beside the default charter.
func DefaultObservationMap() *ObservationMap { return defaultObservationMap() }

// Informs returns the commitments a finding informs (empty for ok and info
// findings' kinds that map nowhere).
func (m *ObservationMap) Informs(f *Finding) []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range m.Rules {
		if r.Kind != f.Kind || (r.Code != "" && r.Code != f.Code) || (r.Category != "" && r.Category != f.Category) {
			continue
		}
		cs := r.Commitments
		if r.Evidenced && f.Commitment != "" {
			cs = append([]string{f.Commitment}, cs...)
		}
		for _, c := range cs {
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	return out
}
