package federation

import (
	"bytes"
	"context"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/federation/fedtest"
	"codeberg.org/portee/portee/federation/vocab"
)

// TestTwoAudiences: a hoster followed by a Portée directory, a GoToSocial
// account and a Mastodon account. The directory gets the offers and the
// declaration; the two servers get only the actor's Update and the Notes,
// answer no error and log none, and show the offers pinned on the
// profile, with as many posts as readable Notes. Through follow, edits,
// removal and unfollow.
func TestTwoAudiences(t *testing.T) {
	ctx := context.Background()
	nodeStore, dirStore, h, _, _, _, _ := followed(t, openSQLite)
	var kind string
	if err := nodeStore.DB().Get(&kind, `SELECT kind FROM fed_followers`); err != nil || kind != followerDirectory {
		t.Fatalf("the directory follows as %q, %v", kind, err)
	}
	// No icon of its own: the profile shows the node's drawn avatar.
	h.IconURL = ""
	h.Updated = time.Now().UTC()
	if err := nodeStore.UpsertHoster(ctx, h, catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
	gts := fedtest.NewServer(t, fedtest.WithSoftware(fedtest.GoToSocial))
	masto := fedtest.NewServer(t, fedtest.WithSoftware(fedtest.Mastodon))
	type follower struct {
		srv      *fedtest.Server
		who      *fedtest.Actor
		followID string
	}
	var fs []*follower
	for _, srv := range []*fedtest.Server{gts, masto} {
		f := &follower{srv: srv, who: srv.AddActor("alice")}
		id, p, err := f.who.FollowRemote(ctx, h.ActorID)
		if err != nil {
			t.Fatalf("%s follows: %v", srv.Software, err)
		}
		f.followID = id
		if len(p.Pinned) != 1 || !strings.Contains(p.Pinned[0].Content, "Nextcloud") || p.Instance == "" || !strings.HasPrefix(p.Instance, "portee ") {
			t.Errorf("%s profile: %+v", srv.Software, p)
		}
		fs = append(fs, f)
	}
	eventually(t, 10*time.Second, "the two accounts classified", func() bool {
		var n int
		_ = nodeStore.DB().Get(&n, `SELECT COUNT(*) FROM fed_followers WHERE kind = ?`, followerOther)
		return n == 2
	})

	// Edits: a rename, a new offer, a new declaration, a removal.
	cloud, err := nodeStore.OfferByObjectID(ctx, vocab.Paths{Base: hostBase(h)}.Offer(h.Username, "nextcloud"))
	if err != nil {
		t.Fatal(err)
	}
	cloud.Name = "Nuage du port"
	cloud.Updated = time.Now().UTC()
	if err := nodeStore.UpsertOffer(ctx, cloud, catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
	pad := localOffer(t, nodeStore, h, "pad", "pad")
	decl := &catalog.CharterDeclaration{HosterID: h.ID, ObjectID: vocab.Paths{Base: hostBase(h)}.Declaration(h.Username),
		CharterID: catalog.DefaultCharter().ID, CharterVersion: catalog.DefaultCharter().Version,
		Answers: catalog.Answers{{Commitment: catalog.DefaultCharter().Commitments[0].ID, Status: catalog.AnswerYes}}, Updated: time.Now().UTC()}
	if err := nodeStore.UpsertDeclaration(ctx, decl, catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the directory to get the rename, the pad and the declaration", func() bool {
		o, err1 := dirStore.OfferByObjectID(ctx, cloud.ObjectID)
		_, err2 := dirStore.OfferByObjectID(ctx, pad.ObjectID)
		_, err3 := dirStore.DeclarationByHoster(ctx, mustHoster(t, dirStore, h.ActorID).ID)
		return err1 == nil && o.Name == "Nuage du port" && err2 == nil && err3 == nil
	})
	for _, f := range fs {
		f.srv.WaitProfile(t, h.ActorID, 10*time.Second, "the pad and the renamed cloud pinned", func(p *fedtest.Profile) bool {
			return len(p.Pinned) == 2 && strings.Contains(p.Pinned[0].Content+p.Pinned[1].Content, "Nuage du port")
		})
	}
	if err := nodeStore.DeleteOffer(ctx, pad.ObjectID, time.Now().UTC(), catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the directory to delete the pad", func() bool {
		o, err := dirStore.OfferByObjectID(ctx, pad.ObjectID)
		return err == nil && o.DeletedAt != nil
	})
	for _, f := range fs {
		p := f.srv.WaitProfile(t, h.ActorID, 10*time.Second, "only the cloud pinned", func(p *fedtest.Profile) bool {
			return len(p.Pinned) == 1 && strings.Contains(p.Pinned[0].Content, "Nuage du port")
		})
		// The Notes: the cloud's Create, its rename, the pad's Create and removal.
		if p.Posts != 4 {
			t.Errorf("%s shows %d posts, want 4 Notes", f.srv.Software, p.Posts)
		}
		var notes []string
		for _, d := range f.srv.Deliveries() {
			obj, _ := d.Activity["object"].(map[string]any)
			typ, _ := obj["type"].(string)
			switch {
			case d.Activity["type"] == "Accept":
			case d.Activity["type"] == "Create" && typ == "Note":
				notes = append(notes, obj["content"].(string))
			case d.Activity["type"] == "Update" && obj["id"] == h.ActorID:
			default:
				t.Errorf("%s received %v of %v", f.srv.Software, d.Activity["type"], typ)
			}
		}
		all := strings.Join(notes, "\n")
		for _, want := range []string{"a renommé son offre « Nextcloud", "en « Nuage du port »", "propose désormais un pad", "ne propose plus son offre"} {
			if !strings.Contains(all, want) {
				t.Errorf("%s: no Note saying %q in\n%s", f.srv.Software, want, all)
			}
		}
		if err := f.who.UnfollowRemote(ctx, f.followID, h.ActorID); err != nil {
			t.Fatal(err)
		}
	}
	var left int
	if err := nodeStore.DB().Get(&left, `SELECT COUNT(*) FROM fed_followers`); err != nil || left != 1 {
		t.Errorf("followers after the unfollows = %d, %v", left, err)
	}
	for _, f := range fs {
		if ps := f.srv.Problems(); len(ps) > 0 {
			t.Errorf("%s logged %d problems: %+v", f.srv.Software, len(ps), ps)
		}
	}
}

