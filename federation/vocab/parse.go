package vocab

import (
	"bytes"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html"

	"codeberg.org/portee/portee/catalog"
)

// Limits on remote documents. An inbox enforces MaxDocumentSize on the body
// before parsing; the parsers check both again so that no caller forgets.
const (
	MaxDocumentSize = 1 << 20
	MaxDepth        = 32
)

// Errors of the parsers, tested with errors.Is. Every parse error wraps
// ErrInvalid; size and depth errors also wrap their own sentinel.
var (
	ErrInvalid  = errors.New("vocab: invalid document")
	ErrTooLarge = errors.New("vocab: document larger than 1 MiB")
	ErrTooDeep  = errors.New("vocab: document nested deeper than 32 levels")
)

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// checkDepth refuses documents nested deeper than MaxDepth before any
// decoding allocates for them.
func checkDepth(b []byte) error {
	depth, inString, escaped := 0, false, false
	for _, c := range b {
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			depth++
			if depth > MaxDepth {
				return fmt.Errorf("%w: %w", ErrInvalid, ErrTooDeep)
			}
		case '}', ']':
			depth--
		}
	}
	return nil
}

// decodeLimited decodes any JSON value within the limits; numbers stay
// json.Number so that nothing is rounded on the way through.
func decodeLimited(b []byte) (any, error) {
	if len(b) > MaxDocumentSize {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, ErrTooLarge)
	}
	if err := checkDepth(b); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, invalid("not JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, invalid("data after the JSON value")
	}
	return v, nil
}

// document is a decoded JSON-LD object with the ways its @context lets it
// name our terms.
type document struct {
	m       map[string]any
	aliases map[string][]string // our term → keys naming it besides "portee:term"
}

func decodeDocument(b []byte) (*document, error) {
	v, err := decodeLimited(b)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, invalid("want a JSON object, got %s", jsonKind(v))
	}
	return &document{m: m, aliases: contextAliases(m["@context"])}, nil
}

// contextAliases reads the inline @context definitions that rename our
// namespace or our terms: another prefix for NS, or a term mapped to one of
// ours. Remote context documents are never fetched.
func contextAliases(ctx any) map[string][]string {
	var defs []map[string]any
	var walk func(any)
	walk = func(v any) {
		switch t := v.(type) {
		case map[string]any:
			defs = append(defs, t)
		case []any:
			for _, x := range t {
				walk(x)
			}
		}
	}
	walk(ctx)
	prefixes := map[string]bool{"portee": true}
	for _, d := range defs {
		for k, v := range d {
			if s, ok := v.(string); ok && s == NS && !strings.Contains(k, ":") && len(prefixes) < maxPrefixes {
				prefixes[k] = true
			}
		}
	}
	out := map[string][]string{}
	for p := range prefixes {
		if p == "portee" {
			continue
		}
		for _, t := range porteeTerms {
			out[t.name] = append(out[t.name], p+":"+t.name)
		}
	}
	n := 0
	for _, d := range defs {
		for k, v := range d {
			target := ""
			switch t := v.(type) {
			case string:
				target = t
			case map[string]any:
				target, _ = t["@id"].(string)
			}
			term := ""
			if strings.HasPrefix(target, NS) {
				term = target[len(NS):]
			} else if p, rest, ok := strings.Cut(target, ":"); ok && prefixes[p] {
				term = rest
			}
			if term != "" && k != "portee:"+term && n < maxAliases {
				out[term] = append(out[term], k)
				n++
			}
		}
	}
	return out
}

// maxPrefixes and maxAliases bound the work a hostile @context can make
// every term lookup do.
const (
	maxPrefixes = 4
	maxAliases  = 64
)

// term returns the value of one of our terms in m, however the document
// names it.
func (d *document) term(m map[string]any, name string) any {
	if v, ok := m["portee:"+name]; ok {
		return v
	}
	if v, ok := m[NS+name]; ok {
		return v
	}
	for _, k := range d.aliases[name] {
		if v, ok := m[k]; ok {
			return v
		}
	}
	return nil
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// str reads a string in its compact forms: "x", {"@value": "x"}, ["x"].
func str(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case json.Number:
		return t.String()
	case map[string]any:
		if s, ok := t["@value"].(string); ok {
			return s
		}
	case []any:
		for _, x := range t {
			if s := str(x); s != "" {
				return s
			}
		}
	}
	return ""
}

