package search

import (
	"slices"
	"strings"
	"unicode"
)

// Relevance rules shared by both backends (see also rank.go): what a query's
// words ask for, what an offer is, and which of its texts count.
//
// Tiers. A word of the query that names a service ("visio", "agenda",
// "mail": a word of a synonym group) or a software ("nextcloud") asks for
// what an offer *is*. An offer is in the first tier when, for every such
// word, its category or a service its software provides (softwareTable) is
// that service, or its software is that software; the offers that match the
// words only where they are mentioned (summary, name) come in the second
// tier. Tiers come before everything else, distance included: a real
// e-mail offer 650 km away comes before a chat whose summary says "mail"
// next door.
//
// Fields. What a query matches is, in this order of weight: what the offer
// is (its name, software, the words of its category and of the services its
// software provides), its summary without negated mentions ("pas de visio
// ici": see withoutNegated), the hoster's name, and the hoster's place. When
// every word of a query names a service or a software, the hoster's name is
// not searched at all: a hoster called "Chat Noir" or "L'Atelier du Mail"
// does not make all its offers chats or mailboxes.
//
// Prefixes. A submitted query is made of whole words: "mail" does not find
// "Maïlys" nor "chat" "Chaton". Only Query.Prefix (a word being typed)
// matches the last word as a prefix.
//
// Access phrases. "sans compte", "sans inscription", "no account"… are not
// words to find but the filter registration=none (Service.Parse).
//
// Fallback. When the words together match nothing, the service drops the
// least useful ones and says which (Service.Search).

// softwareInfo is one row of the table of what a software provides.
type softwareInfo struct {
	Names    []string // as people write it, the first being its key
	Provides []string // catalog.Categories the software serves
	Words    []string // what else it does, in plain words, indexed with its offers
}

