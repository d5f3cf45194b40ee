package frontend

import (
	"context"
	"sort"
	"sync"
	"time"

	"codeberg.org/portee/portee/catalog"
)

// entraidePoolTTL bounds how stale the list of usable-now services may be;
// the page and the button then cost no catalog query most of the time.
const entraidePoolTTL = 30 * time.Second

// entraideItem is one instance the "Ouvrir maintenant" button may pick.
type entraideItem struct {
	Name, URL              string
	HosterName, HosterAcct string
	HosterID               int64
	Weight                 float64
}

// entraidePool holds, per category, the offers anyone can use right now:
// no account, taking users, working, from an active hoster.
type entraidePool struct {
	mu    sync.Mutex
	at    time.Time
	kinds map[string][]entraideItem
}

func (s *Server) entraide(ctx context.Context) (map[string][]entraideItem, error) {
	p := &s.pool
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.kinds != nil && s.now().Sub(p.at) < entraidePoolTTL {
		return p.kinds, nil
	}
	hs, err := s.store.ListHosters(ctx, catalog.HosterFilter{Status: []string{catalog.HosterActive}})
	if err != nil {
		return nil, err
	}
	active := make(map[int64]*catalog.Hoster, len(hs))
	for i := range hs {
		active[hs[i].ID] = &hs[i]
	}
	kinds := map[string][]entraideItem{}
	err = s.store.EachOffer(ctx, func(o catalog.Offer) error {
		h := active[o.HosterID]
		if h == nil || o.Registration != catalog.RegistrationNone || o.Load != catalog.LoadOpen ||
			o.Status != catalog.StatusOK || o.Audience == catalog.AudienceLocal || !catalog.IsCategory(o.Category) {
			return nil
		}
		kinds[o.Category] = append(kinds[o.Category], entraideItem{Name: o.Name, URL: o.URL,
			HosterName: h.Name, HosterAcct: h.Acct(), HosterID: h.ID})
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, items := range kinds {
		weigh(items, active)
	}
	p.kinds, p.at = kinds, s.now()
	return kinds, nil
}

// weigh spreads the load: each hoster gets the same share whatever the
// number of instances it lists (split among them), scaled by its measured
// availability, so that a hoster often unreachable gets fewer visitors.
// The About page documents this.
func weigh(items []entraideItem, hosters map[int64]*catalog.Hoster) {
	per := map[int64]int{}
	for _, it := range items {
		per[it.HosterID]++
	}
	for i := range items {
		h := hosters[items[i].HosterID]
		uptime := 1.0
		if h.Checks > 0 {
			uptime = float64(h.ChecksOK) / float64(h.Checks)
		}
		items[i].Weight = uptime / float64(per[items[i].HosterID])
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].HosterName < items[j].HosterName })
}

// pick draws one item with probability proportional to its weight; ok is
// false when none can be drawn.
func (s *Server) pick(items []entraideItem) (entraideItem, bool) {
	total := 0.0
	for _, it := range items {
		total += it.Weight
	}
	if total <= 0 {
		return entraideItem{}, false
	}
	s.rndMu.Lock()
	r := s.rnd.Float64() * total
	s.rndMu.Unlock()
	for _, it := range items {
		if r < it.Weight {
			return it, true
		}
		r -= it.Weight
	}
	return items[len(items)-1], true
}