// strList reads a list of strings given as an array or a scalar.
func strList(v any) []string {
	var out []string
	switch t := v.(type) {
	case []any:
		for _, x := range t {
			if s := str(x); s != "" {
				out = append(out, s)
			}
		}
	default:
		if s := str(t); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// langStr reads a natural-language property from key or its map form
// (nameMap, contentMap), French first as our reference language.
func langStr(m map[string]any, key string) string {
	if s := str(m[key]); s != "" {
		return s
	}
	lm, ok := m[key+"Map"].(map[string]any)
	if !ok {
		return ""
	}
	for _, l := range []string{"fr", "und", "en"} {
		if s := str(lm[l]); s != "" {
			return s
		}
	}
	keys := make([]string, 0, len(lm))
	for k := range lm {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if s := str(lm[k]); s != "" {
			return s
		}
	}
	return ""
}

// idOf reads a reference in its compact forms: an IRI, an object with an id
// (or a Link with an href), or the first of an array of those.
func idOf(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case map[string]any:
		if s, ok := t["id"].(string); ok && s != "" {
			return s
		}
		if s, ok := t["@id"].(string); ok && s != "" {
			return s
		}
		if s, ok := t["href"].(string); ok {
			return s
		}
	case []any:
		for _, x := range t {
			if s := idOf(x); s != "" {
				return s
			}
		}
	}
	return ""
}

// objID is the id of a JSON-LD object, "id" or its keyword form "@id".
func objID(m map[string]any) string {
	if s, ok := m["id"].(string); ok {
		return s
	}
	s, _ := m["@id"].(string)
	return s
}

// audience reads to/cc: a list of references; the compact forms of the
// public collection are expanded to its full IRI.
func audience(v any) []string {
	var list []any
	if arr, ok := v.([]any); ok {
		list = arr
	} else if v != nil {
		list = []any{v}
	}
	var out []string
	for _, x := range list {
		s := idOf(x)
		switch s {
		case "":
			continue
		case "as:Public", "Public":
			s = Public
		}
		out = append(out, s)
	}
	return out
}

// types reads "type" (or "@type"), a string or an array of strings.
func types(m map[string]any) []string {
	v, ok := m["type"]
	if !ok {
		v = m["@type"]
	}
	var out []string
	for _, s := range strList(v) {
		out = append(out, strings.TrimPrefix(s, "as:"))
	}
	return out
}

// pickType returns the first of the document's types that is in want, or
// the first type when want is empty.
func pickType(m map[string]any, want ...string) string {
	ts := types(m)
	if len(want) == 0 {
		if len(ts) > 0 {
			return ts[0]
		}
		return ""
	}
	for _, t := range ts {
		for _, w := range want {
			if t == w {
				return t
			}
		}
	}
	return ""
}

func num(v any) (float64, bool) {
	var f float64
	var err error
	switch t := v.(type) {
	case json.Number:
		f, err = t.Float64()
	case string:
		f, err = strconv.ParseFloat(strings.TrimSpace(t), 64)
	case map[string]any:
		return num(t["@value"])
	case []any:
		if len(t) > 0 {
			return num(t[0])
		}
		return 0, false
	default:
		return 0, false
	}
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

func boolOf(v any) (bool, bool) {
	switch t := v.(type) {
	case bool:
		return t, true
	case string:
		b, err := strconv.ParseBool(t)
		return b, err == nil
	case map[string]any:
		return boolOf(t["@value"])
	case []any:
		if len(t) > 0 {
			return boolOf(t[0])
		}
	}
	return false, false
}

// timeOf reads an xsd:dateTime in the shapes servers write.
func timeOf(v any) time.Time {
	s := strings.TrimSpace(str(v))
	if s == "" {
		return time.Time{}
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00", "2006-01-02T15:04:05", time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// absURL returns s when it is an absolute http(s) URL, else "". Remote
// URLs end up in links on our pages: nothing else may get through.
func absURL(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 2048 {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return s
}

func requireURL(what, s string) (string, error) {
	if s == "" {
		return "", invalid("no %s", what)
	}
	if absURL(s) == "" {
		return "", invalid("%s %q is not an absolute http(s) URL", what, truncate(s, 100))
	}
	return s, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// htmlToText turns remote HTML (a bio, a summary) into plain text: </p> and
// <br> become line breaks, tags go, entities are decoded. The frontend
// escapes the text again when it shows it.
func htmlToText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return strings.TrimSpace(s)
	}
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	paragraphs := 0
	for {
		switch z.Next() {
		case html.ErrorToken:
			return strings.TrimSpace(b.String())
		case html.TextToken:
			b.Write(z.Text())
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "br":
				b.WriteString("\n")
			case "p":
				if paragraphs > 0 {
					b.WriteString("\n\n")
				}
				paragraphs++
			}
		}
	}
}

// firstHref returns the target of the first link in an HTML fragment, or
// the fragment itself when it is a bare URL or address.
func firstHref(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return strings.TrimSpace(htmlToText(s))
		case html.StartTagToken:
			name, hasAttr := z.TagName()
			if string(name) != "a" {
				continue
			}
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				if string(k) == "href" {
					return strings.TrimSpace(string(v))
				}
			}
		}
	}
}

