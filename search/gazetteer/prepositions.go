package gazetteer

// frenchIn gives how French says "in" a département or a region whose
// name does not take "en": "dans le Finistère", "dans les Landes", "à
// Paris". Every other one takes "en" ("en Loire-Atlantique", "en
// Bretagne"). Keyed by département code, or "r" and the region code.
var frenchIn = map[string]string{
	"01": "dans l'", "02": "dans l'", "03": "dans l'", "04": "dans les ", "05": "dans les ",
	"06": "dans les ", "08": "dans les ", "10": "dans l'", "11": "dans l'", "12": "dans l'",
	"13": "dans les ", "14": "dans le ", "15": "dans le ", "18": "dans le ", "22": "dans les ",
	"23": "dans la ", "25": "dans le ", "26": "dans la ", "27": "dans l'", "29": "dans le ",
	"30": "dans le ", "32": "dans le ", "34": "dans l'", "36": "dans l'", "39": "dans le ",
	"40": "dans les ", "41": "dans le ", "42": "dans la ", "45": "dans le ", "46": "dans le ",
	"47": "dans le ", "50": "dans la ", "51": "dans la ", "55": "dans la ", "56": "dans le ",
	"58": "dans la ", "59": "dans le ", "60": "dans l'", "61": "dans l'", "62": "dans le ",
	"63": "dans le ", "64": "dans les ", "65": "dans les ", "66": "dans les ", "67": "dans le ",
	"68": "dans le ", "69": "dans le ", "72": "dans la ", "75": "à ", "78": "dans les ",
	"79": "dans les ", "80": "dans la ", "81": "dans le ", "82": "dans le ", "83": "dans le ",
	"84": "dans le ", "86": "dans la ", "88": "dans les ", "89": "dans l'", "90": "dans le ",
	"92": "dans les ", "94": "dans le ", "95": "dans le ", "974": "à ", "976": "à ",
	"r32": "dans les ", "r44": "dans le ", "r52": "dans les ", "r04": "à ", "r06": "à ",
}

// articles a name loses after "dans le", "dans les", "dans l'" ("dans le
// Territoire de Belfort" is written from "Territoire de Belfort").
var articles = []string{"Le ", "La ", "Les ", "L'"}

// InFrench says "in" a département or a region in French ("en
// Loire-Atlantique", "dans le Finistère", "à La Réunion"); "" for any
// other kind of place, which is rather "près de" somewhere.
func InFrench(p Place) string {
	var key, name string
	switch p.Kind {
	case KindDepartement:
		key, name = p.Departement, p.DepartementName
	case KindRegion:
		key, name = "r"+p.RegionCode, p.Region
	default:
		return ""
	}
	if name == "" {
		return ""
	}
	prep, ok := frenchIn[key]
	if !ok {
		return "en " + name
	}
	if prep != "à " {
		for _, a := range articles {
			if len(name) > len(a) && name[:len(a)] == a {
				name = name[len(a):]
				break
			}
		}
	}
	return prep + name
}
