// Package synth generates a synthetic federation for benchmarks and load
// tests: fictional French hosters spread over the country like the real
// ones, each with offers drawn from the software small ethical hosters run.
// The output depends only on the Options, so a benchmark can be repeated.
package synth

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/search/gazetteer"
)

// Options sizes the federation.
type Options struct {
	// Hosters is the number of hosters. Zero means 10, or Offers/8 rounded
	// up when Offers is set.
	Hosters int
	// OffersPerHoster is the number of offers of every hoster (zero: 8).
	// Ignored when Offers is set.
	OffersPerHoster int
	// Offers, when set, is the total number of offers, spread evenly
	// (the first hosters get one more when it does not divide).
	Offers int
	// Seed chooses the federation: the same Options give the same output.
	Seed int64
	// BaseURL is the origin every actor lives under (default
	// "https://synth.example"); its host is every hoster's Domain.
	BaseURL string
}

// Federation is a generated federation; Offers[i] belong to Hosters[i].
type Federation struct {
	Hosters []catalog.Hoster
	Offers  [][]catalog.Offer
}

// Epoch is the "now" of every federation: all dates are before it, so the
// output does not depend on the clock.
var Epoch = time.Date(2025, time.June, 1, 0, 0, 0, 0, time.UTC)

const defaultBaseURL = "https://synth.example"

// Generate builds the whole federation in memory. It panics on invalid
// Options (negative sizes, a BaseURL that is not an http(s) origin), which
// are programming errors in a test; use Each to get an error instead and to
// stream large federations.
func Generate(o Options) Federation {
	p, err := o.plan()
	if err != nil {
		panic(err)
	}
	f := Federation{
		Hosters: make([]catalog.Hoster, 0, p.hosters),
		Offers:  make([][]catalog.Offer, 0, p.hosters),
	}
	err = p.each(func(h catalog.Hoster, offers []catalog.Offer) error {
		f.Hosters = append(f.Hosters, h)
		f.Offers = append(f.Offers, offers)
		return nil
	})
	if err != nil {
		panic(err)
	}
	return f
}

// Each generates the federation hoster by hoster, in the same order and
// with the same content as Generate, and stops at the first error fn
// returns. fn may keep the offers slice. Memory stays bounded by one hoster
// plus the set of names and usernames already used.
func Each(o Options, fn func(h catalog.Hoster, offers []catalog.Offer) error) error {
	p, err := o.plan()
	if err != nil {
		return err
	}
	return p.each(fn)
}

// plan is validated Options.
type plan struct {
	Options
	hosters int
	perBase int // offers of every hoster
	perRem  int // the first perRem hosters get one more
	domain  string
}

func (o Options) plan() (plan, error) {
	if o.Hosters < 0 || o.OffersPerHoster < 0 || o.Offers < 0 {
		return plan{}, fmt.Errorf("synth: negative size in %+v", o)
	}
	if o.BaseURL == "" {
		o.BaseURL = defaultBaseURL
	}
	u, err := url.Parse(o.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return plan{}, fmt.Errorf("synth: BaseURL %q is not an http(s) origin", o.BaseURL)
	}
	o.BaseURL = u.Scheme + "://" + u.Host
	p := plan{Options: o, domain: u.Host, hosters: o.Hosters}
	if o.Offers > 0 {
		if p.hosters == 0 {
			p.hosters = (o.Offers + 7) / 8
		}
		p.perBase, p.perRem = o.Offers/p.hosters, o.Offers%p.hosters
	} else {
		if p.hosters == 0 {
			p.hosters = 10
		}
		p.perBase = o.OffersPerHoster
		if p.perBase == 0 {
			p.perBase = 8
		}
	}
	return p, nil
}

// communeTable is the commune table with cumulative weights, built once.
var communeTable = sync.OnceValues(func() ([]gazetteer.Place, []int) {
	cs := gazetteer.Communes()
	cum := make([]int, len(cs))
	total := 0
	for i, c := range cs {
		total += c.Weight
		cum[i] = total
	}
	return cs, cum
})

func (p plan) each(fn func(catalog.Hoster, []catalog.Offer) error) error {
	communes, cum := communeTable()
	if len(communes) == 0 {
		return errors.New("synth: the gazetteer has no commune")
	}
	g := generator{
		plan:      p,
		communes:  communes,
		cum:       cum,
		usernames: make(map[string]bool, p.hosters),
		names:     make(map[string]bool, p.hosters),
		order:     make([]ranked, len(table)),
	}
	for i := range p.hosters {
		n := p.perBase
		if i < p.perRem {
			n++
		}
		h, offers := g.hoster(i, n)
		if err := fn(h, offers); err != nil {
			return err
		}
	}
	return nil
}

