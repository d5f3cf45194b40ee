// Package librehosters reads and writes the Librehosters network's files:
// each member's /librehost.json (a schema.org Organization in JSON-LD, its
// services as offers) and the network's directory.json (member name → URL
// of its librehost.json). A directory imports them through the
// ChatonsInfos importer, which treats a directory.json as a federation.
package librehosters

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/federation/chatonsinfos"
)

// Path is where a node serves its librehost.json.
const Path = "/librehost.json"

// maxDoc bounds what is decoded of one document (the fetch client bounds
// the bytes read; this bounds a local file too).
const maxDoc = 1 << 20

// maxServices bounds the services read from one member.
const maxServices = 200

type place struct {
	Type    string   `json:"@type,omitempty"`
	Address *address `json:"address,omitempty"`
	Geo     *geo     `json:"geo,omitempty"`
}

type address struct {
	Type            string `json:"@type,omitempty"`
	StreetAddress   string `json:"streetAddress,omitempty"`
	PostalCode      string `json:"postalCode,omitempty"`
	AddressLocality string `json:"addressLocality,omitempty"`
	AddressCountry  string `json:"addressCountry,omitempty"`
}

type geo struct {
	Type      string   `json:"@type,omitempty"`
	Latitude  *float64 `json:"latitude,omitempty"`
	Longitude *float64 `json:"longitude,omitempty"`
}

type service struct {
	Type                string `json:"@type,omitempty"`
	Name                string `json:"name"`
	Description         string `json:"description,omitempty"`
	URL                 string `json:"url,omitempty"`
	ApplicationCategory string `json:"applicationCategory,omitempty"`
	SoftwareVersion     string `json:"softwareVersion,omitempty"`
	Software            string `json:"software,omitempty"` // our own: the software's name
	License             string `json:"license,omitempty"`
	IsAccessibleForFree *bool  `json:"isAccessibleForFree,omitempty"`
}

type offer struct {
	Type         string  `json:"@type,omitempty"`
	ItemOffered  service `json:"itemOffered"`
	Price        string  `json:"price,omitempty"`
	Availability string  `json:"availability,omitempty"`
}

// Document is a librehost.json: a schema.org Organization.
type Document struct {
	Context      any      `json:"@context"`
	Type         string   `json:"@type"`
	Name         string   `json:"name"`
	Description  string   `json:"description,omitempty"`
	URL          string   `json:"url,omitempty"`
	Logo         string   `json:"logo,omitempty"`
	Email        string   `json:"email,omitempty"`
	FoundingDate string   `json:"foundingDate,omitempty"`
	Location     *place   `json:"location,omitempty"`
	Address      *address `json:"address,omitempty"`
	MakesOffer   []offer  `json:"makesOffer,omitempty"`
	// Services is the simpler list some members write instead of
	// makesOffer; it is read, never written.
	Services []service `json:"services,omitempty"`
	SameAs   []string  `json:"sameAs,omitempty"`
}

// Write builds h's librehost.json.
func Write(h *catalog.Hoster, offers []catalog.Offer, sameAs ...string) ([]byte, error) {
	d := Document{Context: "https://schema.org", Type: "Organization", Name: h.Name, Description: h.Summary,
		URL: h.Website, Logo: h.IconURL, Email: h.Email, SameAs: sameAs}
	if h.PostalCode != "" || h.Commune != "" || h.HasCoords() {
		d.Location = &place{Type: "Place", Address: &address{Type: "PostalAddress", StreetAddress: h.Address,
			PostalCode: h.PostalCode, AddressLocality: h.Commune, AddressCountry: h.Country}}
		if h.HasCoords() {
			d.Location.Geo = &geo{Type: "GeoCoordinates", Latitude: h.Latitude, Longitude: h.Longitude}
		}
	}
	for _, o := range offers {
		free := o.Registration == catalog.RegistrationNone || o.Registration == catalog.RegistrationFree
		avail := "https://schema.org/InStock"
		if o.Load == catalog.LoadFull {
			avail = "https://schema.org/SoldOut"
		}
		d.MakesOffer = append(d.MakesOffer, offer{Type: "Offer", Price: o.Price, Availability: avail,
			ItemOffered: service{Type: "WebApplication", Name: o.Name, Description: o.Summary, URL: o.URL,
				ApplicationCategory: o.Category, Software: o.Software.Name, SoftwareVersion: o.Software.Version,
				License: o.Software.License, IsAccessibleForFree: &free}})
	}
	return json.MarshalIndent(d, "", "  ")
}

