package gazetteer

import (
	"errors"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-3 }

func TestResolvePostalCode(t *testing.T) {
	tests := []struct {
		q, insee, postal, dep string
		lat, lon              float64
	}{
		{"44600", "44184", "44600", "44", 47.2768, -2.2392},
		{" 44 600 ", "44184", "44600", "44", 47.2768, -2.2392},
		{"97400", "97411", "97400", "974", -20.9434, 55.4444},
		{"97490", "97411", "97490", "974", -20.9434, 55.4444},
		{"75011", "75056", "75011", "75", 48.8589, 2.347},
		{"97600", "97611", "97600", "976", -12.7875, 45.1964},
		// 20167 is shared by Ajaccio and villages: the city wins.
		{"20167", "2A004", "20167", "2A", 41.9228, 8.7058},
	}
	for _, tt := range tests {
		p, err := Resolve(tt.q)
		if err != nil {
			t.Errorf("Resolve(%q): %v", tt.q, err)
			continue
		}
		if p.Kind != KindPostalCode || p.INSEE != tt.insee || p.PostalCode != tt.postal || p.Departement != tt.dep {
			t.Errorf("Resolve(%q) = %+v, want INSEE %s postal %s dep %s kind postal_code", tt.q, p, tt.insee, tt.postal, tt.dep)
		}
		if !near(p.Lat, tt.lat) || !near(p.Lon, tt.lon) {
			t.Errorf("Resolve(%q) at (%v, %v), want (%v, %v)", tt.q, p.Lat, p.Lon, tt.lat, tt.lon)
		}
	}
}

func TestResolvePostalCodeShared(t *testing.T) {
	// 30200 is shared by many communes of the Gard; whichever is chosen
	// must carry that postal code and be one of them.
	p, err := Resolve("30200")
	if err != nil {
		t.Fatal(err)
	}
	if p.PostalCode != "30200" || p.Departement != "30" {
		t.Fatalf("Resolve(30200) = %+v", p)
	}
	d, _ := load()
	if ids := d.byPostal["30200"]; len(ids) < 2 {
		t.Fatalf("30200 should be shared, has %d communes", len(ids))
	}
	// A dropped leading zero is restored.
	p, err = Resolve("1000")
	if err != nil || p.PostalCode != "01000" || p.Departement != "01" {
		t.Fatalf("Resolve(1000) = %+v, %v", p, err)
	}
}

func TestResolveUnknownPostalCode(t *testing.T) {
	for _, q := range []string{"99999", "00000", "44601"} {
		p, err := Resolve(q)
		var u *UnknownError
		if !errors.As(err, &u) {
			t.Fatalf("Resolve(%q) = %+v, %v; want UnknownError", q, p, err)
		}
		if p != (Place{}) {
			t.Errorf("Resolve(%q) returned a place with its error", q)
		}
		if u.Query != q {
			t.Errorf("UnknownError.Query = %q", u.Query)
		}
		if q == "44601" {
			if len(u.Suggestions) == 0 || u.Suggestions[0].PostalCode != "44600" {
				t.Errorf("44601 suggests %+v, want 44600 first", u.Suggestions)
			}
		}
		for _, s := range u.Suggestions {
			if s.PostalCode[:2] != q[:2] {
				t.Errorf("%q suggests %s, outside its département", q, s.Label)
			}
		}
	}
}