// softwareTable says which services a software provides, so that an offer
// of Nextcloud is found as an agenda and counted on the agenda tile even
// when its hoster filed it under "cloud". It is documented as is in
// docs/search.md; keep both in step.
var softwareTable = []softwareInfo{
	{Names: []string{"nextcloud"}, Provides: []string{"cloud", "calendar"}, Words: []string{"contacts", "carnet d'adresses", "address book"}},
	{Names: []string{"owncloud"}, Provides: []string{"cloud"}},
	{Names: []string{"seafile"}, Provides: []string{"cloud"}},
	{Names: []string{"sogo"}, Provides: []string{"mail", "calendar"}, Words: []string{"contacts", "carnet d'adresses", "address book"}},
	{Names: []string{"roundcube"}, Provides: []string{"mail"}},
	{Names: []string{"postfix"}, Provides: []string{"mail"}},
	{Names: []string{"dovecot"}, Provides: []string{"mail"}},
	{Names: []string{"jitsi", "jitsi meet"}, Provides: []string{"video-call"}},
	{Names: []string{"bigbluebutton", "bbb"}, Provides: []string{"video-call"}},
	{Names: []string{"etherpad", "etherpad lite"}, Provides: []string{"pad"}},
	{Names: []string{"cryptpad"}, Provides: []string{"pad", "office"}},
	{Names: []string{"hedgedoc", "codimd"}, Provides: []string{"pad"}},
	{Names: []string{"framadate"}, Provides: []string{"poll"}},
	{Names: []string{"opensondage"}, Provides: []string{"poll"}},
	{Names: []string{"rallly"}, Provides: []string{"poll"}},
	{Names: []string{"mastodon"}, Provides: []string{"microblog"}},
	{Names: []string{"gotosocial"}, Provides: []string{"microblog"}},
	{Names: []string{"pleroma"}, Provides: []string{"microblog"}},
	{Names: []string{"akkoma"}, Provides: []string{"microblog"}},
	{Names: []string{"misskey"}, Provides: []string{"microblog"}},
	{Names: []string{"peertube"}, Provides: []string{"video"}},
	{Names: []string{"lufi"}, Provides: []string{"file-sharing"}},
	{Names: []string{"psitransfer"}, Provides: []string{"file-sharing"}},
	{Names: []string{"jirafeau"}, Provides: []string{"file-sharing"}},
	{Names: []string{"lstu"}, Provides: []string{"link-shortener"}},
	{Names: []string{"polr"}, Provides: []string{"link-shortener"}},
	{Names: []string{"yourls"}, Provides: []string{"link-shortener"}},
	{Names: []string{"matrix", "element", "synapse"}, Provides: []string{"chat"}},
	{Names: []string{"xmpp", "jabber", "prosody", "ejabberd"}, Provides: []string{"chat"}},
	{Names: []string{"mattermost"}, Provides: []string{"chat"}},
	{Names: []string{"zulip"}, Provides: []string{"chat"}},
	{Names: []string{"radicale"}, Provides: []string{"calendar"}, Words: []string{"contacts"}},
	{Names: []string{"baïkal", "baikal"}, Provides: []string{"calendar"}, Words: []string{"contacts"}},
	{Names: []string{"discourse"}, Provides: []string{"forum"}},
	{Names: []string{"flarum"}, Provides: []string{"forum"}},
	{Names: []string{"dokuwiki"}, Provides: []string{"wiki"}},
	{Names: []string{"mediawiki"}, Provides: []string{"wiki"}},
	{Names: []string{"bookstack"}, Provides: []string{"wiki"}},
	{Names: []string{"privatebin"}, Provides: []string{"pastebin"}},
	{Names: []string{"zerobin"}, Provides: []string{"pastebin"}},
	{Names: []string{"collabora", "collabora online"}, Provides: []string{"office"}},
	{Names: []string{"onlyoffice"}, Provides: []string{"office"}},
	{Names: []string{"framaforms"}, Provides: []string{"forms"}},
	{Names: []string{"yakforms"}, Provides: []string{"forms"}},
	{Names: []string{"limesurvey"}, Provides: []string{"forms"}},
	{Names: []string{"kanboard"}, Provides: []string{"project"}},
	{Names: []string{"wekan"}, Provides: []string{"project"}},
	{Names: []string{"vikunja"}, Provides: []string{"project"}},
	{Names: []string{"taiga"}, Provides: []string{"project"}},
	{Names: []string{"wordpress"}, Provides: []string{"web-hosting"}},
	{Names: []string{"grav"}, Provides: []string{"web-hosting"}},
	{Names: []string{"umap"}, Provides: []string{"maps"}},
	{Names: []string{"openstreetmap"}, Provides: []string{"maps"}},
}

// accessPhrases mean "usable without an account": registration=none.
// Folded, stop words included, as tokens() gives them.
var accessPhrases = [][]string{
	{"sans", "creer", "de", "compte"}, {"sans", "creer", "un", "compte"}, {"sans", "creation", "de", "compte"},
	{"sans", "creer", "compte"}, {"sans", "compte"}, {"sans", "inscription"}, {"sans", "s", "inscrire"},
	{"sans", "identifiant"},
	{"without", "an", "account"}, {"without", "account"}, {"no", "account"},
	{"without", "signing", "up"}, {"without", "sign", "up"}, {"without", "signup"}, {"no", "sign", "up"},
	{"no", "signup"}, {"without", "registration"}, {"no", "registration"}, {"no", "login"},
}

// negations start a mention of what an offer is not; what follows them,
// up to the end of the clause or two words, is not searchable.
var (
	negations = map[string]bool{"pas": true, "sans": true, "aucun": true, "aucune": true, "ni": true,
		"no": true, "not": true, "without": true}
	negationSkip = map[string]bool{"de": true, "d": true, "du": true, "des": true, "la": true, "le": true,
		"les": true, "l": true, "un": true, "une": true, "a": true, "an": true, "any": true, "the": true}
	clauseEnd = map[string]bool{"mais": true, "seulement": true, "uniquement": true, "juste": true,
		"que": true, "but": true, "only": true, "just": true}
)

