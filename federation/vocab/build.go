package vocab

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-fed/activity/streams"
	"github.com/go-fed/activity/streams/vocab"

	"codeberg.org/portee/portee/catalog"
)

// arrayKeys are always written as arrays: go-fed's streams writes a
// one-element list as a scalar, which Mastodon rejects for these.
var arrayKeys = []string{
	"orderedItems", "items", "attachment", "to", "cc", "bto", "bcc", "tag",
	"portee:areaDepartements", "portee:languages", "portee:answers",
}

// normalise rewrites, in place and in every embedded object, the properties
// of arrayKeys that hold a scalar as one-element arrays.
func normalise(v any) {
	switch t := v.(type) {
	case map[string]any:
		for _, k := range arrayKeys {
			if x, ok := t[k]; ok && x != nil {
				if _, isArr := x.([]any); !isArr {
					t[k] = []any{x}
				}
			}
		}
		for _, x := range t {
			normalise(x)
		}
	case []any:
		for _, x := range t {
			normalise(x)
		}
	}
}

// finish turns a serialised top-level object into published bytes: our
// @context, normalised arrays.
func finish(m map[string]any) ([]byte, error) {
	normalise(m)
	m["@context"] = documentContext()
	return encode(m)
}

// encode writes JSON without escaping <, > and & so that HTML content stays
// readable to people inspecting documents.
func encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// serialize is streams' Serialize without its @context: every document we
// publish carries the same full context instead.
func serialize(t vocab.Type) (map[string]any, error) {
	m, err := t.Serialize()
	if err != nil {
		return nil, err
	}
	delete(m, "@context")
	return m, nil
}

// iri parses an absolute http(s) IRI; our documents never hold anything else.
func iri(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("invalid IRI %q: %w", s, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("invalid IRI %q: not an absolute http(s) URL", s)
	}
	return u, nil
}

// fmtTime writes times in UTC with their full precision: ordering of updates
// relies on it, and RFC 3339 fractional seconds are valid xsd:dateTime.
func fmtTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func setTimes(m map[string]any, published, updated time.Time) {
	if !published.IsZero() {
		m["published"] = fmtTime(published)
	}
	if !updated.IsZero() {
		m["updated"] = fmtTime(updated)
	}
}

// objectProps is what every object we build has in common.
type objectProps struct {
	id, name, summaryText, url, attributedTo string
}

type objectSetter interface {
	SetJSONLDId(vocab.JSONLDIdProperty)
	SetActivityStreamsName(vocab.ActivityStreamsNameProperty)
	SetActivityStreamsSummary(vocab.ActivityStreamsSummaryProperty)
	SetActivityStreamsUrl(vocab.ActivityStreamsUrlProperty)
	SetActivityStreamsAttributedTo(vocab.ActivityStreamsAttributedToProperty)
}

func (o objectProps) apply(t objectSetter) error {
	u, err := iri(o.id)
	if err != nil {
		return err
	}
	idp := streams.NewJSONLDIdProperty()
	idp.Set(u)
	t.SetJSONLDId(idp)
	if o.name != "" {
		n := streams.NewActivityStreamsNameProperty()
		n.AppendXMLSchemaString(o.name)
		t.SetActivityStreamsName(n)
	}
	if o.summaryText != "" {
		s := streams.NewActivityStreamsSummaryProperty()
		s.AppendXMLSchemaString(textToHTML(o.summaryText))
		t.SetActivityStreamsSummary(s)
	}
	if o.url != "" {
		u, err := iri(o.url)
		if err != nil {
			return err
		}
		up := streams.NewActivityStreamsUrlProperty()
		up.AppendIRI(u)
		t.SetActivityStreamsUrl(up)
	}
	if o.attributedTo != "" {
		u, err := iri(o.attributedTo)
		if err != nil {
			return err
		}
		a := streams.NewActivityStreamsAttributedToProperty()
		a.AppendIRI(u)
		t.SetActivityStreamsAttributedTo(a)
	}
	return nil
}

// textToHTML renders plain text as Mastodon renders a bio: paragraphs on
// blank lines, <br> on single line breaks, everything escaped.
func textToHTML(s string) string {
	s = strings.ReplaceAll(strings.TrimSpace(s), "\r\n", "\n")
	var b strings.Builder
	for _, para := range strings.Split(s, "\n\n") {
		para = strings.TrimSpace(para)
		if para == "" {
			continue
		}
		lines := strings.Split(para, "\n")
		for i := range lines {
			lines[i] = html.EscapeString(lines[i])
		}
		b.WriteString("<p>" + strings.Join(lines, "<br>") + "</p>")
	}
	return b.String()
}

// linkHTML is a PropertyValue value as Mastodon writes it: a link with the
// rel="me" that lets Mastodon verify the website.
func linkHTML(href string) string {
	text := strings.TrimPrefix(strings.TrimPrefix(href, "https://"), "http://")
	text = strings.TrimPrefix(text, "mailto:")
	return `<a href="` + html.EscapeString(href) + `" rel="me nofollow noopener" target="_blank">` +
		html.EscapeString(text) + `</a>`
}