func TestResolveCommuneForms(t *testing.T) {
	tests := []struct{ q, insee, postal string }{
		{"Saint-Nazaire (44)", "44184", "44600"},
		{"Saint-Nazaire 44", "44184", "44600"},
		{"Saint-Nazaire 44600", "44184", "44600"},
		{"Saint-Nazaire, 44600", "44184", "44600"},
		{"44600 Saint-Nazaire", "44184", "44600"},
		{"saint nazaire (44)", "44184", "44600"},
		{"ST NAZAIRE 44", "44184", "44600"},
		{"St-Nazaire (Loire-Atlantique)", "44184", "44600"},
		{"saint nazair 44600", "44184", "44600"},
		{"Saint-Nazaire (30)", "30288", "30200"},
		{"Saint-Nazaire (66)", "66186", "66570"},
		{"Saint-Denis 974", "97411", "97400"},
		{"Saint-Denis (974)", "97411", "97400"},
		{"Saint-Denis 97490", "97411", "97490"},
		{"Saint-Denis (La Réunion)", "97411", "97400"},
		{"Saint-Denis 93", "93066", "93200"},
		{"paris", "75056", "75001"},
		{"LYON", "69123", "69001"},
		{"Pointe-a-Pitre", "97120", "97110"},
		{"fort de france", "97209", "97200"},
		{"Cayenne", "97302", "97300"},
		{"Mamoudzou", "97611", "97600"},
		{"ajaccio", "2A004", "20000"},
		{"Bastia (2B)", "2B033", "20200"},
		{"Château-Chinon (Ville)", "58062", "58120"},
		{"chateau chinon ville", "58062", "58120"},
		{"sables d'olonne", "85194", "85100"},
		{"Les Sables-d’Olonne", "85194", "85100"},
		{"mans", "72181", "72000"},
		{"germigny l eveque", "77203", "77910"},
	}
	for _, tt := range tests {
		p, err := Resolve(tt.q)
		if err != nil {
			t.Errorf("Resolve(%q): %v", tt.q, err)
			continue
		}
		if p.Kind != KindCommune || p.INSEE != tt.insee || p.PostalCode != tt.postal {
			t.Errorf("Resolve(%q) = %+v, want commune %s (%s)", tt.q, p, tt.insee, tt.postal)
		}
		if p.Label != p.Commune+" ("+p.PostalCode+")" {
			t.Errorf("Resolve(%q).Label = %q", tt.q, p.Label)
		}
		if p.DepartementName == "" || p.Region == "" || p.RegionCode == "" {
			t.Errorf("Resolve(%q) lacks département or region: %+v", tt.q, p)
		}
	}
}

func TestResolveSaintNazaire(t *testing.T) {
	p, err := Resolve("Saint-Nazaire 44600")
	if err != nil {
		t.Fatal(err)
	}
	if !near(p.Lat, 47.2768) || !near(p.Lon, -2.2392) {
		t.Errorf("Saint-Nazaire at (%v, %v)", p.Lat, p.Lon)
	}
	if p.Departement != "44" || p.DepartementName != "Loire-Atlantique" || p.Region != "Pays de la Loire" || p.RegionCode != "52" {
		t.Errorf("Saint-Nazaire = %+v", p)
	}
	if p.Label != "Saint-Nazaire (44600)" {
		t.Errorf("Label = %q", p.Label)
	}
	g, err := Resolve("Saint-Nazaire (30)")
	if err != nil {
		t.Fatal(err)
	}
	if DistanceKm(p.Lat, p.Lon, g.Lat, g.Lon) < 500 {
		t.Errorf("Saint-Nazaire 44 and 30 are the same place: %+v %+v", p, g)
	}
}

