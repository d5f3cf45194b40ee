package observatory

import (
	"context"
	"errors"
	"sort"
	"time"

	"codeberg.org/portee/portee/catalog"
)

// Discrepancy is a declared "yes" that an observation contradicts.
type Discrepancy struct {
	Commitment string          `json:"commitment"`
	Declared   string          `json:"declared"`
	Finding    catalog.Finding `json:"finding"`
}

// Report is the latest observation of a hoster as the API, the pages and
// the dashboard show it.
type Report struct {
	ObservedAt    *time.Time        `json:"observed_at"`
	Method        string            `json:"method,omitempty"`
	OptedOut      bool              `json:"opted_out"`
	Findings      []catalog.Finding `json:"findings"`
	Discrepancies []Discrepancy     `json:"discrepancies"`
	// Availability is the share of successful checks over 30 days (the
	// observatory's probes and the directory's refreshes); nil without checks.
	Availability *float64 `json:"availability_30d,omitempty"`
	Checks       int      `json:"checks_30d"`
}

// Discrepancies compares findings with a declaration through the map: each
// problem finding that informs a commitment declared "yes" is one.
func Discrepancies(m *catalog.ObservationMap, decl *catalog.CharterDeclaration, findings []catalog.Finding) []Discrepancy {
	out := []Discrepancy{}
	if decl == nil || (m.Charter != "" && decl.CharterID != m.Charter) {
		return out
	}
	yes := map[string]bool{}
	for _, a := range decl.Answers {
		if a.Status == catalog.AnswerYes {
			yes[a.Commitment] = true
		}
	}
	for _, f := range findings {
		if f.Status != catalog.FindingProblem {
			continue
		}
		for _, c := range m.Informs(&f) {
			if yes[c] {
				out = append(out, Discrepancy{Commitment: c, Declared: catalog.AnswerYes, Finding: f})
			}
		}
	}
	return out
}

// Latest builds the hoster's report from the store: its latest observation,
// the discrepancies with its declaration and its 30-day availability. A
// hoster never observed gets a report with no date and empty lists.
func Latest(ctx context.Context, store *catalog.Store, h *catalog.Hoster, now time.Time) (*Report, error) {
	rep := &Report{Findings: []catalog.Finding{}, Discrepancies: []Discrepancy{}}
	checks, ok, err := store.Availability(ctx, h.ID, now.AddDate(0, 0, -30).UTC().Format(time.DateOnly))
	if err != nil {
		return nil, err
	}
	if checks > 0 {
		a := float64(ok) / float64(checks)
		rep.Availability, rep.Checks = &a, checks
	}
	obs, err := store.LatestObservation(ctx, h.ID)
	if errors.Is(err, catalog.ErrNotFound) {
		return rep, nil
	}
	if err != nil {
		return nil, err
	}
	t := obs.ObservedAt
	rep.ObservedAt, rep.Method, rep.OptedOut = &t, obs.Method, obs.OptedOut
	if obs.Findings != nil {
		rep.Findings = obs.Findings
	}
	decl, err := store.DeclarationByHoster(ctx, h.ID)
	if err != nil && !errors.Is(err, catalog.ErrNotFound) {
		return nil, err
	}
	rep.Discrepancies = Discrepancies(catalog.DefaultObservationMap(), decl, rep.Findings)
	return rep, nil
}

// HosterDiscrepancies is one line of the auditors' to-do list.
type HosterDiscrepancies struct {
	Hoster        catalog.Hoster
	ObservedAt    time.Time
	OptedOut      bool
	Discrepancies []Discrepancy
}

// Overview lists, for the dashboard, every observed hoster's discrepancies
// in its latest observation, hosters with the most first.
func Overview(ctx context.Context, store *catalog.Store) ([]HosterDiscrepancies, error) {
	latest, err := store.LatestObservations(ctx)
	if err != nil {
		return nil, err
	}
	m := catalog.DefaultObservationMap()
	var out []HosterDiscrepancies
	for _, obs := range latest {
		h, err := store.HosterByID(ctx, obs.HosterID)
		if err != nil {
			return nil, err
		}
		decl, err := store.DeclarationByHoster(ctx, h.ID)
		if err != nil && !errors.Is(err, catalog.ErrNotFound) {
			return nil, err
		}
		out = append(out, HosterDiscrepancies{Hoster: *h, ObservedAt: obs.ObservedAt, OptedOut: obs.OptedOut,
			Discrepancies: Discrepancies(m, decl, obs.Findings)})
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i].Discrepancies) > len(out[j].Discrepancies) })
	return out, nil
}

// ByCommitment groups a report's findings by the commitments they inform,
// for the audit form: beside each commitment, what was observed (problems
// and facts alike) and whether it contradicts the declaration.
func ByCommitment(rep *Report) map[string][]catalog.Finding {
	m := catalog.DefaultObservationMap()
	out := map[string][]catalog.Finding{}
	for _, f := range rep.Findings {
		for _, c := range m.Informs(&f) {
			out[c] = append(out[c], f)
		}
	}
	return out
}
