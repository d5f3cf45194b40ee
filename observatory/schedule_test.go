package observatory

import (
	"context"
	"testing"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/observatory/sitetest"
)

// TestRun: the schedule observes new hosters at once, re-observes a
// hoster whose offers changed once Settle has passed, observes a triggered
// hoster on demand, and leaves the others alone until Every.
func TestRun(t *testing.T) {
	e := newEnv(t, "un.test", "deux.test")
	for _, n := range []string{"un.test", "deux.test"} {
		e.site(n, sitetest.Site{"/": {Body: sitetest.HTML(n, "", "")}})
	}
	un := e.hoster("un", "un.test", nil)
	deux := e.hoster("deux", "deux.test", nil)
	ob := e.observatory(func(o *Options) {
		o.Tick = 20 * time.Millisecond
		o.Settle = 300 * time.Millisecond
		o.Quiet = 50 * time.Millisecond
		o.Every = time.Hour
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- ob.Run(ctx) }()
	defer func() { cancel(); <-done }()
	count := func(h *catalog.Hoster) int {
		var n int
		if err := e.store.DB().Get(&n, e.store.DB().Rebind(`SELECT COUNT(*) FROM observations WHERE hoster_id = ?`), h.ID); err != nil {
			t.Fatal(err)
		}
		return n
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitFor("first observations", func() bool { return count(un) == 1 && count(deux) == 1 })
	// A new offer for "un": observed again after Settle, "deux" is not.
	e.site("pad.un.test", sitetest.Site{"/": {Body: sitetest.HTML("pad", "", "")}})
	o := offer("pad", "https://pad.un.test/", "", "")
	of := catalogOffer(t, e, un, o)
	waitFor("re-observation after a change", func() bool { return count(un) == 2 })
	latest, err := e.store.LatestObservation(context.Background(), un.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(find(latest, catalog.KindReachability, func(f catalog.Finding) bool { return f.Offer == of.Key })) != 1 {
		t.Errorf("the new offer was not observed:%s", dump(latest))
	}
	if !ob.Trigger(deux.ID) {
		t.Fatal("trigger refused")
	}
	waitFor("triggered observation", func() bool { return count(deux) == 2 })
	time.Sleep(200 * time.Millisecond)
	if count(un) != 2 || count(deux) != 2 {
		t.Errorf("extra observations: un %d, deux %d", count(un), count(deux))
	}
}

func catalogOffer(t *testing.T, e *env, h *catalog.Hoster, o catalog.Offer) *catalog.Offer {
	t.Helper()
	full := o
	full.HosterID = h.ID
	full.ObjectID = h.ActorID + "/offers/" + o.Key
	full.Name, full.Category, full.Registration, full.Load, full.Audience, full.Status = "Pad", "pad", catalog.RegistrationNone, catalog.LoadOpen, catalog.AudienceEveryone, catalog.StatusOK
	full.Updated = time.Now()
	if err := e.store.UpsertOffer(context.Background(), &full, catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
	return &full
}
