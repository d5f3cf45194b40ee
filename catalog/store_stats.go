package catalog

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Statistics describes the visible hosters (discoverable, not gone) and
// their offers: growth per month, and today's breakdowns.
type Statistics struct {
	Hosters, Offers int
	Months          []MonthCount // oldest first, the last one is the current month
	Categories      []KeyCount   // live offers per category, most first
	Registration    []KeyCount   // live offers per registration value
	Load            []KeyCount   // live offers per load value
	Software        []SoftwareCount
	Regions         []KeyCount // hosters per région ("" when unknown), most first
}

// MonthCount is how many hosters and live offers the directory knew at the
// end of a month.
type MonthCount struct {
	Month           time.Time // first day, UTC
	Hosters, Offers int
}

// KeyCount is one bar of a breakdown.
type KeyCount struct {
	Key string
	N   int
}

// SoftwareCount is one software with the number of offers running it and
// the versions they declare, most common first ("" when not given).
type SoftwareCount struct {
	Name     string
	Offers   int
	Versions []KeyCount
}

// Statistics computes the figures at time now over the last months
// months (at least 1). Offers count from their creation in this catalog
// until their deletion; hosters from their creation (when a hoster went
// away is not dated, so a gone hoster leaves the whole history).
func (s *Store) Statistics(ctx context.Context, now time.Time, months, topSoftware int) (*Statistics, error) {
	months = max(months, 1)
	var hosters []struct {
		CreatedAt time.Time `db:"created_at"`
		Region    string    `db:"region"`
	}
	if err := s.db.SelectContext(ctx, &hosters, s.db.Rebind(`SELECT created_at, region FROM hosters
		WHERE discoverable = ? AND status <> ?`), true, HosterGone); err != nil {
		return nil, fmt.Errorf("catalog: statistics hosters: %w", err)
	}
	var offers []struct {
		CreatedAt    time.Time  `db:"created_at"`
		DeletedAt    *time.Time `db:"deleted_at"`
		Category     string     `db:"category"`
		Registration string     `db:"registration"`
		Load         string     `db:"load"`
		Software     string     `db:"software_name"`
		Version      string     `db:"software_version"`
	}
	if err := s.db.SelectContext(ctx, &offers, s.db.Rebind(`SELECT o.created_at, o.deleted_at, o.category, o.registration,
		o."load", o.software_name, o.software_version FROM offers o JOIN hosters h ON h.id = o.hoster_id
		WHERE h.discoverable = ? AND h.status <> ?`), true, HosterGone); err != nil {
		return nil, fmt.Errorf("catalog: statistics offers: %w", err)
	}

	now = now.UTC()
	st := &Statistics{Hosters: len(hosters)}
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -(months - 1), 0)
	st.Months = make([]MonthCount, months)
	for i := range st.Months {
		st.Months[i].Month = first.AddDate(0, i, 0)
	}
	// monthEnd(i) is the instant month i ends (now for the current month).
	monthEnd := func(i int) time.Time {
		if i == months-1 {
			return now
		}
		return first.AddDate(0, i+1, 0)
	}
	regions := map[string]int{}
	for _, h := range hosters {
		regions[h.Region]++
		for i := range st.Months {
			if h.CreatedAt.Before(monthEnd(i)) {
				st.Months[i].Hosters++
			}
		}
	}
	cats, regs, loads := map[string]int{}, map[string]int{}, map[string]int{}
	type sw struct {
		spelling map[string]int
		versions map[string]int
		n        int
	}
	softwares := map[string]*sw{}
	for _, o := range offers {
		for i := range st.Months {
			end := monthEnd(i)
			if o.CreatedAt.Before(end) && (o.DeletedAt == nil || !o.DeletedAt.Before(end)) {
				st.Months[i].Offers++
			}
		}
		if o.DeletedAt != nil {
			continue
		}
		st.Offers++
		cats[o.Category]++
		regs[o.Registration]++
		loads[o.Load]++
		name := strings.TrimSpace(o.Software)
		if name == "" {
			continue
		}
		// "Nextcloud" and "nextcloud" are one software; the most common
		// spelling names it.
		key := strings.ToLower(name)
		x := softwares[key]
		if x == nil {
			x = &sw{spelling: map[string]int{}, versions: map[string]int{}}
			softwares[key] = x
		}
		x.n++
		x.spelling[name]++
		x.versions[strings.TrimSpace(o.Version)]++
	}
	st.Categories, st.Registration, st.Load, st.Regions = sortedCounts(cats), sortedCounts(regs), sortedCounts(loads), sortedCounts(regions)
	for _, x := range softwares {
		st.Software = append(st.Software, SoftwareCount{Name: sortedCounts(x.spelling)[0].Key, Offers: x.n, Versions: sortedCounts(x.versions)})
	}
	sort.Slice(st.Software, func(i, j int) bool {
		a, b := st.Software[i], st.Software[j]
		if a.Offers != b.Offers {
			return a.Offers > b.Offers
		}
		return strings.ToLower(a.Name) < strings.ToLower(b.Name)
	})
	if topSoftware > 0 && len(st.Software) > topSoftware {
		st.Software = st.Software[:topSoftware]
	}
	return st, nil
}

// sortedCounts orders a breakdown by count, then key, so that equal
// counts always show in the same order.
func sortedCounts(m map[string]int) []KeyCount {
	out := make([]KeyCount, 0, len(m))
	for k, n := range m {
		out = append(out, KeyCount{Key: k, N: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].N != out[j].N {
			return out[i].N > out[j].N
		}
		return out[i].Key < out[j].Key
	})
	return out
}
