package catalog_test

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/catalog/catalogtest"
)

func fieldErrors(t *testing.T, err error) catalog.ValidationError {
	t.Helper()
	if err == nil {
		return nil
	}
	var ve catalog.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v is not a ValidationError", err)
	}
	return ve
}

// expectField checks that err holds exactly one FieldError, for field,
// carrying value and a reason containing reason.
func expectField(t *testing.T, name string, err error, field, value, reason string) {
	t.Helper()
	ve := fieldErrors(t, err)
	if len(ve) != 1 {
		t.Errorf("%s: got %d field errors %v, want one on %s", name, len(ve), ve, field)
		return
	}
	fe := ve[0]
	if fe.Field != field || fe.Value != value || !strings.Contains(fe.Reason, reason) {
		t.Errorf("%s: got %s %q %q, want %s %q …%s…", name, fe.Field, fe.Value, fe.Reason, field, value, reason)
	}
}

func ptr[T any](v T) *T { return &v }

func TestSamplesAreValid(t *testing.T) {
	h := catalogtest.SampleHoster("chaton", "http://127.0.0.1:8081")
	if err := h.Validate(); err != nil {
		t.Errorf("SampleHoster: %v", err)
	}
	for _, c := range catalog.Categories {
		if err := catalogtest.SampleOffer(h, "k-"+c, c).Validate(); err != nil {
			t.Errorf("SampleOffer(%s): %v", c, err)
		}
	}
	if err := catalog.DefaultCharter().Validate(); err != nil {
		t.Errorf("DefaultCharter: %v", err)
	}
}

func TestHosterValidate(t *testing.T) {
	cases := []struct {
		name                 string
		mod                  func(h *catalog.Hoster)
		field, value, reason string
	}{
		{"no name", func(h *catalog.Hoster) { h.Name = " " }, "name", " ", "is required"},
		{"no username", func(h *catalog.Hoster) { h.Username = "" }, "username", "", "is required"},
		{"upper-case username", func(h *catalog.Hoster) { h.Username = "Chaton" }, "username", "Chaton", "lower-case"},
		{"username starting with a dot", func(h *catalog.Hoster) { h.Username = ".chaton" }, "username", ".chaton", "lower-case"},
		{"username too long", func(h *catalog.Hoster) { h.Username = strings.Repeat("a", 65) }, "username", strings.Repeat("a", 65), "at most 64"},
		{"website not http", func(h *catalog.Hoster) { h.Website = "ftp://chaton.example" }, "website", "ftp://chaton.example", "http or https"},
		{"relative legal url", func(h *catalog.Hoster) { h.LegalURL = "/mentions" }, "legal_url", "/mentions", "absolute"},
		{"icon with credentials", func(h *catalog.Hoster) { h.IconURL = "https://u:p@x.example/i.png" }, "icon_url", "https://u:p@x.example/i.png", "absolute"},
		{"email", func(h *catalog.Hoster) { h.Email = "contact at chaton" }, "email", "contact at chaton", "e-mail"},
		{"email with a display name", func(h *catalog.Hoster) { h.Email = "Chaton <c@chaton.example>" }, "email", "Chaton <c@chaton.example>", "e-mail"},
		{"postal code", func(h *catalog.Hoster) { h.PostalCode = "4460" }, "postal_code", "4460", "5 digits"},
		{"latitude", func(h *catalog.Hoster) { h.Latitude = ptr(91.0) }, "latitude", "91", "between -90 and 90"},
		{"longitude", func(h *catalog.Hoster) { h.Longitude = ptr(-180.5) }, "longitude", "-180.5", "between -180 and 180"},
		{"latitude alone", func(h *catalog.Hoster) { h.Longitude = nil }, "latitude", "", "together"},
		{"org type", func(h *catalog.Hoster) { h.OrgType = "ngo" }, "org_type", "ngo", "is not one of association, cooperative"},
		{"member since", func(h *catalog.Hoster) { h.MemberSince = "2019-13-01" }, "member_since", "2019-13-01", "YYYY-MM-DD"},
		{"status", func(h *catalog.Hoster) { h.Status = "asleep" }, "status", "asleep", "is not one of active, down, gone"},
	}
	for _, c := range cases {
		h := catalogtest.SampleHoster("chaton", "https://chaton.example")
		c.mod(h)
		expectField(t, c.name, h.Validate(), c.field, c.value, c.reason)
	}
	// Optional fields may be empty; a foreign postal code is not checked.
	h := &catalog.Hoster{Name: "Minimal", Username: "min"}
	if err := h.Validate(); err != nil {
		t.Errorf("minimal hoster: %v", err)
	}
	h.Country, h.PostalCode = "BE", "1000"
	if err := h.Validate(); err != nil {
		t.Errorf("Belgian postal code: %v", err)
	}
	// Every problem is reported, not only the first.
	bad := &catalog.Hoster{Username: "X", Website: "nope", Email: "nope"}
	if ve := fieldErrors(t, bad.Validate()); len(ve) != 4 {
		t.Errorf("want 4 errors (name, username, website, email), got %v", ve)
	}
}

