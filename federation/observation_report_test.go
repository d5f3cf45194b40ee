package federation

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/federation/fedtest"
	"codeberg.org/portee/portee/federation/vocab"
)

// TestObservationReportToNode: the directory's observatory stores an
// observation of a followed Portée hoster with a third-party tracker that
// contradicts a declared "yes"; the node gets the signed report and keeps
// the findings and the discrepancy, dated, under the directory's name.
func TestObservationReportToNode(t *testing.T) {
	engines(t, func(t *testing.T, open func(testing.TB) *catalog.Store) {
		ctx := context.Background()
		nodeStore, dirStore, h, _, _, _, dr := followed(t, open)
		decl := &catalog.CharterDeclaration{HosterID: h.ID, ObjectID: vocab.Paths{Base: hostBase(h)}.Declaration(h.Username),
			CharterID: catalog.DefaultCharter().ID, CharterVersion: catalog.DefaultCharter().Version,
			Answers: catalog.Answers{{Commitment: "neutre-pistage", Status: catalog.AnswerYes}}, Updated: time.Now().UTC()}
		if err := nodeStore.UpsertDeclaration(ctx, decl, catalog.WriteMeta{}); err != nil {
			t.Fatal(err)
		}
		var dh *catalog.Hoster
		eventually(t, 10*time.Second, "the declaration on the directory", func() bool {
			dh = mustHoster(t, dirStore, h.ActorID)
			_, err := dirStore.DeclarationByHoster(ctx, dh.ID)
			return err == nil
		})
		at := time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)
		tracker := catalog.Finding{Kind: catalog.KindThirdParty, URL: hostBase(h) + "/", Method: catalog.MethodHTML, Status: catalog.FindingProblem,
			Host: "www.google-analytics.com", Category: "analytics", Detail: "SECRET raw evidence"}
		tls := catalog.Finding{Kind: catalog.KindTLS, URL: hostBase(h) + "/", Method: catalog.MethodHTTP, Status: catalog.FindingOK, Value: "TLS 1.3"}
		if err := dirStore.SaveObservation(ctx, &catalog.Observation{HosterID: dh.ID, ObservedAt: at, Method: catalog.MethodHTML,
			Findings: catalog.Findings{tracker, tls}}); err != nil {
			t.Fatal(err)
		}
		var got []catalog.ObservationReport
		eventually(t, 10*time.Second, "the report on the node", func() bool {
			var err error
			got, err = nodeStore.ObservationReports(ctx, h.ID)
			return err == nil && len(got) == 1
		})
		r := got[0]
		if r.DirectoryActor != dr.Base+"/actor" || !r.ObservedAt.Equal(at) || len(r.Findings) != 2 {
			t.Fatalf("report: %+v", r)
		}
		if len(r.Discrepancies) != 1 || r.Discrepancies[0].Commitment != "neutre-pistage" || r.Discrepancies[0].Declared != catalog.AnswerYes ||
			r.Discrepancies[0].Finding.Host != "www.google-analytics.com" || r.Discrepancies[0].Finding.Category != "analytics" {
			t.Fatalf("discrepancies: %+v", r.Discrepancies)
		}
		for _, f := range r.Findings {
			if f.Detail != "" {
				t.Fatal("raw evidence reached the node")
			}
		}
		// A later observation replaces the report: the tracker is gone.
		if err := dirStore.SaveObservation(ctx, &catalog.Observation{HosterID: dh.ID, ObservedAt: at.Add(time.Hour), Method: catalog.MethodHTML,
			Findings: catalog.Findings{tls}}); err != nil {
			t.Fatal(err)
		}
		eventually(t, 10*time.Second, "the newer report on the node", func() bool {
			got, err := nodeStore.ObservationReports(ctx, h.ID)
			return err == nil && len(got) == 1 && got[0].ObservedAt.Equal(at.Add(time.Hour)) && len(got[0].Discrepancies) == 0
		})
	})
}

// TestObservationReportSkipsChatonsInfos: an imported ChatonsInfos hoster
// has no Portée node; its observations go nowhere.
func TestObservationReportSkipsChatonsInfos(t *testing.T) {
	ctx := context.Background()
	_, dirStore, h, _, _, d, _ := followed(t, openSQLite)
	dh := mustHoster(t, dirStore, h.ActorID)
	o := &catalog.Observation{HosterID: dh.ID, ObservedAt: time.Now().UTC(), Method: catalog.MethodHTML}
	if err := dirStore.SaveObservation(ctx, o); err != nil {
		t.Fatal(err)
	}
	act, inbox, err := d.observationActivity(ctx, catalog.Change{Kind: catalog.ChangeObservation, EntityID: o.ID})
	if err != nil || act == nil || inbox == "" {
		t.Fatalf("Portée hoster: %v %q %v", act, inbox, err)
	}
	dh.Source = catalog.SourceChatonsInfos
	if err := dirStore.UpsertHoster(ctx, dh, catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
	if act, _, err := d.observationActivity(ctx, catalog.Change{Kind: catalog.ChangeObservation, EntityID: o.ID}); err != nil || act != nil {
		t.Fatalf("ChatonsInfos hoster: %v %v", act, err)
	}
}

func TestForgedObservationReportRefused(t *testing.T) {
	ctx := context.Background()
	nodeStore, _, h, _, _, _, dr := followed(t, openSQLite)
	evil := fedtest.NewServer(t)
	mallory := evil.AddActor("mallory")
	report := func(by, id string) map[string]any {
		return map[string]any{"@context": fedtest.ASContext, "id": id + "/create", "type": "Create", "actor": mallory.ID,
			"object": map[string]any{"id": id, "type": "ObservationReport", "attributedTo": by, "portee:observedHoster": h.ActorID,
				"portee:observedAt": time.Now().UTC().Format(time.RFC3339),
				"portee:discrepancies": []any{map[string]any{"portee:commitment": "neutre-pistage", "portee:declared": "yes",
					"portee:finding": map[string]any{"portee:kind": "third-party", "portee:status": "problem", "portee:host": "evil.example"}}}}}
	}
	cases := []struct {
		name string
		act  map[string]any
		want int
	}{
		{"from a directory the hoster does not know", report(mallory.ID, evil.URL+"/r/1"), http.StatusForbidden},
		{"in the name of the real directory", report(dr.Base+"/actor", evil.URL+"/r/2"), http.StatusForbidden},
	}
	for _, c := range cases {
		resp, err := mallory.Post(ctx, h.InboxURL, c.act)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s: %d, want %d", c.name, resp.StatusCode, c.want)
		}
	}
	unsigned, _ := json.Marshal(report(mallory.ID, evil.URL+"/r/3"))
	if resp, err := mallory.UnsignedPost(ctx, h.InboxURL, json.RawMessage(unsigned)); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("unsigned report: %v %v", resp, err)
	}
	if rs, err := nodeStore.ObservationReports(ctx, h.ID); err != nil || len(rs) != 0 {
		t.Fatalf("forged reports stored: %+v %v", rs, err)
	}
}
