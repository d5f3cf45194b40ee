package catalogtest

import (
	"errors"
	"testing"
	"time"

	"codeberg.org/portee/portee/catalog"
)

// testObservations: observations round-trip, the latest one wins, daily
// verdicts keep the worst status of a day and show a fix the next day,
// pruning drops raw details but keeps facts and verdicts, and availability
// adds the probes to the refreshes.
func testObservations(t *testing.T, s *catalog.Store) {
	ctx := ctxT(t)
	h := mustHoster(t, s, "observe")
	other := mustHoster(t, s, "autre")
	if _, err := s.LatestObservation(ctx, h.ID); !errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("LatestObservation before any: %v, want ErrNotFound", err)
	}
	seq := lastSeq(t, s)
	day1 := time.Date(2026, 12, 1, 9, 0, 0, 123456789, time.UTC)
	bad := catalog.Findings{
		{Kind: catalog.KindReachability, URL: "https://observe.example/", Method: catalog.MethodHTTP, Status: catalog.FindingOK, Value: "200"},
		{Kind: catalog.KindReachability, URL: "https://pad.observe.example/", Offer: "pad", Method: catalog.MethodHTTP, Status: catalog.FindingProblem, Code: "status-502", Detail: "bad gateway"},
		{Kind: catalog.KindThirdParty, URL: "https://observe.example/", Method: catalog.MethodHTML, Status: catalog.FindingProblem,
			Host: "www.google-analytics.com", Category: "analytics", Detail: "https://www.google-analytics.com/analytics.js"},
	}
	o1 := &catalog.Observation{HosterID: h.ID, ObservedAt: day1, Method: catalog.MethodHTML, DurationMS: 42, Findings: bad}
	if err := s.SaveObservation(ctx, o1); err != nil {
		t.Fatal(err)
	}
	if o1.ID == 0 {
		t.Error("SaveObservation left ID 0")
	}
	// One change row, for the directory's outbox that reports it to the node.
	if cs := changesAfter(t, s, seq); len(cs) != 1 || cs[0].Kind != catalog.ChangeObservation || cs[0].EntityID != o1.ID || cs[0].HosterID != h.ID {
		t.Errorf("SaveObservation changes: %+v, want one %q of observation %d", cs, catalog.ChangeObservation, o1.ID)
	}
	if got, err := s.ObservationByID(ctx, o1.ID); err != nil || len(got.Findings) != len(bad) {
		t.Errorf("ObservationByID: %+v %v", got, err)
	}
	// Later the same day the pad answers: the day keeps the worst.
	o2 := &catalog.Observation{HosterID: h.ID, ObservedAt: day1.Add(time.Hour), Method: catalog.MethodHTML, Findings: catalog.Findings{
		{Kind: catalog.KindReachability, URL: "https://pad.observe.example/", Offer: "pad", Method: catalog.MethodHTTP, Status: catalog.FindingOK},
	}}
	if err := s.SaveObservation(ctx, o2); err != nil {
		t.Fatal(err)
	}
	// The next day everything is fixed.
	o3 := &catalog.Observation{HosterID: h.ID, ObservedAt: day1.Add(24 * time.Hour), Method: catalog.MethodBrowser, Findings: catalog.Findings{
		{Kind: catalog.KindReachability, URL: "https://pad.observe.example/", Offer: "pad", Method: catalog.MethodHTTP, Status: catalog.FindingOK},
	}}
	if err := s.SaveObservation(ctx, o3); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveObservation(ctx, &catalog.Observation{HosterID: other.ID, ObservedAt: day1, Method: catalog.MethodHTML, OptedOut: true,
		Findings: catalog.Findings{{Kind: catalog.KindOptedOut, URL: "https://autre.example/", Method: catalog.MethodHTTP, Status: catalog.FindingInfo}}}); err != nil {
		t.Fatal(err)
	}
	latest, err := s.LatestObservation(ctx, h.ID)
	if err != nil {
		t.Fatal(err)
	}
	o3.ObservedAt = o3.ObservedAt.Truncate(time.Microsecond)
	same(t, "latest observation", *latest, *o3)
	all, err := s.LatestObservations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].ID != o3.ID || !all[1].OptedOut {
		t.Errorf("LatestObservations = %+v", all)
	}
	times, err := s.ObservedTimes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !times[h.ID].Equal(o3.ObservedAt) || !times[other.ID].Equal(day1.Truncate(time.Microsecond)) {
		t.Errorf("ObservedTimes = %v", times)
	}
	days, err := s.ObservationDays(ctx, h.ID, "2026-12-01")
	if err != nil {
		t.Fatal(err)
	}
	pad := map[string]string{}
	for _, d := range days {
		if d.Kind == catalog.KindReachability && d.Subject == "pad https://pad.observe.example/" {
			pad[d.Day] = d.Status
		}
	}
	if pad["2026-12-01"] != catalog.FindingProblem || pad["2026-12-02"] != catalog.FindingOK || len(days) != 4 {
		t.Errorf("days = %+v (pad %v)", days, pad)
	}
	// Availability: 3 of 4 probes answered, plus one refresh that failed.
	if _, err := s.RecordCheck(ctx, h.ID, false, false, day1, 3); err != nil {
		t.Fatal(err)
	}
	checks, ok, err := s.Availability(ctx, h.ID, "2026-11-02")
	if err != nil {
		t.Fatal(err)
	}
	if checks != 5 || ok != 3 {
		t.Errorf("availability %d/%d, want 3/5", ok, checks)
	}
	if checks, _, _ := s.Availability(ctx, h.ID, "2026-12-02"); checks != 1 {
		t.Errorf("availability since the 2nd counts %d checks, want 1", checks)
	}
	// Pruning: o1 and o2 lose their details, the latest keeps them.
	n, err := s.PruneObservations(ctx, day1.Add(12*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("pruned %d, want 2 (the other hoster's only observation is its latest)", n)
	}
	var findings catalog.Findings
	if err := s.DB().Get(&findings, s.DB().Rebind(`SELECT findings FROM observations WHERE id = ?`), o1.ID); err != nil {
		t.Fatal(err)
	}
	if len(findings) != 3 || findings[2].Detail != "" || findings[2].Host != "www.google-analytics.com" {
		t.Errorf("pruned findings = %+v", findings)
	}
	if again, _ := s.PruneObservations(ctx, day1.Add(12*time.Hour)); again != 0 {
		t.Errorf("second prune touched %d", again)
	}
	if days2, _ := s.ObservationDays(ctx, h.ID, "2026-12-01"); len(days2) != len(days) {
		t.Errorf("pruning changed the daily verdicts: %d → %d", len(days), len(days2))
	}
}
