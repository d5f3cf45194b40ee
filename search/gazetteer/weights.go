package gazetteer

// largestCities are the 40 most populous French communes (INSEE population
// figures of the early 2020s, typed from general knowledge, order
// approximate). The CSV carries no population, so Weight multiplies their
// row count by bigCityFactor to make a synthetic federation put more hosters
// in cities than in villages, as the real one does. The names are here so a
// test can check every code against the data.
var largestCities = []struct{ insee, name string }{
	{"75056", "Paris"},
	{"13055", "Marseille"},
	{"69123", "Lyon"},
	{"31555", "Toulouse"},
	{"06088", "Nice"},
	{"44109", "Nantes"},
	{"34172", "Montpellier"},
	{"67482", "Strasbourg"},
	{"33063", "Bordeaux"},
	{"59350", "Lille"},
	{"35238", "Rennes"},
	{"51454", "Reims"},
	{"83137", "Toulon"},
	{"42218", "Saint-Étienne"},
	{"76351", "Le Havre"},
	{"38185", "Grenoble"},
	{"21231", "Dijon"},
	{"49007", "Angers"},
	{"69266", "Villeurbanne"},
	{"97411", "Saint-Denis"},
	{"30189", "Nîmes"},
	{"63113", "Clermont-Ferrand"},
	{"13001", "Aix-en-Provence"},
	{"72181", "Le Mans"},
	{"29019", "Brest"},
	{"37261", "Tours"},
	{"80021", "Amiens"},
	{"87085", "Limoges"},
	{"74010", "Annecy"},
	{"66136", "Perpignan"},
	{"92012", "Boulogne-Billancourt"},
	{"57463", "Metz"},
	{"25056", "Besançon"},
	{"45234", "Orléans"},
	{"93066", "Saint-Denis"},
	{"95018", "Argenteuil"},
	{"76540", "Rouen"},
	{"93048", "Montreuil"},
	{"68224", "Mulhouse"},
	{"14118", "Caen"},
}

const bigCityFactor = 50

var bigCity = func() map[string]bool {
	m := make(map[string]bool, len(largestCities))
	for _, c := range largestCities {
		m[c.insee] = true
	}
	return m
}()

func weight(c *commune) int {
	if bigCity[c.insee] {
		return c.rows * bigCityFactor
	}
	return c.rows
}

// notableTowns are towns whose name other, much smaller communes share;
// keyed by normalised name and département code. A bare name resolves to
// them instead of listing the homonyms (see wellKnown).
var notableTowns = func() map[string]bool {
	towns := []struct{ name, dep string }{
		{"Saint-Nazaire", "44"}, {"Valence", "26"}, {"Laval", "53"}, {"Saint-Quentin", "02"},
		{"Saint-Malo", "35"}, {"Saint-Brieuc", "22"}, {"Saint-Pierre", "974"}, {"Saint-Paul", "974"},
		{"Saint-Louis", "974"}, {"Saint-Benoît", "974"}, {"Saint-Laurent-du-Maroni", "973"},
		{"Saint-Herblain", "44"}, {"Saint-Priest", "69"}, {"Saint-Maur-des-Fossés", "94"},
		{"Saint-Germain-en-Laye", "78"}, {"Saint-Dié-des-Vosges", "88"}, {"Saint-Lô", "50"},
		{"Saint-Omer", "62"}, {"Saint-Raphaël", "83"}, {"Saint-Chamond", "42"}, {"Montigny-le-Bretonneux", "78"},
		{"Vienne", "38"}, {"Sens", "89"}, {"Blois", "41"}, {"Bourges", "18"}, {"Castres", "81"},
		{"Lannion", "22"}, {"Vitré", "35"}, {"Rochefort", "17"}, {"Périgueux", "24"},
	}
	m := make(map[string]bool, len(towns))
	for _, t := range towns {
		m[Normalize(t.name)+"|"+t.dep] = true
	}
	return m
}()
