package chatonsinfos

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"codeberg.org/portee/portee/catalog"
)

// WellKnown is where ChatonsInfos files live.
const WellKnown = "/.well-known/chatonsinfos/"

// OrganizationPath is the path of a node's organisation file for a hoster,
// relative to its base URL.
func OrganizationPath(username string) string { return WellKnown + username + ".properties" }

// ServicePath is the path of one offer's service file.
func ServicePath(username, key string) string {
	return WellKnown + username + "/" + key + ".properties"
}

// FederationPath is the path of a directory's federation file.
const FederationPath = WellKnown + "federation.properties"

func fileHeader(w *Writer, class, generator string, now time.Time) {
	w.Section("File")
	w.Set("file.class", class)
	w.Set("file.generator", generator)
	w.Set("file.datetime", now.UTC().Format("2006-01-02T15:04:05"))
	w.Set("file.protocol", Protocol)
}

var orgTypes = map[string]string{
	"association": "ASSOCIATION", "cooperative": "COOPERATIVE", "company": "COMPANY",
	"individual": "INDIVIDUAL", "informal": "OTHER", "public": "OTHER",
}

// OrganizationFile writes hoster h as an organisation file whose subs name
// one service file per offer (serviceURL gives each one's address). extra
// is the hoster file's free "chatonsinfos:" map, copied through for the
// keys Portée does not write itself.
func OrganizationFile(h *catalog.Hoster, offers []catalog.Offer, serviceURL func(key string) string,
	extra map[string]string, generator string, now time.Time) []byte {
	var w Writer
	fileHeader(&w, "Organization", generator, now)
	w.Section("Organization")
	set := map[string]bool{}
	put := func(k, v string) {
		set[k] = true
		if v != "" {
			w.Set(k, v)
		}
	}
	put("organization.name", h.Name)
	put("organization.description", h.Summary)
	put("organization.website", h.Website)
	put("organization.logo", h.IconURL)
	put("organization.legal.url", h.LegalURL)
	put("organization.contact.email", h.Email)
	put("organization.type", orgTypes[h.OrgType])
	level := "ACTIVE"
	if h.Status == catalog.HosterGone {
		level = "AWAY"
	}
	put("organization.status.level", level)
	put("organization.country.code", h.Country)
	if h.HasCoords() {
		put("organization.geolocation.latitude", fmt.Sprint(*h.Latitude))
		put("organization.geolocation.longitude", fmt.Sprint(*h.Longitude))
	}
	addr := strings.TrimSpace(strings.Join(nonEmpty(h.Address, strings.TrimSpace(h.PostalCode+" "+h.Commune)), ", "))
	put("organization.geolocation.address", addr)
	put("organization.memberof.chatons.startdate", h.MemberSince)
	put("organization.memberof.chatons.status.level", "ACTIVE")
	if len(offers) > 0 {
		w.Section("Subs")
		for _, o := range offers {
			put("subs."+o.Key, serviceURL(o.Key))
		}
	}
	writeExtra(&w, extra, set, func(string) bool { return true })
	return w.Bytes()
}

// ServiceFile writes one offer of hoster h as a service file. The extra
// keys of the "host." family (the server and its provider) are copied into
// every service file, where the specification puts them.
func ServiceFile(h *catalog.Hoster, o *catalog.Offer, extra map[string]string, generator string, now time.Time) []byte {
	var w Writer
	fileHeader(&w, "Service", generator, now)
	w.Section("Service")
	set := map[string]bool{}
	put := func(k, v string) {
		set[k] = true
		if v != "" {
			w.Set(k, v)
		}
	}
	put("service.name", o.Name)
	put("service.description", o.Summary)
	put("service.website", o.URL)
	put("service.legal.url", h.LegalURL)
	put("service.contact.email", h.Email)
	put("service.status.level", strings.ToUpper(o.Status))
	put("service.registration", capitalize(o.Registration))
	put("service.registration.load", strings.ToUpper(o.Load))
	put("service.startdate", o.StartDate)
	w.Section("Software")
	put("software.name", o.Software.Name)
	put("software.website", o.Software.Website)
	put("software.license.name", o.Software.License)
	put("software.version", o.Software.Version)
	put("software.source.url", o.Software.SourceURL)
	writeExtra(&w, extra, set, func(k string) bool { return strings.HasPrefix(strings.ToLower(k), "host.") })
	return w.Bytes()
}

// FederationFile writes a directory's set as a federation file whose subs
// are its hosters' organisation files.
func FederationFile(name, description, website string, subs map[string]string, generator string, now time.Time) []byte {
	var w Writer
	fileHeader(&w, "Federation", generator, now)
	w.Section("Federation")
	w.Set("federation.name", name)
	if description != "" {
		w.Set("federation.description", description)
	}
	if website != "" {
		w.Set("federation.website", website)
	}
	w.Section("Subs")
	for _, id := range sortedKeys(subs) {
		w.Set("subs."+id, subs[id])
	}
	return w.Bytes()
}

func writeExtra(w *Writer, extra map[string]string, set map[string]bool, keep func(string) bool) {
	var keys []string
	for k := range extra {
		if !set[k] && keep(k) && validKey(k) && !strings.HasPrefix(strings.ToLower(k), "file.") && !strings.HasPrefix(strings.ToLower(k), "subs.") {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return
	}
	sort.Strings(keys)
	w.Section("Extra")
	for _, k := range keys {
		w.Set(k, extra[k])
	}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func capitalize(s string) string {
	if s == "" {
		return ""
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}