type generator struct {
	plan
	communes  []gazetteer.Place
	cum       []int
	usernames map[string]bool
	names     map[string]bool
	order     []ranked
}

type ranked struct {
	i   int
	key float64
}

// hoster makes hoster number i with n offers. Each hoster has its own
// random stream, so a change in one hoster's draws does not reshuffle the
// next ones.
func (g *generator) hoster(i, n int) (catalog.Hoster, []catalog.Offer) {
	r := rand.New(rand.NewPCG(uint64(g.Seed), uint64(i)))
	c := g.communes[g.commune(r)]

	orgType := orgTypes[len(orgTypes)-1]
	for x, t := r.IntN(100), 0; t < len(orgTypes); t++ {
		if x < orgTypes[t].share {
			orgType = orgTypes[t]
			break
		}
		x -= orgTypes[t].share
	}
	name := g.uniqueName(hosterName(r, orgType.kind, c.Commune), c.Commune)
	username := g.uniqueUsername(slug(name))
	actor := g.BaseURL + "/hosters/" + username
	site := "https://" + username + ".example.org"

	portee := 1 + r.IntN(18)
	member := time.Date(2016, time.October+time.Month(6*(portee-1)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
	lat, lon := c.Lat, c.Lon
	h := catalog.Hoster{
		ActorID:  actor,
		Username: username,
		Domain:   g.domain,
		Name:     name,
		Summary: fmt.Sprintf("%s %s (%s), membre du collectif CHATONS depuis la portée %d : "+
			"des services libres, éthiques et locaux, sans publicité ni pistage.",
			orgType.intro, à(c.Commune), c.DepartementName, portee),
		Website:  site,
		Email:    "contact@" + username + ".example.org",
		LegalURL: site + "/mentions-legales",
		IconURL:  site + "/logo.png",
		OrgType:  orgType.kind,
		Location: catalog.Location{
			Address:     strconv.Itoa(1+r.IntN(120)) + " " + pick(r, streets),
			PostalCode:  c.PostalCode,
			Commune:     c.Commune,
			INSEE:       c.INSEE,
			Departement: c.Departement,
			Region:      c.Region,
			Country:     "FR",
			Latitude:    &lat,
			Longitude:   &lon,
		},
		MemberSince:    member.Format(time.DateOnly),
		Portee:         portee,
		Discoverable:   true,
		InboxURL:       actor + "/inbox",
		SharedInboxURL: g.BaseURL + "/inbox",
		OutboxURL:      actor + "/outbox",
		FollowersURL:   actor + "/followers",
		PublicKeyID:    actor + "#main-key",
		Status:         catalog.HosterActive,
		Updated:        between(r, member, Epoch),
		CreatedAt:      member,
	}
	h.ModifiedAt = h.Updated
	return h, g.offers(r, &h, c, n)
}

// commune draws a commune index with probability proportional to its
// weight.
func (g *generator) commune(r *rand.Rand) int {
	x := r.IntN(g.cum[len(g.cum)-1])
	i, _ := slices.BinarySearch(g.cum, x+1)
	return i
}

func (g *generator) uniqueName(name, commune string) string {
	if !g.names[name] {
		g.names[name] = true
		return name
	}
	base := name + " (" + commune + ")"
	name = base
	for k := 2; g.names[name]; k++ {
		name = base + " " + strconv.Itoa(k)
	}
	g.names[name] = true
	return name
}

func (g *generator) uniqueUsername(u string) string {
	base := u
	for k := 2; g.usernames[u]; k++ {
		u = base + strconv.Itoa(k)
	}
	g.usernames[u] = true
	return u
}

// between returns a whole second in [from, to), or from if the span is
// empty.
func between(r *rand.Rand, from, to time.Time) time.Time {
	secs := int64(to.Sub(from) / time.Second)
	if secs <= 0 {
		return from
	}
	return from.Add(time.Duration(r.Int64N(secs)) * time.Second)
}

// offers makes n offers of hoster h: a weighted random choice of distinct
// software, repeated with numbered keys ("etherpad-2") only when n exceeds
// the table.
func (g *generator) offers(r *rand.Rand, h *catalog.Hoster, c gazetteer.Place, n int) []catalog.Offer {
	if n == 0 {
		return nil
	}
	// Efraimidis–Spirakis: sorting by -ln(u)/w draws without replacement
	// with probabilities proportional to the weights.
	for j := range table {
		g.order[j] = ranked{i: j, key: -math.Log(1-r.Float64()) / float64(table[j].weight)}
	}
	slices.SortFunc(g.order, func(a, b ranked) int {
		switch {
		case a.key < b.key:
			return -1
		case a.key > b.key:
			return 1
		}
		return a.i - b.i
	})
	member, _ := time.Parse(time.DateOnly, h.MemberSince)
	host := h.Username + ".example.org"
	out := make([]catalog.Offer, n)
	for k := range out {
		s := &table[g.order[k%len(table)].i]
		key, sub, suffix := s.key, s.key, ""
		if round := k / len(table); round > 0 {
			suffix = strconv.Itoa(round + 1)
			key, sub, suffix = s.key+"-"+suffix, s.key+suffix, " "+suffix
		}
		start := between(r, member, Epoch)
		reg := registration(r, s.usage)
		o := catalog.Offer{
			Key:      key,
			ObjectID: h.ActorID + "/offers/" + key,
			Name:     fmt.Sprintf(s.title, de(h.Name)) + suffix,
			Summary:  fmt.Sprintf(s.summary, h.Name, à(c.Commune)),
			Category: s.category,
			Software: catalog.Software{
				Name:      s.name,
				Version:   pick(r, s.versions),
				License:   s.license,
				SourceURL: s.source,
				Website:   s.website,
			},
			Registration: reg,
			Load:         catalog.LoadOpen,
			Price:        price(r, reg),
			Audience:     catalog.AudienceEveryone,
			Languages:    languages(r, c.RegionCode),
			Status:       catalog.StatusOK,
			URL:          "https://" + sub + "." + host,
			StartDate:    start.Format(time.DateOnly),
			Updated:      between(r, start, Epoch),
			CreatedAt:    start,
		}
		if len(s.quotas) > 0 {
			o.Quota = pick(r, s.quotas)
		}
		if r.IntN(100) < 8 {
			o.Load = catalog.LoadFull
		}
		if r.IntN(100) < 10 {
			o.Audience = catalog.AudienceLocal
			o.AreaDepartements = catalog.StringList{c.Departement}
		}
		switch x := r.IntN(100); {
		case x < 1:
			o.Status = catalog.StatusAlert
		case x < 5:
			o.Status = catalog.StatusWarning
		}
		out[k] = o
	}
	return out
}

func registration(r *rand.Rand, u usage) string {
	x := r.IntN(100)
	switch u {
	case anonymous:
		if x < 85 {
			return catalog.RegistrationNone
		}
		return catalog.RegistrationFree
	case account:
		switch {
		case x < 50:
			return catalog.RegistrationFree
		case x < 90:
			return catalog.RegistrationMember
		}
		return catalog.RegistrationClient
	}
	switch {
	case x < 5:
		return catalog.RegistrationFree
	case x < 55:
		return catalog.RegistrationMember
	}
	return catalog.RegistrationClient
}

var (
	freePrices   = []string{"gratuit", "gratuit", "gratuit", "prix libre"}
	memberPrices = []string{"adhésion à prix libre", "adhésion 10 €/an", "adhésion 15 €/an", "adhésion 20 €/an"}
	clientPrices = []string{"1 €/mois", "2 €/mois", "3 €/mois", "5 €/mois", "12 €/an", "24 €/an"}
)

func price(r *rand.Rand, reg string) string {
	switch reg {
	case catalog.RegistrationMember:
		return pick(r, memberPrices)
	case catalog.RegistrationClient:
		return pick(r, clientPrices)
	}
	return pick(r, freePrices)
}

// regionalLanguages: some hosters also answer in the region's language.
var regionalLanguages = map[string]string{"53": "br", "76": "oc", "94": "co"}

func languages(r *rand.Rand, regionCode string) catalog.StringList {
	langs := catalog.StringList{"fr"}
	if r.IntN(100) < 20 {
		langs = append(langs, "en")
	}
	if l, ok := regionalLanguages[regionCode]; ok && r.IntN(100) < 10 {
		langs = append(langs, l)
	}
	return langs
}
