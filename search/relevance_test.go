package search

import (
	"slices"
	"testing"
)

func TestWithoutNegated(t *testing.T) {
	for in, want := range map[string]string{
		"Pas de visio ici, seulement des pads.":        "Pas de  , seulement des pads.",
		"Un espace de fichiers, sans visio ni agenda.": "Un espace de fichiers, sans  ni .",
		"Réunions vidéo sans compte.":                  "Réunions vidéo sans .",
		"No ads, no tracking: just pads":               "No , no : just pads",
		"Écrire à plusieurs en temps réel.":            "Écrire à plusieurs en temps réel.",
	} {
		if got := withoutNegated(in); got != want {
			t.Errorf("withoutNegated(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAccessFilter(t *testing.T) {
	for in, want := range map[string]string{
		"pad sans inscription":       "pad",
		"sans créer de compte":       "",
		"visio sans compte à Nantes": "visio à Nantes",
		"pad without sign-up":        "pad",
		"no account wiki":            "wiki",
	} {
		got, ok := accessFilter(in)
		if !ok || got != want {
			t.Errorf("accessFilter(%q) = %q, %v; want %q, true", in, got, ok, want)
		}
	}
	if got, ok := accessFilter("comptes associatifs"); ok || got != "comptes associatifs" {
		t.Errorf("accessFilter without a phrase = %q, %v", got, ok)
	}
}

func TestPlanText(t *testing.T) {
	u := planText("la messagerie instantanée chat noir")
	if len(u) != 3 || !slices.Equal(u[0].cats, []string{"chat"}) || !slices.Equal(u[1].cats, []string{"chat"}) || u[2].names() {
		t.Fatalf("units %+v", u)
	}
	if serviceOnly(u) {
		t.Errorf("chat noir is not a query of service words only")
	}
	if m := planText("mail"); !slices.Equal(m[0].cats, []string{"mail"}) || !serviceOnly(m) {
		t.Errorf("mail: %+v", m)
	}
	// "messagerie" leads to mail; "mail" does not lead to messagerie.
	if !slices.Contains(synonymMap()["messagerie"], "mail") || slices.Contains(synonymMap()["mail"], "messagerie") {
		t.Errorf("messagerie must be a one-way synonym of mail")
	}
	for _, to := range synonymMap()["mail"] {
		if vocab[to].cats != nil && !slices.Equal(vocab[to].cats, []string{"mail"}) {
			t.Errorf("mail leads to %q, which names %v", to, vocab[to].cats)
		}
	}
}

func TestServicesOf(t *testing.T) {
	d := Document{Kind: "offer", Category: "cloud", Software: "Nextcloud"}
	if got := servicesOf(&d); !slices.Equal(got, []string{"cloud", "calendar"}) {
		t.Errorf("Nextcloud provides %v", got)
	}
	if k := softwareKey("Jitsi Meet"); k != "jitsi" {
		t.Errorf("softwareKey(Jitsi Meet) = %q", k)
	}
	d = Document{Kind: "offer", Name: "Pads du Chat Noir", HosterName: "Chat Noir"}
	if got := offerName(&d); got != "Pads du " {
		t.Errorf("offerName = %q", got)
	}
}

func TestSuggest(t *testing.T) {
	s := Suggest("un agenda partagé", nil)
	if !slices.Equal(s.Categories, []string{"calendar"}) {
		t.Errorf("agenda: %+v", s)
	}
	s = Suggest("nextclod gratuit", []string{"Nextcloud", "Etherpad"})
	if !slices.Equal(s.Software, []string{"Nextcloud"}) {
		t.Errorf("nextclod: %+v", s)
	}
	s = Suggest("visioconferance", nil)
	if !slices.Equal(s.Categories, []string{"video-call"}) {
		t.Errorf("visioconferance: %+v", s)
	}
}
