// Package vocab owns Portée's ActivityStreams vocabulary: the URL layout of
// actors and objects, the JSON-LD context of our own terms, the builders that
// turn catalog types into normalised JSON and the lenient parsers of remote JSON.
package vocab

import (
	"encoding/json"
	"net/url"
	"strings"
	"sync"
)

// NS is the namespace of Portée's own terms (prefix "portee").
const NS = "https://portee.codeberg.page/ns#"

// Well-known IRIs.
const (
	ASContext       = "https://www.w3.org/ns/activitystreams"
	SecurityContext = "https://w3id.org/security/v1"
	Public          = "https://www.w3.org/ns/activitystreams#Public"
)

// Content types of ActivityPub documents.
const (
	ContentType   = "application/activity+json"
	LDContentType = `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`
)

// Paths is the single source of truth for the URLs a node or a directory
// serves. Base has no trailing slash, e.g. "http://127.0.0.1:8081".
type Paths struct{ Base string }

func (p Paths) base() string { return strings.TrimRight(p.Base, "/") }

// Actor is the Organization actor of a hoster.
func (p Paths) Actor(username string) string {
	return p.base() + "/hosters/" + url.PathEscape(username)
}

// Inbox is the hoster's personal inbox.
func (p Paths) Inbox(username string) string { return p.Actor(username) + "/inbox" }

// Outbox is the hoster's outbox (an OrderedCollection of activities).
func (p Paths) Outbox(username string) string { return p.Actor(username) + "/outbox" }

// Followers is the hoster's followers collection.
func (p Paths) Followers(username string) string { return p.Actor(username) + "/followers" }

// Following is the hoster's following collection.
func (p Paths) Following(username string) string { return p.Actor(username) + "/following" }

// Offers is the OrderedCollection of the hoster's Offer objects.
func (p Paths) Offers(username string) string { return p.Actor(username) + "/offers" }

// Offer is the id of one offer; key is stable per hoster.
func (p Paths) Offer(username, key string) string {
	return p.Offers(username) + "/" + url.PathEscape(key)
}

// Featured is the hoster's featured collection: Notes describing its
// current offers, which Mastodon and GoToSocial show pinned on the profile.
func (p Paths) Featured(username string) string { return p.Actor(username) + "/featured" }

// FeaturedNote is the id of the featured Note of an offer; version changes
// with the Note's text, so that servers fetch the new text as a new Note.
func (p Paths) FeaturedNote(username, key, version string) string {
	return p.Featured(username) + "/" + url.PathEscape(key) + "/" + url.PathEscape(version)
}

// Activities is the OrderedCollection of every activity the hoster
// published, our vocabulary included: what directories backfill from. The
// outbox lists only the Notes people can read.
func (p Paths) Activities(username string) string { return p.Actor(username) + "/activities" }

// Avatar is the default avatar (PNG) of a hoster without an icon.
func (p Paths) Avatar(username string) string { return p.Actor(username) + "/avatar.png" }

// Declaration is the id of the hoster's charter declaration.
func (p Paths) Declaration(username string) string { return p.Actor(username) + "/charter" }

// Note is the id of a Note announcing an offer to human followers.
func (p Paths) Note(username, id string) string {
	return p.Actor(username) + "/notes/" + url.PathEscape(id)
}

// Activity is the id of an activity published by this server.
func (p Paths) Activity(id string) string { return p.base() + "/activities/" + url.PathEscape(id) }

// SharedInbox receives deliveries for every actor of this server.
func (p Paths) SharedInbox() string { return p.base() + "/inbox" }

// InstanceActor is the Application actor of the server: the directory's
// actor, and on a node the key that signs fetches made for the server.
func (p Paths) InstanceActor() string { return p.base() + "/actor" }

// InstanceInbox, InstanceOutbox, InstanceFollowers and InstanceFollowing are
// the collections of the instance actor.
func (p Paths) InstanceInbox() string     { return p.InstanceActor() + "/inbox" }
func (p Paths) InstanceOutbox() string    { return p.InstanceActor() + "/outbox" }
func (p Paths) InstanceFollowers() string { return p.InstanceActor() + "/followers" }
func (p Paths) InstanceFollowing() string { return p.InstanceActor() + "/following" }

// ChatonsInfos is the hoster's organisation file in the ChatonsInfos
// format, for stats.chatons.org and other StatoolInfos crawlers.
func (p Paths) ChatonsInfos(username string) string {
	return p.base() + "/.well-known/chatonsinfos/" + url.PathEscape(username) + ".properties"
}

// Context is where the JSON-LD context document of our terms is served.
func (p Paths) Context() string { return p.base() + "/ns" }