func TestOfferValidate(t *testing.T) {
	h := catalogtest.SampleHoster("chaton", "https://chaton.example")
	cases := []struct {
		name                 string
		mod                  func(o *catalog.Offer)
		field, value, reason string
	}{
		{"registration", func(o *catalog.Offer) { o.Registration = "freee" }, "registration", "freee", "is not one of none, free, member, client"},
		{"no registration", func(o *catalog.Offer) { o.Registration = "" }, "registration", "", "is required (one of none, free, member, client)"},
		{"key", func(o *catalog.Offer) { o.Key = "Next Cloud" }, "key", "Next Cloud", "slug"},
		{"no key", func(o *catalog.Offer) { o.Key = "" }, "key", "", "is required"},
		{"no name", func(o *catalog.Offer) { o.Name = "" }, "name", "", "is required"},
		{"category", func(o *catalog.Offer) { o.Category = "nuage" }, "category", "nuage", "is not one of cloud, pad"},
		{"load", func(o *catalog.Offer) { o.Load = "OPEN" }, "load", "OPEN", "is not one of open, full"},
		{"audience", func(o *catalog.Offer) { o.Audience = "nearby" }, "audience", "nearby", "is not one of everyone, local"},
		{"status", func(o *catalog.Offer) { o.Status = "down" }, "status", "down", "is not one of ok, warning, alert, error, over"},
		{"no url", func(o *catalog.Offer) { o.URL = "" }, "url", "", "is required"},
		{"javascript url", func(o *catalog.Offer) { o.URL = "javascript:alert(1)" }, "url", "javascript:alert(1)", "http or https"},
		{"source url", func(o *catalog.Offer) { o.SourceURL = "git@github.com:x/y" }, "software.source", "git@github.com:x/y", "http or https"},
		{"language", func(o *catalog.Offer) { o.Languages = catalog.StringList{"fr", "French"} }, "languages[1]", "French", "language tag"},
		{"local without area", func(o *catalog.Offer) { o.Audience = catalog.AudienceLocal }, "area", "", "local audience"},
		{"departement", func(o *catalog.Offer) {
			o.Audience = catalog.AudienceLocal
			o.AreaDepartements = catalog.StringList{"44", "99"}
		}, "area.departements[1]", "99", "département"},
		{"negative radius", func(o *catalog.Offer) { o.AreaRadiusKm = -1 }, "area.radius_km", "-1", "between 0 and 20000"},
		{"start date", func(o *catalog.Offer) { o.StartDate = "01/09/2020" }, "start_date", "01/09/2020", "YYYY-MM-DD"},
	}
	for _, c := range cases {
		o := catalogtest.SampleOffer(h, "nextcloud", "cloud")
		c.mod(o)
		expectField(t, c.name, o.Validate(), c.field, c.value, c.reason)
	}
	for _, area := range []func(o *catalog.Offer){
		func(o *catalog.Offer) { o.AreaDepartements = catalog.StringList{"44", "2A", "974"} },
		func(o *catalog.Offer) { o.AreaRadiusKm = 30 },
	} {
		o := catalogtest.SampleOffer(h, "nextcloud", "cloud")
		o.Audience = catalog.AudienceLocal
		area(o)
		if err := o.Validate(); err != nil {
			t.Errorf("local offer with an area: %v", err)
		}
	}
}

func TestValidationErrorText(t *testing.T) {
	o := catalogtest.SampleOffer(catalogtest.SampleHoster("c", "https://c.example"), "pad", "pad")
	o.Registration = "freee"
	o.Load = "half"
	err := o.Validate()
	want := "registration: is not one of none, free, member, client; load: is not one of open, full"
	if err == nil || err.Error() != want {
		t.Errorf("Error() = %q, want %q", err, want)
	}
}

func testCharter() *catalog.Charter {
	return &catalog.Charter{
		ID: "chatons", Version: "2023", TitleFR: "Charte",
		Axes: []catalog.Axis{{ID: "ouvert", TitleFR: "Ouvert"}},
		Commitments: []catalog.Commitment{
			{ID: "libre", Axis: "ouvert", TitleFR: "Logiciels libres"},
			{ID: "formats", Axis: "ouvert", TitleFR: "Formats ouverts"},
		},
	}
}

