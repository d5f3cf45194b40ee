package synth

// usage says who may typically use an offer of a given software, which
// drives the registration and price mix.
type usage int

const (
	anonymous usage = iota // used without an account: pads, polls, file drops
	account                // an account, often free or for members: cloud, microblog
	paid                   // mostly members and clients: mail, web hosting
)

// software is one line of the table offers are drawn from. Licences are
// SPDX identifiers of the real projects; source URLs are their public
// repositories.
type software struct {
	key, name, category string
	license, source     string
	website             string
	versions            []string
	weight              int    // how often CHATONS-like hosters offer it
	usage               usage  //
	title               string // offer name; %s is "de <hoster>" (see de)
	summary             string // %s: the hoster's name, then "à <commune>" (see à)
	quotas              []string
}

// table is hand-written: pads, clouds, video calls and polls are what small
// ethical hosters offer most; mail and web hosting less, maps and wikis
// rarely.
var table = []software{
	{"nextcloud", "Nextcloud", "cloud", "AGPL-3.0-or-later", "https://github.com/nextcloud/server", "https://nextcloud.com",
		[]string{"27.1.11", "28.0.6", "29.0.3", "30.0.1"}, 10, account,
		"Nextcloud %s", "Stockage et synchronisation de fichiers, agendas et contacts avec Nextcloud, hébergés par %s %s.",
		[]string{"5 Go", "10 Go", "20 Go", "50 Go", "100 Go"}},
	{"seafile", "Seafile", "cloud", "AGPL-3.0-only", "https://github.com/haiwen/seafile-server", "https://www.seafile.com",
		[]string{"10.0.1", "11.0.5"}, 2, account,
		"Seafile %s", "Synchronisation et partage de fichiers avec Seafile, proposé par %s %s.",
		[]string{"10 Go", "50 Go"}},
	{"etherpad", "Etherpad", "pad", "Apache-2.0", "https://github.com/ether/etherpad-lite", "https://etherpad.org",
		[]string{"1.9.7", "2.0.3", "2.1.1"}, 10, anonymous,
		"Pad collaboratif Etherpad %s", "Écrire à plusieurs en temps réel, sans inscription, avec le pad Etherpad hébergé par %s %s.", nil},
	{"cryptpad", "CryptPad", "pad", "AGPL-3.0-or-later", "https://github.com/cryptpad/cryptpad", "https://cryptpad.org",
		[]string{"5.7.0", "2024.3.1", "2024.6.0"}, 4, anonymous,
		"CryptPad %s", "Documents, tableurs et présentations chiffrés de bout en bout avec CryptPad, par %s %s.",
		[]string{"1 Go", "5 Go"}},
	{"hedgedoc", "HedgeDoc", "pad", "AGPL-3.0-only", "https://github.com/hedgedoc/hedgedoc", "https://hedgedoc.org",
		[]string{"1.9.9", "1.10.0"}, 3, anonymous,
		"Pad Markdown HedgeDoc %s", "Notes collaboratives en Markdown avec HedgeDoc, hébergées par %s %s.", nil},
	{"jitsi", "Jitsi Meet", "video-call", "Apache-2.0", "https://github.com/jitsi/jitsi-meet", "https://jitsi.org",
		[]string{"2.0.9364", "2.0.9646"}, 8, anonymous,
		"Visioconférence Jitsi Meet %s", "Réunions en visio sans compte ni installation avec Jitsi Meet, proposé par %s %s.", nil},
	{"bigbluebutton", "BigBlueButton", "video-call", "LGPL-3.0-or-later", "https://github.com/bigbluebutton/bigbluebutton", "https://bigbluebutton.org",
		[]string{"2.7.8", "3.0.0"}, 3, account,
		"Classes virtuelles BigBlueButton %s", "Visioconférence pour la formation et les assemblées générales avec BigBlueButton, par %s %s.", nil},
	{"framadate", "Framadate", "poll", "CECILL-B", "https://framagit.org/framasoft/framadate/framadate", "https://framadate.org",
		[]string{"1.1.19", "1.1.21"}, 7, anonymous,
		"Sondages Framadate %s", "Trouver une date ou prendre une décision à plusieurs avec Framadate, hébergé par %s %s.", nil},
	{"mail", "Postfix + Dovecot", "mail", "IPL-1.0 OR EPL-2.0", "https://github.com/vdukhovni/postfix", "https://www.postfix.org",
		[]string{"3.7.11", "3.8.6"}, 5, paid,
		"Courriel %s", "Boîtes mail sans publicité ni pistage, avec votre nom de domaine si vous le souhaitez, par %s %s.",
		[]string{"1 Go", "2 Go", "5 Go", "10 Go"}},
	{"mailcow", "mailcow", "mail", "GPL-3.0-only", "https://github.com/mailcow/mailcow-dockerized", "https://mailcow.email",
		[]string{"2024-04", "2024-08"}, 1, paid,
		"Messagerie %s", "Courriel, agenda et contacts avec mailcow, hébergés par %s %s.",
		[]string{"2 Go", "5 Go"}},
	{"mastodon", "Mastodon", "microblog", "AGPL-3.0-or-later", "https://github.com/mastodon/mastodon", "https://joinmastodon.org",
		[]string{"4.2.10", "4.3.1"}, 5, account,
		"Instance Mastodon %s", "Réseau social libre et fédéré : une instance Mastodon modérée par %s, %s.", nil},
	{"gotosocial", "GoToSocial", "microblog", "AGPL-3.0-or-later", "https://codeberg.org/superseriousbusiness/gotosocial", "https://gotosocial.org",
		[]string{"0.16.0", "0.17.1"}, 1, account,
		"Instance GoToSocial %s", "Un petit serveur du fédivers, léger et sobre, proposé par %s %s.", nil},
	{"peertube", "PeerTube", "video", "AGPL-3.0-or-later", "https://github.com/Chocobozzz/PeerTube", "https://joinpeertube.org",
		[]string{"6.1.0", "6.3.2"}, 3, account,
		"PeerTube %s", "Diffuser ses vidéos sans publicité sur une instance PeerTube fédérée, hébergée par %s %s.",
		[]string{"5 Go", "20 Go"}},
	{"lufi", "Lufi", "file-sharing", "AGPL-3.0-or-later", "https://framagit.org/fiat-tux/hat-softwares/lufi", "https://framagit.org/fiat-tux/hat-softwares/lufi",
		[]string{"0.05.21", "0.07.0"}, 5, anonymous,
		"Partage de fichiers Lufi %s", "Envoyer des fichiers volumineux, chiffrés dans le navigateur, avec Lufi chez %s %s.",
		[]string{"100 Mo par fichier", "1 Go par fichier", "2 Go par fichier"}},
	{"psitransfer", "PsiTransfer", "file-sharing", "BSD-2-Clause", "https://github.com/psi-4ward/psitransfer", "https://github.com/psi-4ward/psitransfer",
		[]string{"2.2.0"}, 1, anonymous,
		"Transfert de fichiers %s", "Déposer et partager des fichiers sans compte avec PsiTransfer, par %s %s.",
		[]string{"1 Go par envoi"}},
	{"lstu", "Lstu", "link-shortener", "WTFPL", "https://framagit.org/fiat-tux/hat-softwares/lstu", "https://framagit.org/fiat-tux/hat-softwares/lstu",
		[]string{"0.28.0"}, 3, anonymous,
		"Raccourcisseur de liens %s", "Raccourcir une adresse web sans pistage avec Lstu, hébergé par %s %s.", nil},
	{"matrix", "Matrix (Synapse)", "chat", "AGPL-3.0-or-later", "https://github.com/element-hq/synapse", "https://matrix.org",
		[]string{"1.105.1", "1.114.0"}, 3, account,
		"Messagerie Matrix %s", "Messagerie instantanée chiffrée et fédérée avec Matrix et Element, proposée par %s %s.", nil},
	{"prosody", "Prosody (XMPP)", "chat", "MIT", "https://hg.prosody.im/trunk", "https://prosody.im",
		[]string{"0.12.4"}, 2, account,
		"Messagerie XMPP %s", "Discuter avec Jabber/XMPP, un protocole ouvert et décentralisé, chez %s %s.", nil},
	{"radicale", "Radicale", "calendar", "GPL-3.0-or-later", "https://github.com/Kozea/Radicale", "https://radicale.org",
		[]string{"3.1.9", "3.2.3"}, 2, account,
		"Agendas et contacts %s", "Synchroniser agendas (CalDAV) et carnets d'adresses (CardDAV) avec Radicale, par %s %s.", nil},
	{"discourse", "Discourse", "forum", "GPL-2.0-or-later", "https://github.com/discourse/discourse", "https://www.discourse.org",
		[]string{"3.2.4", "3.3.2"}, 1, account,
		"Forum Discourse %s", "Des forums de discussion pour associations et collectifs, hébergés par %s %s.", nil},
	{"flarum", "Flarum", "forum", "MIT", "https://github.com/flarum/framework", "https://flarum.org",
		[]string{"1.8.5"}, 1, account,
		"Forum %s", "Un forum simple et rapide avec Flarum, proposé par %s %s.", nil},
	{"dokuwiki", "DokuWiki", "wiki", "GPL-2.0-only", "https://github.com/dokuwiki/dokuwiki", "https://www.dokuwiki.org",
		[]string{"2024-02-06b"}, 2, account,
		"Wiki DokuWiki %s", "Documenter à plusieurs avec un wiki DokuWiki, hébergé par %s %s.", nil},
	{"bookstack", "BookStack", "wiki", "MIT", "https://github.com/BookStackApp/BookStack", "https://www.bookstackapp.com",
		[]string{"v24.05.2", "v24.10"}, 1, account,
		"Documentation BookStack %s", "Organiser sa documentation en livres et chapitres avec BookStack, chez %s %s.", nil},
	{"privatebin", "PrivateBin", "pastebin", "Zlib", "https://github.com/PrivateBin/PrivateBin", "https://privatebin.info",
		[]string{"1.7.1", "1.7.4"}, 4, anonymous,
		"PrivateBin %s", "Partager un texte chiffré qui s'efface après lecture, avec PrivateBin chez %s %s.", nil},
	{"collabora", "Collabora Online", "office", "MPL-2.0", "https://github.com/CollaboraOnline/online", "https://www.collaboraonline.com",
		[]string{"23.05.10", "24.04.5"}, 3, account,
		"Bureautique en ligne Collabora %s", "Éditer à plusieurs textes, tableurs et présentations dans le navigateur, avec Collabora Online, par %s %s.", nil},
	{"onlyoffice", "ONLYOFFICE Docs", "office", "AGPL-3.0-only", "https://github.com/ONLYOFFICE/DocumentServer", "https://www.onlyoffice.com",
		[]string{"8.0.1", "8.1.3"}, 1, account,
		"Suite bureautique %s", "Documents partagés avec ONLYOFFICE Docs, intégrés à un cloud et hébergés par %s %s.", nil},
	{"framaforms", "Framaforms", "forms", "GPL-2.0-or-later", "https://framagit.org/framasoft/framaforms", "https://framaforms.org",
		[]string{"1.1.1"}, 1, anonymous,
		"Formulaires %s", "Créer des formulaires et des questionnaires en ligne sans pistage, chez %s %s.", nil},
	{"limesurvey", "LimeSurvey", "forms", "GPL-2.0-or-later", "https://github.com/LimeSurvey/LimeSurvey", "https://www.limesurvey.org",
		[]string{"6.5.14", "6.6.4"}, 1, account,
		"Enquêtes LimeSurvey %s", "Mener des enquêtes et des questionnaires avec LimeSurvey, hébergé par %s %s.", nil},
	{"kanboard", "Kanboard", "project", "MIT", "https://github.com/kanboard/kanboard", "https://kanboard.org",
		[]string{"1.2.37", "1.2.39"}, 2, account,
		"Tableaux Kanboard %s", "Organiser ses projets en tableaux kanban avec Kanboard, chez %s %s.", nil},
	{"wekan", "Wekan", "project", "MIT", "https://github.com/wekan/wekan", "https://wekan.github.io",
		[]string{"7.50", "7.61"}, 1, account,
		"Wekan %s", "Tableaux de tâches partagés avec Wekan, hébergés par %s %s.", nil},
	{"wordpress", "WordPress", "web-hosting", "GPL-2.0-or-later", "https://github.com/WordPress/WordPress", "https://wordpress.org",
		[]string{"6.5.5", "6.6.2"}, 3, paid,
		"Sites WordPress %s", "Un site ou un blog WordPress maintenu et sauvegardé par %s, %s.",
		[]string{"1 Go", "5 Go"}},
	{"web", "Nginx", "web-hosting", "BSD-2-Clause", "https://github.com/nginx/nginx", "https://nginx.org",
		[]string{"1.24.0", "1.26.2"}, 2, paid,
		"Hébergement web %s", "Hébergement de sites statiques ou PHP, avec accès SFTP, par %s %s.",
		[]string{"1 Go", "10 Go"}},
	{"umap", "uMap", "maps", "AGPL-3.0-only", "https://github.com/umap-project/umap", "https://umap-project.org",
		[]string{"2.3.1", "2.5.0"}, 1, anonymous,
		"Cartes uMap %s", "Créer des cartes personnalisées sur fond OpenStreetMap avec uMap, chez %s %s.", nil},
	{"vaultwarden", "Vaultwarden", "other", "AGPL-3.0-only", "https://github.com/dani-garcia/vaultwarden", "https://github.com/dani-garcia/vaultwarden",
		[]string{"1.30.5", "1.32.1"}, 1, account,
		"Gestionnaire de mots de passe %s", "Coffre-fort de mots de passe compatible Bitwarden, hébergé par %s %s.", nil},
	{"searxng", "SearXNG", "other", "AGPL-3.0-or-later", "https://github.com/searxng/searxng", "https://docs.searxng.org",
		[]string{"2024.6.30", "2024.10.1"}, 1, anonymous,
		"Métamoteur de recherche %s", "Chercher sur le web sans être pisté avec SearXNG, proposé par %s %s.", nil},
}
