package observatory

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"codeberg.org/portee/portee/catalog"
)

// nodeInfoSoftware are the programs, by normalised name, that publish
// NodeInfo (fediverse software common among CHATONS).
var nodeInfoSoftware = map[string]bool{
	"mastodon": true, "peertube": true, "pleroma": true, "akkoma": true, "misskey": true, "gotosocial": true,
	"lemmy": true, "pixelfed": true, "funkwhale": true, "writefreely": true, "mobilizon": true, "friendica": true,
	"hubzilla": true, "bookwyrm": true, "castopod": true, "diaspora": true, "sharkey": true, "gancio": true,
}

// statusSoftware publish /status.php with their product name and version.
var statusSoftware = map[string]bool{"nextcloud": true, "owncloud": true}

// normName makes "Jitsi Meet" and "jitsi-meet" equal.
func normName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// sameVersion compares the components the declaration gives: "29.0"
// matches "29.0.4", not "31.0.2".
func sameVersion(declared, observed string) bool {
	split := func(v string) []string {
		return strings.FieldsFunc(strings.TrimPrefix(strings.ToLower(strings.TrimSpace(v)), "v"), func(r rune) bool {
			return r == '.' || r == '-' || r == '+' || r == ' '
		})
	}
	d, o := split(declared), split(observed)
	for i := range d {
		if i >= len(o) {
			return true
		}
		if d[i] != o[i] {
			return false
		}
	}
	return true
}

// identified is what one source says the site runs.
type identified struct {
	source, name, version, url string
}

// splitGenerator reads "WordPress 6.4.2" or "Hugo 0.120.0".
func splitGenerator(g string) identified {
	f := strings.Fields(g)
	id := identified{source: "generator"}
	for i, w := range f {
		if w != "" && (w[0] >= '0' && w[0] <= '9' || (w[0] == 'v' && len(w) > 1 && w[1] >= '0' && w[1] <= '9')) {
			id.name = strings.Join(f[:i], " ")
			id.version = strings.TrimPrefix(w, "v")
			return id
		}
	}
	id.name = g
	return id
}

// software identifies what an offer's site runs and compares it with the
// declaration.
func (r *round) software(ctx context.Context, offer, pageURL, generator string, sw *catalog.Software) {
	if sw.Name == "" {
		return
	}
	declared := strings.TrimSpace(sw.Name + " " + sw.Version)
	want := normName(sw.Name)
	var ids []identified
	if generator != "" {
		g := splitGenerator(generator)
		g.url = pageURL
		ids = append(ids, g)
	}
	if nodeInfoSoftware[want] {
		if id, ok := r.nodeInfo(ctx, pageURL); ok {
			ids = append(ids, id)
		}
	}
	if statusSoftware[want] {
		if id, ok := r.statusPHP(ctx, pageURL); ok {
			ids = append(ids, id)
		}
	}
	f := catalog.Finding{Kind: catalog.KindSoftware, URL: pageURL, Offer: offer, Method: catalog.MethodHTTP, Declared: declared}
	if len(ids) == 0 {
		f.Status, f.Reason = catalog.FindingInfo, "not-identified"
		r.add(f)
		return
	}
	// The most specific source speaks: a well-known endpoint over the
	// generator, which themes and proxies often change.
	id := ids[len(ids)-1]
	f.URL, f.Code, f.Value = id.url, id.source, strings.TrimSpace(id.name+" "+id.version)
	switch {
	case normName(id.name) != want && !strings.Contains(normName(id.name), want) && !strings.Contains(want, normName(id.name)):
		f.Status, f.Reason = catalog.FindingProblem, "name-differs"
	case sw.Version != "" && id.version != "" && !sameVersion(sw.Version, id.version):
		f.Status, f.Reason = catalog.FindingProblem, "version-differs"
	default:
		f.Status = catalog.FindingOK
	}
	r.add(f)
}

// getJSON fetches a small JSON document, robots.txt permitting.
func (r *round) getJSON(ctx context.Context, raw string, v any) bool {
	if ok, err := r.ob.client.RobotsAllowed(ctx, raw); err != nil || !ok {
		return false
	}
	hops, err := r.follow(ctx, raw, "application/json")
	if err != nil {
		return false
	}
	p := hops[len(hops)-1]
	return p.StatusCode == http.StatusOK && json.Unmarshal(p.Body, v) == nil
}

// nodeInfo reads the software name and version a fediverse server
// publishes through /.well-known/nodeinfo.
func (r *round) nodeInfo(ctx context.Context, pageURL string) (identified, bool) {
	u, err := url.Parse(pageURL)
	if err != nil {
		return identified{}, false
	}
	var wk struct {
		Links []struct{ Rel, Href string } `json:"links"`
	}
	if !r.getJSON(ctx, u.Scheme+"://"+u.Host+"/.well-known/nodeinfo", &wk) {
		return identified{}, false
	}
	href := ""
	for _, l := range wk.Links {
		if strings.HasPrefix(l.Rel, "http://nodeinfo.diaspora.software/ns/schema/") && l.Href > "" {
			// Later schema versions sort after earlier ones.
			if href == "" || l.Rel > href {
				href = l.Href
			}
		}
	}
	if href == "" {
		return identified{}, false
	}
	doc := resolve(u, href)
	if d, err := url.Parse(doc); err != nil || !r.own.Own(d.Host) {
		return identified{}, false
	}
	var ni struct {
		Software struct{ Name, Version string } `json:"software"`
	}
	if !r.getJSON(ctx, doc, &ni) || ni.Software.Name == "" {
		return identified{}, false
	}
	return identified{source: "nodeinfo", name: ni.Software.Name, version: ni.Software.Version, url: doc}, true
}

// statusPHP reads Nextcloud's (and ownCloud's) status.php at the root of
// the service.
func (r *round) statusPHP(ctx context.Context, pageURL string) (identified, bool) {
	u, err := url.Parse(pageURL)
	if err != nil {
		return identified{}, false
	}
	s := *u
	s.RawQuery = ""
	s.Path = strings.TrimSuffix(s.Path, "/") + "/status.php"
	if strings.HasSuffix(u.Path, "/login") || strings.Contains(u.Path, "/index.php") {
		s.Path = "/status.php"
	}
	var st struct {
		Installed     bool   `json:"installed"`
		ProductName   string `json:"productname"`
		VersionString string `json:"versionstring"`
	}
	if !r.getJSON(ctx, s.String(), &st) || st.VersionString == "" {
		return identified{}, false
	}
	name := st.ProductName
	if name == "" {
		name = "Nextcloud"
	}
	return identified{source: "status.php", name: name, version: st.VersionString, url: s.String()}, true
}