// Names of the PropertyValues of a hoster, French first (the reference
// language); the parser also knows the English ones.
const (
	fieldWebsite     = "Site web"
	fieldContact     = "Contact"
	fieldLegal       = "Mentions légales"
	fieldMemberSince = "Membre depuis"
)

func propertyValue(name, value string) map[string]any {
	return map[string]any{"type": "PropertyValue", "name": name, "value": value}
}

var frMonths = [...]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet",
	"août", "septembre", "octobre", "novembre", "décembre"}

// memberSinceText is the human "Membre depuis" value: "12 mars 2019 (portée 7)".
func memberSinceText(date string, portee int) string {
	s := date
	if t, err := time.Parse(time.DateOnly, date); err == nil {
		s = fmt.Sprintf("%d %s %d", t.Day(), frMonths[t.Month()-1], t.Year())
	}
	if portee > 0 {
		if s == "" {
			return "portée " + strconv.Itoa(portee)
		}
		s += " (portée " + strconv.Itoa(portee) + ")"
	}
	return s
}

func publicKey(actorID, pem string) (map[string]any, error) {
	pk := streams.NewW3IDSecurityV1PublicKey()
	kid, err := iri(KeyID(actorID))
	if err != nil {
		return nil, err
	}
	owner, err := iri(actorID)
	if err != nil {
		return nil, err
	}
	idp := streams.NewJSONLDIdProperty()
	idp.Set(kid)
	pk.SetJSONLDId(idp)
	op := streams.NewW3IDSecurityV1OwnerProperty()
	op.Set(owner)
	pk.SetW3IDSecurityV1Owner(op)
	pp := streams.NewW3IDSecurityV1PublicKeyPemProperty()
	pp.Set(pem)
	pk.SetW3IDSecurityV1PublicKeyPem(pp)
	m, err := serialize(pk)
	if err != nil {
		return nil, err
	}
	// streams adds a "type" the security vocabulary has no use for here;
	// Mastodon and GoToSocial publish keys without it.
	delete(m, "type")
	return m, nil
}

// actorSetter is what Organization and Application share.
type actorSetter interface {
	objectSetter
	vocab.Type
	SetActivityStreamsPreferredUsername(vocab.ActivityStreamsPreferredUsernameProperty)
	SetActivityStreamsInbox(vocab.ActivityStreamsInboxProperty)
	SetActivityStreamsOutbox(vocab.ActivityStreamsOutboxProperty)
	SetActivityStreamsFollowers(vocab.ActivityStreamsFollowersProperty)
	SetActivityStreamsFollowing(vocab.ActivityStreamsFollowingProperty)
	SetActivityStreamsIcon(vocab.ActivityStreamsIconProperty)
	SetTootDiscoverable(vocab.TootDiscoverableProperty)
}

type actorProps struct {
	objectProps
	username, inbox, outbox, followers, following, icon string
	iconType                                            string // media type of icon, when known
	discoverable                                        bool
}

func (a actorProps) build(t actorSetter, sharedInbox, pem string) (map[string]any, error) {
	if err := a.objectProps.apply(t); err != nil {
		return nil, err
	}
	pu := streams.NewActivityStreamsPreferredUsernameProperty()
	pu.SetXMLSchemaString(a.username)
	t.SetActivityStreamsPreferredUsername(pu)
	for _, c := range []struct {
		v   string
		set func(*url.URL)
	}{
		{a.inbox, func(u *url.URL) {
			p := streams.NewActivityStreamsInboxProperty()
			p.SetIRI(u)
			t.SetActivityStreamsInbox(p)
		}},
		{a.outbox, func(u *url.URL) {
			p := streams.NewActivityStreamsOutboxProperty()
			p.SetIRI(u)
			t.SetActivityStreamsOutbox(p)
		}},
		{a.followers, func(u *url.URL) {
			p := streams.NewActivityStreamsFollowersProperty()
			p.SetIRI(u)
			t.SetActivityStreamsFollowers(p)
		}},
		{a.following, func(u *url.URL) {
			p := streams.NewActivityStreamsFollowingProperty()
			p.SetIRI(u)
			t.SetActivityStreamsFollowing(p)
		}},
	} {
		u, err := iri(c.v)
		if err != nil {
			return nil, err
		}
		c.set(u)
	}
	if a.icon != "" {
		u, err := iri(a.icon)
		if err != nil {
			return nil, err
		}
		img := streams.NewActivityStreamsImage()
		up := streams.NewActivityStreamsUrlProperty()
		up.AppendIRI(u)
		img.SetActivityStreamsUrl(up)
		if a.iconType != "" {
			mt := streams.NewActivityStreamsMediaTypeProperty()
			mt.Set(a.iconType)
			img.SetActivityStreamsMediaType(mt)
		}
		ip := streams.NewActivityStreamsIconProperty()
		ip.AppendActivityStreamsImage(img)
		t.SetActivityStreamsIcon(ip)
	}
	d := streams.NewTootDiscoverableProperty()
	d.Set(a.discoverable)
	t.SetTootDiscoverable(d)

	m, err := serialize(t)
	if err != nil {
		return nil, err
	}
	pk, err := publicKey(a.id, pem)
	if err != nil {
		return nil, err
	}
	m["publicKey"] = pk
	// streams v1.0.0 knows neither endpoints nor manuallyApprovesFollowers.
	m["endpoints"] = map[string]any{"sharedInbox": sharedInbox}
	m["manuallyApprovesFollowers"] = false
	m["tag"] = []any{}
	return m, nil
}

