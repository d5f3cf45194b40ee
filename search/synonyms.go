package search

import "strings"

// One table of words, used by both backends: Meilisearch receives it as its
// synonyms and stop words settings; the embedded engine expands queries with
// it and removes the stop words in its analyzer. Write terms in lower case,
// with their accents: each backend folds them the same way it folds text.

// synonymGroup is a set of everyday words that mean the same service, in
// French and English, and the software that provides it. The words are
// synonyms of each other and each word also finds the software. A software
// name finds only itself: someone who types "jitsi" wants Jitsi first, not
// every video-conference tool ranked the same.
type synonymGroup struct {
	Category string // catalog.Categories: the service these words ask for
	Words    []string
	Software []string
}

var synonymGroups = []synonymGroup{
	{ // video-call
		Category: "video-call",
		Words:    []string{"visio", "visioconférence", "vidéoconférence", "visioconf", "video call", "videocall", "video conference", "videoconferencing", "appel vidéo"},
		Software: []string{"jitsi", "jitsi meet", "bigbluebutton", "bbb"},
	},
	{ // cloud
		Category: "cloud",
		Words:    []string{"cloud", "drive", "stockage", "stockage en ligne", "cloud storage", "file storage", "synchronisation"},
		Software: []string{"nextcloud", "seafile", "owncloud"},
	},
	{ // pad
		Category: "pad",
		Words:    []string{"pad", "pads", "écriture collaborative", "collaborative writing", "collaborative editor", "bloc-notes"},
		Software: []string{"etherpad", "cryptpad", "hedgedoc"},
	},
	{ // poll
		Category: "poll",
		Words:    []string{"sondage", "sondages", "poll", "polls", "doodle", "scheduling poll"},
		Software: []string{"framadate", "opensondage", "rallly"},
	},
	{ // mail
		Category: "mail",
		Words:    []string{"courriel", "mail", "email", "e-mail", "boîte mail", "mél", "mailbox", "messagerie électronique", "adresse mail"},
		Software: []string{"roundcube", "sogo", "postfix", "dovecot"},
	},
	{ // microblog
		Category: "microblog",
		Words:    []string{"réseau social", "social network", "microblog", "microblogging", "fediverse"},
		Software: []string{"mastodon", "gotosocial", "pleroma", "akkoma", "misskey"},
	},
	{ // video
		Category: "video",
		Words:    []string{"hébergement vidéo", "video hosting", "youtube", "plateforme vidéo"},
		Software: []string{"peertube"},
	},
	{ // file-sharing
		Category: "file-sharing",
		Words:    []string{"partage fichiers", "file sharing", "file transfer", "transfert fichiers", "wetransfer"},
		Software: []string{"lufi", "psitransfer", "jirafeau"},
	},
	{ // link-shortener
		Category: "link-shortener",
		Words:    []string{"raccourcisseur", "link shortener", "url shortener", "lien court", "liens courts"},
		Software: []string{"lstu", "polr", "yourls"},
	},
	{ // chat
		Category: "chat",
		Words:    []string{"tchat", "chat", "messagerie instantanée", "instant messaging", "discussion"},
		Software: []string{"matrix", "element", "xmpp", "jabber", "mattermost", "zulip"},
	},
	{ // calendar
		Category: "calendar",
		Words:    []string{"agenda", "calendrier", "calendar", "caldav"},
		Software: []string{"radicale", "baïkal"},
	},
	{ // forum
		Category: "forum",
		Words:    []string{"forum", "forums"},
		Software: []string{"discourse", "flarum"},
	},
	{ // wiki
		Category: "wiki",
		Words:    []string{"wiki", "base de connaissances", "knowledge base"},
		Software: []string{"dokuwiki", "mediawiki", "bookstack"},
	},
	{ // pastebin
		Category: "pastebin",
		Words:    []string{"pastebin", "paste", "partage texte"},
		Software: []string{"privatebin", "zerobin"},
	},
	{ // office
		Category: "office",
		Words:    []string{"bureautique", "suite bureautique", "office suite", "tableur", "spreadsheet", "traitement texte", "word processor"},
		Software: []string{"collabora", "collabora online", "onlyoffice"},
	},
	{ // forms
		Category: "forms",
		Words:    []string{"formulaire", "formulaires", "forms", "questionnaire", "survey", "enquête"},
		Software: []string{"framaforms", "yakforms", "limesurvey"},
	},
	{ // project
		Category: "project",
		Words:    []string{"gestion projet", "project management", "kanban", "tâches", "tasks", "todo"},
		Software: []string{"kanboard", "wekan", "vikunja", "taiga"},
	},
	{ // web-hosting
		Category: "web-hosting",
		Words:    []string{"hébergement web", "web hosting", "site web", "website", "blog", "site internet"},
		Software: []string{"wordpress", "grav"},
	},
	{ // maps
		Category: "maps",
		Words:    []string{"carte", "cartes", "cartographie", "maps", "map"},
		Software: []string{"umap", "openstreetmap"},
	},
}

