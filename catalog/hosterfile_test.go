package catalog

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func fakeResolve(postal, commune string) (Location, error) {
	if postal == "99999" {
		return Location{}, errors.New("is not a known French postal code or commune")
	}
	lat, lon := 47.2768, -2.2392
	return Location{PostalCode: postal, Commune: "Saint-Nazaire", INSEE: "44184", Departement: "44",
		Region: "Pays de la Loire", Country: "FR", Latitude: &lat, Longitude: &lon}, nil
}

const validFile = `username: chaton-test
name: Chaton Test
postal_code: "44600"
offers:
  - key: pad
    name: Pad
    category: pad
    software: {name: Etherpad}
    registration: none
    url: https://pad.example.org
  - key: cloud
    name: Cloud
    category: cloud
    software: {name: Nextcloud}
    registration: member
    audience: local
    area: {departements: ["44"]}
    url: https://cloud.example.org
charter:
  version: "2023"
  answers:
    - {commitment: neutre-pistage, status: "yes"}
`

func TestParseHosterFileValid(t *testing.T) {
	l, err := ParseHosterFile("hoster.yaml", []byte(validFile), fakeResolve, nil)
	if err != nil {
		t.Fatal(err)
	}
	if l.Hoster.Username != "chaton-test" || l.Hoster.Commune != "Saint-Nazaire" || !l.Hoster.HasCoords() {
		t.Errorf("hoster = %+v", l.Hoster)
	}
	if !l.Hoster.Discoverable {
		t.Error("discoverable must default to true")
	}
	if len(l.Offers) != 2 || l.Offers[0].Load != LoadOpen || l.Offers[0].Audience != AudienceEveryone ||
		l.Offers[0].Status != StatusOK || len(l.Offers[0].Languages) != 1 {
		t.Errorf("offers defaults not applied: %+v", l.Offers)
	}
	if l.Offers[1].AreaDepartements[0] != "44" {
		t.Errorf("area = %v", l.Offers[1].AreaDepartements)
	}
	if l.Declaration == nil || l.Declaration.CharterID != DefaultCharterID || len(l.Declaration.Answers) != 1 {
		t.Errorf("declaration = %+v", l.Declaration)
	}
}

func TestParseHosterFileErrorsNameFileLineField(t *testing.T) {
	cases := []struct {
		name, edit, want string
	}{
		{"enum", `registration: member`, `hoster.yaml:15: offers[1].registration: "freee" is not one of`},
		{"unknown field", `    audience: local`, `hoster.yaml:17: nme: is not a known field`},
		{"postal code", `postal_code: "44600"`, `hoster.yaml:3: postal_code: "99999" is not a known French postal code`},
		{"charter commitment", `commitment: neutre-pistage`, `hoster.yaml:22: charter.answers[0].commitment: "pistage"`},
		{"yaml syntax", `  - key: cloud`, `hoster.yaml:10: did not find expected`},
	}
	repl := map[string]string{
		"enum":               `registration: freee`,
		"unknown field":      "    audience: local\n    nme: x",
		"postal code":        `postal_code: "99999"`,
		"charter commitment": `commitment: pistage`,
		"yaml syntax":        "  - key: [cloud",
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := strings.Replace(validFile, c.edit, repl[c.name], 1)
			if data == validFile {
				t.Fatalf("edit %q not applied", c.edit)
			}
			_, err := ParseHosterFile("hoster.yaml", []byte(data), fakeResolve, nil)
			if err == nil {
				t.Fatal("invalid file accepted")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error\n%s\ndoes not contain\n%s", err, c.want)
			}
		})
	}
}

func TestParseHosterFileDuplicateKeyAndAllErrors(t *testing.T) {
	data := strings.Replace(validFile, "key: cloud", "key: pad", 1)
	data = strings.Replace(data, "name: Chaton Test", "name: \"\"", 1)
	_, err := ParseHosterFile("h.yaml", []byte(data), fakeResolve, nil)
	var fes FileErrors
	if !errors.As(err, &fes) || len(fes) != 2 {
		t.Fatalf("want 2 located errors, got %v", err)
	}
	if fes[0].Line != 2 || fes[0].Field != "name" || fes[1].Field != "offers[1].key" || fes[1].Line != 11 {
		t.Errorf("errors = %v", err)
	}
}

func TestLoadHosterFileMissing(t *testing.T) {
	_, err := LoadHosterFile(filepath.Join(t.TempDir(), "absent.yaml"), fakeResolve, nil)
	if err == nil || !strings.Contains(err.Error(), "absent.yaml") {
		t.Fatalf("err = %v", err)
	}
}

func TestDemoHosterFilesAreValid(t *testing.T) {
	files, _ := filepath.Glob("../internal/demo/hosters/*.yaml")
	if len(files) < 5 {
		t.Fatalf("want at least 5 demo hoster files, got %d", len(files))
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseHosterFile(f, data, fakeResolve, nil); err != nil {
			t.Errorf("%v", err)
		}
	}
}

func TestDefaultCharterIsValid(t *testing.T) {
	c := DefaultCharter()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(c.Axes) != 7 || len(c.Commitments) < 20 {
		t.Errorf("charter outline has %d axes, %d commitments", len(c.Axes), len(c.Commitments))
	}
	for _, cm := range c.Commitments {
		if cm.TitleEN == "" || cm.TextFR == "" || cm.TextEN == "" {
			t.Errorf("commitment %s lacks a translation", cm.ID)
		}
	}
}