// Parsed is an incoming activity. Object holds the embedded object when the
// activity embeds one (nil when it names it by IRI); ObjectID is its id in
// both cases. Updated is the embedded object's "updated", else the
// activity's: what ordering of updates needs.
type Parsed struct {
	ID, Type, Actor      string
	ObjectID, ObjectType string
	Object               json.RawMessage
	To, CC               []string
	Published, Updated   time.Time
}

// activitiesWithObject are the types that mean nothing without an object.
var activitiesWithObject = map[string]bool{
	"Create": true, "Update": true, "Delete": true, "Follow": true, "Accept": true,
	"Reject": true, "Undo": true, "Announce": true, "Like": true, "Add": true,
	"Remove": true, "Block": true, "Move": true, "Flag": true,
	"TentativeAccept": true, "TentativeReject": true, "Dislike": true,
}

// ParseActivity reads any activity; the caller decides what to do with its
// type. It requires an id, a type, an actor and, for the types that need
// one, an object.
func ParseActivity(b []byte) (*Parsed, error) {
	p, err := parseActivity(b)
	if err != nil {
		return nil, fmt.Errorf("vocab: parse activity: %w", err)
	}
	return p, nil
}

func parseActivity(b []byte) (*Parsed, error) {
	d, err := decodeDocument(b)
	if err != nil {
		return nil, err
	}
	m := d.m
	p := &Parsed{Type: pickType(m)}
	if p.Type == "" {
		return nil, invalid("no type")
	}
	if p.ID, err = requireURL("id", objID(m)); err != nil {
		return nil, err
	}
	if p.Actor, err = requireURL("actor", idOf(m["actor"])); err != nil {
		return nil, err
	}
	p.To, p.CC = audience(m["to"]), audience(m["cc"])
	p.Published = timeOf(m["published"])
	p.Updated = timeOf(m["updated"])

	obj := m["object"]
	if arr, ok := obj.([]any); ok && len(arr) > 0 {
		obj = arr[0]
	}
	switch o := obj.(type) {
	case nil:
		if activitiesWithObject[p.Type] {
			return nil, invalid("%s without an object", p.Type)
		}
	case string:
		if p.ObjectID, err = requireURL("object", o); err != nil {
			return nil, err
		}
	case map[string]any:
		p.ObjectType = pickType(o)
		p.ObjectID = idOf(o)
		if p.ObjectID != "" {
			if _, err := requireURL("object id", p.ObjectID); err != nil {
				return nil, err
			}
		}
		if p.ObjectType == "" {
			// {"id": …} alone is a reference written as an object.
			if p.ObjectID == "" {
				return nil, invalid("embedded object without a type or an id")
			}
			break
		}
		if u := timeOf(o["updated"]); !u.IsZero() {
			p.Updated = u
		}
		if p.Object, err = encode(o); err != nil {
			return nil, invalid("object: %v", err)
		}
	default:
		return nil, invalid("object is %s", jsonKind(obj))
	}
	return p, nil
}

