package vocab

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/go-fed/activity/streams"

	"codeberg.org/portee/portee/catalog"
)

// rawKinds maps each top-level property to the first byte of its raw JSON.
func rawKinds(t *testing.T, b []byte) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("not a JSON object: %v\n%s", err, b)
	}
	return m
}

func wantArray(t *testing.T, doc string, m map[string]json.RawMessage, key string, n int) {
	t.Helper()
	raw, ok := m[key]
	if !ok {
		t.Errorf("%s: no %q", doc, key)
		return
	}
	var arr []json.RawMessage
	if raw[0] != '[' || json.Unmarshal(raw, &arr) != nil {
		t.Errorf("%s: %q is not an array: %s", doc, key, raw)
		return
	}
	if len(arr) != n {
		t.Errorf("%s: %q has %d elements, want %d", doc, key, len(arr), n)
	}
}

// TestStreamsWritesScalars pins the go-fed quirk normalisation exists for:
// if streams ever stops writing one-element lists as scalars, the
// normalisation can go.
func TestStreamsWritesScalars(t *testing.T) {
	n := streams.NewActivityStreamsNote()
	to := streams.NewActivityStreamsToProperty()
	u, _ := url.Parse(Public)
	to.AppendIRI(u)
	n.SetActivityStreamsTo(to)
	m, err := n.Serialize()
	if err != nil {
		t.Fatal(err)
	}
	if _, isStr := m["to"].(string); !isStr {
		t.Skipf("streams now writes %T for a one-element to", m["to"])
	}
}

func TestOneElementListsAreArrays(t *testing.T) {
	h := &catalog.Hoster{Username: "solo", Name: "Solo", Website: "https://solo.example"}
	actor, err := Hoster(testPaths, h, testPEM(t))
	if err != nil {
		t.Fatal(err)
	}
	m := rawKinds(t, actor)
	wantArray(t, "actor", m, "attachment", 1)
	wantArray(t, "actor", m, "tag", 0)

	host := sampleHoster()
	o := sampleOffer(host)
	svc, _ := Offer(testPaths, host, o)
	m = rawKinds(t, svc)
	for _, k := range []string{"to", "cc", "portee:areaDepartements", "portee:languages"} {
		wantArray(t, "offer", m, k, 1)
	}

	note, _ := OfferNote(testPaths, host, o, OfferEvent{Kind: OfferCreated}, "n1")
	m = rawKinds(t, note)
	wantArray(t, "note", m, "to", 1)
	wantArray(t, "note", m, "cc", 1)
	wantArray(t, "note", m, "tag", 0)

	create, err := Marshal(Activity{ID: testPaths.Activity("1"), Type: "Create", Actor: testPaths.Actor("x"),
		Object: note, To: []string{Public}, CC: []string{testPaths.Followers("x")}})
	if err != nil {
		t.Fatal(err)
	}
	m = rawKinds(t, create)
	wantArray(t, "create", m, "to", 1)
	wantArray(t, "create", m, "cc", 1)
	wantArray(t, "create.object", rawKinds(t, m["object"]), "to", 1)

	page, _ := OrderedCollectionPage(testPaths.Outbox("x")+"?page=1", testPaths.Outbox("x"), "", "", []json.RawMessage{create})
	wantArray(t, "page", rawKinds(t, page), "orderedItems", 1)
	empty, _ := OrderedCollectionPage(testPaths.Outbox("x")+"?page=1", testPaths.Outbox("x"), "", "", nil)
	wantArray(t, "empty page", rawKinds(t, empty), "orderedItems", 0)

	d := &catalog.CharterDeclaration{CharterID: "chatons", CharterVersion: "2023",
		Answers: catalog.Answers{{Commitment: "a", Status: catalog.AnswerYes}}}
	decl, _ := Declaration(testPaths, host, d)
	wantArray(t, "declaration", rawKinds(t, decl), "portee:answers", 1)

	// An embedded object received with scalars goes out with arrays.
	follow := []byte(`{"@context":"https://www.w3.org/ns/activitystreams","id":"https://m.example/f/1","type":"Follow",
		"actor":"https://m.example/u/a","object":"` + testPaths.Actor("x") + `","to":"` + testPaths.Actor("x") + `"}`)
	acc, err := Accept(testPaths.Activity("2"), testPaths.Actor("x"), follow)
	if err != nil {
		t.Fatal(err)
	}
	wantArray(t, "accept.object", rawKinds(t, rawKinds(t, acc)["object"]), "to", 1)
}

