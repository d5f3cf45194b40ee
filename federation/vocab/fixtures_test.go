package vocab

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestMastodonPerson(t *testing.T) {
	ra, err := ParseActor(fixture(t, "mastodon_person.json"))
	if err != nil {
		t.Fatal(err)
	}
	h := ra.Hoster
	const id = "https://mastodon.example/users/camille"
	checks := map[string][2]string{
		"type":        {ra.Type, "Person"},
		"id":          {h.ActorID, id},
		"username":    {h.Username, "Camille"},
		"domain":      {h.Domain, "mastodon.example"},
		"name":        {h.Name, "Camille Dupont"},
		"summary":     {h.Summary, "Bénévole dans un chaton, #libre"},
		"website":     {h.Website, "https://camille.example/"},
		"inbox":       {h.InboxURL, id + "/inbox"},
		"sharedInbox": {h.SharedInboxURL, "https://mastodon.example/inbox"},
		"outbox":      {h.OutboxURL, id + "/outbox"},
		"followers":   {h.FollowersURL, id + "/followers"},
		"keyId":       {h.PublicKeyID, id + "#main-key"},
		"icon":        {h.IconURL, "https://files.mastodon.example/accounts/avatars/000/000/001/original/avatar.png"},
	}
	for k, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s = %q, want %q", k, c[0], c[1])
		}
	}
	if h.Discoverable {
		t.Error("discoverable: false was not read")
	}
	if !strings.HasPrefix(h.PublicKeyPEM, "-----BEGIN PUBLIC KEY-----") {
		t.Errorf("PEM = %q", h.PublicKeyPEM)
	}
	if ra.OffersURL != "" || ra.DeclarationURL != "" {
		t.Error("a Mastodon person has no offers")
	}
}

func TestGoToSocialPerson(t *testing.T) {
	ra, err := ParseActor(fixture(t, "gotosocial_person.json"))
	if err != nil {
		t.Fatal(err)
	}
	h := ra.Hoster
	const id = "https://gts.example/users/dominique"
	if h.ActorID != id || h.Username != "dominique" || h.PublicKeyID != id+"/main-key" ||
		h.SharedInboxURL != "https://gts.example/sharedInbox" || !h.Discoverable || h.Summary != "Je teste GoToSocial." {
		t.Errorf("parsed %+v", h)
	}
	// The scalar attachment "Site" holds a bare URL.
	if h.Website != "https://dominique.example" {
		t.Errorf("website = %q", h.Website)
	}
}

func TestDocumentedActivities(t *testing.T) {
	const (
		camille   = "https://mastodon.example/users/camille"
		dominique = "https://gts.example/users/dominique"
		chaton    = "http://127.0.0.1:8081/hosters/nazairien"
	)
	for _, c := range []struct {
		file                       string
		typ, actor, objID, objType string
		to                         []string
	}{
		{"mastodon_follow.json", "Follow", camille, chaton, "", nil},
		{"mastodon_accept.json", "Accept", camille, "https://gts.example/users/dominique/follow/01HXYZ", "Follow", nil},
		{"gotosocial_accept.json", "Accept", dominique, "https://mastodon.example/5d1f1e4e-1111-4b2a-8c3d-2e1f0a9b8c7d", "Follow", []string{camille}},
		{"mastodon_undo_follow.json", "Undo", camille, "https://mastodon.example/8f1b2c3d-0000-4a5b-9c8d-7e6f5a4b3c2d", "Follow", nil},
		{"mastodon_delete_tombstone.json", "Delete", camille, camille + "/statuses/112233445566778899", "Tombstone", []string{Public}},
		{"mastodon_update_person.json", "Update", camille, camille, "Person", []string{Public}},
		{"gotosocial_delete_actor.json", "Delete", dominique, dominique, "", []string{Public}},
	} {
		t.Run(c.file, func(t *testing.T) {
			p, err := ParseActivity(fixture(t, c.file))
			if err != nil {
				t.Fatal(err)
			}
			if p.Type != c.typ || p.Actor != c.actor || p.ObjectID != c.objID || p.ObjectType != c.objType ||
				!reflect.DeepEqual(p.To, c.to) {
				t.Errorf("parsed %+v", p)
			}
			if (c.objType == "") != (p.Object == nil) {
				t.Errorf("Object = %s", p.Object)
			}
		})
	}
	// The Person inside the Update parses as an actor, and so does the
	// Follow inside the Undo as an activity.
	p, _ := ParseActivity(fixture(t, "mastodon_update_person.json"))
	ra, err := ParseActor(p.Object)
	if err != nil || ra.Hoster.Name != "Camille D." {
		t.Errorf("embedded person: %+v %v", ra, err)
	}
	p, _ = ParseActivity(fixture(t, "mastodon_undo_follow.json"))
	if f, err := ParseActivity(p.Object); err != nil || f.Type != "Follow" || f.ObjectID != chaton {
		t.Errorf("embedded follow: %+v %v", f, err)
	}
	p, _ = ParseActivity(fixture(t, "mastodon_delete_tombstone.json"))
	if !IsTombstone(p.Object) {
		t.Error("embedded Tombstone not recognised")
	}
}

