package frontend

import "testing"

func TestSmoke(t *testing.T) {
	f := newFixture(t)
	for _, p := range []string{"/", "/recherche?q=pad&near=44600", "/hebergeurs", "/hebergeurs/chaton-nazairien@nazairien.example", "/carte", "/entraide", "/a-propos", "/categories/pad"} {
		rec := f.get(p)
		t.Logf("%s %d %d", p, rec.Code, rec.Body.Len())
		if rec.Code != 200 {
			t.Log(rec.Body.String())
		}
	}
}