// Hoster builds the Organization actor of a local hoster.
func Hoster(p Paths, h *catalog.Hoster, publicKeyPEM string) ([]byte, error) {
	b, err := hoster(p, h, publicKeyPEM)
	if err != nil {
		return nil, fmt.Errorf("vocab: build hoster %q: %w", h.Username, err)
	}
	return b, nil
}

func hoster(p Paths, h *catalog.Hoster, pem string) ([]byte, error) {
	if h.Username == "" {
		return nil, errors.New("no username")
	}
	if pem == "" {
		return nil, errors.New("no public key")
	}
	actor := p.Actor(h.Username)
	site := h.Website
	if site == "" {
		site = actor
	}
	a := actorProps{
		objectProps: objectProps{id: actor, name: h.Name, summaryText: h.Summary, url: site},
		username:    h.Username,
		inbox:       p.Inbox(h.Username), outbox: p.Outbox(h.Username),
		followers: p.Followers(h.Username), following: p.Following(h.Username),
		icon: h.IconURL, discoverable: h.Discoverable,
	}
	if a.icon == "" {
		// A profile without an avatar looks abandoned: the node draws one.
		a.icon, a.iconType = p.Avatar(h.Username), "image/png"
	}
	m, err := a.build(streams.NewActivityStreamsOrganization(), p.SharedInbox(), pem)
	if err != nil {
		return nil, err
	}

	var att []any
	if h.Website != "" {
		att = append(att, propertyValue(fieldWebsite, linkHTML(h.Website)))
	}
	if h.Email != "" {
		att = append(att, propertyValue(fieldContact, linkHTML("mailto:"+h.Email)))
	}
	if h.LegalURL != "" {
		att = append(att, propertyValue(fieldLegal, linkHTML(h.LegalURL)))
	}
	if h.MemberSince != "" || h.Portee > 0 {
		att = append(att, propertyValue(fieldMemberSince, html.EscapeString(memberSinceText(h.MemberSince, h.Portee))))
	}
	if len(att) > 0 {
		m["attachment"] = att
	}

	if loc, err := place(h.Location); err != nil {
		return nil, err
	} else if loc != nil {
		m["location"] = loc
	}

	m["featured"] = p.Featured(h.Username)
	m["portee:offers"] = p.Offers(h.Username)
	m["portee:activities"] = p.Activities(h.Username)
	m["portee:charterDeclaration"] = p.Declaration(h.Username)
	m["portee:audits"] = p.Audits(h.Username)
	m["portee:chatonsInfos"] = p.ChatonsInfos(h.Username)
	if h.MemberSince != "" {
		m["portee:memberSince"] = h.MemberSince
	}
	if h.Portee > 0 {
		m["portee:portee"] = h.Portee
	}
	if h.OrgType != "" {
		m["portee:orgType"] = h.OrgType
	}
	setTimes(m, joined(h), h.Updated)
	return finish(m)
}

// joined is the actor's "published", which profiles show as the date the
// account joined: the date the collective admitted the hoster when known,
// not the day this node's database was created.
func joined(h *catalog.Hoster) time.Time {
	if t, err := time.Parse(time.DateOnly, h.MemberSince); err == nil {
		return t
	}
	return h.CreatedAt
}

// place is the hoster's location: an ActivityStreams Place named
// "Commune (CP)" with coordinates, a schema.org address and our terms for the
// French administrative codes. Nil when nothing is known.
func place(l catalog.Location) (map[string]any, error) {
	if l == (catalog.Location{}) {
		return nil, nil
	}
	pl := streams.NewActivityStreamsPlace()
	name := l.Commune
	switch {
	case name != "" && l.PostalCode != "":
		name += " (" + l.PostalCode + ")"
	case name == "":
		name = l.PostalCode
	}
	if name != "" {
		n := streams.NewActivityStreamsNameProperty()
		n.AppendXMLSchemaString(name)
		pl.SetActivityStreamsName(n)
	}
	if l.HasCoords() {
		lat := streams.NewActivityStreamsLatitudeProperty()
		lat.Set(*l.Latitude)
		pl.SetActivityStreamsLatitude(lat)
		lon := streams.NewActivityStreamsLongitudeProperty()
		lon.Set(*l.Longitude)
		pl.SetActivityStreamsLongitude(lon)
	}
	m, err := serialize(pl)
	if err != nil {
		return nil, err
	}
	addr := map[string]any{"type": "PostalAddress"}
	for k, v := range map[string]string{"streetAddress": l.Address, "postalCode": l.PostalCode,
		"addressLocality": l.Commune, "addressCountry": l.Country} {
		if v != "" {
			addr[k] = v
		}
	}
	if len(addr) > 1 {
		m["address"] = addr
	}
	for k, v := range map[string]string{"portee:postalCode": l.PostalCode, "portee:insee": l.INSEE,
		"portee:departement": l.Departement, "portee:region": l.Region} {
		if v != "" {
			m[k] = v
		}
	}
	return m, nil
}