// RemoteActor is a fetched actor. Hoster holds what maps to the catalog;
// Type is the actor's ActivityStreams type; OffersURL and DeclarationURL
// are set by Portée nodes only.
type RemoteActor struct {
	Hoster                    catalog.Hoster
	Type                      string
	OffersURL, DeclarationURL string
	// ActivitiesURL is a Portée node's full list of activities (older
	// nodes list them in the outbox); FeaturedURL the pinned collection.
	ActivitiesURL, FeaturedURL string
	// Role is our term "role" of an instance actor: RoleDirectory on a
	// Portée directory.
	Role string
}

// IsPorteeHoster tells whether the actor is a hoster published by a Portée
// node: an Organization that links its offers collection. A directory
// follows and stores no other actor.
func (ra *RemoteActor) IsPorteeHoster() bool {
	return ra.Type == "Organization" && ra.OffersURL != ""
}

// IsPorteeDirectory tells whether the actor says it is a Portée directory:
// an Application with our term role = directory.
func (ra *RemoteActor) IsPorteeDirectory() bool {
	return ra.Type == "Application" && ra.Role == RoleDirectory
}

var actorTypes = []string{"Organization", "Application", "Person", "Service", "Group"}

// ParseActor reads an actor document. It requires an id, an inbox, a
// preferredUsername and an embedded public key owned by the actor. It does
// not apply catalog.Hoster.Validate: a Mastodon username is not a valid
// hoster username, and only the caller knows which one it reads.
func ParseActor(b []byte) (*RemoteActor, error) {
	a, err := parseActor(b)
	if err != nil {
		return nil, fmt.Errorf("vocab: parse actor: %w", err)
	}
	return a, nil
}

func parseActor(b []byte) (*RemoteActor, error) {
	d, err := decodeDocument(b)
	if err != nil {
		return nil, err
	}
	m := d.m
	ra := &RemoteActor{Type: pickType(m, actorTypes...)}
	if ra.Type == "" {
		return nil, invalid("type %v is not an actor type", types(m))
	}
	h := &ra.Hoster
	if h.ActorID, err = requireURL("id", objID(m)); err != nil {
		return nil, err
	}
	u, _ := url.Parse(h.ActorID)
	h.Domain = strings.ToLower(u.Host)
	h.Username = strings.TrimSpace(str(m["preferredUsername"]))
	if h.Username == "" {
		return nil, invalid("no preferredUsername")
	}
	if h.InboxURL, err = requireURL("inbox", idOf(m["inbox"])); err != nil {
		return nil, err
	}
	h.OutboxURL = absURL(idOf(m["outbox"]))
	h.FollowersURL = absURL(idOf(m["followers"]))
	if ep, ok := m["endpoints"].(map[string]any); ok {
		h.SharedInboxURL = absURL(idOf(ep["sharedInbox"]))
	}
	if err := readPublicKey(m["publicKey"], h); err != nil {
		return nil, err
	}

	h.Name = strings.TrimSpace(langStr(m, "name"))
	if h.Name == "" {
		h.Name = h.Username
	}
	h.Summary = htmlToText(langStr(m, "summary"))
	h.IconURL = absURL(idOf(firstObjectOrValue(m["icon"], "url")))
	h.Discoverable = true
	if v, ok := m["discoverable"]; ok {
		if b, ok := boolOf(v); ok {
			h.Discoverable = b
		}
	} else if b, ok := boolOf(m["toot:discoverable"]); ok {
		h.Discoverable = b
	}
	readAttachments(m["attachment"], h)
	if h.Website == "" {
		if site := absURL(idOf(m["url"])); site != h.ActorID {
			h.Website = site
		}
	}
	readPlace(d, m["location"], &h.Location)
	h.OrgType = str(d.term(m, "orgType"))
	h.MemberSince = str(d.term(m, "memberSince"))
	if n, ok := num(d.term(m, "portee")); ok && n >= 0 && n < 1e6 {
		h.Portee = int(n)
	}
	h.Updated = timeOf(m["updated"])
	ra.OffersURL = absURL(idOf(d.term(m, "offers")))
	ra.DeclarationURL = absURL(idOf(d.term(m, "charterDeclaration")))
	ra.ActivitiesURL = absURL(idOf(d.term(m, "activities")))
	ra.FeaturedURL = absURL(idOf(m["featured"]))
	ra.Role = str(d.term(m, "role"))
	return ra, nil
}

