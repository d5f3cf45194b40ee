package vocab

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"codeberg.org/portee/portee/catalog"
)

// expectedRemote is what a directory should learn from a node's actor.
func expectedRemote(h *catalog.Hoster, pem string) catalog.Hoster {
	want := *h
	want.ID, want.Local, want.Status, want.CreatedAt = 0, false, "", time.Time{}
	want.InboxURL = testPaths.Inbox(h.Username)
	want.SharedInboxURL = testPaths.SharedInbox()
	want.OutboxURL = testPaths.Outbox(h.Username)
	want.FollowersURL = testPaths.Followers(h.Username)
	want.PublicKeyID = KeyID(testPaths.Actor(h.Username))
	want.PublicKeyPEM = pem
	return want
}

func TestHosterRoundTrip(t *testing.T) {
	pem := testPEM(t)
	full := sampleHoster()
	minimal := &catalog.Hoster{ActorID: testPaths.Actor("mini"), Username: "mini", Domain: "127.0.0.1:8081",
		Name: "Mini", Discoverable: false}
	for _, h := range []*catalog.Hoster{full, minimal} {
		t.Run(h.Username, func(t *testing.T) {
			b, err := Hoster(testPaths, h, pem)
			if err != nil {
				t.Fatal(err)
			}
			ra, err := ParseActor(b)
			if err != nil {
				t.Fatalf("ParseActor of our own actor: %v\n%s", err, b)
			}
			want := expectedRemote(h, pem)
			if h.IconURL == "" {
				// The node draws an avatar for a hoster without an icon.
				want.IconURL = testPaths.Avatar(h.Username)
			}
			if !ra.Hoster.Updated.Equal(want.Updated) {
				t.Errorf("Updated = %v, want %v", ra.Hoster.Updated, want.Updated)
			}
			got := ra.Hoster
			got.Updated, want.Updated = time.Time{}, time.Time{}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("round trip differs:\n got %+v\nwant %+v", got, want)
			}
			if ra.Type != "Organization" {
				t.Errorf("Type = %q", ra.Type)
			}
			if ra.OffersURL != testPaths.Offers(h.Username) || ra.DeclarationURL != testPaths.Declaration(h.Username) {
				t.Errorf("OffersURL %q, DeclarationURL %q", ra.OffersURL, ra.DeclarationURL)
			}
		})
	}
}

func TestApplicationParsesAsActor(t *testing.T) {
	b, err := Application(testPaths, "annuaire", "Annuaire des chatons", "L'annuaire.", RoleDirectory, testPEM(t))
	if err != nil {
		t.Fatal(err)
	}
	ra, err := ParseActor(b)
	if err != nil {
		t.Fatal(err)
	}
	if ra.Type != "Application" || ra.Hoster.ActorID != testPaths.InstanceActor() ||
		ra.Hoster.InboxURL != testPaths.InstanceInbox() || ra.Hoster.PublicKeyID != KeyID(testPaths.InstanceActor()) ||
		ra.Hoster.Discoverable {
		t.Errorf("application parsed as %+v", ra)
	}
}

func TestOfferRoundTrip(t *testing.T) {
	h := sampleHoster()
	for _, mod := range []func(*catalog.Offer){
		func(*catalog.Offer) {},
		func(o *catalog.Offer) { // minimal everyone offer
			o.Summary, o.Price, o.Quota, o.StartDate = "", "", "", ""
			o.Audience, o.AreaDepartements, o.AreaRadiusKm, o.Languages = catalog.AudienceEveryone, nil, 0, nil
			o.Software = catalog.Software{}
		},
	} {
		o := sampleOffer(h)
		mod(o)
		b, err := Offer(testPaths, h, o)
		if err != nil {
			t.Fatal(err)
		}
		got, by, err := ParseOffer(b)
		if err != nil {
			t.Fatalf("ParseOffer: %v\n%s", err, b)
		}
		if by != testPaths.Actor(h.Username) {
			t.Errorf("attributedTo = %q", by)
		}
		if !got.Updated.Equal(o.Updated) || !got.CreatedAt.Equal(o.CreatedAt) {
			t.Errorf("times %v %v, want %v %v", got.Updated, got.CreatedAt, o.Updated, o.CreatedAt)
		}
		want := *o
		want.Updated, want.CreatedAt, got.Updated, got.CreatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		if !reflect.DeepEqual(*got, want) {
			t.Errorf("round trip differs:\n got %+v\nwant %+v", *got, want)
		}
	}
}