// allBuilt returns one document of each kind we publish.
func allBuilt(t *testing.T) map[string][]byte {
	t.Helper()
	h := sampleHoster()
	o := sampleOffer(h)
	docs := map[string][]byte{}
	add := func(name string, b []byte, err error) {
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		docs[name] = b
	}
	b, err := Hoster(testPaths, h, testPEM(t))
	add("hoster", b, err)
	b, err = Application(testPaths, "annuaire", "Annuaire", "", RoleDirectory, testPEM(t))
	add("application", b, err)
	b, err = Offer(testPaths, h, o)
	add("offer", b, err)
	b, err = Declaration(testPaths, h, &catalog.CharterDeclaration{CharterID: "chatons", CharterVersion: "2023",
		Answers: catalog.Answers{{Commitment: "a", Status: "yes", EvidenceURL: "https://e.example", Comment: "c"}}})
	add("declaration", b, err)
	b, err = OfferNote(testPaths, h, o, OfferEvent{Kind: OfferCreated}, "n1")
	add("note", b, err)
	b, err = Follow(testPaths.Activity("f"), testPaths.InstanceActor(), testPaths.Actor("nazairien"))
	add("follow", b, err)
	b, err = OrderedCollection(testPaths.Outbox("nazairien"), 0, "")
	add("collection", b, err)
	b, err = Tombstone(o.ObjectID, OfferType, o.Updated)
	add("tombstone", b, err)
	b, _, err = FeaturedNote(testPaths, h, o)
	add("featured note", b, err)
	b, err = OrderedCollectionOf(testPaths.Featured(h.Username), []json.RawMessage{b})
	add("featured", b, err)
	return docs
}

func TestContext(t *testing.T) {
	var ctxDoc struct {
		Context map[string]any `json:"@context"`
	}
	if err := json.Unmarshal(ContextDocument(), &ctxDoc); err != nil {
		t.Fatalf("context document: %v", err)
	}
	defs := ctxDoc.Context
	for k, want := range map[string]string{
		"portee": NS, "PropertyValue": "schema:PropertyValue", "value": "schema:value",
		"schema": "http://schema.org#", "toot": "http://joinmastodon.org/ns#", "discoverable": "toot:discoverable",
		"manuallyApprovesFollowers": "as:manuallyApprovesFollowers", "CharterDeclaration": "portee:CharterDeclaration",
	} {
		if defs[k] != want {
			t.Errorf("context %q = %v, want %q", k, defs[k], want)
		}
	}
	// A term defined as itself is a cyclic IRI mapping for JSON-LD processors.
	for k, v := range defs {
		id, _ := v.(string)
		if m, ok := v.(map[string]any); ok {
			id, _ = m["@id"].(string)
		}
		if id == k {
			t.Errorf("term %q is defined as itself", k)
		}
	}

	for name, b := range allBuilt(t) {
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		ctx, ok := m["@context"].([]any)
		if !ok || len(ctx) != 3 || ctx[0] != ASContext || ctx[1] != SecurityContext {
			t.Errorf("%s: @context = %v", name, m["@context"])
			continue
		}
		inline, _ := ctx[2].(map[string]any)
		if len(inline) != len(defs) {
			t.Errorf("%s: inline context has %d terms, the context document %d", name, len(inline), len(defs))
		}
		// Every one of our keys, at any depth, is defined.
		var walk func(any)
		walk = func(v any) {
			switch x := v.(type) {
			case map[string]any:
				for k, y := range x {
					if strings.HasPrefix(k, "portee:") && inline[k] == nil {
						t.Errorf("%s: %q is not defined in @context", name, k)
					}
					if k != "@context" {
						walk(y)
					}
				}
			case []any:
				for _, y := range x {
					walk(y)
				}
			}
		}
		walk(m)
	}
}