// firstObjectOrValue follows an Image-like value to its url: icon may be an
// IRI, an Image with a url (itself an IRI or a Link), or an array of those.
func firstObjectOrValue(v any, key string) any {
	if arr, ok := v.([]any); ok {
		if len(arr) == 0 {
			return nil
		}
		v = arr[0]
	}
	if o, ok := v.(map[string]any); ok {
		if x, ok := o[key]; ok {
			return x
		}
	}
	return v
}

// readPublicKey takes the first embedded key owned by the actor: some
// servers publish several keys, and a key owned by someone else is never
// the actor's.
func readPublicKey(v any, h *catalog.Hoster) error {
	var keys []any
	switch t := v.(type) {
	case []any:
		keys = t
	case map[string]any:
		keys = []any{t}
	case nil:
		return invalid("no publicKey")
	default:
		return invalid("publicKey is %s, not an embedded key", jsonKind(v))
	}
	actorHost := ""
	if u, err := url.Parse(h.ActorID); err == nil {
		actorHost = strings.ToLower(u.Host)
	}
	for _, k := range keys {
		km, ok := k.(map[string]any)
		if !ok || idOf(km["owner"]) != h.ActorID {
			continue
		}
		kid, err := requireURL("publicKey.id", idOf(km))
		if err != nil {
			return err
		}
		if u, _ := url.Parse(kid); strings.ToLower(u.Host) != actorHost {
			return invalid("publicKey.id %q is not on the actor's host", truncate(kid, 100))
		}
		pemText := str(km["publicKeyPem"])
		if block, _ := pem.Decode([]byte(pemText)); block == nil || !strings.Contains(block.Type, "PUBLIC KEY") {
			return invalid("publicKey.publicKeyPem is not a PEM public key")
		}
		h.PublicKeyID, h.PublicKeyPEM = kid, pemText
		return nil
	}
	return invalid("no publicKey owned by %q", truncate(h.ActorID, 100))
}

// Names under which servers publish the PropertyValues we read, lower-cased.
var (
	websiteFields = map[string]bool{"site web": true, "website": true, "site": true, "web": true, "site internet": true}
	contactFields = map[string]bool{"contact": true, "email": true, "e-mail": true, "courriel": true, "mail": true}
	legalFields   = map[string]bool{"mentions légales": true, "legal notice": true, "legal": true, "imprint": true, "cgu": true, "terms": true}
)

func readAttachments(v any, h *catalog.Hoster) {
	list, ok := v.([]any)
	if !ok {
		list = []any{v}
	}
	for _, x := range list {
		pv, ok := x.(map[string]any)
		if !ok || pickType(pv, "PropertyValue", "schema:PropertyValue") == "" {
			continue
		}
		name := strings.ToLower(strings.TrimSpace(str(pv["name"])))
		target := firstHref(str(pv["value"]))
		switch {
		case websiteFields[name] && h.Website == "":
			h.Website = absURL(target)
		case contactFields[name] && h.Email == "":
			addr := strings.TrimPrefix(target, "mailto:")
			if i := strings.IndexByte(addr, '?'); i >= 0 {
				addr = addr[:i]
			}
			if a, err := url.PathUnescape(addr); err == nil {
				addr = a
			}
			if strings.Contains(addr, "@") && !strings.ContainsAny(addr, " <>\"") && len(addr) <= 254 {
				h.Email = addr
			}
		case legalFields[name] && h.LegalURL == "":
			h.LegalURL = absURL(target)
		}
	}
}

