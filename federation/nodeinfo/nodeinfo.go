// Package nodeinfo owns NodeInfo 2.0 and 2.1: serving our server's document
// under /.well-known/nodeinfo and reading (and validating) other servers'.
package nodeinfo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"codeberg.org/portee/portee/federation/fetch"
)

// Schema URIs, used as link rels and in the Content-Type profile.
const (
	Schema20 = "http://nodeinfo.diaspora.software/ns/schema/2.0"
	Schema21 = "http://nodeinfo.diaspora.software/ns/schema/2.1"

	WellKnownPath = "/.well-known/nodeinfo"
	Path20        = "/nodeinfo/2.0"
	Path21        = "/nodeinfo/2.1"
)

// Content types of the documents. GoToSocial refuses a NodeInfo document
// whose type is neither application/json nor the 2.0 profile ("non nodeinfo
// schema 2.0 response"), so the 2.1 document is plain JSON: a reader that
// follows its link, whichever it is, gets a type it accepts.
const (
	ContentType20 = `application/json; profile="` + Schema20 + `#"`
	ContentType21 = "application/json"
)

// SoftwareName is how Portée names itself.
const SoftwareName = "portee"

var namePattern = regexp.MustCompile(`^[a-z0-9-]+$`)

// Software describes the server software. Repository and Homepage exist in 2.1 only.
type Software struct {
	Name       string `json:"name"`
	Version    string `json:"version"`
	Repository string `json:"repository,omitempty"`
	Homepage   string `json:"homepage,omitempty"`
}

// Services are the third-party sites the server reads from or publishes to.
type Services struct {
	Inbound  []string `json:"inbound"`
	Outbound []string `json:"outbound"`
}

// Users counts the server's accounts.
type Users struct {
	Total          int `json:"total"`
	ActiveMonth    int `json:"activeMonth"`
	ActiveHalfyear int `json:"activeHalfyear"`
}

// Usage statistics.
type Usage struct {
	Users         Users `json:"users"`
	LocalPosts    int   `json:"localPosts"`
	LocalComments *int  `json:"localComments,omitempty"`
}

// Document is a NodeInfo 2.0 or 2.1 document.
type Document struct {
	Version           string         `json:"version"`
	Software          Software       `json:"software"`
	Protocols         []string       `json:"protocols"`
	Services          Services       `json:"services"`
	OpenRegistrations bool           `json:"openRegistrations"`
	Usage             Usage          `json:"usage"`
	Metadata          map[string]any `json:"metadata"`
}

// Link is one entry of the /.well-known/nodeinfo discovery document.
type Link struct {
	Rel  string `json:"rel"`
	Href string `json:"href"`
}

// as returns a copy of d shaped for schema version v: 2.0 has no repository
// nor homepage, and no list or map may be null.
func (d Document) as(v string) Document {
	d.Version = v
	if v == "2.0" {
		d.Software.Repository, d.Software.Homepage = "", ""
	}
	if d.Protocols == nil {
		d.Protocols = []string{"activitypub"}
	}
	if d.Services.Inbound == nil {
		d.Services.Inbound = []string{}
	}
	if d.Services.Outbound == nil {
		d.Services.Outbound = []string{}
	}
	if d.Metadata == nil {
		d.Metadata = map[string]any{}
	}
	return d
}

// Handler serves /.well-known/nodeinfo and the 2.0 and 2.1 documents; mount
// it on those three paths (or use Register). baseURL is our public origin,
// without a trailing slash.
func Handler(baseURL string, doc func(ctx context.Context) Document) http.Handler {
	baseURL = strings.TrimRight(baseURL, "/")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Access-Control-Allow-Origin", "*")
		var body any
		switch r.URL.Path {
		case WellKnownPath:
			// Readers choose differently: Misskey and most crawlers take
			// the 2.1 link wherever it is, GoToSocial the last link of the
			// list, Mastodon-family readers the 2.0 one. 2.1 first and
			// 2.0 last gives each one a document it accepts.
			w.Header().Set("Content-Type", "application/json")
			body = struct {
				Links []Link `json:"links"`
			}{[]Link{
				{Rel: Schema21, Href: baseURL + Path21},
				{Rel: Schema20, Href: baseURL + Path20},
			}}
		case Path20:
			w.Header().Set("Content-Type", ContentType20)
			body = doc(r.Context()).as("2.0")
		case Path21:
			w.Header().Set("Content-Type", ContentType21)
			body = doc(r.Context()).as("2.1")
		default:
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "max-age=1800")
		if r.Method == http.MethodHead {
			return
		}
		_ = json.NewEncoder(w).Encode(body)
	})
}

// Register mounts Handler on its three paths of mux.
func Register(mux *http.ServeMux, baseURL string, doc func(ctx context.Context) Document) {
	h := Handler(baseURL, doc)
	for _, p := range []string{WellKnownPath, Path20, Path21} {
		mux.Handle(p, h)
	}
}