// TestActorHasWhatMastodonRequires checks our Organization against what
// Mastodon's ActivityPub documentation requires of a remote actor.
func TestActorHasWhatMastodonRequires(t *testing.T) {
	h := sampleHoster()
	b, err := Hoster(testPaths, h, testPEM(t))
	if err != nil {
		t.Fatal(err)
	}
	var a map[string]any
	if err := json.Unmarshal(b, &a); err != nil {
		t.Fatal(err)
	}
	actor := testPaths.Actor(h.Username)
	for k, want := range map[string]any{
		"id": actor, "type": "Organization", "preferredUsername": h.Username,
		"inbox": testPaths.Inbox(h.Username), "outbox": testPaths.Outbox(h.Username),
		"followers": testPaths.Followers(h.Username), "following": testPaths.Following(h.Username),
		"url": h.Website, "name": h.Name, "discoverable": true, "manuallyApprovesFollowers": false,
	} {
		if a[k] != want {
			t.Errorf("%s = %v, want %v", k, a[k], want)
		}
	}
	pk, _ := a["publicKey"].(map[string]any)
	if pk["id"] != KeyID(actor) || pk["owner"] != actor || !strings.HasPrefix(pk["publicKeyPem"].(string), "-----BEGIN PUBLIC KEY-----") {
		t.Errorf("publicKey = %v", pk)
	}
	if ep, _ := a["endpoints"].(map[string]any); ep["sharedInbox"] != testPaths.SharedInbox() {
		t.Errorf("endpoints = %v", a["endpoints"])
	}
	if icon, _ := a["icon"].(map[string]any); icon["type"] != "Image" || icon["url"] != h.IconURL {
		t.Errorf("icon = %v", a["icon"])
	}
	if s, _ := a["summary"].(string); !strings.HasPrefix(s, "<p>") || strings.Contains(s, "<libre>") {
		t.Errorf("summary not escaped HTML: %q", s)
	}
	names := map[string]string{}
	for _, x := range a["attachment"].([]any) {
		pv := x.(map[string]any)
		if pv["type"] != "PropertyValue" {
			t.Errorf("attachment type %v", pv["type"])
		}
		name, _ := pv["name"].(string)
		value, _ := pv["value"].(string)
		if name == "" || value == "" {
			t.Errorf("attachment without name or value: %v", pv)
		}
		names[name] = value
	}
	if v := names["Site web"]; !strings.Contains(v, `href="https://chaton-nazairien.example"`) || !strings.Contains(v, `rel="me nofollow noopener"`) {
		t.Errorf("Site web = %q", v)
	}
	if v := names["Contact"]; !strings.Contains(v, `href="mailto:contact@chaton-nazairien.example"`) {
		t.Errorf("Contact = %q", v)
	}
	if _, ok := names["Mentions légales"]; !ok {
		t.Error("no Mentions légales")
	}
	if v := names["Membre depuis"]; v != "12 mars 2019 (portée 7)" {
		t.Errorf("Membre depuis = %q", v)
	}
	loc, _ := a["location"].(map[string]any)
	if loc["type"] != "Place" || loc["name"] != "Saint-Nazaire (44600)" || loc["latitude"] != 47.2735 ||
		loc["portee:insee"] != "44184" || loc["portee:postalCode"] != "44600" {
		t.Errorf("location = %v", loc)
	}
}