// KeyID is the id of an actor's public key, the keyId of its signatures.
func KeyID(actorID string) string { return actorID + "#main-key" }

// termDefinitions are inlined in every document's @context and served as the
// context document: Mastodon's terms we use, schema.org's PostalAddress for
// the hoster's address, and ours. Mastodon's namespace cannot be
// dereferenced, so every term must be defined inline for strict processors.
func termDefinitions() map[string]any {
	m := map[string]any{
		"as":                        "https://www.w3.org/ns/activitystreams#",
		"xsd":                       "http://www.w3.org/2001/XMLSchema#",
		"manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
		"toot":                      "http://joinmastodon.org/ns#",
		"discoverable":              "toot:discoverable",
		"schema":                    "http://schema.org#",
		"PropertyValue":             "schema:PropertyValue",
		"value":                     "schema:value",
		"PostalAddress":             "schema:PostalAddress",
		"address":                   "schema:address",
		"streetAddress":             "schema:streetAddress",
		"postalCode":                "schema:postalCode",
		"addressLocality":           "schema:addressLocality",
		"addressCountry":            "schema:addressCountry",

		"featured": map[string]any{"@id": "toot:featured", "@type": "@id"},

		"portee":             NS,
		"CharterDeclaration": "portee:CharterDeclaration",
		// Our Offer is not ActivityStreams' Offer activity: the later
		// definition wins in JSON-LD, and the type is never an actor type
		// (Mastodon and GoToSocial read Service as an actor).
		OfferType: NS + OfferType,
		"Audit":   "portee:Audit",
		// The observatory's report to a hoster's node (observation.go).
		ObservationReportType: "portee:" + ObservationReportType,
	}
	// Our terms are written prefixed ("portee:audience") so that they never
	// clash with ActivityStreams terms of the same name; their definitions
	// use full IRIs because a compact IRI defined as itself is a cyclic
	// mapping for a JSON-LD 1.0 processor.
	for _, t := range porteeTerms {
		var def any = NS + t.name
		switch t.kind {
		case "id":
			def = map[string]any{"@id": NS + t.name, "@type": "@id"}
		case "set":
			def = map[string]any{"@id": NS + t.name, "@container": "@set"}
		case "list":
			def = map[string]any{"@id": NS + t.name, "@container": "@list"}
		case "date":
			def = map[string]any{"@id": NS + t.name, "@type": "xsd:date"}
		}
		m["portee:"+t.name] = def
	}
	return m
}

// porteeTerms lists our terms; kind says how their values are typed.
var porteeTerms = []struct{ name, kind string }{
	{"offers", "id"}, {"offer", "id"}, {"charterDeclaration", "id"},
	{"memberSince", "date"}, {"portee", ""}, {"orgType", ""},
	{"postalCode", ""}, {"insee", ""}, {"departement", ""}, {"region", ""},
	{"category", ""}, {"software", ""}, {"version", ""}, {"license", ""},
	{"sourceCode", "id"}, {"website", "id"}, {"registration", ""}, {"load", ""},
	{"price", ""}, {"quota", ""}, {"audience", ""}, {"areaDepartements", "set"},
	{"areaRadiusKm", ""}, {"languages", "set"}, {"status", ""},
	{"serviceUrl", "id"}, {"startDate", ""}, {"charter", ""},
	{"charterVersion", ""}, {"answers", "list"}, {"commitment", ""},
	{"evidence", "id"}, {"comment", ""}, {"activities", "id"}, {"role", ""},
	{"chatonsInfos", "id"},
}

// OfferType is the type of an offer object, defined in our namespace.
const OfferType = "Offer"

// LegacyOfferType is what nodes published offers as before OfferType;
// parsers still accept it.
const LegacyOfferType = "Service"

// RoleDirectory and RoleNode are the values of our term "role" on an
// instance actor: they tell a node which followers are Portée directories.
const (
	RoleDirectory = "directory"
	RoleNode      = "node"
)

// documentContext is the @context of every document we publish, encoded
// once: it is most of the bytes of a small document.
var documentContext = sync.OnceValue(func() json.RawMessage {
	b, err := encode([]any{ASContext, SecurityContext, termDefinitions()})
	if err != nil {
		panic("vocab: document context: " + err.Error())
	}
	return b
})

// ContextDocument returns the JSON-LD context document of our terms, served
// at Paths.Context with content type application/ld+json.
func ContextDocument() []byte {
	b, err := encode(map[string]any{"@context": termDefinitions()})
	if err != nil {
		panic("vocab: context document: " + err.Error())
	}
	return b
}