// categoryText gives each category plain words in French and English; they
// are indexed with the offer so that "stockage" finds a Nextcloud offer even
// when the hoster's own text never says it.
var categoryText = map[string]string{
	"cloud":          "stockage en ligne cloud file storage",
	"pad":            "pad écriture collaborative collaborative writing",
	"video-call":     "visioconférence video call",
	"poll":           "sondage poll",
	"mail":           "courriel email",
	"microblog":      "réseau social microblog social network",
	"video":          "vidéo video hosting",
	"file-sharing":   "partage de fichiers file sharing",
	"link-shortener": "raccourcisseur de liens link shortener",
	"chat":           "messagerie instantanée chat",
	"calendar":       "agenda calendar",
	"forum":          "forum",
	"wiki":           "wiki",
	"pastebin":       "partage de texte pastebin",
	"office":         "bureautique office suite",
	"forms":          "formulaires forms",
	"project":        "gestion de projet project management",
	"web-hosting":    "hébergement web web hosting",
	"maps":           "cartes maps",
	"other":          "",
}

// stopWords are French words too common to tell offers apart. English is
// the second language of the interface but its short words are left in:
// they are rare in French text and removing them would cost more than it
// gains. Forms without accents are listed too for the embedded analyzer,
// which folds accents before removing stop words.
var stopWords = []string{
	"a", "à", "au", "aux", "avec", "ce", "ces", "cet", "cette", "d", "dans", "de", "des", "du",
	"elle", "elles", "en", "est", "et", "il", "ils", "j", "je", "l", "la", "le", "les", "leur",
	"leurs", "lui", "m", "ma", "me", "mes", "moi", "mon", "n", "ne", "nos", "notre", "nous", "on",
	"ou", "par", "pas", "pour", "qu", "que", "qui", "s", "sa", "se", "ses", "son", "sur", "t",
	"ta", "te", "tes", "toi", "ton", "tu", "un", "une", "vos", "votre", "vous", "y",
}

// oneWay are words that ask for one service but also appear in the name of
// another, so they lead to the first without the first's words leading
// back to them: "messagerie" alone is e-mail in everyday French, while
// "messagerie instantanée" (a phrase of the chat group) is chat. Were
// "messagerie" a synonym of "mail", "mail" would find every instant
// messaging offer.
var oneWay = map[string]string{ // word → category whose group it joins one way
	"messagerie": "mail",
}

// synonymMap is the table as Meilisearch wants it: every word of a group
// maps to the other words and to the software; software maps to nothing;
// a oneWay word maps to its group without being mapped to.
func synonymMap() map[string][]string {
	out := make(map[string][]string)
	for w, cat := range oneWay {
		for _, g := range synonymGroups {
			if g.Category == cat {
				out[w] = append(append(out[w], g.Words...), g.Software...)
			}
		}
	}
	for _, g := range synonymGroups {
		for _, w := range g.Words {
			var to []string
			for _, o := range g.Words {
				if o != w {
					to = append(to, o)
				}
			}
			to = append(to, g.Software...)
			out[w] = append(out[w], to...)
		}
	}
	return out
}

// categoryWords returns the indexed words of a category.
func categoryWords(c string) string { return strings.TrimSpace(categoryText[c]) }