// TestWildVariations feeds the compact JSON-LD shapes servers actually
// send: scalars for lists, objects for references, keyword forms, our terms
// under another prefix.
func TestWildVariations(t *testing.T) {
	for name, doc := range map[string]string{
		"type array, actor object, to string": `{"@context":["https://www.w3.org/ns/activitystreams"],"id":"https://a.example/1",
			"type":["Follow"],"actor":{"id":"https://a.example/u","type":"Person"},"object":{"id":"https://b.example/u"},"to":"as:Public"}`,
		"keyword forms": `{"@id":"https://a.example/1","@type":"Follow","actor":"https://a.example/u","object":["https://b.example/u"],"cc":[{"id":"https://a.example/u/followers"}]}`,
	} {
		p, err := ParseActivity([]byte(doc))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if p.Type != "Follow" || p.Actor != "https://a.example/u" || p.ObjectID != "https://b.example/u" {
			t.Errorf("%s: %+v", name, p)
		}
	}
	p, _ := ParseActivity([]byte(`{"id":"https://a.example/1","type":"Create","actor":"https://a.example/u","object":"https://a.example/n","to":"as:Public"}`))
	if p == nil || !reflect.DeepEqual(p.To, []string{Public}) {
		t.Errorf("as:Public not expanded: %+v", p)
	}

	// Our terms under another prefix, or as the full IRI, and nameMap.
	offer := `{"@context":["https://www.w3.org/ns/activitystreams",{"pt":"https://portee.codeberg.page/ns#","cat":"pt:category"}],
		"id":"https://n.example/hosters/a/offers/pad","type":"Service","attributedTo":[{"id":"https://n.example/hosters/a","type":"Organization"}],
		"nameMap":{"en":"Pad","fr":"Pad libre"},"url":{"type":"Link","href":"https://pad.n.example"},
		"cat":"pad","pt:registration":"free","pt:load":"open","https://portee.codeberg.page/ns#audience":"everyone","pt:status":"ok",
		"pt:languages":"fr","pt:areaRadiusKm":"12.5","updated":"2025-01-02T03:04:05.678+01:00"}`
	o, by, err := ParseOffer([]byte(offer))
	if err != nil {
		t.Fatal(err)
	}
	if by != "https://n.example/hosters/a" || o.Key != "pad" || o.Name != "Pad libre" || o.Category != "pad" ||
		o.Registration != "free" || o.Audience != "everyone" || o.URL != "https://pad.n.example" ||
		!reflect.DeepEqual([]string(o.Languages), []string{"fr"}) || o.AreaRadiusKm != 12.5 ||
		o.Updated.Format("15:04:05.000") != "02:04:05.678" {
		t.Errorf("offer %+v", o)
	}

	// An actor without discoverable is discoverable; one with several keys
	// uses its own.
	pem := testPEM(t)
	actor := `{"id":"https://a.example/u","type":"Service","preferredUsername":"bot","inbox":"https://a.example/u/inbox",
		"publicKey":[{"id":"https://other.example/k","owner":"https://other.example/u","publicKeyPem":"x"},
		{"id":"https://a.example/u#k2","owner":"https://a.example/u","publicKeyPem":` + quote(pem) + `}]}`
	ra, err := ParseActor([]byte(actor))
	if err != nil {
		t.Fatal(err)
	}
	if !ra.Hoster.Discoverable || ra.Hoster.PublicKeyID != "https://a.example/u#k2" || ra.Hoster.Name != "bot" {
		t.Errorf("actor %+v", ra.Hoster)
	}
}

func quote(s string) string { return `"` + strings.ReplaceAll(s, "\n", `\n`) + `"` }