func TestResolveAmbiguous(t *testing.T) {
	tests := []struct {
		q    string
		want []string // INSEE codes, or "dep:<code>" for a département
	}{
		// Saint-Nazaire has homonyms too, but resolves to the well-known
		// town: see TestWellKnownHomonym.
		{"Saint-Denis", []string{"11339", "30247", "93066", "97411"}},
		{"Vienne", []string{"38544", "dep:86"}},
		{"bors", []string{"16052", "16053"}},
	}
	for _, tt := range tests {
		p, err := Resolve(tt.q)
		var a *AmbiguousError
		if !errors.As(err, &a) {
			t.Errorf("Resolve(%q) = %+v, %v; want AmbiguousError", tt.q, p, err)
			continue
		}
		if p != (Place{}) {
			t.Errorf("Resolve(%q) returned a place with its error", tt.q)
		}
		var got []string
		for _, c := range a.Candidates {
			if c.Kind == KindDepartement {
				got = append(got, "dep:"+c.Departement)
			} else {
				got = append(got, c.INSEE)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, tt.want) {
			t.Errorf("Resolve(%q) candidates %v, want %v", tt.q, got, tt.want)
		}
		if !slices.IsSortedFunc(a.Candidates, func(x, y Place) int {
			if x.Departement < y.Departement {
				return -1
			}
			if x.Departement > y.Departement {
				return 1
			}
			return 0
		}) {
			t.Errorf("Resolve(%q) candidates not sorted by département: %+v", tt.q, a.Candidates)
		}
	}
}

func TestResolveUnknownSuggests(t *testing.T) {
	tests := []struct{ q, want string }{
		{"saint nazair", "44184"},
		{"saint nazaire (13)", "44184"},
		{"Saint-Nazaire (99)", "44184"},
		{"nante", "44109"},
		{"montpelier", "34172"},
		{"saint naz", "44184"},
	}
	for _, tt := range tests {
		p, err := Resolve(tt.q)
		var u *UnknownError
		if !errors.As(err, &u) {
			t.Errorf("Resolve(%q) = %+v, %v; want UnknownError", tt.q, p, err)
			continue
		}
		if len(u.Suggestions) == 0 || len(u.Suggestions) > 5 {
			t.Errorf("Resolve(%q): %d suggestions", tt.q, len(u.Suggestions))
		}
		if !slices.ContainsFunc(u.Suggestions, func(s Place) bool { return s.INSEE == tt.want }) {
			t.Errorf("Resolve(%q) suggests %v, want %s among them", tt.q, labels(u.Suggestions), tt.want)
		}
	}
	// The three Saint-Nazaire come before names that merely start alike.
	_, err := Resolve("saint nazair")
	var u *UnknownError
	if errors.As(err, &u) {
		for _, s := range u.Suggestions[:3] {
			if s.Commune != "Saint-Nazaire" {
				t.Errorf("saint nazair suggests %v first", labels(u.Suggestions))
			}
		}
	}
	for _, q := range []string{"xqzwvkj", "!!!", "Saint-Nazaire (Atlantide)", "975"} {
		if _, err := Resolve(q); !errors.As(err, &u) {
			t.Errorf("Resolve(%q) = %v, want UnknownError", q, err)
		}
	}
}

func labels(ps []Place) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Label)
	}
	return out
}

func TestResolveCoordinates(t *testing.T) {
	tests := []struct {
		q        string
		lat, lon float64
		dep      string
	}{
		{"47.27,-2.21", 47.27, -2.21, "44"},
		{"47.27, -2.21", 47.27, -2.21, "44"},
		{"47.27 -2.21", 47.27, -2.21, "44"},
		{"47,27 -2,21", 47.27, -2.21, "44"},
		{"+48.8589;2.347", 48.8589, 2.347, "75"},
		{"-20.94,55.44", -20.94, 55.44, "974"},
		{"0,0", 0, 0, ""},
		{"90,180", 90, 180, ""},
	}
	for _, tt := range tests {
		p, err := Resolve(tt.q)
		if err != nil {
			t.Errorf("Resolve(%q): %v", tt.q, err)
			continue
		}
		if p.Kind != KindCoordinates || p.Lat != tt.lat || p.Lon != tt.lon || p.Departement != tt.dep {
			t.Errorf("Resolve(%q) = %+v, want (%v, %v) dep %q", tt.q, p, tt.lat, tt.lon, tt.dep)
		}
		if p.Label == "" {
			t.Errorf("Resolve(%q) has no label", tt.q)
		}
	}
	for _, q := range []string{"95,200", "45,-200", "-91 0", "47.27,181"} {
		p, err := Resolve(q)
		if !errors.Is(err, ErrCoordinates) || p != (Place{}) {
			t.Errorf("Resolve(%q) = %+v, %v; want ErrCoordinates", q, p, err)
		}
	}
}

