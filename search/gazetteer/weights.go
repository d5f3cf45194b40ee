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
