package chatonsinfos

import (
	"strings"
)

// categoryRules infer an offer's category from a ChatonsInfos service,
// which has none. The first rule whose word is found wins; software names
// are tried first, then the service name, then its description. The table
// is documented as is in docs/CHATONSINFOS.md: keep both in step.
var categoryRules = []struct {
	category string
	words    []string
}{
	{"pad", []string{"etherpad", "hedgedoc", "codimd", "cryptpad", "framapad", "pad"}},
	{"cloud", []string{"nextcloud", "owncloud", "seafile", "cozy", "cloud"}},
	{"video-call", []string{"jitsi", "bigbluebutton", "galène", "galene", "visio", "mumble"}},
	{"poll", []string{"framadate", "opensondage", "rallly", "sondage", "date"}},
	{"forms", []string{"framaforms", "limesurvey", "yakforms", "nextcloud forms", "formulaire", "forms"}},
	{"microblog", []string{"mastodon", "gotosocial", "pleroma", "akkoma", "misskey", "microblog"}},
	{"video", []string{"peertube", "vidéo", "video"}},
	{"file-sharing", []string{"lufi", "psitransfer", "jirafeau", "framadrop", "dl.", "drop", "transfer", "partage de fichiers"}},
	{"link-shortener", []string{"lstu", "polr", "yourls", "shlink", "raccourcisseur", "shortener"}},
	{"chat", []string{"matrix", "element", "synapse", "xmpp", "prosody", "ejabberd", "mattermost", "rocket.chat", "zulip", "chat", "tchat", "irc"}},
	{"calendar", []string{"agenda", "calendar", "caldav", "radicale", "baïkal", "baikal"}},
	{"forum", []string{"discourse", "flarum", "nodebb", "phpbb", "forum"}},
	{"wiki", []string{"dokuwiki", "mediawiki", "bookstack", "wiki.js", "wikijs", "xwiki", "wiki"}},
	{"pastebin", []string{"privatebin", "zerobin", "pastebin", "paste"}},
	{"office", []string{"collabora", "onlyoffice", "bureautique", "office"}},
	{"project", []string{"kanboard", "wekan", "framaboard", "taiga", "deck", "kanban"}},
	{"mail", []string{"roundcube", "snappymail", "rainloop", "sogo", "postfix", "dovecot", "webmail", "mail", "courriel"}},
	{"maps", []string{"umap", "framacarte", "carte", "map"}},
	{"web-hosting", []string{"wordpress", "grav", "hugo", "dolibarr", "galette", "nginx", "apache", "hébergement web", "site web", "website", "blog"}},
}

// InferCategory returns the catalog category of a service from its
// software name, service name and description, "other" when no rule
// matches.
func InferCategory(software, name, description string) string {
	for _, text := range []string{software, name, description} {
		t := strings.ToLower(text)
		if t == "" {
			continue
		}
		for _, r := range categoryRules {
			for _, w := range r.words {
				if containsWord(t, w) {
					return r.category
				}
			}
		}
	}
	return "other"
}

// containsWord finds w in t at a word start, so that "date" does not match
// "update" nor "map" "amap".
func containsWord(t, w string) bool {
	for i := 0; ; {
		j := strings.Index(t[i:], w)
		if j < 0 {
			return false
		}
		at := i + j
		if at == 0 || !isWordByte(t[at-1]) {
			return true
		}
		i = at + 1
	}
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= 0x80
}