// readPlace reads location: a Place (or the first of several) with
// coordinates, an address as a string or a PostalAddress, and our terms.
func readPlace(d *document, v any, l *catalog.Location) {
	if arr, ok := v.([]any); ok && len(arr) > 0 {
		v = arr[0]
	}
	pl, ok := v.(map[string]any)
	if !ok {
		return
	}
	lat, okLat := num(pl["latitude"])
	lon, okLon := num(pl["longitude"])
	if okLat && okLon && lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180 {
		l.Latitude, l.Longitude = &lat, &lon
	}
	switch a := pl["address"].(type) {
	case string:
		l.Address = a
	case map[string]any:
		l.Address = str(a["streetAddress"])
		l.PostalCode = str(a["postalCode"])
		l.Commune = str(a["addressLocality"])
		l.Country = str(a["addressCountry"])
	}
	if s := str(d.term(pl, "postalCode")); s != "" {
		l.PostalCode = s
	}
	l.INSEE = str(d.term(pl, "insee"))
	l.Departement = str(d.term(pl, "departement"))
	l.Region = str(d.term(pl, "region"))
	if l.Commune == "" {
		// "Saint-Nazaire (44600)": the name we publish when no address is.
		name := strings.TrimSpace(langStr(pl, "name"))
		if i := strings.LastIndex(name, " ("); i > 0 && strings.HasSuffix(name, ")") {
			if l.PostalCode == "" {
				l.PostalCode = name[i+2 : len(name)-1]
			}
			name = name[:i]
		}
		l.Commune = name
	}
}

// offerTypes are the types an offer may have: ours, however the document
// names it, and Service, which nodes published before.
var offerTypes = []string{OfferType, "portee:" + OfferType, NS + OfferType, LegacyOfferType}

// IsOfferType tells whether typ is one of the types of an offer.
func IsOfferType(typ string) bool {
	for _, t := range offerTypes {
		if typ == t {
			return true
		}
	}
	return false
}

// ParseOffer reads an Offer published by a Portée node (or a Service, from
// older nodes) and returns it with the actor it is attributed to. The offer's Key is the last segment of its
// id; the offer must pass catalog.Offer.Validate.
func ParseOffer(b []byte) (*catalog.Offer, string, error) {
	o, by, err := parseOffer(b)
	if err != nil {
		return nil, "", fmt.Errorf("vocab: parse offer: %w", err)
	}
	return o, by, nil
}

func parseOffer(b []byte) (*catalog.Offer, string, error) {
	d, err := decodeDocument(b)
	if err != nil {
		return nil, "", err
	}
	m := d.m
	if pickType(m, offerTypes...) == "" {
		return nil, "", invalid("type %v is not Offer", types(m))
	}
	o := &catalog.Offer{}
	if o.ObjectID, err = requireURL("id", objID(m)); err != nil {
		return nil, "", err
	}
	by, err := requireURL("attributedTo", idOf(m["attributedTo"]))
	if err != nil {
		return nil, "", err
	}
	o.Key = lastSegment(o.ObjectID)
	o.Name = strings.TrimSpace(langStr(m, "name"))
	o.Summary = htmlToText(langStr(m, "summary"))
	o.Category = str(d.term(m, "category"))
	o.Registration = str(d.term(m, "registration"))
	o.Load = str(d.term(m, "load"))
	o.Price = str(d.term(m, "price"))
	o.Quota = str(d.term(m, "quota"))
	o.Audience = str(d.term(m, "audience"))
	o.Status = str(d.term(m, "status"))
	o.StartDate = str(d.term(m, "startDate"))
	o.AreaDepartements = strList(d.term(m, "areaDepartements"))
	if r, ok := num(d.term(m, "areaRadiusKm")); ok {
		o.AreaRadiusKm = r
	}
	o.Languages = strList(d.term(m, "languages"))
	o.URL = idOf(d.term(m, "serviceUrl"))
	if u := idOf(m["url"]); o.URL == "" && u != o.ObjectID {
		// Older nodes: url was the service; ours is the offer's own page.
		o.URL = u
	}
	if sw, ok := firstMap(d.term(m, "software")); ok {
		o.Software.Name = str(sw["name"])
		o.Software.Version = str(d.term(sw, "version"))
		o.Software.License = str(d.term(sw, "license"))
		o.Software.SourceURL = idOf(d.term(sw, "sourceCode"))
		o.Software.Website = idOf(d.term(sw, "website"))
	}
	o.CreatedAt = timeOf(m["published"])
	o.Updated = timeOf(m["updated"])
	if o.Updated.IsZero() {
		o.Updated = o.CreatedAt
	}
	if err := o.Validate(); err != nil {
		return nil, "", invalid("offer %q: %v", truncate(o.ObjectID, 100), err)
	}
	return o, by, nil
}