// negatedWords is how many words a negation hides.
const negatedWords = 2

type vocabEntry struct{ cats, sw []string }

var (
	// vocab maps a folded word or phrase that names a service or a
	// software to what it names.
	vocab       = map[string]vocabEntry{}
	vocabMaxLen = 1
	// softwareKeys maps a folded software name or alias to its key.
	softwareKeys = map[string]softwareInfo{}
	stopSet      = map[string]bool{}
)

func init() {
	for _, w := range stopWords {
		stopSet[foldWord(w)] = true
	}
	add := func(phrase string, cat, sw string) {
		key := strings.Join(contentWords(phrase), " ")
		if key == "" {
			return
		}
		e := vocab[key]
		if cat != "" && !slices.Contains(e.cats, cat) {
			e.cats = append(e.cats, cat)
		}
		if sw != "" && !slices.Contains(e.sw, sw) {
			e.sw = append(e.sw, sw)
		}
		vocab[key] = e
		vocabMaxLen = max(vocabMaxLen, strings.Count(key, " ")+1)
	}
	for _, g := range synonymGroups {
		for _, w := range g.Words {
			add(w, g.Category, "")
		}
	}
	for w, cat := range oneWay {
		add(w, cat, "")
	}
	for _, s := range softwareTable {
		for _, n := range s.Names {
			softwareKeys[strings.Join(foldedWords(n), " ")] = s
			add(n, "", s.Names[0])
		}
	}
	for _, g := range synonymGroups {
		for _, n := range g.Software {
			if _, ok := softwareKeys[strings.Join(foldedWords(n), " ")]; !ok {
				panic("search: software " + n + " of a synonym group is missing from softwareTable")
			}
		}
	}
}

// softwareKey is the key of a software name: its table key, or its folded
// name when the table does not know it.
func softwareKey(name string) string {
	f := strings.Join(foldedWords(name), " ")
	if s, ok := softwareKeys[f]; ok {
		return s.Names[0]
	}
	return f
}