func TestResolveDepartement(t *testing.T) {
	tests := []struct{ q, code, name string }{
		{"44", "44", "Loire-Atlantique"},
		{"Loire-Atlantique", "44", "Loire-Atlantique"},
		{"loire atlantique", "44", "Loire-Atlantique"},
		{"Loire-Atlantique (44)", "44", "Loire-Atlantique"},
		{"974", "974", "La Réunion"},
		{"971", "971", "Guadeloupe"},
		{"976", "976", "Mayotte"},
		{"2A", "2A", "Corse-du-Sud"},
		{"2b", "2B", "Haute-Corse"},
		{"1", "01", "Ain"},
		{"seine st denis", "93", "Seine-Saint-Denis"},
	}
	for _, tt := range tests {
		p, err := Resolve(tt.q)
		if err != nil {
			t.Errorf("Resolve(%q): %v", tt.q, err)
			continue
		}
		if p.Kind != KindDepartement || p.Departement != tt.code || p.DepartementName != tt.name || p.Commune != "" {
			t.Errorf("Resolve(%q) = %+v, want département %s %s", tt.q, p, tt.code, tt.name)
		}
		if p.Label != tt.name+" ("+tt.code+")" {
			t.Errorf("Resolve(%q).Label = %q", tt.q, p.Label)
		}
	}
	// Paris is a commune and a département of one commune: the commune.
	if p, err := Resolve("Paris"); err != nil || p.Kind != KindCommune {
		t.Errorf("Resolve(Paris) = %+v, %v", p, err)
	}
}

func TestResolveEmpty(t *testing.T) {
	for _, q := range []string{"", "   ", "\t\n"} {
		if p, err := Resolve(q); !errors.Is(err, ErrEmpty) || p != (Place{}) {
			t.Errorf("Resolve(%q) = %+v, %v; want ErrEmpty", q, p, err)
		}
	}
}

func TestResolveConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for _, q := range []string{"44600", "saint nazaire", "Saint-Denis 974", "47.27,-2.21"} {
				_, _ = Resolve(q)
			}
		})
	}
	wg.Wait()
}

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Saint-Nazaire", "saint nazaire"},
		{"SAINT-NAZAIRE", "saint nazaire"},
		{"st nazaire", "saint nazaire"},
		{"St. Nazaire", "saint nazaire"},
		{"Ste-Foy-lès-Lyon", "sainte foy les lyon"},
		{"Germigny-l'Évêque", "germigny l eveque"},
		{"L’Haÿ-les-Roses", "l hay les roses"},
		{"Œuilly", "oeuilly"},
		{"  Île   de   Bréhat ", "ile de brehat"},
		{"Stenay", "stenay"},
		{"Rue de la Poste", "rue de la poste"},
		{"ste", "sainte"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b string
		max  int
		want int
	}{
		{"saint nazair", "saint nazaire", 3, 1},
		{"nante", "nantes", 3, 1},
		{"kitten", "sitting", 3, 3},
		{"kitten", "sitting", 2, 3},
		{"", "abc", 3, 3},
		{"abc", "abc", 0, 0},
		{"abcdef", "a", 2, 3},
	}
	for _, tt := range tests {
		if got := distance(tt.a, tt.b, tt.max); got != tt.want {
			t.Errorf("distance(%q, %q, %d) = %d, want %d", tt.a, tt.b, tt.max, got, tt.want)
		}
	}
}

