package catalogtest

import (
	"testing"
	"time"

	"codeberg.org/portee/portee/catalog"
)

// RunComplianceContract runs the compliance and statistics computations
// against stores made by open (fresh, migrated, empty), on every engine.
func RunComplianceContract(t *testing.T, open func(t *testing.T) *catalog.Store) {
	t.Run("ComplianceTable", func(t *testing.T) { testComplianceTable(t, open(t)) })
	t.Run("Statistics", func(t *testing.T) { testStatistics(t, open(t)) })
	t.Run("LoadCharter", func(t *testing.T) { testLoadCharter(t, open(t)) })
}

// complianceCharter is a small charter: three commitments in two axes.
func complianceCharter(version string) *catalog.Charter {
	return &catalog.Charter{ID: "chatons", Version: version, TitleFR: "Charte " + version, TitleEN: "Charter " + version,
		Axes: []catalog.Axis{{ID: "ouvert", TitleFR: "Ouvert"}, {ID: "neutre", TitleFR: "Neutre"}},
		Commitments: []catalog.Commitment{
			{ID: "logiciels", Axis: "ouvert", TitleFR: "Logiciels libres", TextFR: "…", Required: true},
			{ID: "liste", Axis: "ouvert", TitleFR: "Liste des logiciels", TextFR: "…", Required: true},
			{ID: "requetes", Axis: "neutre", TitleFR: "Registre des requêtes", TextFR: "…", Required: true},
		}}
}

