package catalogtest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"codeberg.org/portee/portee/catalog"
)

// RunContract runs the Store contract against stores made by open, which
// must return a fresh, migrated, empty store for each call.
func RunContract(t *testing.T, open func(t *testing.T) *catalog.Store) {
	cases := []struct {
		name string
		fn   func(t *testing.T, s *catalog.Store)
	}{
		{"HosterRoundTrip", testHosterRoundTrip},
		{"HosterWithoutCoordinates", testHosterWithoutCoordinates},
		{"TimestampsRoundTrip", testTimestamps},
		{"NotFound", testNotFound},
		{"HosterUpdate", testHosterUpdate},
		{"NoOpUpsertAppendsNothing", testNoOp},
		{"AlreadyApplied", testAlreadyApplied},
		{"Stale", testStale},
		{"OfferRoundTrip", testOfferRoundTrip},
		{"OfferOfAnotherHoster", testOfferOfAnotherHoster},
		{"SoftDeleteAndRevive", testSoftDeleteAndRevive},
		{"DeleteHosterOffersExcept", testDeleteHosterOffersExcept},
		{"FutureDatesDoNotPin", testFutureDatesDoNotPin},
		{"WriteCheck", testWriteCheck},
		{"ListOffers", testListOffers},
		{"EachOfferPages", testEachOffer},
		{"Declarations", testDeclarations},
		{"Charters", testCharters},
		{"ChangeFeedAndCursor", testChangeFeed},
		{"Subscribe", testSubscribe},
		{"ConcurrentWriters", testConcurrentWriters},
		{"RecordCheck", testRecordCheck},
		{"Observations", testObservations},
		{"ObservationReports", testObservationReports},
		{"ListHosters", testListHosters},
		{"LocalHosters", testLocalHosters},
		{"MigrateIdempotent", testMigrateIdempotent},
		{"MigrateRefusesNewerSchema", testMigrateRefusesNewer},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.fn(t, open(t))
		})
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func mustHoster(t *testing.T, s *catalog.Store, username string) *catalog.Hoster {
	t.Helper()
	h := SampleHoster(username, "https://"+username+".example")
	if err := s.UpsertHoster(ctxT(t), h, catalog.WriteMeta{}); err != nil {
		t.Fatalf("UpsertHoster(%s): %v", username, err)
	}
	return h
}

func mustOffer(t *testing.T, s *catalog.Store, h *catalog.Hoster, key, category string) *catalog.Offer {
	t.Helper()
	o := SampleOffer(h, key, category)
	if err := s.UpsertOffer(ctxT(t), o, catalog.WriteMeta{}); err != nil {
		t.Fatalf("UpsertOffer(%s): %v", key, err)
	}
	return o
}

func lastSeq(t *testing.T, s *catalog.Store) int64 {
	t.Helper()
	n, err := s.LastSeq(ctxT(t))
	if err != nil {
		t.Fatalf("LastSeq: %v", err)
	}
	return n
}

func changesAfter(t *testing.T, s *catalog.Store, after int64) []catalog.Change {
	t.Helper()
	cs, err := s.Changes(ctxT(t), after, 10000)
	if err != nil {
		t.Fatalf("Changes: %v", err)
	}
	return cs
}