func TestDistanceKm(t *testing.T) {
	paris, err := Resolve("Paris")
	if err != nil {
		t.Fatal(err)
	}
	lyon, err := Resolve("Lyon")
	if err != nil {
		t.Fatal(err)
	}
	if km := DistanceKm(paris.Lat, paris.Lon, lyon.Lat, lyon.Lon); math.Abs(km-392) > 5 {
		t.Errorf("Paris–Lyon = %.1f km, want 392 ± 5", km)
	}
	if km := DistanceKm(lyon.Lat, lyon.Lon, paris.Lat, paris.Lon); math.Abs(km-392) > 5 {
		t.Errorf("Lyon–Paris = %.1f km", km)
	}
	if km := DistanceKm(47.2768, -2.2392, 47.2768, -2.2392); km != 0 {
		t.Errorf("distance to itself = %v", km)
	}
	// A quarter of a meridian is about 10,008 km.
	if km := DistanceKm(0, 0, 90, 0); math.Abs(km-10008) > 5 {
		t.Errorf("equator–pole = %.1f km", km)
	}
}

func TestDepartements(t *testing.T) {
	deps := Departements()
	if len(deps) != 101 {
		t.Fatalf("%d départements, want 101", len(deps))
	}
	if !slices.IsSortedFunc(deps, func(a, b Dep) int {
		if a.Code < b.Code {
			return -1
		}
		return 1
	}) {
		t.Error("départements not sorted by code")
	}
	total := 0
	for _, d := range deps {
		total += d.Communes
		if d.Communes == 0 || d.Name == "" || d.Region == "" || d.RegionCode == "" {
			t.Errorf("département %+v incomplete", d)
		}
		if !inFrance(d.Lat, d.Lon) {
			t.Errorf("département %s centroid (%v, %v) outside France", d.Code, d.Lat, d.Lon)
		}
	}
	if total != 34945 {
		t.Errorf("%d communes in départements, want 34945", total)
	}
	i := slices.IndexFunc(deps, func(d Dep) bool { return d.Code == "44" })
	if i < 0 || math.Abs(deps[i].Lat-47.34) > 0.1 || math.Abs(deps[i].Lon+1.68) > 0.1 {
		t.Errorf("Loire-Atlantique centroid wrong: %+v", deps[i])
	}

	name, region, ok := Departement("44")
	if !ok || name != "Loire-Atlantique" || region != "Pays de la Loire" {
		t.Errorf("Departement(44) = %q, %q, %v", name, region, ok)
	}
	if name, _, ok := Departement("974"); !ok || name != "La Réunion" {
		t.Errorf("Departement(974) = %q, %v", name, ok)
	}
	for _, code := range []string{"99", "975", "", "Loire-Atlantique", "2C"} {
		if _, _, ok := Departement(code); ok {
			t.Errorf("Departement(%q) ok", code)
		}
	}
	if r := Regions(); len(r) != 18 {
		t.Errorf("%d regions, want 18", len(r))
	}
}

// inFrance: bounding boxes of metropolitan France with Corsica, and of the
// five overseas départements.
func inFrance(lat, lon float64) bool {
	boxes := [][4]float64{
		{41.3, 51.2, -5.2, 9.6},       // metropolitan France and Corsica
		{15.8, 16.6, -61.9, -60.9},    // Guadeloupe
		{14.3, 14.9, -61.3, -60.8},    // Martinique
		{2.1, 5.8, -54.7, -51.6},      // Guyane
		{-21.4, -20.8, 55.2, 55.9},    // La Réunion
		{-13.05, -12.6, 44.95, 45.35}, // Mayotte
	}
	for _, b := range boxes {
		if lat >= b[0] && lat <= b[1] && lon >= b[2] && lon <= b[3] {
			return true
		}
	}
	return false
}

