package observatory

import (
	_ "embed"
	"net"
	"strings"
	"sync"

	"golang.org/x/net/publicsuffix"
	"gopkg.in/yaml.v3"
)

// Unclassified is the category of a third-party host our list does not
// name ("tiers non classé").
const Unclassified = "unclassified"

// Categories lists the third-party categories of thirdparties.yaml, then
// Unclassified.
var Categories = []string{"analytics", "advertising", "fonts", "cdn", "social", "video", "captcha", "maps", Unclassified}

//go:embed thirdparties.yaml
var thirdPartiesYAML []byte

var thirdParties = sync.OnceValue(func() map[string]string {
	var lists map[string][]string
	if err := yaml.Unmarshal(thirdPartiesYAML, &lists); err != nil {
		panic("observatory: thirdparties.yaml: " + err.Error())
	}
	out := map[string]string{}
	for _, cat := range Categories {
		for _, h := range lists[cat] {
			// Entries with a path (www.google.com/recaptcha) name a
			// service on a shared host: the host part is classified by
			// the path in Classify.
			if _, dup := out[h]; !dup {
				out[h] = cat
			}
		}
		delete(lists, cat)
	}
	for cat := range lists {
		panic("observatory: thirdparties.yaml: unknown category " + cat)
	}
	return out
})

// Classify returns the category of a third-party resource by its host (and
// path, for services that share a host), or Unclassified.
func Classify(host, path string) string {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	list := thirdParties()
	if path != "" {
		first := strings.SplitN(strings.TrimPrefix(path, "/"), "/", 2)[0]
		if c, ok := list[host+"/"+first]; ok {
			return c
		}
	}
	for h := host; h != ""; {
		if c, ok := list[h]; ok {
			return c
		}
		i := strings.IndexByte(h, '.')
		if i < 0 {
			break
		}
		h = h[i+1:]
	}
	return Unclassified
}

// Registrable returns the registrable domain of host (eTLD+1 by the public
// suffix list); an IP address, "localhost" or a bare suffix is its own.
func Registrable(host string) string {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if net.ParseIP(host) != nil {
		return host
	}
	d, err := publicsuffix.EffectiveTLDPlusOne(host)
	if err != nil {
		return host
	}
	return d
}

// Domains is a hoster's own registrable domains: a host is first-party when
// its registrable domain is one of them.
type Domains map[string]bool

// Add records the registrable domain of rawURL's host (or of a bare host).
func (d Domains) Add(hostOrURL string) {
	h := hostOrURL
	if i := strings.Index(h, "://"); i >= 0 {
		h = h[i+3:]
		if j := strings.IndexAny(h, "/?#"); j >= 0 {
			h = h[:j]
		}
		if at := strings.LastIndexByte(h, '@'); at >= 0 {
			h = h[at+1:]
		}
	}
	if h != "" {
		d[Registrable(h)] = true
	}
}

// Own tells whether host belongs to the hoster.
func (d Domains) Own(host string) bool { return d[Registrable(host)] }