// TestOfferIsNotAnActorType: Mastodon and GoToSocial read Service (and
// Application, Group, Organization, Person) as actors, and GoToSocial
// answers 500 to the Update of such an object by anyone else. An offer is
// our own type Offer, defined in our namespace in the inline context; the
// parser still reads offers typed Service by older nodes.
func TestOfferIsNotAnActorType(t *testing.T) {
	h := sampleHoster()
	o := sampleOffer(h)
	b, err := Offer(testPaths, h, o)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	switch m["type"] {
	case "Application", "Group", "Organization", "Person", "Service":
		t.Fatalf("offer typed as an actor: %v", m["type"])
	case OfferType:
	default:
		t.Fatalf("offer type = %v, want %s", m["type"], OfferType)
	}
	ctx, _ := m["@context"].([]any)
	inline, _ := ctx[len(ctx)-1].(map[string]any)
	if inline[OfferType] != NS+OfferType {
		t.Errorf("@context defines Offer as %v, want %s", inline[OfferType], NS+OfferType)
	}
	// The url is the offer's page on the node, the service its own term.
	if m["url"] != o.ObjectID || m["portee:serviceUrl"] != o.URL {
		t.Errorf("url %v, serviceUrl %v", m["url"], m["portee:serviceUrl"])
	}

	legacy := strings.Replace(string(b), `"type":"Offer"`, `"type":"Service"`, 1)
	legacy = strings.Replace(legacy, `"url":"`+o.ObjectID+`"`, `"url":"`+o.URL+`"`, 1)
	legacy = strings.Replace(legacy, `"portee:serviceUrl":"`+o.URL+`",`, ``, 1)
	got, _, err := ParseOffer([]byte(legacy))
	if err != nil {
		t.Fatalf("legacy Service offer: %v\n%s", err, legacy)
	}
	if got.Name != o.Name || got.URL != o.URL {
		t.Errorf("legacy offer parsed as %+v", got)
	}
}

func TestOfferUpdatedFallsBackToPublished(t *testing.T) {
	h := sampleHoster()
	o := sampleOffer(h)
	o.Updated = time.Time{}
	b, err := Offer(testPaths, h, o)
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := ParseOffer(b)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Updated.Equal(o.CreatedAt) {
		t.Errorf("Updated = %v, want published %v", got.Updated, o.CreatedAt)
	}
}

func TestDeletedOfferIsTombstone(t *testing.T) {
	h := sampleHoster()
	o := sampleOffer(h)
	del := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	o.DeletedAt = &del
	b, err := Offer(testPaths, h, o)
	if err != nil {
		t.Fatal(err)
	}
	if !IsTombstone(b) {
		t.Fatalf("not a tombstone: %s", b)
	}
	ts, err := ParseTombstone(b)
	if err != nil {
		t.Fatal(err)
	}
	if ts.ID != o.ObjectID || ts.FormerType != OfferType || !ts.Deleted.Equal(del) {
		t.Errorf("tombstone %+v", ts)
	}
	if _, _, err := ParseOffer(b); !errors.Is(err, ErrInvalid) {
		t.Errorf("ParseOffer(tombstone) err = %v, want ErrInvalid", err)
	}
	live, _ := Offer(testPaths, h, sampleOffer(h))
	if IsTombstone(live) {
		t.Error("a live offer reported as tombstone")
	}
}

func TestParseOfferValidates(t *testing.T) {
	h := sampleHoster()
	o := sampleOffer(h)
	o.Registration = "freee"
	b, err := Offer(testPaths, h, o)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = ParseOffer(b)
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "registration") {
		t.Errorf("err = %v, want a registration error", err)
	}
}