func hostBase(h *catalog.Hoster) string {
	i := strings.Index(h.ActorID, "/hosters/")
	return h.ActorID[:i]
}

func mustHoster(t *testing.T, s *catalog.Store, actor string) *catalog.Hoster {
	t.Helper()
	h, err := s.HosterByActor(context.Background(), actor)
	if err != nil {
		return &catalog.Hoster{}
	}
	return h
}

// TestDirectoryFollowsOnlyHosters: following a GoToSocial person from a
// directory is refused before anything is stored or sent.
func TestDirectoryFollowsOnlyHosters(t *testing.T) {
	ctx := context.Background()
	dirStore := openSQLite(t)
	dln, dbase := listen(t)
	d, _ := startDirectory(t, dirStore, dln, dbase)
	gts := fedtest.NewServer(t, fedtest.WithSoftware(fedtest.GoToSocial))
	bob := gts.AddActor("bob")
	org := gts.AddOrganization("asso")
	for _, target := range []string{bob.Acct(), bob.ID, org.ID} {
		if err := d.Follow(ctx, target); err == nil || !strings.Contains(err.Error(), "not a Portée hoster") {
			t.Errorf("Follow(%s) = %v, want a refusal", target, err)
		}
	}
	for table, want := range map[string]int{"hosters": 0, "fed_follows": 0, "fed_deliveries": 0} {
		var n int
		if err := dirStore.DB().Get(&n, `SELECT COUNT(*) FROM `+table); err != nil || n != want {
			t.Errorf("%s: %d rows, %v", table, n, err)
		}
	}
	time.Sleep(200 * time.Millisecond)
	if n := len(gts.Deliveries()); n != 0 {
		t.Errorf("the person got %d deliveries", n)
	}
}