func TestCommunes(t *testing.T) {
	cs := Communes()
	if len(cs) != 34945 {
		t.Fatalf("%d communes, want 34945", len(cs))
	}
	seen := make(map[string]bool, len(cs))
	byINSEE := make(map[string]Place, len(cs))
	for _, c := range cs {
		if seen[c.INSEE] {
			t.Fatalf("commune %s twice", c.INSEE)
		}
		seen[c.INSEE] = true
		byINSEE[c.INSEE] = c
		if c.Weight < 1 || c.Kind != KindCommune || c.PostalCode == "" || c.Departement == "" {
			t.Fatalf("commune %+v incomplete", c)
		}
		if !inFrance(c.Lat, c.Lon) {
			t.Errorf("commune %s at (%v, %v) outside France", c.Label, c.Lat, c.Lon)
		}
	}
	if w := byINSEE["75056"].Weight; w != 21*bigCityFactor {
		t.Errorf("Paris weight %d, want %d", w, 21*bigCityFactor)
	}
	if w := byINSEE["44184"].Weight; w != 1 {
		t.Errorf("Saint-Nazaire weight %d, want 1", w)
	}
	if len(largestCities) != 40 {
		t.Errorf("%d largest cities, want 40", len(largestCities))
	}
	for _, b := range largestCities {
		c, ok := byINSEE[b.insee]
		if !ok || c.Commune != b.name {
			t.Errorf("largest city %s %s: data has %q", b.insee, b.name, c.Commune)
		}
	}
}

func FuzzResolve(f *testing.F) {
	for _, s := range []string{
		"44600", "44 600", "saint nazaire", "St-Nazaire (44)", "Saint-Nazaire 44600",
		"47.27,-2.21", "47,27 -2,21", "95,200", "974", "2A", "Loire-Atlantique",
		"Saint-Denis", "saint nazair", "99999", "", "(", ")", "()", "a (", " (44)",
		"Château-Chinon (Ville)", "1", "1000", "st ste st", "l", "les ", "\xff\xfe",
		"4.4.4,5", "-0,-0", "90.0000000000000000001,0",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		p, err := Resolve(q)
		if err != nil {
			if p != (Place{}) {
				t.Fatalf("Resolve(%q) returned both %+v and %v", q, p, err)
			}
			return
		}
		if p.Kind == "" || p.Label == "" {
			t.Fatalf("Resolve(%q) = %+v without kind or label", q, p)
		}
		if math.IsNaN(p.Lat) || math.IsNaN(p.Lon) || p.Lat < -90 || p.Lat > 90 || p.Lon < -180 || p.Lon > 180 {
			t.Fatalf("Resolve(%q) = %+v out of range", q, p)
		}
	})
}