func declare(t *testing.T, s *catalog.Store, h *catalog.Hoster, version string, at time.Time, statuses ...string) {
	t.Helper()
	d := &catalog.CharterDeclaration{HosterID: h.ID, ObjectID: h.ActorID + "/charter", CharterID: "chatons",
		CharterVersion: version, Updated: at}
	ids := []string{"logiciels", "liste", "requetes"}
	for i, st := range statuses {
		if st != "" {
			d.Answers = append(d.Answers, catalog.Answer{Commitment: ids[i], Status: st})
		}
	}
	if err := s.UpsertDeclaration(ctxT(t), d, catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
}

func testComplianceTable(t *testing.T, s *catalog.Store) {
	ctx := ctxT(t)
	t0 := time.Date(2025, 1, 10, 12, 0, 0, 0, time.UTC)
	t1 := time.Date(2026, 2, 1, 12, 0, 0, 0, time.UTC)
	clock := t0
	s.SetClock(func() time.Time { return clock })
	for _, v := range []string{"2023", "2025"} {
		if err := s.SaveCharter(ctx, complianceCharter(v)); err != nil {
			t.Fatal(err)
		}
	}
	a := mustHoster(t, s, "a") // Saint-Nazaire (44), member
	b := SampleHoster("b", "https://b.example")
	b.Departement, b.Region, b.MemberSince, b.Portee = "69", "Auvergne-Rhône-Alpes", "", 0
	if err := s.UpsertHoster(ctx, b, catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
	mustHoster(t, s, "c") // never declares
	gone := mustHoster(t, s, "gone")
	declare(t, s, a, "2023", t0, "yes", "yes", "no")
	declare(t, s, b, "2023", t0, "partial", "not-applicable", "")
	declare(t, s, gone, "2023", t0, "no", "no", "no")
	if _, err := s.RecordCheck(ctx, gone.ID, false, true, t0, 3); err != nil {
		t.Fatal(err)
	}

	clock = t1
	declare(t, s, a, "2023", t1, "yes", "yes", "yes")
	d := mustHoster(t, s, "d")
	declare(t, s, d, "2025", t1, "yes", "yes", "yes")

	c, err := s.ComplianceCharter(ctx, catalog.ComplianceFilter{})
	if err != nil || c.Version != "2023" {
		t.Fatalf("default charter %v, %v; want the version most declarations answer (2023)", c, err)
	}
	now, err := s.ComplianceAt(ctx, c, catalog.ComplianceFilter{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if now.Hosters != 4 || now.Declared != 2 || now.OtherVersion != 1 || now.Audited != 0 {
		t.Fatalf("now: %d hosters, %d declared, %d other version, %d audited; want 4, 2, 1, 0", now.Hosters, now.Declared, now.OtherVersion, now.Audited)
	}
	want := map[string]map[string]int{
		"logiciels": {"yes": 1, "partial": 1, "no": 0, "not-applicable": 0, "none": 2},
		"liste":     {"yes": 1, "partial": 0, "no": 0, "not-applicable": 1, "none": 2},
		"requetes":  {"yes": 1, "partial": 0, "no": 0, "not-applicable": 0, "none": 3},
	}
	checkDeclared(t, "now", now, want)
	for _, cc := range now.Commitments {
		if cc.Audited["none"] != now.Hosters || len(cc.Audited) != len(catalog.ComplianceAuditedKeys) {
			t.Errorf("now: %s audited %v, want every hoster unaudited", cc.ID, cc.Audited)
		}
	}

	// A year before t1: d did not exist, a had answered "no" to requetes.
	past, err := s.ComplianceAt(ctx, c, catalog.ComplianceFilter{}, t1.AddDate(-1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if past.Hosters != 3 || past.Declared != 2 || past.OtherVersion != 0 {
		t.Fatalf("a year before: %d hosters, %d declared, %d other; want 3, 2, 0", past.Hosters, past.Declared, past.OtherVersion)
	}
	checkDeclared(t, "a year before", past, map[string]map[string]int{
		"logiciels": {"yes": 1, "partial": 1, "no": 0, "not-applicable": 0, "none": 1},
		"requetes":  {"yes": 0, "partial": 0, "no": 1, "not-applicable": 0, "none": 2},
	})
	// Before any declaration: every hoster that existed counts as "none".
	before, err := s.ComplianceAt(ctx, c, catalog.ComplianceFilter{}, t0.Add(-time.Hour))
	if err != nil || before.Hosters != 0 {
		t.Fatalf("before the first hoster: %+v, %v", before, err)
	}

	for _, fc := range []struct {
		f       catalog.ComplianceFilter
		hosters int
		yes     int // logiciels
	}{
		{catalog.ComplianceFilter{Departement: "69"}, 1, 0},
		{catalog.ComplianceFilter{Departement: "44"}, 3, 1},
		{catalog.ComplianceFilter{Region: "Auvergne-Rhône-Alpes"}, 1, 0},
		{catalog.ComplianceFilter{Membership: catalog.MembershipOther}, 1, 0},
		{catalog.ComplianceFilter{Membership: catalog.MembershipMember}, 3, 1},
	} {
		got, err := s.ComplianceAt(ctx, c, fc.f, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if got.Hosters != fc.hosters || got.Commitments[0].Declared["yes"] != fc.yes {
			t.Errorf("filter %+v: %d hosters, %d yes; want %d, %d", fc.f, got.Hosters, got.Commitments[0].Declared["yes"], fc.hosters, fc.yes)
		}
	}

	v25, err := s.ComplianceCharter(ctx, catalog.ComplianceFilter{CharterVersion: "2025"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := s.ComplianceAt(ctx, v25, catalog.ComplianceFilter{}, t1)
	if err != nil || other.Declared != 1 || other.OtherVersion != 2 || other.Commitments[2].Declared["yes"] != 1 {
		t.Fatalf("version 2025: %+v, %v", other, err)
	}
	if _, err := s.ComplianceCharter(ctx, catalog.ComplianceFilter{CharterVersion: "1999"}); err == nil {
		t.Error("an unknown version resolved")
	}
	versions, err := s.CharterVersions(ctx)
	if err != nil || len(versions) != 2 || versions[0].Version != "2025" || versions[0].Declarations != 1 || versions[1].Declarations != 2 {
		t.Fatalf("versions %+v, %v", versions, err)
	}
	regions, deps, err := s.ComplianceFacets(ctx)
	if err != nil || len(regions) != 2 || len(deps) != 2 || deps[0] != "44" {
		t.Fatalf("facets %v %v %v", regions, deps, err)
	}
}

func checkDeclared(t *testing.T, what string, got *catalog.Compliance, want map[string]map[string]int) {
	t.Helper()
	for _, cc := range got.Commitments {
		sum := 0
		for _, k := range catalog.ComplianceDeclaredKeys {
			sum += cc.Declared[k]
		}
		if sum != got.Hosters {
			t.Errorf("%s: %s declared counts add up to %d, not %d hosters", what, cc.ID, sum, got.Hosters)
		}
		w, ok := want[cc.ID]
		if !ok {
			continue
		}
		for k, n := range w {
			if cc.Declared[k] != n {
				t.Errorf("%s: %s declared %s = %d, want %d (%v)", what, cc.ID, k, cc.Declared[k], n, cc.Declared)
			}
		}
	}
}

func testStatistics(t *testing.T, s *catalog.Store) {
	ctx := ctxT(t)
	clock := time.Date(2026, 9, 15, 0, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return clock })
	a := mustHoster(t, s, "a")
	mustOffer(t, s, a, "nextcloud", "cloud")
	clock = time.Date(2026, 10, 3, 0, 0, 0, 0, time.UTC)
	b := SampleHoster("b", "https://b.example")
	b.Region = "Bretagne"
	if err := s.UpsertHoster(ctx, b, catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
	o := SampleOffer(b, "cloud", "cloud")
	o.Software.Name, o.Software.Version, o.Registration, o.Load = "nextcloud", "30.0.1", catalog.RegistrationMember, catalog.LoadFull
	if err := s.UpsertOffer(ctx, o, catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
	mustOffer(t, s, b, "pad", "pad")
	mustOffer(t, s, b, "old", "poll")
	clock = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	if err := s.DeleteOffer(ctx, b.ActorID+"/offers/old", clock, catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
	hidden := SampleHoster("hidden", "https://hidden.example")
	hidden.Discoverable = false
	if err := s.UpsertHoster(ctx, hidden, catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
	mustOffer(t, s, hidden, "pad", "pad")

	st, err := s.Statistics(ctx, time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC), 4, 20)
	if err != nil {
		t.Fatal(err)
	}
	if st.Hosters != 2 || st.Offers != 3 {
		t.Fatalf("%d hosters, %d offers; want 2, 3", st.Hosters, st.Offers)
	}
	months := []monthWant{{"2026-08", 0, 0}, {"2026-09", 1, 1}, {"2026-10", 2, 4}, {"2026-11", 2, 3}}
	if len(st.Months) != len(months) {
		t.Fatalf("%d months", len(st.Months))
	}
	for i, m := range months {
		got := st.Months[i]
		if got.Month.Format("2006-01") != m.month || got.Hosters != m.hosters || got.Offers != m.offers {
			t.Errorf("month %d: %s %d hosters %d offers, want %+v", i, got.Month.Format("2006-01"), got.Hosters, got.Offers, m)
		}
	}
	if len(st.Categories) != 2 || st.Categories[0] != (catalog.KeyCount{Key: "cloud", N: 2}) {
		t.Errorf("categories %v", st.Categories)
	}
	if len(st.Software) != 2 || st.Software[0].Name != "Nextcloud" || st.Software[0].Offers != 2 || len(st.Software[0].Versions) != 2 {
		t.Errorf("software %+v: want Nextcloud and nextcloud as one, with two versions", st.Software)
	}
	if len(st.Load) != 2 || len(st.Registration) != 2 {
		t.Errorf("load %v registration %v", st.Load, st.Registration)
	}
	if len(st.Regions) != 2 || st.Regions[0].N != 1 {
		t.Errorf("regions %v", st.Regions)
	}
	top, err := s.Statistics(ctx, clock, 1, 1)
	if err != nil || len(top.Software) != 1 || len(top.Months) != 1 {
		t.Errorf("top 1: %+v, %v", top, err)
	}
}

// monthWant is one expected month of testStatistics.
type monthWant struct {
	month           string
	hosters, offers int
}

func testLoadCharter(t *testing.T, s *catalog.Store) {
	ctx := ctxT(t)
	c := complianceCharter("2025")
	if loaded, err := s.LoadCharter(ctx, c, false); err != nil || !loaded {
		t.Fatalf("first load: %v, %v", loaded, err)
	}
	if loaded, err := s.LoadCharter(ctx, complianceCharter("2025"), false); err != nil || loaded {
		t.Fatalf("same wording: %v, %v", loaded, err)
	}
	c.Commitments[0].TitleFR = "Autre titre"
	if _, err := s.LoadCharter(ctx, c, false); err == nil {
		t.Fatal("other wording under a loaded version was accepted")
	}
	if loaded, err := s.LoadCharter(ctx, c, true); err != nil || !loaded {
		t.Fatalf("replace: %v, %v", loaded, err)
	}
	got, err := s.Charter(ctx, "chatons", "2025")
	if err != nil || got.Commitments[0].TitleFR != "Autre titre" {
		t.Fatalf("stored %+v, %v", got, err)
	}
	bad := complianceCharter("2026")
	bad.Commitments[0].Axis = "nowhere"
	if _, err := s.LoadCharter(ctx, bad, false); err == nil {
		t.Fatal("an invalid charter was loaded")
	}
}
