package catalog

// Categories is the controlled list of offer categories, in display order.
// Labels and plain-word descriptions live in the frontend's translation
// catalogs under "category.<id>"; search synonyms live in the search package.
var Categories = []string{
	"cloud",          // file storage and sync: Nextcloud, Seafile
	"pad",            // collaborative writing: Etherpad, CryptPad, HedgeDoc
	"video-call",     // Jitsi Meet, BigBlueButton
	"poll",           // Framadate, OpenSondage
	"mail",           // mailboxes
	"microblog",      // Mastodon, GoToSocial, Pleroma
	"video",          // PeerTube
	"file-sharing",   // file drop: Lufi, PsiTransfer
	"link-shortener", // Lstu, Polr
	"chat",           // Matrix, XMPP, Mattermost
	"calendar",       // CalDAV, Agenda
	"forum",          // Discourse, Flarum
	"wiki",           // DokuWiki, MediaWiki, BookStack
	"pastebin",       // PrivateBin
	"office",         // online office suites: Collabora, OnlyOffice
	"forms",          // forms and surveys: Framaforms, LimeSurvey
	"project",        // kanban, tasks: Kanboard, Wekan
	"web-hosting",    // websites, blogs: WordPress, static hosting
	"maps",           // uMap
	"other",
}

// IsCategory reports whether c is in the controlled list.
func IsCategory(c string) bool {
	for _, k := range Categories {
		if k == c {
			return true
		}
	}
	return false
}