// Application builds the instance actor: the directory's actor and every
// node's fetch signer. Its collections live under Paths.InstanceActor; role
// (RoleDirectory or RoleNode) is published as our term "role", by which a
// node recognises the directories among its followers.
func Application(p Paths, username, name, summary, role, publicKeyPEM string) ([]byte, error) {
	if username == "" || publicKeyPEM == "" {
		return nil, errors.New("vocab: build application: username and public key are required")
	}
	a := actorProps{
		objectProps: objectProps{id: p.InstanceActor(), name: name, summaryText: summary, url: p.base() + "/"},
		username:    username,
		inbox:       p.InstanceInbox(), outbox: p.InstanceOutbox(),
		followers: p.InstanceFollowers(), following: p.InstanceFollowing(),
		// An instance actor is machinery, not someone to follow.
		discoverable: false,
	}
	m, err := a.build(streams.NewActivityStreamsApplication(), p.SharedInbox(), publicKeyPEM)
	if err != nil {
		return nil, fmt.Errorf("vocab: build application %q: %w", username, err)
	}
	if role != "" {
		m["portee:role"] = role
	}
	return finish(m)
}

// Offer builds the Offer object of an offer, or its Tombstone once deleted.
func Offer(p Paths, h *catalog.Hoster, o *catalog.Offer) ([]byte, error) {
	b, err := offer(p, h, o)
	if err != nil {
		return nil, fmt.Errorf("vocab: build offer %q: %w", o.Key, err)
	}
	return b, nil
}

func offerID(p Paths, h *catalog.Hoster, o *catalog.Offer) string {
	return p.Offer(h.Username, o.Key)
}

func offerMap(p Paths, h *catalog.Hoster, o *catalog.Offer) (map[string]any, error) {
	if o.Key == "" {
		return nil, errors.New("no key")
	}
	id := offerID(p, h, o)
	if o.DeletedAt != nil {
		return tombstone(id, OfferType, *o.DeletedAt)
	}
	// The url is the offer's HTML page, which the node serves on the id
	// itself to browsers; where to use the service is portee:serviceUrl.
	obj := streams.NewActivityStreamsObject()
	props := objectProps{id: id, name: o.Name, summaryText: o.Summary, url: id, attributedTo: p.Actor(h.Username)}
	if err := props.apply(obj); err != nil {
		return nil, err
	}
	m, err := serialize(obj)
	if err != nil {
		return nil, err
	}
	m["type"] = OfferType
	m["to"] = []any{Public}
	m["cc"] = []any{p.Followers(h.Username)}
	put := func(k, v string) {
		if v != "" {
			m[k] = v
		}
	}
	put("portee:category", o.Category)
	put("portee:registration", o.Registration)
	put("portee:load", o.Load)
	put("portee:price", o.Price)
	put("portee:quota", o.Quota)
	put("portee:audience", o.Audience)
	put("portee:status", o.Status)
	put("portee:serviceUrl", o.URL)
	put("portee:startDate", o.StartDate)
	if len(o.AreaDepartements) > 0 {
		m["portee:areaDepartements"] = strs(o.AreaDepartements)
	}
	if o.AreaRadiusKm > 0 {
		m["portee:areaRadiusKm"] = o.AreaRadiusKm
	}
	if len(o.Languages) > 0 {
		m["portee:languages"] = strs(o.Languages)
	}
	if o.Software != (catalog.Software{}) {
		sw := map[string]any{}
		for k, v := range map[string]string{"name": o.Software.Name, "portee:version": o.Software.Version,
			"portee:license": o.Software.License, "portee:sourceCode": o.Software.SourceURL,
			"portee:website": o.Software.Website} {
			if v != "" {
				sw[k] = v
			}
		}
		m["portee:software"] = sw
	}
	setTimes(m, o.CreatedAt, o.Updated)
	return m, nil
}

func offer(p Paths, h *catalog.Hoster, o *catalog.Offer) ([]byte, error) {
	m, err := offerMap(p, h, o)
	if err != nil {
		return nil, err
	}
	return finish(m)
}

func strs(l []string) []any {
	out := make([]any, len(l))
	for i, s := range l {
		out[i] = s
	}
	return out
}