// Parse reads a librehost.json into a hoster and its offers; fields that
// fail validation are dropped with a problem each.
func Parse(source string, b []byte) (catalog.Hoster, []catalog.Offer, []chatonsinfos.Problem, error) {
	var probs []chatonsinfos.Problem
	bad := func(key, format string, args ...any) {
		probs = append(probs, chatonsinfos.Problem{Source: source, Key: key, Reason: fmt.Sprintf(format, args...)})
	}
	if len(b) > maxDoc {
		return catalog.Hoster{}, nil, nil, chatonsinfos.Problem{Source: source, Reason: "larger than 1 MiB"}
	}
	var d Document
	if err := json.Unmarshal(b, &d); err != nil {
		return catalog.Hoster{}, nil, nil, chatonsinfos.Problem{Source: source, Reason: "not a librehost.json: " + err.Error()}
	}
	// Reuse the ChatonsInfos mapping, which already validates and bounds
	// every field, by presenting the document as an organisation file.
	var w chatonsinfos.Writer
	w.Set("file.class", "Organization")
	w.Set("organization.name", d.Name)
	w.Set("organization.description", d.Description)
	w.Set("organization.website", d.URL)
	w.Set("organization.logo", d.Logo)
	w.Set("organization.contact.email", d.Email)
	addr := d.Address
	if d.Location != nil && d.Location.Address != nil {
		addr = d.Location.Address
	}
	if addr != nil {
		w.Set("organization.geolocation.address", strings.Join([]string{addr.StreetAddress, addr.PostalCode + " " + addr.AddressLocality}, ", "))
		if len(addr.AddressCountry) == 2 {
			w.Set("organization.country.code", addr.AddressCountry)
		}
	}
	if d.Location != nil && d.Location.Geo != nil && d.Location.Geo.Latitude != nil && d.Location.Geo.Longitude != nil {
		w.Set("organization.geolocation.latitude", fmt.Sprint(*d.Location.Geo.Latitude))
		w.Set("organization.geolocation.longitude", fmt.Sprint(*d.Location.Geo.Longitude))
	}
	f := chatonsinfos.Parse(source, w.Bytes())
	h, hp, err := chatonsinfos.ToHoster(f, nil)
	for _, p := range hp {
		p.Line = 0
		probs = append(probs, p)
	}
	if err != nil {
		return h, nil, probs, chatonsinfos.Problem{Source: source, Key: "name", Reason: "is missing: not a librehost.json"}
	}
	services := d.Services
	for _, o := range d.MakesOffer {
		services = append(services, o.ItemOffered)
	}
	if len(services) > maxServices {
		bad("services", "%d services listed: only the first %d are read", len(services), maxServices)
		services = services[:maxServices]
	}
	used := map[string]bool{}
	var offers []catalog.Offer
	for i, s := range services {
		var sw chatonsinfos.Writer
		sw.Set("file.class", "Service")
		sw.Set("service.name", s.Name)
		sw.Set("service.description", s.Description)
		sw.Set("service.website", s.URL)
		sw.Set("software.name", s.Software)
		sw.Set("software.version", s.SoftwareVersion)
		sw.Set("software.license.name", s.License)
		if s.IsAccessibleForFree != nil && !*s.IsAccessibleForFree {
			sw.Set("service.registration", "Client")
		}
		key := chatonsinfos.Slug(s.Name)
		if key == "" {
			key = "service"
		}
		for n := 2; used[key]; n++ {
			key = fmt.Sprintf("%s-%d", chatonsinfos.Slug(s.Name), n)
		}
		o, op, err := chatonsinfos.ToOffer(chatonsinfos.Parse(source, sw.Bytes()), key)
		for _, p := range op {
			p.Line = 0
			p.Key = fmt.Sprintf("services[%d].%s", i, p.Key)
			probs = append(probs, p)
		}
		if err != nil {
			reason := err.Error()
			var p chatonsinfos.Problem
			if errors.As(err, &p) {
				reason = p.Key + ": " + p.Reason
			}
			bad(fmt.Sprintf("services[%d]", i), "unusable service: %s", reason)
			continue
		}
		if catalog.IsCategory(s.ApplicationCategory) && o.Category == "other" {
			o.Category = s.ApplicationCategory
		}
		used[key] = true
		o.ObjectID = source + "#" + key
		offers = append(offers, o)
	}
	return h, offers, probs, nil
}

// Crawl reads a directory.json (name → librehost.json URL) or a single
// librehost.json and maps each member as the ChatonsInfos crawl maps an
// organisation, so the same importer writes them.
func Crawl(ctx context.Context, g chatonsinfos.Getter, root string, o chatonsinfos.Options) (*chatonsinfos.Result, error) {
	b, err := g.Get(ctx, root)
	if err != nil {
		return nil, err
	}
	res := &chatonsinfos.Result{Source: root, Files: 1}
	var dir map[string]string
	if json.Unmarshal(b, &dir) != nil {
		org := member(root, b)
		res.Organizations = []*chatonsinfos.Organization{org}
		return res, nil
	}
	base, _ := url.Parse(root)
	names := make([]string, 0, len(dir))
	for n := range dir {
		names = append(names, n)
	}
	sort.Strings(names)
	limit := o.MaxOrganizations
	if limit <= 0 {
		limit = 1000
	}
	var urls []string
	seen := map[string]bool{}
	for _, n := range names {
		u, err := url.Parse(strings.TrimSpace(dir[n]))
		if err == nil && base != nil {
			u = base.ResolveReference(u)
		}
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			res.Problems = append(res.Problems, chatonsinfos.Problem{Source: root, Key: n, Reason: fmt.Sprintf("%q is not an http(s) URL: skipped", dir[n])})
			continue
		}
		if !seen[u.String()] && len(urls) < limit {
			seen[u.String()] = true
			urls = append(urls, u.String())
		}
	}
	res.Organizations = make([]*chatonsinfos.Organization, len(urls))
	conc := o.Concurrency
	if conc <= 0 {
		conc = 4
	}
	sem := make(chan struct{}, conc)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for i, u := range urls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			var org *chatonsinfos.Organization
			if b, err := g.Get(ctx, u); err != nil {
				org = &chatonsinfos.Organization{URL: u, Err: err, Problems: []chatonsinfos.Problem{{Source: u, Reason: err.Error()}}}
			} else {
				org = member(u, b)
			}
			mu.Lock()
			res.Organizations[i] = org
			if org.Err == nil {
				res.Files++
			}
			done++
			if o.Progress != nil {
				o.Progress(done, len(urls))
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	return res, nil
}

func member(u string, b []byte) *chatonsinfos.Organization {
	org := &chatonsinfos.Organization{URL: u}
	h, offers, probs, err := Parse(u, b)
	org.Problems = probs
	if err != nil {
		org.Err = err
		var p chatonsinfos.Problem
		if errors.As(err, &p) {
			org.Problems = append(org.Problems, p)
		}
		return org
	}
	org.Hoster, org.Offers = h, offers
	return org
}