func TestPaths(t *testing.T) {
	p := Paths{Base: "http://127.0.0.1:8081/"}
	for got, want := range map[string]string{
		p.Actor("chaton"):                  "http://127.0.0.1:8081/hosters/chaton",
		p.Inbox("chaton"):                  "http://127.0.0.1:8081/hosters/chaton/inbox",
		p.Outbox("chaton"):                 "http://127.0.0.1:8081/hosters/chaton/outbox",
		p.Followers("chaton"):              "http://127.0.0.1:8081/hosters/chaton/followers",
		p.Following("chaton"):              "http://127.0.0.1:8081/hosters/chaton/following",
		p.Offers("chaton"):                 "http://127.0.0.1:8081/hosters/chaton/offers",
		p.Offer("chaton", "pad"):           "http://127.0.0.1:8081/hosters/chaton/offers/pad",
		p.Declaration("chaton"):            "http://127.0.0.1:8081/hosters/chaton/charter",
		p.Note("chaton", "42"):             "http://127.0.0.1:8081/hosters/chaton/notes/42",
		p.Activity("01ABC"):                "http://127.0.0.1:8081/activities/01ABC",
		p.SharedInbox():                    "http://127.0.0.1:8081/inbox",
		p.InstanceActor():                  "http://127.0.0.1:8081/actor",
		p.Context():                        "http://127.0.0.1:8081/ns",
		KeyID(p.Actor("chaton")):           "http://127.0.0.1:8081/hosters/chaton#main-key",
		p.Offer("chaton", "a b/c"):         "http://127.0.0.1:8081/hosters/chaton/offers/a%20b%2Fc",
		lastSegment(p.Offer("c", "a b/c")): "a b/c",
	} {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

// TestActorProfile: what a fediverse profile shows. The joined date is the
// membership date; featured and our activities collection are linked; a
// hoster without an icon gets the node's drawn avatar (a PNG).
func TestActorProfile(t *testing.T) {
	h := sampleHoster()
	h.IconURL = ""
	b, err := Hoster(testPaths, h, testPEM(t))
	if err != nil {
		t.Fatal(err)
	}
	var a map[string]any
	if err := json.Unmarshal(b, &a); err != nil {
		t.Fatal(err)
	}
	if a["published"] != "2019-03-12T00:00:00Z" {
		t.Errorf("published = %v, want the membership date", a["published"])
	}
	if a["featured"] != testPaths.Featured(h.Username) || a["portee:activities"] != testPaths.Activities(h.Username) {
		t.Errorf("featured %v, activities %v", a["featured"], a["portee:activities"])
	}
	if icon, _ := a["icon"].(map[string]any); icon["url"] != testPaths.Avatar(h.Username) || icon["mediaType"] != "image/png" {
		t.Errorf("icon = %v", a["icon"])
	}
	ra, err := ParseActor(b)
	if err != nil {
		t.Fatal(err)
	}
	if ra.FeaturedURL != testPaths.Featured(h.Username) || ra.ActivitiesURL != testPaths.Activities(h.Username) || !ra.IsPorteeHoster() {
		t.Errorf("parsed %+v", ra)
	}
	h.MemberSince = ""
	b, _ = Hoster(testPaths, h, testPEM(t))
	if err := json.Unmarshal(b, &a); err != nil || a["published"] != fmtTime(h.CreatedAt) {
		t.Errorf("published without membership date = %v", a["published"])
	}

	app, err := Application(testPaths, "annuaire", "Annuaire", "", RoleDirectory, testPEM(t))
	if err != nil {
		t.Fatal(err)
	}
	ra, err = ParseActor(app)
	if err != nil || !ra.IsPorteeDirectory() || ra.IsPorteeHoster() {
		t.Errorf("directory actor parsed as %+v, %v", ra, err)
	}
	app, _ = Application(testPaths, "portee.instance", "Portée", "", RoleNode, testPEM(t))
	if ra, err = ParseActor(app); err != nil || ra.IsPorteeDirectory() {
		t.Errorf("node instance actor parsed as a directory: %+v, %v", ra, err)
	}
}