func tombstone(id, formerType string, deleted time.Time) (map[string]any, error) {
	t := streams.NewActivityStreamsTombstone()
	u, err := iri(id)
	if err != nil {
		return nil, err
	}
	idp := streams.NewJSONLDIdProperty()
	idp.Set(u)
	t.SetJSONLDId(idp)
	ft := streams.NewActivityStreamsFormerTypeProperty()
	ft.AppendXMLSchemaString(formerType)
	t.SetActivityStreamsFormerType(ft)
	m, err := serialize(t)
	if err != nil {
		return nil, err
	}
	if !deleted.IsZero() {
		m["deleted"] = fmtTime(deleted)
	}
	return m, nil
}

// Tombstone builds the Tombstone left where an object was deleted.
func Tombstone(id, formerType string, deleted time.Time) ([]byte, error) {
	m, err := tombstone(id, formerType, deleted)
	if err != nil {
		return nil, fmt.Errorf("vocab: build tombstone: %w", err)
	}
	return finish(m)
}

// Declaration builds the hoster's CharterDeclaration, our own type.
func Declaration(p Paths, h *catalog.Hoster, d *catalog.CharterDeclaration) ([]byte, error) {
	b, err := declaration(p, h, d)
	if err != nil {
		return nil, fmt.Errorf("vocab: build declaration of %q: %w", h.Username, err)
	}
	return b, nil
}

func declaration(p Paths, h *catalog.Hoster, d *catalog.CharterDeclaration) ([]byte, error) {
	if d.CharterID == "" || d.CharterVersion == "" {
		return nil, errors.New("no charter id or version")
	}
	obj := streams.NewActivityStreamsObject()
	props := objectProps{id: p.Declaration(h.Username), attributedTo: p.Actor(h.Username),
		name: "Déclaration de " + h.Name + " (charte " + d.CharterID + " " + d.CharterVersion + ")"}
	if err := props.apply(obj); err != nil {
		return nil, err
	}
	m, err := serialize(obj)
	if err != nil {
		return nil, err
	}
	m["type"] = "CharterDeclaration"
	m["to"] = []any{Public}
	m["portee:charter"] = d.CharterID
	m["portee:charterVersion"] = d.CharterVersion
	answers := make([]any, 0, len(d.Answers))
	for _, a := range d.Answers {
		am := map[string]any{"portee:commitment": a.Commitment, "portee:status": a.Status}
		if a.EvidenceURL != "" {
			am["portee:evidence"] = a.EvidenceURL
		}
		if a.Comment != "" {
			am["portee:comment"] = a.Comment
		}
		answers = append(answers, am)
	}
	m["portee:answers"] = answers
	setTimes(m, d.CreatedAt, d.Updated)
	return finish(m)
}

// categoryFR names a category in a French sentence, with its article.
var categoryFR = map[string]string{
	"cloud":          "un espace de stockage en ligne",
	"pad":            "un pad",
	"video-call":     "un service de visioconférence",
	"poll":           "un outil de sondage",
	"mail":           "des boîtes mail",
	"microblog":      "un réseau de microblogage",
	"video":          "une plateforme vidéo",
	"file-sharing":   "un service de partage de fichiers",
	"link-shortener": "un raccourcisseur de liens",
	"chat":           "une messagerie instantanée",
	"calendar":       "un agenda en ligne",
	"forum":          "un forum",
	"wiki":           "un wiki",
	"pastebin":       "un service de partage de texte",
	"office":         "une suite bureautique en ligne",
	"forms":          "un outil de formulaires",
	"project":        "un outil de gestion de projets",
	"web-hosting":    "de l'hébergement web",
	"maps":           "un service de cartes",
	"other":          "un service",
}

// What an offer Note announces to a hoster's human followers.
const (
	OfferCreated = "created"
	OfferUpdated = "updated"
	OfferRenamed = "renamed" // OfferEvent.OldName is the previous name
	OfferRemoved = "removed"
)

// OfferEvent is the change an offer Note tells about.
type OfferEvent struct {
	Kind    string
	OldName string
}

// OfferNote builds the public Note, in French, that tells a hoster's human
// followers about a new, changed, renamed or removed offer. Its url is an
// HTML page: the offer's, or the hoster's once the offer is gone.
func OfferNote(p Paths, h *catalog.Hoster, o *catalog.Offer, ev OfferEvent, noteID string) ([]byte, error) {
	m, err := offerNote(p, h, o, ev, noteID)
	if err != nil {
		return nil, fmt.Errorf("vocab: build note for offer %q: %w", o.Key, err)
	}
	return finish(m)
}

func hosterName(h *catalog.Hoster) string {
	if h.Name != "" {
		return h.Name
	}
	return h.Username
}

// categoryText is a category as a French noun phrase with its article.
func categoryText(category string) string {
	if what, ok := categoryFR[category]; ok {
		return what
	}
	return categoryFR["other"]
}

func serviceLink(u string) string {
	return `<a href="` + html.EscapeString(u) + `" rel="nofollow noopener" target="_blank">` + html.EscapeString(u) + `</a>`
}