func BenchmarkLoad(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := loadData(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkResolve is the mix a search API sees: postal codes, names with
// and without qualifiers, coordinates.
func BenchmarkResolve(b *testing.B) {
	qs := []string{"44600", "Saint-Nazaire (44)", "saint nazaire", "47.27,-2.21", "Lyon", "Saint-Denis 974", "75011", "Loire-Atlantique"}
	if _, err := load(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_, _ = Resolve(qs[i%len(qs)])
		i++
	}
}

// BenchmarkResolveUnknown measures the slow path: suggestions by edit
// distance over every commune name.
func BenchmarkResolveUnknown(b *testing.B) {
	if _, err := load(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_, _ = Resolve("saint nazair")
	}
}

func TestWellKnownHomonym(t *testing.T) {
	for _, q := range []string{"saint nazaire", "Saint-Nazaire", "ST NAZAIRE"} {
		p, err := Resolve(q)
		if err != nil {
			t.Fatalf("%q: %v", q, err)
		}
		if p.Departement != "44" || p.INSEE != "44184" {
			t.Errorf("%q resolved to %s (%s)", q, p.Label, p.Departement)
		}
	}
	// Two well-known Saint-Denis: still ambiguous.
	var amb *AmbiguousError
	if _, err := Resolve("saint denis"); !errors.As(err, &amb) {
		t.Errorf("saint denis: %v, want ambiguity", err)
	}
	// Every notable town exists in the data under its département.
	for key := range notableTowns {
		name, dep, _ := strings.Cut(key, "|")
		ids, _ := testData(t).lookup(name)
		ok := false
		for _, i := range ids {
			ok = ok || testData(t).deps[testData(t).communes[i].dep].Code == dep
		}
		if !ok {
			t.Errorf("notable town %s (%s) is not in the data", name, dep)
		}
	}
}

func testData(t *testing.T) *data {
	t.Helper()
	d, err := load()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// A département or a region wins over small communes of the same name, as
// a well-known town wins over its homonyms (issue 9).
func TestResolvePlaceBeatsHomonymCommune(t *testing.T) {
	for _, tt := range []struct{ q, kind, code, label string }{
		// La Réunion is also a commune of the Lot-et-Garonne (47222).
		{"La Réunion", KindDepartement, "974", "La Réunion (974)"},
		{"Réunion", KindDepartement, "974", "La Réunion (974)"},
		{"la reunion", KindDepartement, "974", "La Réunion (974)"},
		// Bretagne is also a commune of the Indre and of the Territoire de Belfort.
		{"Bretagne", KindRegion, "53", "Bretagne"},
		{"Corse", KindRegion, "94", "Corse"},
		{"pays de la loire", KindRegion, "52", "Pays de la Loire"},
		{"Normandie", KindRegion, "28", "Normandie"},
	} {
		p, err := Resolve(tt.q)
		if err != nil {
			t.Errorf("Resolve(%q): %v", tt.q, err)
			continue
		}
		code := p.Departement
		if tt.kind == KindRegion {
			code = p.RegionCode
		}
		if p.Kind != tt.kind || code != tt.code || p.Label != tt.label {
			t.Errorf("Resolve(%q) = %s %s %q, want %s %s %q", tt.q, p.Kind, code, p.Label, tt.kind, tt.code, tt.label)
		}
	}
	p, err := Resolve("Bretagne")
	if err == nil && DistanceKm(p.Lat, p.Lon, 48.1147, -1.6794) > 150 {
		t.Errorf("Bretagne's centre %v,%v is more than 150 km from Rennes", p.Lat, p.Lon)
	}
	p, err = Resolve("Corse")
	if err == nil && (p.Lat < 41.3 || p.Lat > 43.1 || p.Lon < 8.5 || p.Lon > 9.6) {
		t.Errorf("Corse's centre %v,%v is not in Corsica", p.Lat, p.Lon)
	}
	// A département does not win over a town everybody knows.
	var a *AmbiguousError
	if _, err := Resolve("Vienne"); !errors.As(err, &a) {
		t.Errorf("Resolve(Vienne): %v, want ambiguous (the town of the Isère and the département)", err)
	}
}

// Homonyms are listed with their département's name (issue 9, item 7).
func TestAmbiguousLabelsNameDepartement(t *testing.T) {
	_, err := Resolve("Saint-Denis")
	var a *AmbiguousError
	if !errors.As(err, &a) {
		t.Fatalf("Resolve(Saint-Denis): %v, want ambiguous", err)
	}
	var labels []string
	for _, c := range a.Candidates {
		labels = append(labels, c.Label)
	}
	for _, want := range []string{"Saint-Denis (93200, Seine-Saint-Denis)", "Saint-Denis (97400, La Réunion)", "Saint-Denis (11310, Aude)"} {
		if !slices.Contains(labels, want) {
			t.Errorf("candidates %q lack %q", labels, want)
		}
	}
}

func TestInFrench(t *testing.T) {
	for q, want := range map[string]string{
		"44": "en Loire-Atlantique", "29": "dans le Finistère", "40": "dans les Landes", "01": "dans l'Ain",
		"974": "à La Réunion", "75": "à Paris", "Bretagne": "en Bretagne", "Corse": "en Corse",
		"Pays de la Loire": "dans les Pays de la Loire", "Grand Est": "dans le Grand Est", "38": "en Isère",
	} {
		p, err := Resolve(q)
		if err != nil {
			t.Errorf("Resolve(%q): %v", q, err)
			continue
		}
		if got := InFrench(p); got != want {
			t.Errorf("InFrench(%q) = %q, want %q", q, got, want)
		}
	}
	if p, err := Resolve("44600"); err != nil || InFrench(p) != "" {
		t.Errorf("InFrench(44600) = %q, %v; want \"\" (a commune is près de)", InFrench(p), err)
	}
}
