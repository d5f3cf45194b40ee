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
	Words    []string
	Software []string
}

var synonymGroups = []synonymGroup{
	{ // video-call
		Words:    []string{"visio", "visioconférence", "vidéoconférence", "visioconf", "video call", "videocall", "video conference", "videoconferencing", "appel vidéo"},
		Software: []string{"jitsi", "jitsi meet", "bigbluebutton", "bbb"},
	},
	{ // cloud
		Words:    []string{"cloud", "drive", "stockage", "stockage en ligne", "cloud storage", "file storage", "synchronisation"},
		Software: []string{"nextcloud", "seafile", "owncloud"},
	},
	{ // pad
		Words:    []string{"pad", "pads", "écriture collaborative", "collaborative writing", "collaborative editor", "bloc-notes"},
		Software: []string{"etherpad", "cryptpad", "hedgedoc"},
	},
	{ // poll
		Words:    []string{"sondage", "sondages", "poll", "polls", "doodle", "scheduling poll"},
		Software: []string{"framadate", "opensondage", "rallly"},
	},
	{ // mail
		Words:    []string{"courriel", "mail", "email", "e-mail", "messagerie", "boîte mail", "mél", "mailbox"},
		Software: []string{"roundcube", "sogo", "postfix", "dovecot"},
	},
	{ // microblog
		Words:    []string{"réseau social", "social network", "microblog", "microblogging", "fediverse"},
		Software: []string{"mastodon", "gotosocial", "pleroma", "akkoma", "misskey"},
	},
	{ // video
		Words:    []string{"hébergement vidéo", "video hosting", "youtube", "plateforme vidéo"},
		Software: []string{"peertube"},
	},
	{ // file-sharing
		Words:    []string{"partage fichiers", "file sharing", "file transfer", "transfert fichiers", "wetransfer"},
		Software: []string{"lufi", "psitransfer", "jirafeau"},
	},
	{ // link-shortener
		Words:    []string{"raccourcisseur", "link shortener", "url shortener", "lien court", "liens courts"},
		Software: []string{"lstu", "polr", "yourls"},
	},
	{ // chat
		Words:    []string{"tchat", "chat", "messagerie instantanée", "instant messaging", "discussion"},
		Software: []string{"matrix", "element", "xmpp", "jabber", "mattermost", "zulip"},
	},
	{ // calendar
		Words:    []string{"agenda", "calendrier", "calendar", "caldav"},
		Software: []string{"radicale", "baïkal"},
	},
	{ // forum
		Words:    []string{"forum", "forums"},
		Software: []string{"discourse", "flarum"},
	},
	{ // wiki
		Words:    []string{"wiki", "base de connaissances", "knowledge base"},
		Software: []string{"dokuwiki", "mediawiki", "bookstack"},
	},
	{ // pastebin
		Words:    []string{"pastebin", "paste", "partage texte"},
		Software: []string{"privatebin", "zerobin"},
	},
	{ // office
		Words:    []string{"bureautique", "suite bureautique", "office suite", "tableur", "spreadsheet", "traitement texte", "word processor"},
		Software: []string{"collabora", "collabora online", "onlyoffice"},
	},
	{ // forms
		Words:    []string{"formulaire", "formulaires", "forms", "questionnaire", "survey", "enquête"},
		Software: []string{"framaforms", "yakforms", "limesurvey"},
	},
	{ // project
		Words:    []string{"gestion projet", "project management", "kanban", "tâches", "tasks", "todo"},
		Software: []string{"kanboard", "wekan", "vikunja", "taiga"},
	},
	{ // web-hosting
		Words:    []string{"hébergement web", "web hosting", "site web", "website", "blog", "site internet"},
		Software: []string{"wordpress", "grav"},
	},
	{ // maps
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

// synonymMap is the table as Meilisearch wants it: every word of a group
// maps to the other words and to the software; software maps to nothing.
func synonymMap() map[string][]string {
	out := make(map[string][]string)
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