func offerNote(p Paths, h *catalog.Hoster, o *catalog.Offer, ev OfferEvent, noteID string) (map[string]any, error) {
	if noteID == "" || o.Key == "" {
		return nil, errors.New("no note id or offer key")
	}
	name := html.EscapeString(hosterName(h))
	offerName := "« " + html.EscapeString(o.Name) + " »"
	var text string
	link := true
	switch ev.Kind {
	case OfferCreated:
		text = name + " propose désormais " + html.EscapeString(categoryText(o.Category))
		if o.Software.Name != "" {
			text += " (" + html.EscapeString(o.Software.Name) + ")"
		}
	case OfferUpdated:
		text = name + " a mis à jour son offre " + offerName
	case OfferRenamed:
		text = name + " a renommé son offre « " + html.EscapeString(ev.OldName) + " » en " + offerName
	case OfferRemoved:
		text = name + " ne propose plus son offre " + offerName
		link = false
	default:
		return nil, fmt.Errorf("unknown offer event %q", ev.Kind)
	}
	if link && o.URL != "" {
		text += " : " + serviceLink(o.URL)
	}
	content := "<p>" + text + "</p>"

	page := offerID(p, h, o)
	if ev.Kind == OfferRemoved {
		page = p.Actor(h.Username)
	}
	published := o.Updated
	if ev.Kind == OfferRemoved && o.DeletedAt != nil {
		published = *o.DeletedAt
	}
	if published.IsZero() {
		published = time.Now()
	}
	m, err := note(p, h, p.Note(h.Username, noteID), page, content, published)
	if err != nil {
		return nil, err
	}
	m["portee:offer"] = offerID(p, h, o)
	return m, nil
}

// note is a public French Note of the hoster, addressed to its followers.
func note(p Paths, h *catalog.Hoster, id, page, content string, published time.Time) (map[string]any, error) {
	n := streams.NewActivityStreamsNote()
	props := objectProps{id: id, url: page, attributedTo: p.Actor(h.Username)}
	if err := props.apply(n); err != nil {
		return nil, err
	}
	cp := streams.NewActivityStreamsContentProperty()
	cp.AppendXMLSchemaString(content)
	n.SetActivityStreamsContent(cp)
	m, err := serialize(n)
	if err != nil {
		return nil, err
	}
	m["contentMap"] = map[string]any{"fr": content}
	m["to"] = []any{Public}
	m["cc"] = []any{p.Followers(h.Username)}
	m["tag"] = []any{}
	m["published"] = fmtTime(published)
	return m, nil
}

// registrationFR says in French who may use an offer.
var registrationFR = map[string]string{
	catalog.RegistrationNone:   "utilisable sans compte",
	catalog.RegistrationFree:   "inscription libre",
	catalog.RegistrationMember: "réservé aux membres",
	catalog.RegistrationClient: "réservé aux clients",
}

// FeaturedNote builds the Note that describes a current offer on the
// hoster's profile (its featured collection) and returns it with its id.
// The id ends with a digest of the text: an edited offer gets a new Note,
// which Mastodon and GoToSocial fetch when they read the collection again.
func FeaturedNote(p Paths, h *catalog.Hoster, o *catalog.Offer) ([]byte, string, error) {
	m, id, err := featuredNote(p, h, o)
	if err != nil {
		return nil, "", fmt.Errorf("vocab: build featured note for offer %q: %w", o.Key, err)
	}
	b, err := finish(m)
	return b, id, err
}

func featuredNote(p Paths, h *catalog.Hoster, o *catalog.Offer) (map[string]any, string, error) {
	if o.Key == "" {
		return nil, "", errors.New("no offer key")
	}
	first := "<strong>" + html.EscapeString(o.Name) + "</strong> : " + html.EscapeString(categoryText(o.Category))
	if o.Software.Name != "" {
		first += " (" + html.EscapeString(o.Software.Name) + ")"
	}
	paras := []string{first}
	if o.Summary != "" {
		paras = append(paras, html.EscapeString(strings.Join(strings.Fields(o.Summary), " ")))
	}
	var facts []string
	if r, ok := registrationFR[o.Registration]; ok {
		facts = append(facts, r)
	}
	if o.Load == catalog.LoadFull {
		facts = append(facts, "complet pour le moment")
	}
	if o.Price != "" {
		facts = append(facts, html.EscapeString(o.Price))
	}
	if o.URL != "" {
		facts = append(facts, serviceLink(o.URL))
	}
	if len(facts) > 0 {
		paras = append(paras, strings.Join(facts, " · "))
	}
	content := "<p>" + strings.Join(paras, "</p><p>") + "</p>"
	sum := sha256.Sum256([]byte(content))
	id := p.FeaturedNote(h.Username, o.Key, hex.EncodeToString(sum[:6]))
	published := o.CreatedAt
	if published.IsZero() {
		published = o.Updated
	}
	if published.IsZero() {
		published = time.Unix(0, 0)
	}
	m, err := note(p, h, id, offerID(p, h, o), content, published)
	if err != nil {
		return nil, "", err
	}
	m["portee:offer"] = offerID(p, h, o)
	return m, id, nil
}