func TestDeclarationRoundTrip(t *testing.T) {
	h := sampleHoster()
	d := &catalog.CharterDeclaration{
		ObjectID: testPaths.Declaration(h.Username), CharterID: "chatons", CharterVersion: "2023",
		Answers: catalog.Answers{
			{Commitment: "open-free-software", Status: catalog.AnswerYes, EvidenceURL: "https://chaton-nazairien.example/logiciels"},
			{Commitment: "transparent-stats", Status: catalog.AnswerPartial, Comment: "Statistiques annuelles seulement."},
			{Commitment: "neutral-requests", Status: catalog.AnswerNotApplicable},
		},
		Updated:   time.Date(2025, 2, 3, 4, 5, 6, 7000, time.UTC),
		CreatedAt: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	for _, answers := range []catalog.Answers{d.Answers, d.Answers[:1], {}} {
		dd := *d
		dd.Answers = answers
		b, err := Declaration(testPaths, h, &dd)
		if err != nil {
			t.Fatal(err)
		}
		got, by, err := ParseDeclaration(b)
		if err != nil {
			t.Fatalf("ParseDeclaration: %v\n%s", err, b)
		}
		if by != testPaths.Actor(h.Username) {
			t.Errorf("attributedTo = %q", by)
		}
		if !got.Updated.Equal(dd.Updated) || !got.CreatedAt.Equal(dd.CreatedAt) {
			t.Errorf("times %v %v", got.Updated, got.CreatedAt)
		}
		got.Updated, got.CreatedAt, dd.Updated, dd.CreatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		if !reflect.DeepEqual(*got, dd) {
			t.Errorf("round trip differs:\n got %+v\nwant %+v", *got, dd)
		}
	}
}

func TestParseDeclarationRejectsBadAnswers(t *testing.T) {
	base := `{"id":"https://n.example/hosters/a/charter","type":"CharterDeclaration","attributedTo":"https://n.example/hosters/a",
		"portee:charter":"chatons","portee:charterVersion":"2023","portee:answers":[%s]}`
	for _, ans := range []string{
		`{"portee:commitment":"x","portee:status":"maybe"}`,
		`{"portee:status":"yes"}`,
		`{"portee:commitment":"x","portee:status":"yes","portee:evidence":"javascript:alert(1)"}`,
		`"yes"`,
	} {
		if _, _, err := ParseDeclaration([]byte(strings.Replace(base, "%s", ans, 1))); !errors.Is(err, ErrInvalid) {
			t.Errorf("answer %s: err = %v, want ErrInvalid", ans, err)
		}
	}
}

func TestOfferNote(t *testing.T) {
	h := sampleHoster()
	o := sampleOffer(h)
	link := `<a href="https://pad.chaton-nazairien.example"`
	for _, c := range []struct {
		ev       OfferEvent
		text     string
		url      string
		withLink bool
	}{
		{OfferEvent{Kind: OfferCreated}, "Chaton Nazairien propose désormais un pad (Etherpad) : ", o.ObjectID, true},
		{OfferEvent{Kind: OfferUpdated}, "Chaton Nazairien a mis à jour son offre « Etherpad de Chaton Nazairien » : ", o.ObjectID, true},
		{OfferEvent{Kind: OfferRenamed, OldName: "Pad du port"},
			"Chaton Nazairien a renommé son offre « Pad du port » en « Etherpad de Chaton Nazairien » : ", o.ObjectID, true},
		{OfferEvent{Kind: OfferRemoved}, "Chaton Nazairien ne propose plus son offre « Etherpad de Chaton Nazairien »", testPaths.Actor(h.Username), false},
	} {
		b, err := OfferNote(testPaths, h, o, c.ev, "n1")
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		content, _ := m["content"].(string)
		want := "<p>" + c.text
		if c.withLink {
			want += link
		} else {
			want += "</p>"
		}
		if !strings.HasPrefix(content, want) {
			t.Errorf("%s: content = %q, want prefix %q", c.ev.Kind, content, want)
		}
		// The url is an HTML page (the node answers browsers on the offer's
		// id, and on the actor's once the offer is gone), never raw JSON.
		if m["type"] != "Note" || m["id"] != testPaths.Note(h.Username, "n1") ||
			m["attributedTo"] != testPaths.Actor(h.Username) || m["url"] != c.url || m["portee:offer"] != o.ObjectID {
			t.Errorf("%s: note fields: %s", c.ev.Kind, b)
		}
		if cm, _ := m["contentMap"].(map[string]any); cm["fr"] != content {
			t.Errorf("contentMap = %v", m["contentMap"])
		}
		if !reflect.DeepEqual(m["to"], []any{Public}) || !reflect.DeepEqual(m["cc"], []any{testPaths.Followers(h.Username)}) ||
			!reflect.DeepEqual(m["tag"], []any{}) {
			t.Errorf("to %v cc %v tag %v", m["to"], m["cc"], m["tag"])
		}
	}
	// The hoster's name is text, not HTML.
	h.Name = "<b>Chaton</b>"
	b, _ := OfferNote(testPaths, h, o, OfferEvent{Kind: OfferCreated}, "n2")
	if strings.Contains(string(b), "<b>") {
		t.Errorf("name not escaped: %s", b)
	}
	if _, err := OfferNote(testPaths, h, o, OfferEvent{Kind: "moved"}, "n3"); err == nil {
		t.Error("an unknown event built a Note")
	}
}

// TestFeaturedNote: the Note pinned on the profile describes the offer; its
// id changes with its text and only then.
func TestFeaturedNote(t *testing.T) {
	h := sampleHoster()
	o := sampleOffer(h)
	b, id, err := FeaturedNote(testPaths, h, o)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	content, _ := m["content"].(string)
	for _, want := range []string{"<strong>Etherpad de Chaton Nazairien</strong> : un pad (Etherpad)",
		"Écrire à plusieurs, en direct.", "utilisable sans compte", "gratuit", `href="https://pad.chaton-nazairien.example"`} {
		if !strings.Contains(content, want) {
			t.Errorf("content %q lacks %q", content, want)
		}
	}
	if m["type"] != "Note" || m["id"] != id || !strings.HasPrefix(id, testPaths.Featured(h.Username)+"/etherpad/") ||
		m["attributedTo"] != testPaths.Actor(h.Username) || m["url"] != o.ObjectID {
		t.Errorf("featured note: %s", b)
	}
	_, again, _ := FeaturedNote(testPaths, h, o)
	o.Price = "1 €/mois"
	_, changed, _ := FeaturedNote(testPaths, h, o)
	if again != id || changed == id {
		t.Errorf("ids: %q, again %q, after a change %q", id, again, changed)
	}
}

func TestActivitiesRoundTrip(t *testing.T) {
	me := testPaths.Actor("nazairien")
	them := "https://mastodon.example/users/camille"
	follow, err := Follow("https://mastodon.example/follows/1", them, me)
	if err != nil {
		t.Fatal(err)
	}
	pf, err := ParseActivity(follow)
	if err != nil {
		t.Fatal(err)
	}
	if pf.Type != "Follow" || pf.Actor != them || pf.ObjectID != me || pf.Object != nil || !reflect.DeepEqual(pf.To, []string{me}) {
		t.Errorf("follow parsed as %+v", pf)
	}

	accept, err := Accept(testPaths.Activity("a1"), me, follow)
	if err != nil {
		t.Fatal(err)
	}
	pa, err := ParseActivity(accept)
	if err != nil {
		t.Fatal(err)
	}
	if pa.Type != "Accept" || pa.Actor != me || pa.ObjectType != "Follow" || pa.ObjectID != "https://mastodon.example/follows/1" ||
		!reflect.DeepEqual(pa.To, []string{them}) {
		t.Errorf("accept parsed as %+v", pa)
	}
	inner, err := ParseActivity(pa.Object)
	if err != nil || inner.Actor != them || inner.ObjectID != me {
		t.Errorf("embedded follow %+v, %v", inner, err)
	}
	if strings.Count(string(accept), "@context") != 1 {
		t.Errorf("embedded follow kept its @context: %s", accept)
	}

	reject, err := Reject(testPaths.Activity("r1"), me, follow)
	if err != nil {
		t.Fatal(err)
	}
	if pr, err := ParseActivity(reject); err != nil || pr.Type != "Reject" || pr.ObjectType != "Follow" {
		t.Errorf("reject parsed as %+v, %v", pr, err)
	}

	undo, err := Undo("https://mastodon.example/follows/1/undo", them, follow)
	if err != nil {
		t.Fatal(err)
	}
	pu, err := ParseActivity(undo)
	if err != nil || pu.Type != "Undo" || pu.ObjectType != "Follow" || !reflect.DeepEqual(pu.To, []string{me}) {
		t.Errorf("undo parsed as %+v, %v", pu, err)
	}

	h := sampleHoster()
	o := sampleOffer(h)
	svc, _ := Offer(testPaths, h, o)
	pub := time.Date(2025, 5, 6, 7, 8, 10, 0, time.UTC)
	create, err := Marshal(Activity{ID: testPaths.Activity("c1"), Type: "Update", Actor: me, Object: svc,
		To: []string{Public}, CC: []string{testPaths.Followers("nazairien")}, Published: pub})
	if err != nil {
		t.Fatal(err)
	}
	pc, err := ParseActivity(create)
	if err != nil {
		t.Fatal(err)
	}
	if pc.Type != "Update" || pc.ObjectType != OfferType || pc.ObjectID != o.ObjectID || !pc.Published.Equal(pub) ||
		!pc.Updated.Equal(o.Updated) {
		t.Errorf("update parsed as %+v", pc)
	}
	if off, _, err := ParseOffer(pc.Object); err != nil || off.Name != o.Name {
		t.Errorf("embedded offer: %+v, %v", off, err)
	}

	del, err := Marshal(Activity{ID: testPaths.Activity("d1"), Type: "Delete", Actor: me, Object: json.RawMessage(`"` + o.ObjectID + `"`)})
	if err != nil {
		t.Fatal(err)
	}
	if pd, err := ParseActivity(del); err != nil || pd.ObjectID != o.ObjectID || pd.Object != nil {
		t.Errorf("delete parsed as %+v, %v", pd, err)
	}

	for _, bad := range []Activity{
		{ID: "x", Type: "Follow", Actor: me, Object: json.RawMessage(`"` + them + `"`)},
		{ID: testPaths.Activity("1"), Type: "Dance", Actor: me, Object: json.RawMessage(`"` + them + `"`)},
		{ID: testPaths.Activity("1"), Type: "Follow", Actor: me},
		{ID: testPaths.Activity("1"), Type: "Follow", Actor: me, Object: json.RawMessage(`42`)},
		{ID: testPaths.Activity("1"), Type: "Follow", Actor: me, Object: json.RawMessage(`"javascript:x"`)},
	} {
		if _, err := Marshal(bad); err == nil {
			t.Errorf("Marshal(%+v) succeeded", bad)
		}
	}
}

func TestCollectionsRoundTrip(t *testing.T) {
	outbox := testPaths.Outbox("nazairien")
	c, err := OrderedCollection(outbox, 3, outbox+"?page=1")
	if err != nil {
		t.Fatal(err)
	}
	items, iris, next, first, total, err := ParseCollection(c)
	if err != nil || len(items) != 0 || len(iris) != 0 || next != "" || first != outbox+"?page=1" || total != 3 {
		t.Errorf("collection: %v %v %q %q %d %v", items, iris, next, first, total, err)
	}

	follow, _ := Follow("https://mastodon.example/follows/1", "https://mastodon.example/users/camille", testPaths.Actor("nazairien"))
	page, err := OrderedCollectionPage(outbox+"?page=1", outbox, outbox+"?page=2", "",
		[]json.RawMessage{follow, json.RawMessage(`"https://mastodon.example/statuses/9"`)})
	if err != nil {
		t.Fatal(err)
	}
	items, iris, next, _, _, err = ParseCollection(page)
	if err != nil || len(items) != 1 || !reflect.DeepEqual(iris, []string{"https://mastodon.example/statuses/9"}) || next != outbox+"?page=2" {
		t.Fatalf("page: %d items %v %q %v", len(items), iris, next, err)
	}
	if p, err := ParseActivity(items[0]); err != nil || p.Type != "Follow" {
		t.Errorf("page item: %+v %v", p, err)
	}

	// A collection whose first page is embedded, as some servers publish
	// followers collections.
	embedded := `{"@context":"https://www.w3.org/ns/activitystreams","id":"https://x.example/c","type":"OrderedCollection",
		"totalItems":2,"first":{"id":"https://x.example/c?p=1","type":"OrderedCollectionPage","next":"https://x.example/c?p=2",
		"orderedItems":["https://x.example/u/1","https://x.example/u/2"]}}`
	_, iris, next, first, total, err = ParseCollection([]byte(embedded))
	if err != nil || len(iris) != 2 || next != "https://x.example/c?p=2" || first != "https://x.example/c?p=1" || total != 2 {
		t.Errorf("embedded first: %v %q %q %d %v", iris, next, first, total, err)
	}
	// Collection, items, a scalar item.
	plain := `{"id":"https://x.example/c","type":"Collection","items":"https://x.example/u/1"}`
	if _, iris, _, _, _, err := ParseCollection([]byte(plain)); err != nil || len(iris) != 1 {
		t.Errorf("plain collection: %v %v", iris, err)
	}
}