// servicesOf lists what an offer is: its category and the services of its
// software.
func servicesOf(d *Document) []string {
	var out []string
	if d.Kind == "hoster" {
		return nil
	}
	if d.Category != "" {
		out = append(out, d.Category)
	}
	if s, ok := softwareKeys[strings.Join(foldedWords(d.Software), " ")]; ok {
		for _, c := range s.Provides {
			if !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	return out
}

// serviceText is the text of what an offer is, beyond its name and
// software: the words of its category and of what its software provides.
func serviceText(d *Document) string {
	var parts []string
	for _, c := range servicesOf(d) {
		if w := categoryWords(c); w != "" {
			parts = append(parts, w)
		}
	}
	if s, ok := softwareKeys[strings.Join(foldedWords(d.Software), " ")]; ok {
		parts = append(parts, s.Words...)
	}
	return strings.Join(parts, " ")
}

// offerName is the searchable name of the offer itself, without its
// hoster's name in it ("Pads du Chat Noir" is "Pads du" here, "Chat Noir"
// being searched as the hoster's name); a hoster without offers has none.
func offerName(d *Document) string {
	if d.Kind == "hoster" {
		return ""
	}
	hn := foldedWords(d.HosterName)
	if len(hn) == 0 {
		return d.Name
	}
	toks := tokens(d.Name)
	var b strings.Builder
	last := 0
	for i := 0; i+len(hn) <= len(toks); i++ {
		same := true
		for k, w := range hn {
			same = same && toks[i+k].fold == w
		}
		if same {
			b.WriteString(d.Name[last:toks[i].start])
			last = toks[i+len(hn)-1].end
			i += len(hn) - 1
		}
	}
	b.WriteString(d.Name[last:])
	return b.String()
}

// foldMap folds the accented letters of French text to ASCII.
var foldMap = map[rune]string{
	'à': "a", 'á': "a", 'â': "a", 'ä': "a", 'æ': "ae", 'ç': "c", 'è': "e", 'é': "e", 'ê': "e", 'ë': "e",
	'ì': "i", 'í': "i", 'î': "i", 'ï': "i", 'ñ': "n", 'ò': "o", 'ó': "o", 'ô': "o", 'ö': "o", 'œ': "oe",
	'ù': "u", 'ú': "u", 'û': "u", 'ü': "u", 'ý': "y", 'ÿ': "y",
}

func foldWord(w string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(w) {
		if f, ok := foldMap[r]; ok {
			b.WriteString(f)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// token is a word of a text: its bytes and its folded form.
type token struct {
	start, end int
	fold       string
}

// tokens splits s into words (runs of letters and digits), as the
// backends' tokenizers do.
func tokens(s string) []token {
	var out []token
	start := -1
	for i, r := range s {
		word := unicode.IsLetter(r) || unicode.IsDigit(r)
		switch {
		case word && start < 0:
			start = i
		case !word && start >= 0:
			out = append(out, token{start, i, foldWord(s[start:i])})
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, token{start, len(s), foldWord(s[start:])})
	}
	return out
}

func foldedWords(s string) []string {
	var out []string
	for _, t := range tokens(s) {
		out = append(out, t.fold)
	}
	return out
}

// contentWords are the folded words of s without its stop words.
func contentWords(s string) []string {
	var out []string
	for _, t := range tokens(s) {
		if !stopSet[t.fold] {
			out = append(out, t.fold)
		}
	}
	return out
}

// withoutNegated returns s without what it says an offer is not: "pas de
// visio ici, seulement des pads" keeps "pads" and loses "visio ici", so
// that the summary of a pad does not make it a video call.
func withoutNegated(s string) string {
	toks := tokens(s)
	var b strings.Builder
	last := 0
	for i := 0; i < len(toks); i++ {
		if !negations[toks[i].fold] {
			continue
		}
		j := i + 1
		for j < len(toks) && negationSkip[toks[j].fold] && !breaks(s, toks[j-1], toks[j]) {
			j++
		}
		hidden := 0
		for j < len(toks) && hidden < negatedWords && !breaks(s, toks[j-1], toks[j]) && !clauseEnd[toks[j].fold] && !negations[toks[j].fold] {
			b.WriteString(s[last:toks[j].start])
			last = toks[j].end
			hidden++
			j++
		}
		i = j - 1
	}
	b.WriteString(s[last:])
	return b.String()
}

// breaks reports whether punctuation ends a clause between two tokens.
func breaks(s string, a, b token) bool {
	return strings.ContainsAny(s[a.end:b.start], ".,;:!?()/")
}

// accessFilter removes the access phrases of a query's text and reports
// whether there was one.
func accessFilter(text string) (string, bool) {
	toks := tokens(text)
	var cut [][2]int
	for i := 0; i < len(toks); i++ {
		for _, p := range accessPhrases {
			if i+len(p) > len(toks) {
				continue
			}
			ok := true
			for k, w := range p {
				ok = ok && toks[i+k].fold == w
			}
			if ok {
				cut = append(cut, [2]int{toks[i].start, toks[i+len(p)-1].end})
				i += len(p) - 1
				break
			}
		}
	}
	if len(cut) == 0 {
		return text, false
	}
	var b strings.Builder
	last := 0
	for _, c := range cut {
		b.WriteString(text[last:c[0]])
		last = c[1]
	}
	b.WriteString(text[last:])
	return strings.Join(strings.Fields(b.String()), " "), true
}

// planUnit is one unit of a query: a word, or a phrase of the vocabulary,
// with what it names.
type planUnit struct {
	words      []string // folded
	cats, sw   []string // services and software it names; both empty for other words
	start, end int      // bytes of the text it was read from
}

func (u *planUnit) names() bool { return len(u.cats) > 0 || len(u.sw) > 0 }

// splitUnits groups words into units, the longest phrases of the
// vocabulary first; known(key) tells the extra phrases a backend knows
// (its synonym table).
func splitUnits(words []string, known func(string) bool) [][2]int {
	var out [][2]int
	for i := 0; i < len(words); {
		n := 1
		for l := min(vocabMaxLen, len(words)-i); l > 1; l-- {
			key := strings.Join(words[i:i+l], " ")
			if _, ok := vocab[key]; ok || known != nil && known(key) {
				n = l
				break
			}
		}
		out = append(out, [2]int{i, i + n})
		i += n
	}
	return out
}

// planText reads a query's text into units (at most maxQueryWords words).
func planText(text string) []planUnit {
	var content []token
	for _, t := range tokens(text) {
		if !stopSet[t.fold] {
			content = append(content, t)
		}
	}
	content = content[:min(len(content), maxQueryWords)]
	words := make([]string, len(content))
	for i, t := range content {
		words[i] = t.fold
	}
	var out []planUnit
	for _, r := range splitUnits(words, nil) {
		u := planUnit{words: words[r[0]:r[1]], start: content[r[0]].start, end: content[r[1]-1].end}
		e := vocab[strings.Join(u.words, " ")]
		u.cats, u.sw = e.cats, e.sw
		out = append(out, u)
	}
	return out
}

// serviceOnly reports whether every unit names a service or a software:
// the hoster's name is then not searched.
func serviceOnly(units []planUnit) bool {
	for i := range units {
		if !units[i].names() {
			return false
		}
	}
	return len(units) > 0
}

// tiered reports whether some unit names a service or a software.
func tiered(units []planUnit) bool {
	return slices.ContainsFunc(units, func(u planUnit) bool { return u.names() })
}

// Suggestion is what an empty search could try instead, read from what was
// typed (Suggest).
type Suggestion struct {
	Categories []string // closest services, catalog.Categories
	Software   []string // closest software among those offered
}

// Suggest reads the words of text for the closest services (a word of the
// vocabulary, or one within two typos of it) and the closest software
// among offered (the software facet of a browse: names as the hosters
// write them), at most three of each.
func Suggest(text string, offered []string) Suggestion {
	var out Suggestion
	addCat := func(cats ...string) {
		for _, c := range cats {
			if !slices.Contains(out.Categories, c) && len(out.Categories) < 3 {
				out.Categories = append(out.Categories, c)
			}
		}
	}
	units := planText(text)
	for _, u := range units {
		addCat(u.cats...)
		for _, k := range u.sw {
			if s, ok := softwareKeys[k]; ok {
				addCat(s.Provides...)
			}
		}
	}
	var buf []int
	for _, u := range units {
		if u.names() {
			continue
		}
		w := []rune(strings.Join(u.words, " "))
		if len(w) < 3 {
			continue
		}
		k := min(2, max(1, len(w)/4))
		keys := make([]string, 0, len(vocab))
		for key := range vocab {
			keys = append(keys, key)
		}
		slices.Sort(keys)
		for _, key := range keys {
			var ok bool
			if ok, buf = withinEdits(w, key, k, buf); ok {
				addCat(vocab[key].cats...)
			}
		}
	}
	for _, name := range offered {
		f := strings.Join(foldedWords(name), " ")
		for _, u := range units {
			w := strings.Join(u.words, " ")
			if len(w) < 3 {
				continue
			}
			ok := strings.HasPrefix(f, w) || strings.HasPrefix(w, f)
			if !ok {
				ok, buf = withinEdits([]rune(w), f, min(3, max(1, len(w)/3)), buf)
			}
			if ok && !slices.Contains(out.Software, name) && len(out.Software) < 3 {
				out.Software = append(out.Software, name)
			}
		}
	}
	return out
}