// Activity is an activity to publish. Object is the embedded object: a full
// object for Create and Update, an IRI (a JSON string) or a Tombstone for
// Delete, the received Follow for Accept and Reject.
type Activity struct {
	ID, Type, Actor string
	Object          json.RawMessage
	To, CC          []string
	Published       time.Time
}

type activitySetter interface {
	vocab.Type
	SetJSONLDId(vocab.JSONLDIdProperty)
	SetActivityStreamsActor(vocab.ActivityStreamsActorProperty)
	SetActivityStreamsTo(vocab.ActivityStreamsToProperty)
	SetActivityStreamsCc(vocab.ActivityStreamsCcProperty)
}

var activityTypes = map[string]func() activitySetter{
	"Create":   func() activitySetter { return streams.NewActivityStreamsCreate() },
	"Update":   func() activitySetter { return streams.NewActivityStreamsUpdate() },
	"Delete":   func() activitySetter { return streams.NewActivityStreamsDelete() },
	"Follow":   func() activitySetter { return streams.NewActivityStreamsFollow() },
	"Accept":   func() activitySetter { return streams.NewActivityStreamsAccept() },
	"Reject":   func() activitySetter { return streams.NewActivityStreamsReject() },
	"Undo":     func() activitySetter { return streams.NewActivityStreamsUndo() },
	"Announce": func() activitySetter { return streams.NewActivityStreamsAnnounce() },
	"Add":      func() activitySetter { return streams.NewActivityStreamsAdd() },
	"Remove":   func() activitySetter { return streams.NewActivityStreamsRemove() },
}

// Marshal writes an activity with our @context and normalised arrays.
func Marshal(a Activity) ([]byte, error) {
	b, err := marshal(a)
	if err != nil {
		return nil, fmt.Errorf("vocab: marshal %s %q: %w", a.Type, a.ID, err)
	}
	return b, nil
}

func marshal(a Activity) ([]byte, error) {
	mk, ok := activityTypes[a.Type]
	if !ok {
		return nil, fmt.Errorf("unsupported activity type %q", a.Type)
	}
	t := mk()
	id, err := iri(a.ID)
	if err != nil {
		return nil, err
	}
	idp := streams.NewJSONLDIdProperty()
	idp.Set(id)
	t.SetJSONLDId(idp)
	actor, err := iri(a.Actor)
	if err != nil {
		return nil, err
	}
	ap := streams.NewActivityStreamsActorProperty()
	ap.AppendIRI(actor)
	t.SetActivityStreamsActor(ap)
	if len(a.To) > 0 {
		tp := streams.NewActivityStreamsToProperty()
		for _, s := range a.To {
			u, err := iri(s)
			if err != nil {
				return nil, err
			}
			tp.AppendIRI(u)
		}
		t.SetActivityStreamsTo(tp)
	}
	if len(a.CC) > 0 {
		cp := streams.NewActivityStreamsCcProperty()
		for _, s := range a.CC {
			u, err := iri(s)
			if err != nil {
				return nil, err
			}
			cp.AppendIRI(u)
		}
		t.SetActivityStreamsCc(cp)
	}
	m, err := serialize(t)
	if err != nil {
		return nil, err
	}
	if len(a.Object) == 0 {
		return nil, errors.New("no object")
	}
	obj, err := embedded(a.Object)
	if err != nil {
		return nil, fmt.Errorf("object: %w", err)
	}
	m["object"] = obj
	if !a.Published.IsZero() {
		m["published"] = fmtTime(a.Published)
	}
	return finish(m)
}

// embedded decodes an object to embed: an IRI string, or an object whose own
// @context is dropped (the outer document's context covers it).
func embedded(raw json.RawMessage) (any, error) {
	v, err := decodeLimited(raw)
	if err != nil {
		return nil, err
	}
	switch t := v.(type) {
	case string:
		if _, err := iri(t); err != nil {
			return nil, err
		}
		return t, nil
	case map[string]any:
		delete(t, "@context")
		return t, nil
	}
	return nil, fmt.Errorf("want an IRI or an object, got %s", jsonKind(v))
}

// Follow builds a Follow of object (an actor id) by actor.
func Follow(id, actor, object string) ([]byte, error) {
	obj, err := json.Marshal(object)
	if err != nil {
		return nil, err
	}
	return Marshal(Activity{ID: id, Type: "Follow", Actor: actor, Object: obj, To: []string{object}})
}

// Accept accepts a Follow, embedding it as received (Mastodon matches it by
// id, other servers by content).
func Accept(id, actor string, follow json.RawMessage) ([]byte, error) {
	return response("Accept", id, actor, follow)
}