func TestRejections(t *testing.T) {
	pem := quote(testPEM(t))
	for name, c := range map[string]struct {
		parse func([]byte) error
		doc   string
	}{
		"activity: array":            {activity, `[{"id":"https://a.example/1"}]`},
		"activity: no type":          {activity, `{"id":"https://a.example/1","actor":"https://a.example/u","object":"https://b.example"}`},
		"activity: no id":            {activity, `{"type":"Follow","actor":"https://a.example/u","object":"https://b.example"}`},
		"activity: relative id":      {activity, `{"id":"/1","type":"Follow","actor":"https://a.example/u","object":"https://b.example"}`},
		"activity: no actor":         {activity, `{"id":"https://a.example/1","type":"Follow","object":"https://b.example"}`},
		"activity: no object":        {activity, `{"id":"https://a.example/1","type":"Follow","actor":"https://a.example/u"}`},
		"activity: number object":    {activity, `{"id":"https://a.example/1","type":"Follow","actor":"https://a.example/u","object":3}`},
		"activity: anonymous object": {activity, `{"id":"https://a.example/1","type":"Create","actor":"https://a.example/u","object":{"content":"x"}}`},
		"activity: trailing data":    {activity, `{"id":"https://a.example/1","type":"Follow","actor":"https://a.example/u","object":"https://b.example"} {}`},
		"actor: not an actor":        {actorP, `{"id":"https://a.example/u","type":"Note","preferredUsername":"u","inbox":"https://a.example/i","publicKey":{"id":"https://a.example/u#k","owner":"https://a.example/u","publicKeyPem":` + pem + `}}`},
		"actor: no inbox":            {actorP, `{"id":"https://a.example/u","type":"Person","preferredUsername":"u","publicKey":{"id":"https://a.example/u#k","owner":"https://a.example/u","publicKeyPem":` + pem + `}}`},
		"actor: no username":         {actorP, `{"id":"https://a.example/u","type":"Person","inbox":"https://a.example/i","publicKey":{"id":"https://a.example/u#k","owner":"https://a.example/u","publicKeyPem":` + pem + `}}`},
		"actor: key of another":      {actorP, `{"id":"https://a.example/u","type":"Person","preferredUsername":"u","inbox":"https://a.example/i","publicKey":{"id":"https://a.example/u#k","owner":"https://evil.example/u","publicKeyPem":` + pem + `}}`},
		"actor: key on other host":   {actorP, `{"id":"https://a.example/u","type":"Person","preferredUsername":"u","inbox":"https://a.example/i","publicKey":{"id":"https://evil.example/u#k","owner":"https://a.example/u","publicKeyPem":` + pem + `}}`},
		"actor: key by reference":    {actorP, `{"id":"https://a.example/u","type":"Person","preferredUsername":"u","inbox":"https://a.example/i","publicKey":"https://a.example/u#k"}`},
		"actor: not PEM":             {actorP, `{"id":"https://a.example/u","type":"Person","preferredUsername":"u","inbox":"https://a.example/i","publicKey":{"id":"https://a.example/u#k","owner":"https://a.example/u","publicKeyPem":"hello"}}`},
		"offer: not Service":         {offerP, `{"id":"https://a.example/o/x","type":"Note","attributedTo":"https://a.example/u"}`},
		"offer: no attributedTo":     {offerP, `{"id":"https://a.example/o/pad","type":"Service","name":"P","portee:category":"pad","portee:registration":"free","portee:load":"open","portee:audience":"everyone","portee:status":"ok","url":"https://p.example"}`},
		"offer: javascript url":      {offerP, `{"id":"https://a.example/o/pad","type":"Service","attributedTo":"https://a.example/u","name":"P","portee:category":"pad","portee:registration":"free","portee:load":"open","portee:audience":"everyone","portee:status":"ok","url":"javascript:alert(1)"}`},
		"collection: not one":        {collectionP, `{"id":"https://a.example/c","type":"Note"}`},
		"collection: bad item":       {collectionP, `{"id":"https://a.example/c","type":"OrderedCollection","orderedItems":[1]}`},
		"collection: bad first":      {collectionP, `{"id":"https://a.example/c","type":"OrderedCollection","first":"ftp://x"}`},
	} {
		if err := c.parse([]byte(c.doc)); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
}

func activity(b []byte) error { _, err := ParseActivity(b); return err }
func actorP(b []byte) error   { _, err := ParseActor(b); return err }
func offerP(b []byte) error   { _, _, err := ParseOffer(b); return err }
func collectionP(b []byte) error {
	_, _, _, _, _, err := ParseCollection(b)
	return err
}
func declarationP(b []byte) error { _, _, err := ParseDeclaration(b); return err }

func TestLimits(t *testing.T) {
	deep := strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1)
	deepObj := `{"id":"https://a.example/1","type":"Create","actor":"https://a.example/u","object":` +
		strings.Repeat(`{"a":`, MaxDepth) + `1` + strings.Repeat("}", MaxDepth) + "}"
	big := `{"id":"https://a.example/1","type":"Note","content":"` + strings.Repeat("a", MaxDocumentSize) + `"}`
	// Brackets inside strings are not nesting.
	ok := `{"id":"https://a.example/1","type":"Follow","actor":"https://a.example/u","object":"https://b.example/u","summary":"` +
		strings.Repeat("[{", 100) + `\"` + `"}`
	for _, parse := range []func([]byte) error{activity, actorP, offerP, collectionP, declarationP} {
		if err := parse([]byte(deep)); !errors.Is(err, ErrTooDeep) || !errors.Is(err, ErrInvalid) {
			t.Errorf("deep array: %v", err)
		}
		if err := parse([]byte(deepObj)); !errors.Is(err, ErrTooDeep) {
			t.Errorf("deep object: %v", err)
		}
		if err := parse([]byte(big)); !errors.Is(err, ErrTooLarge) || !errors.Is(err, ErrInvalid) {
			t.Errorf("big: %v", err)
		}
	}
	if err := activity([]byte(ok)); err != nil {
		t.Errorf("brackets in strings: %v", err)
	}
	if IsTombstone([]byte(deep)) {
		t.Error("IsTombstone(deep)")
	}
}