func firstMap(v any) (map[string]any, bool) {
	if arr, ok := v.([]any); ok && len(arr) > 0 {
		v = arr[0]
	}
	m, ok := v.(map[string]any)
	return m, ok
}

func lastSegment(id string) string {
	u, err := url.Parse(id)
	if err != nil {
		return ""
	}
	// The escaped path: a key may hold an escaped slash.
	p := strings.TrimRight(u.EscapedPath(), "/")
	seg := p[strings.LastIndexByte(p, '/')+1:]
	if s, err := url.PathUnescape(seg); err == nil {
		return s
	}
	return seg
}

var answerStatuses = map[string]bool{
	catalog.AnswerYes: true, catalog.AnswerPartial: true, catalog.AnswerNo: true, catalog.AnswerNotApplicable: true,
}

// ParseDeclaration reads a CharterDeclaration and returns it with the actor
// it is attributed to. Answers are checked for shape here; whether they
// answer real commitments needs the charter (CharterDeclaration.Validate).
func ParseDeclaration(b []byte) (*catalog.CharterDeclaration, string, error) {
	dc, by, err := parseDeclaration(b)
	if err != nil {
		return nil, "", fmt.Errorf("vocab: parse declaration: %w", err)
	}
	return dc, by, nil
}

func parseDeclaration(b []byte) (*catalog.CharterDeclaration, string, error) {
	d, err := decodeDocument(b)
	if err != nil {
		return nil, "", err
	}
	m := d.m
	if pickType(m, "CharterDeclaration", "portee:CharterDeclaration", NS+"CharterDeclaration") == "" {
		return nil, "", invalid("type %v is not CharterDeclaration", types(m))
	}
	dc := &catalog.CharterDeclaration{}
	if dc.ObjectID, err = requireURL("id", objID(m)); err != nil {
		return nil, "", err
	}
	by, err := requireURL("attributedTo", idOf(m["attributedTo"]))
	if err != nil {
		return nil, "", err
	}
	dc.CharterID = str(d.term(m, "charter"))
	dc.CharterVersion = str(d.term(m, "charterVersion"))
	if dc.CharterID == "" || dc.CharterVersion == "" {
		return nil, "", invalid("no charter id or version")
	}
	answers := d.term(m, "answers")
	if l, ok := answers.(map[string]any); ok && l["@list"] != nil {
		answers = l["@list"]
	}
	list, ok := answers.([]any)
	if !ok && answers != nil {
		list = []any{answers}
	}
	dc.Answers = make(catalog.Answers, 0, len(list))
	for i, x := range list {
		am, ok := x.(map[string]any)
		if !ok {
			return nil, "", invalid("answers[%d] is %s", i, jsonKind(x))
		}
		a := catalog.Answer{
			Commitment:  str(d.term(am, "commitment")),
			Status:      str(d.term(am, "status")),
			EvidenceURL: idOf(d.term(am, "evidence")),
			Comment:     str(d.term(am, "comment")),
		}
		if a.Commitment == "" {
			return nil, "", invalid("answers[%d] has no commitment", i)
		}
		if !answerStatuses[a.Status] {
			return nil, "", invalid("answers[%d].status %q is not one of yes, partial, no, not-applicable", i, truncate(a.Status, 40))
		}
		if a.EvidenceURL != "" && absURL(a.EvidenceURL) == "" {
			return nil, "", invalid("answers[%d].evidence is not an http(s) URL", i)
		}
		dc.Answers = append(dc.Answers, a)
	}
	dc.CreatedAt = timeOf(m["published"])
	dc.Updated = timeOf(m["updated"])
	if dc.Updated.IsZero() {
		dc.Updated = dc.CreatedAt
	}
	return dc, by, nil
}