// syncBuffer is a log destination tests read while servers write.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestFollowAndDeliveryLogs: inbound Follow and Undo are logged at info; a
// failed delivery at warn with the status and the first 200 bytes of the
// answer, which the delivery row keeps too.
func TestFollowAndDeliveryLogs(t *testing.T) {
	ctx := context.Background()
	var logs syncBuffer
	store := openSQLite(t)
	ln, base := listen(t)
	h := localHoster(t, store, base, "nazairien")
	startNode(t, store, ln, base, func(c *Config) {
		c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	})
	masto := fedtest.NewServer(t, fedtest.WithSoftware(fedtest.Mastodon))
	alice := masto.AddActor("alice")
	followID, resp, err := alice.Follow(ctx, h.ActorID, h.InboxURL)
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("follow: %v %v", resp, err)
	}
	masto.WaitDeliveries(t, 1, 10*time.Second)
	if resp, err := alice.UndoFollow(ctx, followID, h.ActorID, h.InboxURL); err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("undo: %v %v", resp, err)
	}
	// A follower whose inbox refuses everything with a long explanation.
	answer := "update for " + strings.Repeat("x", 300)
	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		http.Error(w, answer, http.StatusInternalServerError)
	}))
	defer refusing.Close()
	if _, err := store.DB().Exec(`INSERT INTO fed_followers (local_actor, actor_id, inbox_url, follow_id, kind, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		h.ActorID, refusing.URL+"/users/x", refusing.URL+"/inbox", refusing.URL+"/follows/1", followerOther, dbNow()); err != nil {
		t.Fatal(err)
	}
	h.Summary = "Nouvelle présentation."
	h.Updated = time.Now().UTC()
	if err := store.UpsertHoster(ctx, h, catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
	var kept string
	eventually(t, 10*time.Second, "the failed delivery recorded", func() bool {
		_ = store.DB().Get(&kept, `SELECT last_response FROM fed_deliveries WHERE inbox_url = ? AND attempts > 0`, refusing.URL+"/inbox")
		return kept != ""
	})
	if want := answer[:200]; kept != want {
		t.Errorf("last_response = %q, want the first 200 bytes %q", kept, want)
	}
	out := logs.String()
	for _, want := range []string{
		`level=INFO msg="federation: follow accepted"`, `follower=` + alice.ID,
		`level=INFO msg="federation: unfollow"`,
		`level=WARN msg="federation: delivery failed" inbox=` + refusing.URL + `/inbox`, `status=500`, `answer="update for xxx`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

// TestDefaultAvatar: a hoster without an icon gets a PNG drawn by the node,
// the same every time, different from another hoster's.
func TestDefaultAvatar(t *testing.T) {
	store := openSQLite(t)
	ln, base := listen(t)
	h := localHoster(t, store, base, "nazairien")
	startNode(t, store, ln, base)
	resp, err := http.Get(vocab.Paths{Base: base}.Avatar(h.Username))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("avatar: %s %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil || img.Bounds().Dx() != avatarSize {
		t.Fatalf("avatar is not a %dpx PNG: %v", avatarSize, err)
	}
	if !bytes.Equal(b, DefaultAvatar("nazairien")) || bytes.Equal(b, DefaultAvatar("nantais")) {
		t.Error("the avatar is not derived from the username alone")
	}
	if r, err := http.Get(vocab.Paths{Base: base}.Avatar("personne")); err != nil || r.StatusCode != http.StatusNotFound {
		t.Errorf("avatar of nobody: %v %v", r, err)
	}
}
