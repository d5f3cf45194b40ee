package synth

import (
	"math/rand/v2"
	"strings"

	"codeberg.org/portee/portee/search/gazetteer"
)

// Word lists for invented hoster names. They imitate the tone of real
// CHATONS members (animals, places, home-made things) without copying any.
var (
	nouns = []string{
		"La Ruche", "Le Terrier", "La Cabane", "Le Nid", "La Grange", "Le Grenier",
		"La Fabrique", "Le Fournil", "L'Atelier", "Le Relais", "La Caravelle",
		"Le Moulin", "La Péniche", "Le Lavoir", "La Bergerie", "Le Phare",
		"La Chaumière", "Le Potager", "La Guinguette", "Le Bastion",
	}
	places = []string{
		"des Marais", "du Bocage", "de la Dune", "des Collines", "du Causse",
		"des Landes", "du Marais", "de l'Estuaire", "des Vignes", "du Plateau",
		"de la Vallée", "des Crêtes", "du Bief", "de la Lande", "des Garrigues",
		"du Val", "des Étangs", "de la Forêt", "du Port", "des Remparts",
	}
	kin = []string{
		"La Mère", "Le Père", "La Tante", "Le Cousin", "La Cousine", "Le Tonton",
	}
	nicknames = []string{
		"Frangipane", "Trognon", "Berlingot", "Pistache", "Grelot", "Chiffonnette",
		"Mirabelle", "Cabochon", "Pétoncle", "Gribouille", "Noisette", "Tartempion",
	}
	adjectives = []string{"Libre", "Numérique", "Solidaire", "Coopératif", "Éthique", "Autonome"}
	coopWords  = []string{"Brindille", "Rhizome", "Ricochet", "Boussole", "Sémaphore", "Passerelle", "Luciole", "Mycélium"}
	firstNames = []string{"Camille", "Dominique", "Maël", "Soizic", "Yannick", "Claude", "Sacha", "Gwen", "Lou", "Noé"}
	streets    = []string{
		"rue des Lilas", "rue de la Poste", "place de la Mairie", "chemin des Vignes",
		"rue du Port", "avenue de la Gare", "rue Jean-Jaurès", "impasse des Tilleuls",
		"rue Victor-Hugo", "boulevard de la Liberté", "rue des Écoles", "allée des Peupliers",
	}
)

// orgTypes with their share among hosters (percent) and how a summary
// introduces them.
var orgTypes = []struct {
	kind, intro string
	share       int
}{
	{"association", "Association", 70},
	{"cooperative", "Coopérative (SCIC)", 12},
	{"company", "Petite entreprise", 8},
	{"individual", "Hébergeuse indépendante", 7},
	{"informal", "Collectif informel", 3},
}

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

// hosterName invents a name; commune is the hoster's commune, used by some
// patterns so names feel local.
func hosterName(r *rand.Rand, orgType, commune string) string {
	switch orgType {
	case "individual":
		if r.IntN(2) == 0 {
			return "Chez " + pick(r, firstNames)
		}
		return pick(r, firstNames) + " Hébergement"
	case "cooperative":
		if r.IntN(2) == 0 {
			return "Coop " + pick(r, coopWords)
		}
		return pick(r, coopWords) + " Coop"
	}
	switch r.IntN(6) {
	case 0:
		return "Chaton " + pick(r, places)
	case 1:
		return pick(r, nouns) + " " + pick(r, places)
	case 2:
		return pick(r, kin) + " " + pick(r, nicknames)
	case 3:
		return commune + " " + pick(r, adjectives)
	case 4:
		return "Le Chaton de " + commune
	default:
		return pick(r, nouns) + " " + pick(r, adjectives)
	}
}

// de is "de <name>" with French contractions: "du Phare", "des Lilas",
// "d'Épinal", "de La Ruche".
func de(name string) string {
	switch {
	case strings.HasPrefix(name, "Le "):
		return "du " + name[len("Le "):]
	case strings.HasPrefix(name, "Les "):
		return "des " + name[len("Les "):]
	case startsWithVowel(name):
		return "d'" + name
	}
	return "de " + name
}

// à is "à <commune>" with contractions: "au Havre", "aux Sables-d'Olonne".
func à(commune string) string {
	switch {
	case strings.HasPrefix(commune, "Le "):
		return "au " + commune[len("Le "):]
	case strings.HasPrefix(commune, "Les "):
		return "aux " + commune[len("Les "):]
	}
	return "à " + commune
}

func startsWithVowel(s string) bool {
	n := gazetteer.Normalize(s)
	return n != "" && strings.IndexByte("aeiouy", n[0]) >= 0
}

// slug makes a username from a name: lower-case ASCII letters and digits,
// at most 30 characters, as Mastodon accepts them.
func slug(name string) string {
	var b strings.Builder
	for _, c := range []byte(gazetteer.Normalize(name)) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			b.WriteByte(c)
			if b.Len() == 30 {
				break
			}
		}
	}
	if b.Len() == 0 {
		return "chaton"
	}
	return b.String()
}
