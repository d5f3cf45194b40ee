package federation

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/federation/fedtest"
)

// publishAudit opens, fills and publishes an audit of actorID on the
// directory's store, as the dashboard does.
func publishAudit(t testing.TB, dirStore *catalog.Store, dirBase, actorID string) *catalog.Audit {
	t.Helper()
	ctx := context.Background()
	h, err := dirStore.HosterByActor(ctx, actorID)
	if err != nil {
		t.Fatal(err)
	}
	by := catalog.StaffRef{Email: "auditrice@x.org"}
	a, _, err := dirStore.OpenAudit(ctx, h.ID, "chatons", "2023", time.Time{}, by)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dirStore.SaveVerdicts(ctx, a.ID, []catalog.VerdictEdit{
		{Verdict: catalog.Verdict{Commitment: "hebergeur-controle", Verdict: catalog.VerdictConforme, PublicComment: "Serveurs à eux", PrivateNote: "SECRET", Evidence: catalog.StringList{"https://example.org/infra"}}},
		{Verdict: catalog.Verdict{Commitment: "ouvert-logiciels-libres", Verdict: catalog.VerdictPartiel}},
	}, by); err != nil {
		t.Fatal(err)
	}
	pub, err := dirStore.PublishAudit(ctx, a.ID, func(id int64) string { return dirBase + "/hebergeurs/" + h.Acct() + "/audits/1" }, dirBase+"/actor", by)
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

func TestAuditPublishedToNode(t *testing.T) {
	engines(t, func(t *testing.T, open func(testing.TB) *catalog.Store) {
		ctx := context.Background()
		nodeStore, dirStore, h, _, nr, _, dr := followed(t, open)
		pub := publishAudit(t, dirStore, dr.Base, h.ActorID)
		var got *catalog.Audit
		eventually(t, 10*time.Second, "the audit on the node", func() bool {
			a, err := nodeStore.AuditByObjectID(ctx, pub.ObjectID)
			got = a
			return err == nil
		})
		if !got.Received || got.PublisherActor != dr.Base+"/actor" || got.HosterID != h.ID || len(got.Verdicts) != 2 ||
			got.Verdict("hebergeur-controle").PublicComment != "Serveurs à eux" || got.Verdict("hebergeur-controle").Evidence[0] != "https://example.org/infra" {
			t.Fatalf("received audit: %+v", got)
		}
		for _, v := range got.Verdicts {
			if v.PrivateNote != "" {
				t.Fatal("a private note reached the node")
			}
		}
		// The actor links the collection, which lists the audit.
		actor := getAPText(t, h.ActorID)
		if !strings.Contains(actor, `"portee:audits":"`+h.ActorID+`/audits"`) {
			t.Fatalf("actor without portee:audits: %s", actor)
		}
		coll := getAPText(t, h.ActorID+"/audits")
		if !strings.Contains(coll, pub.ObjectID) || strings.Contains(coll, "SECRET") {
			t.Fatalf("audits collection: %s", coll)
		}
		_ = nr
	})
}

func getAPText(t *testing.T, u string) string {
	t.Helper()
	resp := getAP(t, u)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func TestForgedAuditRefused(t *testing.T) {
	ctx := context.Background()
	nodeStore, _, h, _, _, _, dr := followed(t, openSQLite)
	evil := fedtest.NewServer(t)
	mallory := evil.AddActor("mallory")
	audit := func(by, id string) map[string]any {
		return map[string]any{"@context": fedtest.ASContext, "id": id + "/create", "type": "Create", "actor": mallory.ID,
			"object": map[string]any{"id": id, "type": "Audit", "attributedTo": by, "portee:auditedHoster": h.ActorID,
				"portee:charter": "chatons", "portee:charterVersion": "2023", "published": time.Now().UTC().Format(time.RFC3339),
				"portee:verdicts": []any{map[string]any{"portee:commitment": "hebergeur-controle", "portee:verdict": "non-conforme"}}}}
	}
	cases := []struct {
		name string
		act  map[string]any
		want int
	}{
		{"from a directory the hoster does not know", audit(mallory.ID, evil.URL+"/audits/1"), http.StatusForbidden},
		{"in the name of the real directory", audit(dr.Base+"/actor", evil.URL+"/audits/2"), http.StatusForbidden},
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
	unsigned, _ := json.Marshal(audit(mallory.ID, evil.URL+"/audits/3"))
	if resp, err := mallory.UnsignedPost(ctx, h.InboxURL, json.RawMessage(unsigned)); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("unsigned audit: %v %v", resp, err)
	}
	received := true
	if as, err := nodeStore.Audits(ctx, catalog.AuditFilter{Received: &received}); err != nil || len(as) != 0 {
		t.Fatalf("forged audits stored: %+v %v", as, err)
	}
}