func same(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

func testHosterRoundTrip(t *testing.T, s *catalog.Store) {
	ctx := ctxT(t)
	before := time.Now().Add(-time.Second)
	h := SampleHoster("nazairien", "https://chaton-nazairien.example:8443")
	h.Local = true
	want := *h
	if err := s.UpsertHoster(ctx, h, catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
	if h.ID == 0 || h.CreatedAt.Before(before) || h.ModifiedAt.Before(before) {
		t.Fatalf("UpsertHoster did not set ID/CreatedAt/ModifiedAt: %d %v %v", h.ID, h.CreatedAt, h.ModifiedAt)
	}
	want.ID, want.CreatedAt, want.ModifiedAt = h.ID, h.CreatedAt, h.ModifiedAt
	same(t, "upserted hoster", *h, want)
	for name, get := range map[string]func() (*catalog.Hoster, error){
		"HosterByID":    func() (*catalog.Hoster, error) { return s.HosterByID(ctx, h.ID) },
		"HosterByActor": func() (*catalog.Hoster, error) { return s.HosterByActor(ctx, h.ActorID) },
		"HosterByAcct": func() (*catalog.Hoster, error) {
			return s.HosterByAcct(ctx, "nazairien", "Chaton-Nazairien.example:8443")
		},
	} {
		got, err := get()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		same(t, name, *got, want)
	}
	cs := changesAfter(t, s, 0)
	if len(cs) != 1 || cs[0].Kind != catalog.ChangeHoster || cs[0].Op != catalog.OpUpsert ||
		cs[0].HosterID != h.ID || cs[0].EntityID != h.ID || cs[0].ObjectID != h.ActorID || cs[0].At.Before(before) {
		t.Errorf("changes after insert = %+v, want one hoster upsert of %d", cs, h.ID)
	}
}

func testHosterWithoutCoordinates(t *testing.T, s *catalog.Store) {
	ctx := ctxT(t)
	h := SampleHoster("sanscoord", "https://sans.example")
	h.Latitude, h.Longitude = nil, nil
	h.Discoverable = false
	h.Status = ""
	if err := s.UpsertHoster(ctx, h, catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
	got, err := s.HosterByID(ctx, h.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Latitude != nil || got.Longitude != nil || got.HasCoords() {
		t.Errorf("coordinates = %v, %v, want nil", got.Latitude, got.Longitude)
	}
	if got.Discoverable || got.Local {
		t.Errorf("Discoverable/Local = %v/%v, want false/false", got.Discoverable, got.Local)
	}
	if got.Status != catalog.HosterActive {
		t.Errorf("Status of a new hoster = %q, want %q", got.Status, catalog.HosterActive)
	}
	if got.LastSeenAt != nil {
		t.Errorf("LastSeenAt = %v, want nil", got.LastSeenAt)
	}
}

func testTimestamps(t *testing.T, s *catalog.Store) {
	ctx := ctxT(t)
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		paris = time.FixedZone("CET", 3600)
	}
	h := SampleHoster("horloge", "https://horloge.example")
	h.Updated = time.Date(2024, 10, 27, 2, 30, 15, 123456789, paris)
	if err := s.UpsertHoster(ctx, h, catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
	got, err := s.HosterByID(ctx, h.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2024, 10, 27, 2, 30, 15, 123456000, paris)
	if !got.Updated.Equal(want) || got.Updated.Location() != time.UTC {
		t.Errorf("Updated = %v, want %v in UTC (microsecond precision)", got.Updated, want)
	}
	at := time.Date(2025, 1, 2, 3, 4, 5, 600000000, paris)
	if _, err := s.RecordCheck(ctx, h.ID, true, false, at, 3); err != nil {
		t.Fatal(err)
	}
	got, err = s.HosterByID(ctx, h.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.LastSeenAt == nil || !got.LastSeenAt.Equal(at) {
		t.Errorf("LastSeenAt = %v, want %v", got.LastSeenAt, at)
	}
	// Times written on either side of a second boundary and with and without
	// a fractional part must compare in time order in SQL (UpdatedSince).
	h2 := SampleHoster("horloge2", "https://horloge2.example")
	h2.Updated = time.Date(2024, 10, 27, 2, 30, 15, 0, paris)
	if err := s.UpsertHoster(ctx, h2, catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
	since := time.Date(2024, 10, 27, 2, 30, 15, 1000, paris)
	hs, err := s.ListHosters(ctx, catalog.HosterFilter{UpdatedSince: &since})
	if err != nil {
		t.Fatal(err)
	}
	if len(hs) != 1 || hs[0].ID != h.ID {
		t.Errorf("UpdatedSince %v returned %d hosters, want only %q", since, len(hs), h.Username)
	}
}

func testNotFound(t *testing.T, s *catalog.Store) {
	ctx := ctxT(t)
	check := func(name string, v any, err error) {
		t.Helper()
		if !errors.Is(err, catalog.ErrNotFound) {
			t.Errorf("%s: err = %v, want ErrNotFound", name, err)
		}
		if v != nil && !reflect.ValueOf(v).IsNil() {
			t.Errorf("%s returned a value with ErrNotFound: %+v", name, v)
		}
	}
	h, err := s.HosterByID(ctx, 4242)
	check("HosterByID", h, err)
	h, err = s.HosterByActor(ctx, "https://nowhere.example/hosters/x")
	check("HosterByActor", h, err)
	h, err = s.HosterByAcct(ctx, "x", "nowhere.example")
	check("HosterByAcct", h, err)
	o, err := s.OfferByID(ctx, 4242)
	check("OfferByID", o, err)
	o, err = s.OfferByObjectID(ctx, "https://nowhere.example/o")
	check("OfferByObjectID", o, err)
	d, err := s.DeclarationByHoster(ctx, 4242)
	check("DeclarationByHoster", d, err)
	c, err := s.Charter(ctx, "chatons", "1900")
	check("Charter", c, err)
	h, err = s.RecordCheck(ctx, 4242, true, false, time.Now(), 3)
	check("RecordCheck", h, err)
	check("DeleteOffer", nil, s.DeleteOffer(ctx, "https://nowhere.example/o", time.Now(), catalog.WriteMeta{}))
	if n := lastSeq(t, s); n != 0 {
		t.Errorf("failed writes appended changes: LastSeq = %d", n)
	}
	cur, err := s.Cursor(ctx, "nobody")
	if err != nil || cur != 0 {
		t.Errorf("Cursor(unknown) = %d, %v; want 0, nil", cur, err)
	}
}

func testHosterUpdate(t *testing.T, s *catalog.Store) {
	ctx := ctxT(t)
	h := mustHoster(t, s, "maj")
	created, modified := h.CreatedAt, h.ModifiedAt
	time.Sleep(2 * time.Millisecond)
	n := SampleHoster("maj", "https://maj.example")
	n.Name = "Chaton Renommé"
	n.Latitude = nil
	n.Longitude = nil
	n.Status = "" // keep the stored status
	n.Updated = h.Updated.Add(time.Hour)
	seq := lastSeq(t, s)
	if err := s.UpsertHoster(ctx, n, catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
	if n.ID != h.ID || !n.CreatedAt.Equal(created) || !n.ModifiedAt.After(modified) {
		t.Errorf("after update: ID %d (want %d), CreatedAt %v (want %v), ModifiedAt %v (want after %v)",
			n.ID, h.ID, n.CreatedAt, created, n.ModifiedAt, modified)
	}
	got, err := s.HosterByID(ctx, h.ID)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "updated hoster", *got, *n)
	if got.Name != "Chaton Renommé" || got.Latitude != nil || got.Status != catalog.HosterActive {
		t.Errorf("stored %q lat=%v status=%q", got.Name, got.Latitude, got.Status)
	}
	if cs := changesAfter(t, s, seq); len(cs) != 1 || cs[0].Kind != catalog.ChangeHoster || cs[0].EntityID != h.ID {
		t.Errorf("update appended %+v, want one hoster change", cs)
	}
	// A second hoster may not take the same user@domain.
	dup := SampleHoster("maj", "https://maj.example")
	dup.ActorID = "https://maj.example/users/maj"
	if err := s.UpsertHoster(ctx, dup, catalog.WriteMeta{}); err == nil {
		t.Error("a second actor with the same username and domain was accepted")
	}
}

func testNoOp(t *testing.T, s *catalog.Store) {
	ctx := ctxT(t)
	h := mustHoster(t, s, "pareil")
	o := mustOffer(t, s, h, "nextcloud", "cloud")
	d := sampleDeclaration(h)
	if err := s.UpsertDeclaration(ctx, d, catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
	seq := lastSeq(t, s)
	h2 := SampleHoster("pareil", "https://pareil.example")
	if err := s.UpsertHoster(ctx, h2, catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
	if !h2.ModifiedAt.Equal(h.ModifiedAt) || h2.ID != h.ID {
		t.Errorf("no-op hoster upsert changed ModifiedAt %v → %v or id", h.ModifiedAt, h2.ModifiedAt)
	}
	o2 := SampleOffer(h, "nextcloud", "cloud")
	o2.Languages = catalog.StringList{"fr", "en"}
	if err := s.UpsertOffer(ctx, o2, catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
	same(t, "no-op offer", *o2, *o)
	if err := s.UpsertDeclaration(ctx, sampleDeclaration(h), catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
	if got := lastSeq(t, s); got != seq {
		t.Errorf("identical upserts appended %d change rows", got-seq)
	}
}

func testAlreadyApplied(t *testing.T, s *catalog.Store) {
	ctx := ctxT(t)
	h := SampleHoster("rejoue", "https://rejoue.example")
	meta := catalog.WriteMeta{ActivityID: "https://rejoue.example/activities/1", ActorID: h.ActorID}
	if ok, err := s.ActivityApplied(ctx, meta.ActivityID); err != nil || ok {
		t.Fatalf("ActivityApplied before = %v, %v", ok, err)
	}
	if err := s.UpsertHoster(ctx, h, meta); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.ActivityApplied(ctx, meta.ActivityID); err != nil || !ok {
		t.Fatalf("ActivityApplied after = %v, %v", ok, err)
	}
	again := SampleHoster("rejoue", "https://rejoue.example")
	again.Name = "Changed by a replay"
	again.Updated = h.Updated.Add(time.Hour)
	if err := s.UpsertHoster(ctx, again, meta); !errors.Is(err, catalog.ErrAlreadyApplied) {
		t.Fatalf("replayed activity: err = %v, want ErrAlreadyApplied", err)
	}
	o := SampleOffer(h, "pad", "pad")
	if err := s.UpsertOffer(ctx, o, meta); !errors.Is(err, catalog.ErrAlreadyApplied) {
		t.Fatalf("replayed activity on an offer: err = %v, want ErrAlreadyApplied", err)
	}
	if got, err := s.HosterByID(ctx, h.ID); err != nil || got.Name != h.Name {
		t.Errorf("replay changed the hoster: %v %v", got, err)
	}
	if n, _ := s.CountOffers(ctx); n != 0 {
		t.Errorf("replay stored an offer")
	}
	if cs := changesAfter(t, s, 0); len(cs) != 1 {
		t.Errorf("one activity applied twice left %d change rows, want 1", len(cs))
	}
	// A write that fails leaves its activity unrecorded, so a retry can apply.
	bad := catalog.WriteMeta{ActivityID: "https://rejoue.example/activities/2"}
	if err := s.DeleteOffer(ctx, "https://rejoue.example/none", time.Now(), bad); !errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("DeleteOffer unknown: %v", err)
	}
	if ok, _ := s.ActivityApplied(ctx, bad.ActivityID); ok {
		t.Error("a failed write recorded its activity id")
	}
}

func testStale(t *testing.T, s *catalog.Store) {
	ctx := ctxT(t)
	h := mustHoster(t, s, "vieux")
	o := mustOffer(t, s, h, "jitsi", "video-call")
	d := sampleDeclaration(h)
	if err := s.UpsertDeclaration(ctx, d, catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
	seq := lastSeq(t, s)

	oldH := SampleHoster("vieux", "https://vieux.example")
	oldH.Name = "Old name"
	oldH.Updated = h.Updated.Add(-time.Minute)
	if err := s.UpsertHoster(ctx, oldH, catalog.WriteMeta{ActivityID: "a1"}); !errors.Is(err, catalog.ErrStale) {
		t.Errorf("older hoster: err = %v, want ErrStale", err)
	}
	oldO := SampleOffer(h, "jitsi", "video-call")
	oldO.Name = "Old offer name"
	oldO.Updated = o.Updated.Add(-time.Microsecond)
	if err := s.UpsertOffer(ctx, oldO, catalog.WriteMeta{}); !errors.Is(err, catalog.ErrStale) {
		t.Errorf("older offer: err = %v, want ErrStale", err)
	}
	oldD := sampleDeclaration(h)
	oldD.Answers = oldD.Answers[:1]
	oldD.Updated = d.Updated.Add(-time.Hour)
	if err := s.UpsertDeclaration(ctx, oldD, catalog.WriteMeta{}); !errors.Is(err, catalog.ErrStale) {
		t.Errorf("older declaration: err = %v, want ErrStale", err)
	}
	if err := s.DeleteOffer(ctx, o.ObjectID, o.Updated.Add(-time.Second), catalog.WriteMeta{}); !errors.Is(err, catalog.ErrStale) {
		t.Errorf("delete older than the offer: err = %v, want ErrStale", err)
	}
	if got := lastSeq(t, s); got != seq {
		t.Errorf("stale writes appended %d change rows", got-seq)
	}
	if gh, _ := s.HosterByID(ctx, h.ID); gh == nil || gh.Name != h.Name {
		t.Errorf("stale update changed the hoster: %+v", gh)
	}
	if gotO, _ := s.OfferByID(ctx, o.ID); gotO == nil || gotO.Name != o.Name || gotO.DeletedAt != nil {
		t.Errorf("stale update changed the offer: %+v", gotO)
	}
	if gd, _ := s.DeclarationByHoster(ctx, h.ID); gd == nil || len(gd.Answers) != len(d.Answers) {
		t.Errorf("stale update changed the declaration: %+v", gd)
	}
	if ok, _ := s.ActivityApplied(ctx, "a1"); ok {
		t.Error("a stale write recorded its activity id")
	}
}

func testOfferRoundTrip(t *testing.T, s *catalog.Store) {
	ctx := ctxT(t)
	h := mustHoster(t, s, "offre")
	o := SampleOffer(h, "lufi", "file-sharing")
	o.Audience = catalog.AudienceLocal
	o.AreaDepartements = catalog.StringList{"44", "2A", "974"}
	o.AreaRadiusKm = 42.5
	o.Registration = catalog.RegistrationMember
	o.Load = catalog.LoadFull
	o.Status = catalog.StatusWarning
	o.Languages = catalog.StringList{"fr", "br", "oc-aranes"}
	o.CreatedAt = time.Date(2021, 5, 6, 7, 8, 9, 0, time.UTC)
	want := *o
	if err := s.UpsertOffer(ctx, o, catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
	if o.ID == 0 {
		t.Fatal("UpsertOffer did not set ID")
	}
	want.ID = o.ID
	same(t, "upserted offer", *o, want)
	for name, get := range map[string]func() (*catalog.Offer, error){
		"OfferByID":       func() (*catalog.Offer, error) { return s.OfferByID(ctx, o.ID) },
		"OfferByObjectID": func() (*catalog.Offer, error) { return s.OfferByObjectID(ctx, o.ObjectID) },
	} {
		got, err := get()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		same(t, name, *got, want)
	}
	// Empty lists come back empty (nil), and CreatedAt defaults to now.
	o2 := SampleOffer(h, "pad", "pad")
	o2.Languages = nil
	before := time.Now().Add(-time.Second)
	if err := s.UpsertOffer(ctx, o2, catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
	got, err := s.OfferByID(ctx, o2.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Languages) != 0 || len(got.AreaDepartements) != 0 || got.CreatedAt.Before(before) {
		t.Errorf("offer without lists: languages %v area %v created %v", got.Languages, got.AreaDepartements, got.CreatedAt)
	}
	list, err := s.OffersByHoster(ctx, h.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Key != "lufi" || list[1].Key != "pad" {
		t.Errorf("OffersByHoster = %+v, want lufi, pad", list)
	}
	// An offer needs a stored hoster.
	orphan := SampleOffer(h, "orphan", "pad")
	orphan.HosterID = h.ID + 1000
	orphan.ObjectID = "https://offre.example/orphan"
	if err := s.UpsertOffer(ctx, orphan, catalog.WriteMeta{}); err == nil {
		t.Error("offer of an unknown hoster was accepted")
	}
	// Two offers of a hoster cannot share a key.
	twin := SampleOffer(h, "pad", "pad")
	twin.ObjectID = "https://offre.example/twin"
	if err := s.UpsertOffer(ctx, twin, catalog.WriteMeta{}); err == nil {
		t.Error("second offer with the same key was accepted")
	}
}

func testOfferOfAnotherHoster(t *testing.T, s *catalog.Store) {
	ctx := ctxT(t)
	a := mustHoster(t, s, "alice")
	b := mustHoster(t, s, "bob")
	o := mustOffer(t, s, a, "pad", "pad")
	steal := SampleOffer(b, "pad", "pad")
	steal.ObjectID = o.ObjectID
	steal.Updated = o.Updated.Add(time.Hour)
	if err := s.UpsertOffer(ctx, steal, catalog.WriteMeta{}); err == nil {
		t.Fatal("an offer was moved to another hoster")
	}
	got, err := s.OfferByID(ctx, o.ID)
	if err != nil || got.HosterID != a.ID {
		t.Errorf("offer now %+v, %v", got, err)
	}
}

func testSoftDeleteAndRevive(t *testing.T, s *catalog.Store) {
	ctx := ctxT(t)
	h := mustHoster(t, s, "efface")
	o := mustOffer(t, s, h, "framadate", "poll")
	keep := mustOffer(t, s, h, "pad", "pad")
	seq := lastSeq(t, s)
	at := o.Updated.Add(time.Hour)
	if err := s.DeleteOffer(ctx, o.ObjectID, at, catalog.WriteMeta{ActivityID: "del-1"}); err != nil {
		t.Fatal(err)
	}
	got, err := s.OfferByID(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.DeletedAt == nil || !got.DeletedAt.Equal(at) {
		t.Errorf("DeletedAt = %v, want %v", got.DeletedAt, at)
	}
	if got.Name != o.Name {
		t.Errorf("tombstone lost its content: %+v", got)
	}
	live, _ := s.OffersByHoster(ctx, h.ID)
	if len(live) != 1 || live[0].ID != keep.ID {
		t.Errorf("OffersByHoster after delete = %+v", live)
	}
	listed, _ := s.ListOffers(ctx, catalog.OfferFilter{})
	if len(listed) != 1 {
		t.Errorf("ListOffers after delete has %d offers, want 1", len(listed))
	}
	if n, _ := s.CountOffers(ctx); n != 1 {
		t.Errorf("CountOffers = %d, want 1", n)
	}
	cs := changesAfter(t, s, seq)
	if len(cs) != 1 || cs[0].Op != catalog.OpDelete || cs[0].Kind != catalog.ChangeOffer || cs[0].EntityID != o.ID || cs[0].ObjectID != o.ObjectID {
		t.Errorf("delete appended %+v", cs)
	}
	// Deleting again changes nothing.
	if err := s.DeleteOffer(ctx, o.ObjectID, at.Add(time.Hour), catalog.WriteMeta{}); err != nil {
		t.Errorf("second delete: %v", err)
	}
	// An Update older than the Delete does not resurrect it.
	late := SampleOffer(h, "framadate", "poll")
	late.Name = "Late update"
	late.Updated = at.Add(-time.Minute)
	if err := s.UpsertOffer(ctx, late, catalog.WriteMeta{}); !errors.Is(err, catalog.ErrStale) {
		t.Errorf("update older than the delete: err = %v, want ErrStale", err)
	}
	late.Updated = at
	if err := s.UpsertOffer(ctx, late, catalog.WriteMeta{}); !errors.Is(err, catalog.ErrStale) {
		t.Errorf("update at the delete's time: err = %v, want ErrStale", err)
	}
	if n := lastSeq(t, s); n != cs[0].Seq {
		t.Errorf("ignored writes appended %d changes", n-cs[0].Seq)
	}
	// A newer one does.
	revived := SampleOffer(h, "framadate", "poll")
	revived.Name = "Framadate revenu"
	revived.Updated = at.Add(time.Minute)
	if err := s.UpsertOffer(ctx, revived, catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
	got, err = s.OfferByObjectID(ctx, o.ObjectID)
	if err != nil {
		t.Fatal(err)
	}
	if got.DeletedAt != nil || got.Name != "Framadate revenu" || got.ID != o.ID || !got.CreatedAt.Equal(o.CreatedAt) {
		t.Errorf("revived offer = %+v", got)
	}
	if cs := changesAfter(t, s, lastSeq(t, s)-1); len(cs) != 1 || cs[0].Op != catalog.OpUpsert || cs[0].EntityID != o.ID {
		t.Errorf("revive appended %+v", cs)
	}
	if n, _ := s.CountOffers(ctx); n != 2 {
		t.Errorf("CountOffers after revive = %d, want 2", n)
	}
}

func testDeleteHosterOffersExcept(t *testing.T, s *catalog.Store) {
	ctx := ctxT(t)
	h := mustHoster(t, s, "menage")
	other := mustHoster(t, s, "voisin")
	a := mustOffer(t, s, h, "a-cloud", "cloud")
	b := mustOffer(t, s, h, "b-pad", "pad")
	c := mustOffer(t, s, h, "c-poll", "poll")
	newer := SampleOffer(h, "d-new", "chat")
	newer.Updated = time.Now().Add(time.Minute) // ahead, within MaxClockSkew
	if err := s.UpsertOffer(ctx, newer, catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
	mustOffer(t, s, other, "a-cloud", "cloud")
	seq := lastSeq(t, s)
	at := time.Now()
	deleted, err := s.DeleteHosterOffersExcept(ctx, h.ID, []string{"b-pad"}, at, catalog.WriteMeta{ActivityID: "reconcile-1"})
	if err != nil {
		t.Fatal(err)
	}
	same(t, "deleted object ids", deleted, []string{a.ObjectID, c.ObjectID})
	live, _ := s.OffersByHoster(ctx, h.ID)
	if len(live) != 2 || live[0].ID != b.ID || live[1].Key != "d-new" {
		t.Errorf("live offers = %+v, want b-pad and d-new (updated after the reconcile)", live)
	}
	if o, _ := s.OffersByHoster(ctx, other.ID); len(o) != 1 {
		t.Errorf("another hoster's offers were deleted")
	}
	cs := changesAfter(t, s, seq)
	if len(cs) != 2 || cs[0].Op != catalog.OpDelete || cs[1].Op != catalog.OpDelete {
		t.Errorf("reconcile appended %+v, want two deletes", cs)
	}
	deleted, err = s.DeleteHosterOffersExcept(ctx, h.ID, []string{"b-pad"}, at, catalog.WriteMeta{})
	if err != nil || len(deleted) != 0 {
		t.Errorf("second reconcile deleted %v, %v", deleted, err)
	}
	if lastSeq(t, s) != cs[1].Seq {
		t.Error("empty reconcile appended changes")
	}
}

// testFutureDatesDoNotPin: an object dated 2099 once made every later
// Update and Delete stale, and a reconcile skipped it. Times beyond
// MaxClockSkew are taken as now, incoming and stored alike.
func testFutureDatesDoNotPin(t *testing.T, s *catalog.Store) {
	ctx := ctxT(t)
	far := time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)
	h := mustHoster(t, s, "futuriste")
	o := SampleOffer(h, "pad", "pad")
	o.Updated, o.CreatedAt = far, far
	if err := s.UpsertOffer(ctx, o, catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
	limit := time.Now().Add(catalog.MaxClockSkew)
	if o.Updated.After(limit) || o.CreatedAt.After(limit) {
		t.Errorf("stored updated %v, created %v: beyond now + skew", o.Updated, o.CreatedAt)
	}
	later := SampleOffer(h, "pad", "pad")
	later.Name, later.Updated = "Pad, plus tard", time.Now().Add(time.Second)
	if err := s.UpsertOffer(ctx, later, catalog.WriteMeta{}); err != nil {
		t.Fatalf("a later Update after a 2099 one: %v", err)
	}
	if err := s.DeleteOffer(ctx, o.ObjectID, time.Now().Add(2*time.Second), catalog.WriteMeta{}); err != nil {
		t.Fatalf("Delete after a 2099 Update: %v", err)
	}

	// Rows written before the clamp existed do not order writes either.
	legacy := mustOffer(t, s, h, "cloud", "cloud")
	pin := func() {
		t.Helper()
		if _, err := s.DB().ExecContext(ctx, s.DB().Rebind(`UPDATE offers SET updated_at = ? WHERE object_id = ?`), far, legacy.ObjectID); err != nil {
			t.Fatal(err)
		}
	}
	pin()
	up := SampleOffer(h, "cloud", "cloud")
	up.Name, up.Updated = "Cloud, plus tard", time.Now().Add(time.Second)
	if err := s.UpsertOffer(ctx, up, catalog.WriteMeta{}); err != nil {
		t.Fatalf("Update of a row stored with 2099: %v", err)
	}
	pin()
	deleted, err := s.DeleteHosterOffersExcept(ctx, h.ID, nil, time.Now(), catalog.WriteMeta{})
	if err != nil {
		t.Fatal(err)
	}
	same(t, "reconcile deleted", deleted, []string{legacy.ObjectID})

	h.Updated = far
	if err := s.UpsertHoster(ctx, h, catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
	h2 := SampleHoster("futuriste", "https://futuriste.example")
	h2.Name, h2.Updated = "Futuriste, renommé", time.Now().Add(time.Second)
	if err := s.UpsertHoster(ctx, h2, catalog.WriteMeta{}); err != nil {
		t.Fatalf("hoster Update after a 2099 one: %v", err)
	}
	if h2.Name != "Futuriste, renommé" {
		t.Errorf("hoster name %q", h2.Name)
	}
}

// testWriteCheck: PingWrite passes on a writable catalog and changes nothing.
func testWriteCheck(t *testing.T, s *catalog.Store) {
	ctx := ctxT(t)
	seq := lastSeq(t, s)
	if err := s.PingWrite(ctx); err != nil {
		t.Fatal(err)
	}
	if lastSeq(t, s) != seq {
		t.Error("PingWrite appended a change")
	}
}

func testListOffers(t *testing.T, s *catalog.Store) {
	ctx := ctxT(t)
	h1 := mustHoster(t, s, "liste1")
	h2 := mustHoster(t, s, "liste2")
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var all []*catalog.Offer
	for i, spec := range []struct {
		h        *catalog.Hoster
		key, cat string
	}{{h1, "cloud", "cloud"}, {h1, "pad", "pad"}, {h2, "pad", "pad"}, {h2, "mail", "mail"}, {h2, "cloud", "cloud"}} {
		o := SampleOffer(spec.h, spec.key, spec.cat)
		o.CreatedAt = base.Add(time.Duration(i) * 24 * time.Hour)
		if err := s.UpsertOffer(ctx, o, catalog.WriteMeta{}); err != nil {
			t.Fatal(err)
		}
		all = append(all, o)
	}
	ids := func(os []catalog.Offer) []int64 {
		var out []int64
		for _, o := range os {
			out = append(out, o.ID)
		}
		return out
	}
	check := func(name string, f catalog.OfferFilter, want ...*catalog.Offer) {
		t.Helper()
		got, err := s.ListOffers(ctx, f)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var w []int64
		for _, o := range want {
			w = append(w, o.ID)
		}
		same(t, name, ids(got), w)
	}
	check("all", catalog.OfferFilter{}, all...)
	check("hoster", catalog.OfferFilter{HosterID: h2.ID}, all[2], all[3], all[4])
	check("category", catalog.OfferFilter{Category: "pad"}, all[1], all[2])
	check("hoster+category", catalog.OfferFilter{HosterID: h1.ID, Category: "pad"}, all[1])
	since := base.Add(36 * time.Hour)
	check("created since, newest first", catalog.OfferFilter{CreatedSince: &since}, all[4], all[3], all[2])
	check("limit", catalog.OfferFilter{Limit: 2}, all[0], all[1])
	check("limit+offset", catalog.OfferFilter{Limit: 2, Offset: 3}, all[3], all[4])
	check("offset only", catalog.OfferFilter{Offset: 4}, all[4])
	check("none", catalog.OfferFilter{Category: "maps"})
	if n, err := s.CountOffers(ctx); err != nil || n != 5 {
		t.Errorf("CountOffers = %d, %v", n, err)
	}
}

func testEachOffer(t *testing.T, s *catalog.Store) {
	ctx := ctxT(t)
	h := mustHoster(t, s, "beaucoup")
	const total = 2003 // more than two pages
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		now := time.Now().UTC()
		for i := 0; i < total; i++ {
			_, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO offers (hoster_id, "key", object_id, name, category, updated_at, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?)`), h.ID, fmt.Sprintf("o%05d", i), fmt.Sprintf("%s/offers/o%05d", h.ActorID, i), "Offre", "other", now, now)
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	deleted := fmt.Sprintf("%s/offers/o%05d", h.ActorID, 1500)
	if err := s.DeleteOffer(ctx, deleted, time.Now(), catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
	var n int
	var last int64
	err = s.EachOffer(ctx, func(o catalog.Offer) error {
		if o.ID <= last {
			return fmt.Errorf("offer %d after %d: not in id order", o.ID, last)
		}
		if o.ObjectID == deleted {
			return fmt.Errorf("deleted offer visited")
		}
		last = o.ID
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != total-1 {
		t.Errorf("EachOffer visited %d offers, want %d", n, total-1)
	}
	stop := errors.New("stop")
	calls := 0
	err = s.EachOffer(ctx, func(catalog.Offer) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("EachOffer did not stop on error: %v after %d calls", err, calls)
	}
}

func sampleCharter() *catalog.Charter {
	return &catalog.Charter{
		ID: "chatons", Version: "2023", TitleFR: "Charte des chatons", TitleEN: "Kittens' charter",
		Axes: []catalog.Axis{{ID: "hebergeur", TitleFR: "Hébergeur", TitleEN: "Hoster"}, {ID: "ouvert", TitleFR: "Ouvert", TitleEN: "Open"}},
		Commitments: []catalog.Commitment{
			{ID: "root", Axis: "hebergeur", TitleFR: "Contrôle des machines", TitleEN: "Control of the machines", Required: true},
			{ID: "libre", Axis: "ouvert", TitleFR: "Logiciels libres", TitleEN: "Free software", Required: true, VerifyFR: "Liste publiée"},
			{ID: "stats", Axis: "ouvert", TitleFR: "Statistiques", TitleEN: "Statistics"},
		},
	}
}

func sampleDeclaration(h *catalog.Hoster) *catalog.CharterDeclaration {
	return &catalog.CharterDeclaration{
		HosterID: h.ID, ObjectID: h.ActorID + "/charter", CharterID: "chatons", CharterVersion: "2023",
		Answers: catalog.Answers{
			{Commitment: "root", Status: catalog.AnswerYes, EvidenceURL: "https://" + h.Domain + "/infra", Comment: "Serveur à nous"},
			{Commitment: "libre", Status: catalog.AnswerPartial},
			{Commitment: "stats", Status: catalog.AnswerNo, Comment: "bientôt"},
		},
		Updated: time.Date(2025, 2, 1, 12, 0, 0, 0, time.UTC),
	}
}

func testDeclarations(t *testing.T, s *catalog.Store) {
	ctx := ctxT(t)
	h := mustHoster(t, s, "charte")
	d := sampleDeclaration(h)
	want := *d
	seq := lastSeq(t, s)
	if err := s.UpsertDeclaration(ctx, d, catalog.WriteMeta{ActivityID: "decl-1"}); err != nil {
		t.Fatal(err)
	}
	if d.CreatedAt.IsZero() {
		t.Error("CreatedAt not set")
	}
	want.CreatedAt = d.CreatedAt
	got, err := s.DeclarationByHoster(ctx, h.ID)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "declaration", *got, want)
	cs := changesAfter(t, s, seq)
	if len(cs) != 1 || cs[0].Kind != catalog.ChangeDeclaration || cs[0].HosterID != h.ID || cs[0].ObjectID != d.ObjectID {
		t.Errorf("declaration changes = %+v", cs)
	}
	n := sampleDeclaration(h)
	n.Answers[2].Status = catalog.AnswerYes
	n.Updated = d.Updated.Add(time.Hour)
	if err := s.UpsertDeclaration(ctx, n, catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
	got, _ = s.DeclarationByHoster(ctx, h.ID)
	if got == nil || got.Answers[2].Status != catalog.AnswerYes || !got.CreatedAt.Equal(d.CreatedAt) {
		t.Errorf("updated declaration = %+v", got)
	}
	if err := s.UpsertDeclaration(ctx, n, catalog.WriteMeta{ActivityID: "decl-1"}); !errors.Is(err, catalog.ErrAlreadyApplied) {
		t.Errorf("replay: %v", err)
	}
	if l := lastSeq(t, s); l != cs[0].Seq+1 {
		t.Errorf("expected exactly one more change, LastSeq %d after %d", l, cs[0].Seq)
	}
}

func testCharters(t *testing.T, s *catalog.Store) {
	ctx := ctxT(t)
	c := sampleCharter()
	if err := s.SaveCharter(ctx, c); err != nil {
		t.Fatal(err)
	}
	got, err := s.Charter(ctx, "chatons", "2023")
	if err != nil {
		t.Fatal(err)
	}
	same(t, "charter", got, c)
	c.TitleFR = "Charte des CHATONS (révisée)"
	c.Commitments = c.Commitments[:2]
	if err := s.SaveCharter(ctx, c); err != nil {
		t.Fatal(err)
	}
	old := sampleCharter()
	old.Version = "2019"
	if err := s.SaveCharter(ctx, old); err != nil {
		t.Fatal(err)
	}
	all, err := s.Charters(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].Version != "2019" || all[1].Version != "2023" || all[1].TitleFR != c.TitleFR || len(all[1].Commitments) != 2 {
		t.Errorf("Charters = %+v", all)
	}
}

func testChangeFeed(t *testing.T, s *catalog.Store) {
	ctx := ctxT(t)
	h := mustHoster(t, s, "flux")
	o := mustOffer(t, s, h, "pad", "pad")
	if err := s.DeleteOffer(ctx, o.ObjectID, time.Now(), catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
	d := sampleDeclaration(h)
	if err := s.UpsertDeclaration(ctx, d, catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
	cs := changesAfter(t, s, 0)
	type kv struct{ kind, op string }
	var got []kv
	for i, c := range cs {
		got = append(got, kv{c.Kind, c.Op})
		if i > 0 && c.Seq <= cs[i-1].Seq {
			t.Errorf("seq %d after %d", c.Seq, cs[i-1].Seq)
		}
		if i > 0 && c.At.Before(cs[i-1].At) {
			t.Errorf("change at %v before %v", c.At, cs[i-1].At)
		}
	}
	same(t, "feed", got, []kv{{"hoster", "upsert"}, {"offer", "upsert"}, {"offer", "delete"}, {"declaration", "upsert"}})
	if n := lastSeq(t, s); n != cs[len(cs)-1].Seq {
		t.Errorf("LastSeq = %d, want %d", n, cs[len(cs)-1].Seq)
	}
	page, err := s.Changes(ctx, cs[0].Seq, 2)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "page after first, limit 2", page, cs[1:3])
	if rest := changesAfter(t, s, cs[len(cs)-1].Seq); len(rest) != 0 {
		t.Errorf("Changes after the last = %+v", rest)
	}

	if err := s.SetCursor(ctx, "indexer", cs[1].Seq); err != nil {
		t.Fatal(err)
	}
	if err := s.SetCursor(ctx, "outbox", cs[0].Seq); err != nil {
		t.Fatal(err)
	}
	if err := s.SetCursor(ctx, "indexer", cs[2].Seq); err != nil {
		t.Fatal(err)
	}
	if c, err := s.Cursor(ctx, "indexer"); err != nil || c != cs[2].Seq {
		t.Errorf("Cursor(indexer) = %d, %v; want %d", c, err, cs[2].Seq)
	}
	if c, err := s.Cursor(ctx, "outbox"); err != nil || c != cs[0].Seq {
		t.Errorf("Cursor(outbox) = %d, %v; want %d", c, err, cs[0].Seq)
	}
	// SetCursorTx commits or rolls back with the consumer's transaction.
	boom := errors.New("boom")
	err = s.InTx(ctx, func(tx *sqlx.Tx) error {
		if err := s.SetCursorTx(ctx, tx, "indexer", cs[3].Seq); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx returned %v", err)
	}
	if c, _ := s.Cursor(ctx, "indexer"); c != cs[2].Seq {
		t.Errorf("rolled-back SetCursorTx moved the cursor to %d", c)
	}
	err = s.InTx(ctx, func(tx *sqlx.Tx) error { return s.SetCursorTx(ctx, tx, "indexer", cs[3].Seq) })
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := s.Cursor(ctx, "indexer"); c != cs[3].Seq {
		t.Errorf("committed SetCursorTx: cursor %d, want %d", c, cs[3].Seq)
	}
}

func testSubscribe(t *testing.T, s *catalog.Store) {
	ctx := ctxT(t)
	ch, cancel := s.Subscribe()
	ch2, cancel2 := s.Subscribe()
	defer cancel2()
	h := mustHoster(t, s, "reveil")
	for name, c := range map[string]<-chan struct{}{"first": ch, "second": ch2} {
		select {
		case <-c:
		case <-time.After(5 * time.Second):
			t.Fatalf("%s subscriber not woken by a write", name)
		}
	}
	// Several writes while nobody reads leave one pending signal and never
	// block the writer.
	mustOffer(t, s, h, "a", "pad")
	mustOffer(t, s, h, "b", "pad")
	<-ch
	select {
	case <-ch:
		t.Error("more than one pending signal")
	default:
	}
	// A write that appends nothing wakes nobody (the signal is sent before
	// the write returns, so none can arrive later).
	<-ch2
	if err := s.UpsertHoster(ctx, SampleHoster("reveil", "https://reveil.example"), catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetCursor(ctx, "x", 1); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ch:
		t.Error("woken by a write that appended no change")
	default:
	}
	cancel()
	cancel()
	mustOffer(t, s, h, "c", "pad")
	select {
	case <-ch:
		t.Error("cancelled subscriber still woken")
	default:
	}
	select {
	case <-ch2:
	default:
		t.Error("remaining subscriber not woken")
	}
}

func testConcurrentWriters(t *testing.T, s *catalog.Store) {
	ctx := ctxT(t)
	const writers, perWriter = 8, 50
	hosters := make([]*catalog.Hoster, writers)
	for i := range hosters {
		hosters[i] = mustHoster(t, s, fmt.Sprintf("parallele%d", i))
	}
	seq := lastSeq(t, s)
	// A follower reads the feed while the writers write, as the indexer
	// does: it must never move its cursor past a change that becomes
	// visible later (on PostgreSQL, a transaction that drew a lower seq
	// but committed after a higher one).
	followed := map[string]bool{}
	stop := make(chan struct{})
	followerDone := make(chan error, 1)
	go func() {
		cursor := seq
		stopping := false
		for {
			if !stopping {
				select {
				case <-stop:
					stopping = true // drain what the writers left, then report
				default:
				}
			}
			cs, err := s.Changes(ctx, cursor, 50)
			if err != nil {
				followerDone <- err
				return
			}
			for _, c := range cs {
				followed[c.ObjectID] = true
				cursor = c.Seq
			}
			if len(cs) == 0 {
				if stopping {
					followerDone <- nil
					return
				}
				time.Sleep(time.Millisecond)
			}
		}
	}()
	var wg sync.WaitGroup
	errs := make(chan error, writers*perWriter)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < perWriter; i++ {
				// Writers share hoster 0 too, so rows really contend.
				h := hosters[w]
				if i%5 == 0 {
					h = hosters[0]
				}
				o := SampleOffer(h, fmt.Sprintf("w%d-o%d", w, i), "pad")
				meta := catalog.WriteMeta{ActivityID: fmt.Sprintf("https://example/act/%d/%d", w, i)}
				if err := s.UpsertOffer(ctx, o, meta); err != nil {
					errs <- err
				}
			}
		}(w)
	}
	wg.Wait()
	close(stop)
	if err := <-followerDone; err != nil {
		t.Fatalf("follower: %v", err)
	}
	close(errs)
	for err := range errs {
		t.Errorf("concurrent write: %v", err)
	}
	if n, _ := s.CountOffers(ctx); n != writers*perWriter {
		t.Errorf("CountOffers = %d, want %d", n, writers*perWriter)
	}
	if len(followed) != writers*perWriter {
		t.Errorf("a follower reading during the writes saw %d changes, want %d: its cursor skipped changes committed late", len(followed), writers*perWriter)
	}
	cs := changesAfter(t, s, seq)
	if len(cs) != writers*perWriter {
		t.Errorf("%d change rows, want %d", len(cs), writers*perWriter)
	}
	seen := map[string]bool{}
	for i, c := range cs {
		if i > 0 && c.Seq <= cs[i-1].Seq {
			t.Fatalf("seq %d after %d", c.Seq, cs[i-1].Seq)
		}
		if seen[c.ObjectID] {
			t.Errorf("two changes for %s", c.ObjectID)
		}
		seen[c.ObjectID] = true
	}
}

func testRecordCheck(t *testing.T, s *catalog.Store) {
	ctx := ctxT(t)
	h := mustHoster(t, s, "sante")
	at := time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)
	seq := lastSeq(t, s)
	step := func(name string, ok, gone bool, wantStatus string, wantFail, wantChecks, wantOK int, wantChange bool) *catalog.Hoster {
		t.Helper()
		before := lastSeq(t, s)
		got, err := s.RecordCheck(ctx, h.ID, ok, gone, at, 3)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		stored, err := s.HosterByID(ctx, h.ID)
		if err != nil {
			t.Fatal(err)
		}
		same(t, name+": returned vs stored", *got, *stored)
		if got.Status != wantStatus || got.FailCount != wantFail || got.Checks != wantChecks || got.ChecksOK != wantOK {
			t.Errorf("%s: status %s fail %d checks %d ok %d; want %s %d %d %d", name,
				got.Status, got.FailCount, got.Checks, got.ChecksOK, wantStatus, wantFail, wantChecks, wantOK)
		}
		cs := changesAfter(t, s, before)
		if wantChange && (len(cs) != 1 || cs[0].Kind != catalog.ChangeHoster || cs[0].EntityID != h.ID) {
			t.Errorf("%s: status change appended %+v, want one hoster change", name, cs)
		}
		if !wantChange && len(cs) != 0 {
			t.Errorf("%s: appended %+v without a status change", name, cs)
		}
		at = at.Add(time.Hour)
		return got
	}
	got := step("ok", true, false, catalog.HosterActive, 0, 1, 1, false)
	if got.LastSeenAt == nil || !got.LastSeenAt.Equal(at.Add(-time.Hour)) {
		t.Errorf("LastSeenAt = %v", got.LastSeenAt)
	}
	step("fail 1", false, false, catalog.HosterActive, 1, 2, 1, false)
	step("fail 2", false, false, catalog.HosterActive, 2, 3, 1, false)
	got = step("fail 3 → down", false, false, catalog.HosterDown, 3, 4, 1, true)
	if got.LastSeenAt == nil || !got.LastSeenAt.Equal(time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("a failure moved LastSeenAt to %v", got.LastSeenAt)
	}
	step("fail 4", false, false, catalog.HosterDown, 4, 5, 1, false)
	step("back", true, false, catalog.HosterActive, 0, 6, 2, true)
	step("gone", false, true, catalog.HosterGone, 1, 7, 2, true)
	step("fail while gone", false, false, catalog.HosterGone, 2, 8, 2, false)
	if n := lastSeq(t, s); n != seq+3 {
		t.Errorf("%d changes, want 3 (down, active, gone)", n-seq)
	}
	// An upsert from the hoster keeps the freshness bookkeeping.
	u := SampleHoster("sante", "https://sante.example")
	u.Status = ""
	u.Summary = "Nouvelle présentation"
	u.Updated = h.Updated.Add(time.Hour)
	if err := s.UpsertHoster(ctx, u, catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
	if u.Status != catalog.HosterGone || u.Checks != 8 || u.ChecksOK != 2 || u.FailCount != 2 || u.LastSeenAt == nil {
		t.Errorf("upsert reset freshness: %+v", u)
	}
}

func testListHosters(t *testing.T, s *catalog.Store) {
	ctx := ctxT(t)
	add := func(username, name string, mod func(h *catalog.Hoster)) *catalog.Hoster {
		h := SampleHoster(username, "https://"+username+".example")
		h.Name = name
		if mod != nil {
			mod(h)
		}
		if err := s.UpsertHoster(ctx, h, catalog.WriteMeta{}); err != nil {
			t.Fatal(err)
		}
		return h
	}
	early := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	late := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	zoe := add("zoe", "zoé", func(h *catalog.Hoster) { h.Updated = late })
	alpha := add("alpha", "Alpha", func(h *catalog.Hoster) { h.Updated = early; h.Local = true })
	beta := add("beta", "beta", func(h *catalog.Hoster) { h.Updated = late })
	hidden := add("cache", "Caché", func(h *catalog.Hoster) { h.Discoverable = false; h.Updated = late })
	gone := add("parti", "Parti", func(h *catalog.Hoster) { h.Updated = late })
	if _, err := s.RecordCheck(ctx, gone.ID, false, true, late, 3); err != nil {
		t.Fatal(err)
	}
	down := add("panne", "Panne", func(h *catalog.Hoster) { h.Status = catalog.HosterDown; h.Updated = early })

	check := func(name string, f catalog.HosterFilter, want ...*catalog.Hoster) {
		t.Helper()
		got, err := s.ListHosters(ctx, f)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var g, w []string
		for _, h := range got {
			g = append(g, h.Username)
		}
		for _, h := range want {
			w = append(w, h.Username)
		}
		same(t, name, g, w)
		f.Limit, f.Offset = 0, 0
		n, err := s.CountHosters(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if f2, _ := s.ListHosters(ctx, f); n != len(f2) {
			t.Errorf("%s: CountHosters = %d, ListHosters without limit = %d", name, n, len(f2))
		}
	}
	yes, no := true, false
	check("default hides non-discoverable and gone", catalog.HosterFilter{}, alpha, beta, down, zoe)
	check("include hidden", catalog.HosterFilter{IncludeHidden: true}, alpha, beta, hidden, down, gone, zoe)
	check("local", catalog.HosterFilter{Local: &yes}, alpha)
	check("remote", catalog.HosterFilter{Local: &no}, beta, down, zoe)
	check("status", catalog.HosterFilter{Status: []string{catalog.HosterDown, catalog.HosterGone}, IncludeHidden: true}, down, gone)
	check("updated since", catalog.HosterFilter{UpdatedSince: &late}, beta, zoe)
	check("limit offset", catalog.HosterFilter{Limit: 2, Offset: 1}, beta, down)
	check("offset", catalog.HosterFilter{Offset: 3}, zoe)
}

func testLocalHosters(t *testing.T, s *catalog.Store) {
	ctx := ctxT(t)
	mustHoster(t, s, "distant")
	l := SampleHoster("ici", "https://ici.example")
	l.Local = true
	if err := s.UpsertHoster(ctx, l, catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
	got, err := s.LocalHosters(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != l.ID || !got[0].Local {
		t.Errorf("LocalHosters = %+v", got)
	}
}

func testMigrateIdempotent(t *testing.T, s *catalog.Store) {
	ctx := ctxT(t)
	h := mustHoster(t, s, "migre")
	applied, err := s.Migrate(ctx)
	if err != nil || len(applied) != 0 {
		t.Fatalf("second Migrate applied %v, %v", applied, err)
	}
	var versions []int
	if err := s.DB().SelectContext(ctx, &versions, `SELECT version FROM schema_migrations ORDER BY version`); err != nil {
		t.Fatal(err)
	}
	if len(versions) == 0 || versions[0] != 1 {
		t.Errorf("schema_migrations = %v", versions)
	}
	if got, err := s.HosterByID(ctx, h.ID); err != nil || got.Name != h.Name {
		t.Errorf("data after Migrate: %v %v", got, err)
	}
	if s.Engine() != catalog.EngineSQLite && s.Engine() != catalog.EnginePostgres {
		t.Errorf("Engine() = %q", s.Engine())
	}
	if err := s.Ping(ctx); err != nil {
		t.Error(err)
	}
}

func testMigrateRefusesNewer(t *testing.T, s *catalog.Store) {
	ctx := ctxT(t)
	if _, err := s.DB().ExecContext(ctx, s.DB().Rebind(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`),
		9999, "9999_future", time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
	_, err := s.Migrate(ctx)
	if err == nil {
		t.Fatal("Migrate accepted a database with an unknown newer version")
	}
	t.Logf("refused as expected: %v", err)
}