// Parse reads a NodeInfo 2.0 or 2.1 document and checks what the schema
// requires: every top-level member present, software name matching
// ^[a-z0-9-]+$ and a version, at least one protocol, both service lists,
// users under usage. Unknown protocol or service names are kept: other
// servers are lenient there and so are we.
func Parse(b []byte) (*Document, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("nodeinfo: parse: %w", err)
	}
	for _, k := range []string{"version", "software", "protocols", "services", "openRegistrations", "usage", "metadata"} {
		if v, ok := raw[k]; !ok || string(v) == "null" {
			return nil, fmt.Errorf("nodeinfo: parse: missing %q", k)
		}
	}
	var d Document
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("nodeinfo: parse: %w", err)
	}
	if d.Version != "2.0" && d.Version != "2.1" {
		return nil, fmt.Errorf("nodeinfo: parse: unsupported version %q", clip(d.Version))
	}
	if !namePattern.MatchString(d.Software.Name) {
		return nil, fmt.Errorf("nodeinfo: parse: software name %q does not match ^[a-z0-9-]+$", clip(d.Software.Name))
	}
	var sw map[string]json.RawMessage
	if err := json.Unmarshal(raw["software"], &sw); err != nil || sw["version"] == nil {
		return nil, errors.New("nodeinfo: parse: missing software version")
	}
	if len(d.Protocols) == 0 {
		return nil, errors.New("nodeinfo: parse: no protocols")
	}
	var sv map[string]json.RawMessage
	if err := json.Unmarshal(raw["services"], &sv); err != nil || sv["inbound"] == nil || sv["outbound"] == nil {
		return nil, errors.New("nodeinfo: parse: services needs inbound and outbound")
	}
	var us map[string]json.RawMessage
	if err := json.Unmarshal(raw["usage"], &us); err != nil || us["users"] == nil || string(us["users"]) == "null" {
		return nil, errors.New("nodeinfo: parse: usage needs users")
	}
	u := d.Usage
	if u.Users.Total < 0 || u.Users.ActiveMonth < 0 || u.Users.ActiveHalfyear < 0 || u.LocalPosts < 0 || (u.LocalComments != nil && *u.LocalComments < 0) {
		return nil, errors.New("nodeinfo: parse: negative usage count")
	}
	return &d, nil
}

// SupportsActivityPub tells whether the document lists ActivityPub.
func (d *Document) SupportsActivityPub() bool {
	for _, p := range d.Protocols {
		if p == "activitypub" {
			return true
		}
	}
	return false
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// ParseWellKnown reads a /.well-known/nodeinfo document and returns the
// href of the newest 2.x schema it links to.
func ParseWellKnown(b []byte) (string, error) {
	var wk struct {
		Links []Link `json:"links"`
	}
	if err := json.Unmarshal(b, &wk); err != nil {
		return "", fmt.Errorf("nodeinfo: parse well-known: %w", err)
	}
	best, href := "", ""
	for _, l := range wk.Links {
		rel := strings.TrimSuffix(l.Rel, "#")
		switch rel {
		case Schema20, Schema21:
			if rel > best && (strings.HasPrefix(l.Href, "https://") || strings.HasPrefix(l.Href, "http://")) {
				best, href = rel, l.Href
			}
		}
	}
	if href == "" {
		return "", errors.New("nodeinfo: parse well-known: no 2.0 or 2.1 link")
	}
	return href, nil
}

// Discover fetches baseURL's /.well-known/nodeinfo, then the newest document it links to.
func Discover(ctx context.Context, c *fetch.Client, baseURL string) (*Document, error) {
	resp, err := c.Get(ctx, strings.TrimRight(baseURL, "/")+WellKnownPath, "application/json")
	if err != nil {
		return nil, fmt.Errorf("nodeinfo: discover %s: %w", baseURL, err)
	}
	href, err := ParseWellKnown(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("nodeinfo: discover %s: %w", baseURL, err)
	}
	resp, err = c.Get(ctx, href, "application/json")
	if err != nil {
		return nil, fmt.Errorf("nodeinfo: discover %s: %w", baseURL, err)
	}
	d, err := Parse(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("nodeinfo: discover %s: %w", baseURL, err)
	}
	return d, nil
}

// Repository and Homepage of Portée, announced in NodeInfo 2.1.
const (
	Repository = "https://codeberg.org/portee/portee"
	Homepage   = "https://codeberg.org/portee/portee"
)

// Portee is the document a Portée node or directory serves: software
// "portee" at version, ActivityPub, no registrations, usage, and metadata
// (the role and counts the caller wants to publish).
func Portee(version string, usage Usage, metadata map[string]any) Document {
	if version == "" {
		version = "dev"
	}
	return Document{
		Version:   "2.1",
		Software:  Software{Name: SoftwareName, Version: version, Repository: Repository, Homepage: Homepage},
		Protocols: []string{"activitypub"},
		Services:  Services{Inbound: []string{}, Outbound: []string{"atom1.0"}},
		Usage:     usage,
		Metadata:  metadata,
	}
}