func TestDeclarationValidate(t *testing.T) {
	c := testCharter()
	ok := &catalog.CharterDeclaration{CharterID: "chatons", CharterVersion: "2023", Answers: catalog.Answers{
		{Commitment: "libre", Status: catalog.AnswerYes, EvidenceURL: "https://c.example/logiciels"},
		{Commitment: "formats", Status: catalog.AnswerNotApplicable},
	}}
	if err := ok.Validate(c); err != nil {
		t.Fatalf("valid declaration: %v", err)
	}
	cases := []struct {
		name                 string
		answers              catalog.Answers
		field, value, reason string
	}{
		{"unknown commitment", catalog.Answers{{Commitment: "pub", Status: "yes"}}, "answers[0].commitment", "pub", "is not a commitment of charter chatons 2023"},
		{"duplicate", catalog.Answers{{Commitment: "libre", Status: "yes"}, {Commitment: "libre", Status: "no"}}, "answers[1].commitment", "libre", "already answered in answers[0]"},
		{"status", catalog.Answers{{Commitment: "libre", Status: "oui"}}, "answers[0].status", "oui", "is not one of yes, partial, no, not-applicable"},
		{"evidence", catalog.Answers{{Commitment: "libre", Status: "yes", EvidenceURL: "voir le site"}}, "answers[0].evidence", "voir le site", "http or https"},
		{"empty commitment", catalog.Answers{{Status: "yes"}}, "answers[0].commitment", "", "is required"},
	}
	for _, cs := range cases {
		d := &catalog.CharterDeclaration{CharterID: "chatons", CharterVersion: "2023", Answers: cs.answers}
		expectField(t, cs.name, d.Validate(c), cs.field, cs.value, cs.reason)
	}
	if err := ok.Validate(nil); err == nil {
		t.Error("declaration validated against no charter")
	}
}

func TestCharterValidate(t *testing.T) {
	cases := []struct {
		name                 string
		mod                  func(c *catalog.Charter)
		field, value, reason string
	}{
		{"duplicate commitment", func(c *catalog.Charter) { c.Commitments[1].ID = "libre" }, "commitments[1].id", "libre", "used twice"},
		{"unknown axis", func(c *catalog.Charter) { c.Commitments[0].Axis = "neutre" }, "commitments[0].axis", "neutre", "not an axis"},
		{"duplicate axis", func(c *catalog.Charter) { c.Axes = append(c.Axes, catalog.Axis{ID: "ouvert", TitleFR: "Bis"}) }, "axes[1].id", "ouvert", "used twice"},
		{"no French title", func(c *catalog.Charter) { c.Commitments[1].TitleFR = "" }, "commitments[1].title_fr", "", "is required"},
		{"no charter title", func(c *catalog.Charter) { c.TitleFR = "" }, "title_fr", "", "is required"},
	}
	for _, cs := range cases {
		c := testCharter()
		cs.mod(c)
		expectField(t, cs.name, c.Validate(), cs.field, cs.value, cs.reason)
	}
}

// FuzzOfferValidate feeds remote-looking values to Offer.Validate: it must
// never panic, and whatever it accepts must hold the invariants the rest of
// the code relies on.
func FuzzOfferValidate(f *testing.F) {
	f.Add("nextcloud", "cloud", "free", "open", "everyone", "ok", "https://cloud.example/", "fr", 0.0)
	f.Add("pad", "pad", "none", "full", "local", "warning", "http://127.0.0.1:8081/p", "oc-aranes", 25.0)
	f.Add("", "", "", "", "", "", "", "", -1.0)
	f.Add("a", "nuage", "freee", "OPEN", "x", "down", "javascript:alert(1)", "French", 1e300)
	f.Add("k", "other", "client", "open", "local", "over", "https://[::1]:99999/", "zh-Hant-TW", 0.5)
	f.Fuzz(func(t *testing.T, key, category, registration, load, audience, status, rawURL, lang string, radius float64) {
		o := catalog.Offer{Key: key, Name: "Offre", Category: category, Registration: registration, Load: load,
			Audience: audience, Status: status, URL: rawURL, Languages: catalog.StringList{lang}, AreaRadiusKm: radius}
		err := o.Validate()
		if err != nil {
			fieldErrors(t, err)
			return
		}
		if !catalog.IsCategory(category) {
			t.Errorf("accepted category %q", category)
		}
		u, perr := url.Parse(rawURL)
		if perr != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			t.Errorf("accepted url %q", rawURL)
		}
		if audience == catalog.AudienceLocal && !(radius > 0) {
			t.Errorf("accepted a local audience without an area")
		}
	})
}