// Reject refuses a Follow, embedding it as received.
func Reject(id, actor string, follow json.RawMessage) ([]byte, error) {
	return response("Reject", id, actor, follow)
}

func response(typ, id, actor string, follow json.RawMessage) ([]byte, error) {
	a := Activity{ID: id, Type: typ, Actor: actor, Object: follow}
	if f, err := ParseActivity(follow); err == nil && f.Actor != "" {
		a.To = []string{f.Actor}
	}
	return Marshal(a)
}

// Undo undoes one of actor's own activities (a Follow, usually), embedded.
func Undo(id, actor string, inner json.RawMessage) ([]byte, error) {
	a := Activity{ID: id, Type: "Undo", Actor: actor, Object: inner}
	if in, err := ParseActivity(inner); err == nil && in.Type == "Follow" && in.ObjectID != "" {
		a.To = []string{in.ObjectID}
	}
	return Marshal(a)
}

// OrderedCollection builds a collection whose items are on pages from first.
func OrderedCollection(id string, total int, first string) ([]byte, error) {
	c := streams.NewActivityStreamsOrderedCollection()
	u, err := iri(id)
	if err != nil {
		return nil, fmt.Errorf("vocab: build collection: %w", err)
	}
	idp := streams.NewJSONLDIdProperty()
	idp.Set(u)
	c.SetJSONLDId(idp)
	ti := streams.NewActivityStreamsTotalItemsProperty()
	ti.Set(total)
	c.SetActivityStreamsTotalItems(ti)
	if first != "" {
		f, err := iri(first)
		if err != nil {
			return nil, fmt.Errorf("vocab: build collection %q: %w", id, err)
		}
		fp := streams.NewActivityStreamsFirstProperty()
		fp.SetIRI(f)
		c.SetActivityStreamsFirst(fp)
	}
	m, err := serialize(c)
	if err != nil {
		return nil, fmt.Errorf("vocab: build collection %q: %w", id, err)
	}
	return finish(m)
}

// OrderedCollectionOf builds a small collection with its items embedded
// (the featured collection: Mastodon and GoToSocial read orderedItems
// from the collection itself, and take each item by its id).
func OrderedCollectionOf(id string, items []json.RawMessage) ([]byte, error) {
	b, err := collectionOf(id, items)
	if err != nil {
		return nil, fmt.Errorf("vocab: build collection %q: %w", id, err)
	}
	return b, nil
}

// withItems serialises an ordered collection or page with its items
// embedded as orderedItems (always a list, whatever go-fed does with one).
func withItems(c vocab.Type, items []json.RawMessage) ([]byte, error) {
	m, err := serialize(c)
	if err != nil {
		return nil, err
	}
	list := make([]any, 0, len(items))
	for i, raw := range items {
		v, err := embedded(raw)
		if err != nil {
			return nil, fmt.Errorf("item %d: %w", i, err)
		}
		list = append(list, v)
	}
	m["orderedItems"] = list
	return finish(m)
}

func collectionOf(id string, items []json.RawMessage) ([]byte, error) {
	c := streams.NewActivityStreamsOrderedCollection()
	u, err := iri(id)
	if err != nil {
		return nil, err
	}
	idp := streams.NewJSONLDIdProperty()
	idp.Set(u)
	c.SetJSONLDId(idp)
	ti := streams.NewActivityStreamsTotalItemsProperty()
	ti.Set(len(items))
	c.SetActivityStreamsTotalItems(ti)
	return withItems(c, items)
}

// OrderedCollectionPage builds one page; items are embedded objects or IRIs
// (JSON strings) and orderedItems is an array even when empty.
func OrderedCollectionPage(id, partOf, next, prev string, items []json.RawMessage) ([]byte, error) {
	b, err := collectionPage(id, partOf, next, prev, items)
	if err != nil {
		return nil, fmt.Errorf("vocab: build collection page %q: %w", id, err)
	}
	return b, nil
}

func collectionPage(id, partOf, next, prev string, items []json.RawMessage) ([]byte, error) {
	c := streams.NewActivityStreamsOrderedCollectionPage()
	u, err := iri(id)
	if err != nil {
		return nil, err
	}
	idp := streams.NewJSONLDIdProperty()
	idp.Set(u)
	c.SetJSONLDId(idp)
	if partOf != "" {
		u, err := iri(partOf)
		if err != nil {
			return nil, err
		}
		pp := streams.NewActivityStreamsPartOfProperty()
		pp.SetIRI(u)
		c.SetActivityStreamsPartOf(pp)
	}
	if next != "" {
		u, err := iri(next)
		if err != nil {
			return nil, err
		}
		np := streams.NewActivityStreamsNextProperty()
		np.SetIRI(u)
		c.SetActivityStreamsNext(np)
	}
	if prev != "" {
		u, err := iri(prev)
		if err != nil {
			return nil, err
		}
		pp := streams.NewActivityStreamsPrevProperty()
		pp.SetIRI(u)
		c.SetActivityStreamsPrev(pp)
	}
	return withItems(c, items)
}
