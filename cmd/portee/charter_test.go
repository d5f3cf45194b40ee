package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"codeberg.org/portee/portee/catalog"
)

const charter2025 = `id: chatons
version: "2025"
title_fr: Charte 2025
title_en: Charter 2025
axes:
  - {id: neutre, title_fr: Neutre, title_en: Neutral}
commitments:
  - id: neutre-pistage
    axis: neutre
    required: true
    title_fr: Pas de pistage
    title_en: No tracking
    text_fr: Aucun traceur.
    text_en: No tracker.
`

func TestCharterLoad(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "charte.yaml")
	os.WriteFile(f, []byte(charter2025), 0o600)
	code, out, stderr := runCmd(t, "charter", "load", "--data", dir, f)
	if code != 0 || !strings.Contains(out, "version 2025 chargée") {
		t.Fatalf("exit %d, out %q, stderr %q", code, out, stderr)
	}
	code, out, _ = runCmd(t, "charter", "load", "--data", dir, f)
	if code != 0 || !strings.Contains(out, "déjà chargée") {
		t.Fatalf("second load: exit %d, out %q", code, out)
	}
	os.WriteFile(f, []byte(strings.Replace(charter2025, "Aucun traceur.", "Aucun traceur tiers.", 1)), 0o600)
	code, _, stderr = runCmd(t, "charter", "load", "--data", dir, f)
	if code != 2 || !strings.Contains(stderr, `"2025" is already loaded`) {
		t.Fatalf("changed wording: exit %d, stderr %q", code, stderr)
	}
	code, _, stderr = runCmd(t, "charter", "load", "--replace", "--data", dir, f)
	if code != 0 {
		t.Fatalf("--replace: exit %d, stderr %q", code, stderr)
	}
	code, out, _ = runCmd(t, "charter", "list", "--data", dir)
	if code != 0 || !strings.Contains(out, "chatons\t2025") || !strings.Contains(out, "chatons\t"+catalog.DefaultCharter().Version) {
		t.Fatalf("list: exit %d, out %q", code, out)
	}
}

func TestCharterLoadErrorsExit2WithLocation(t *testing.T) {
	cases := []struct{ name, body, want string }{
		{"unknown axis", strings.Replace(charter2025, "axis: neutre", "axis: neutr", 1), `:9: commitments[0].axis: "neutr" is not an axis of this charter`},
		{"missing version", strings.Replace(charter2025, `version: "2025"`, `version: ""`, 1), `:2: version: is required`},
		{"misspelt field", strings.Replace(charter2025, "text_en:", "text_eng:", 1), `:14: text_eng: is not a known field`},
		{"duplicate commitment", charter2025 + strings.Join(strings.Split(charter2025, "\n")[7:], "\n"), `:15: commitments[1].id: "neutre-pistage" is used twice`},
		{"bad yaml", "id: [chatons\n", `:1`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			f := filepath.Join(dir, "charte.yaml")
			os.WriteFile(f, []byte(c.body), 0o600)
			code, _, stderr := runCmd(t, "charter", "load", "--data", dir, f)
			if code != 2 {
				t.Fatalf("exit %d, want 2; stderr %q", code, stderr)
			}
			if !strings.Contains(stderr, f+c.want) {
				t.Errorf("stderr %q does not contain %q", stderr, f+c.want)
			}
			if _, err := os.Stat(filepath.Join(dir, "portee.db")); err == nil {
				t.Errorf("an invalid file opened the catalog")
			}
		})
	}
	code, _, stderr := runCmd(t, "charter", "load", "--data", t.TempDir())
	if code != 2 || !strings.Contains(stderr, "exactly one FILE.yaml") {
		t.Errorf("no file: exit %d, stderr %q", code, stderr)
	}
}