var collectionTypes = []string{"OrderedCollection", "OrderedCollectionPage", "Collection", "CollectionPage"}

// ParseCollection reads a collection or one of its pages. Items given as
// embedded objects come back in items, items given by reference in
// itemIRIs. When first is an embedded page, its items and its next are
// returned as well, and first is its id. total is 0 when not given.
func ParseCollection(b []byte) (items []json.RawMessage, itemIRIs []string, next string, first string, total int, err error) {
	c, err := parseCollection(b)
	if err != nil {
		return nil, nil, "", "", 0, fmt.Errorf("vocab: parse collection: %w", err)
	}
	return c.items, c.iris, c.next, c.first, c.total, nil
}

type collection struct {
	items       []json.RawMessage
	iris        []string
	next, first string
	total       int
}

func parseCollection(b []byte) (*collection, error) {
	d, err := decodeDocument(b)
	if err != nil {
		return nil, err
	}
	c := &collection{}
	if err := c.read(d.m, true); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *collection) read(m map[string]any, top bool) error {
	if pickType(m, collectionTypes...) == "" {
		return invalid("type %v is not a collection", types(m))
	}
	if top {
		if n, ok := num(m["totalItems"]); ok && n >= 0 && n <= math.MaxInt32 {
			c.total = int(n)
		}
	}
	for _, key := range []string{"orderedItems", "items"} {
		v, ok := m[key]
		if !ok || v == nil {
			continue
		}
		list, isArr := v.([]any)
		if !isArr {
			list = []any{v}
		}
		for i, x := range list {
			switch t := x.(type) {
			case string:
				if absURL(t) == "" {
					return invalid("%s[%d] is not an http(s) IRI", key, i)
				}
				c.iris = append(c.iris, t)
			case map[string]any:
				raw, err := encode(t)
				if err != nil {
					return invalid("%s[%d]: %v", key, i, err)
				}
				c.items = append(c.items, raw)
			default:
				return invalid("%s[%d] is %s", key, i, jsonKind(x))
			}
		}
	}
	if n := idOf(m["next"]); n != "" {
		if c.next = absURL(n); c.next == "" {
			return invalid("next is not an http(s) IRI")
		}
	}
	if !top {
		return nil
	}
	switch f := m["first"].(type) {
	case nil:
	case string:
		if c.first = absURL(f); c.first == "" {
			return invalid("first is not an http(s) IRI")
		}
	case map[string]any:
		c.first = absURL(idOf(f))
		if err := c.read(f, false); err != nil {
			return fmt.Errorf("first: %w", err)
		}
	default:
		return invalid("first is %s", jsonKind(f))
	}
	return nil
}

// TombstoneInfo is what a Tombstone says about a deleted object.
type TombstoneInfo struct {
	ID, FormerType string
	Deleted        time.Time
}

// ParseTombstone reads a Tombstone: what a deleted offer, or a deleted
// actor, is replaced by.
func ParseTombstone(b []byte) (*TombstoneInfo, error) {
	d, err := decodeDocument(b)
	if err != nil {
		return nil, fmt.Errorf("vocab: parse tombstone: %w", err)
	}
	if pickType(d.m, "Tombstone") == "" {
		return nil, fmt.Errorf("vocab: parse tombstone: %w", invalid("type %v is not Tombstone", types(d.m)))
	}
	id, err := requireURL("id", objID(d.m))
	if err != nil {
		return nil, fmt.Errorf("vocab: parse tombstone: %w", err)
	}
	return &TombstoneInfo{ID: id, FormerType: str(d.m["formerType"]), Deleted: timeOf(d.m["deleted"])}, nil
}

// IsTombstone reports whether b is a Tombstone (a gone object or actor).
func IsTombstone(b []byte) bool {
	d, err := decodeDocument(b)
	return err == nil && pickType(d.m, "Tombstone") != ""
}
