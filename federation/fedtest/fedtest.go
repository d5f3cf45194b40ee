// Package fedtest fakes the rest of the fediverse for tests: remote servers
// on httptest that serve WebFinger, NodeInfo and actors like Mastodon or
// GoToSocial, verify and record every delivery, and send signed (or
// deliberately mis-signed) activities. Loopback only.
package fedtest

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"codeberg.org/portee/portee/federation/fetch"
	"codeberg.org/portee/portee/federation/httpsig"
	"codeberg.org/portee/portee/federation/nodeinfo"
	"codeberg.org/portee/portee/federation/webfinger"
)

// Software the fake server imitates.
const (
	Mastodon   = "mastodon"
	GoToSocial = "gotosocial"
)

// ActivityStreams context and the public collection.
const (
	ASContext  = "https://www.w3.org/ns/activitystreams"
	SecContext = "https://w3id.org/security/v1"
	Public     = "https://www.w3.org/ns/activitystreams#Public"
)

// maxInbox is what the fake inboxes read; larger bodies get 413, as on a real server.
const maxInbox = 1 << 20

type config struct {
	software        string
	rfc9421         bool
	authorizedFetch bool
	autoAccept      bool
	keys            httpsig.KeyResolver
}

// Option changes how a fake server behaves.
type Option func(*config)

// WithSoftware makes the server imitate "mastodon" (the default: keyId
// actor#main-key, algorithm rsa-sha256, a shared inbox) or "gotosocial"
// (keyId actor/main-key, algorithm hs2019, no shared inbox, signed GETs
// required).
func WithSoftware(name string) Option {
	return func(c *config) {
		c.software = name
		if name == GoToSocial {
			c.authorizedFetch = true
		}
	}
}

// WithRFC9421 makes the server's actors sign with RFC 9421 message
// signatures, as Mastodon 4.5 does.
func WithRFC9421() Option { return func(c *config) { c.rfc9421 = true } }

// WithAuthorizedFetch makes actor, outbox and followers GETs require a valid
// signature (Mastodon's secure mode).
func WithAuthorizedFetch() Option { return func(c *config) { c.authorizedFetch = true } }

// WithAutoAccept makes actors answer a verified Follow with a signed Accept
// that embeds the Follow, as an unlocked Mastodon account does.
func WithAutoAccept() Option { return func(c *config) { c.autoAccept = true } }

// WithKeyResolver replaces how the server finds the keys of those who sign
// requests to it (by default: fetch the key id over loopback, signed as the
// server's instance actor).
func WithKeyResolver(k httpsig.KeyResolver) Option { return func(c *config) { c.keys = k } }

// Delivery is one POST received by an inbox of the fake server.
type Delivery struct {
	Inbox    string // full URL posted to
	Body     []byte
	Header   http.Header
	Verified bool   // signature valid and the activity's actor is the signer
	KeyID    string // as the signature names it
	Owner    string // key owner, when the signature verified
	Scheme   string // "cavage" or "rfc9421"
	Err      string // why it was refused, when it was
	Status   int    // what the fake answered
	Activity map[string]any
	At       time.Time
}

// Fetch is one GET received by the fake server.
type Fetch struct {
	Path     string
	Signed   bool
	Verified bool
	KeyID    string
	Owner    string
	Status   int
}

// Server is a fake remote instance.
type Server struct {
	URL      string // http://127.0.0.1:port
	Host     string // 127.0.0.1:port
	Software string

	t        testing.TB
	cfg      config
	srv      *httptest.Server
	client   *http.Client
	verifier *httpsig.Verifier
	instance *Actor

	mu         sync.Mutex
	actors     map[string]*Actor
	deliveries []Delivery
	fetches    []Fetch
	changed    chan struct{}
	asyncErrs  []string
	problems   []Problem
	profiles   map[string]*Profile // remote accounts read by Lookup
	bg         sync.WaitGroup
}

// NewServer starts a fake instance on 127.0.0.1; it stops when the test ends.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	cfg := config{software: Mastodon}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.software != Mastodon && cfg.software != GoToSocial {
		t.Fatalf("fedtest: unknown software %q", cfg.software)
	}
	s := &Server{
		Software: cfg.software,
		t:        t,
		cfg:      cfg,
		client:   &http.Client{Timeout: 10 * time.Second},
		actors:   map[string]*Actor{},
		profiles: map[string]*Profile{},
		changed:  make(chan struct{}),
	}
	mux := http.NewServeMux()
	s.srv = httptest.NewServer(mux)
	s.URL = s.srv.URL
	s.Host = strings.TrimPrefix(s.srv.URL, "http://")

	s.instance = s.newActor("instance.actor", "Application", s.URL+"/actor")
	keys := cfg.keys
	if keys == nil {
		signer := s.instance.signer()
		keys = fetch.KeyResolver{Client: fetch.New(fetch.Options{AllowPrivate: true, Signer: &signer, UserAgent: "fedtest (" + cfg.software + ")"})}
	}
	s.verifier = &httpsig.Verifier{Keys: keys}

	mux.Handle("GET /.well-known/webfinger", webfinger.Handler(s.Host, s.lookup, s.byActorURL))
	nodeinfo.Register(mux, s.URL, s.nodeInfo)
	mux.HandleFunc("GET /actor", s.serveInstance)
	mux.HandleFunc("GET /users/{name}", s.serveActor)
	mux.HandleFunc("GET /users/{name}/main-key", s.serveKeyStub)
	mux.HandleFunc("GET /users/{name}/outbox", s.serveOutbox)
	mux.HandleFunc("GET /users/{name}/followers", s.serveFollowers)
	mux.HandleFunc("POST /users/{name}/inbox", s.serveInbox)
	mux.HandleFunc("POST /inbox", s.serveInbox)

	t.Cleanup(func() {
		s.bg.Wait()
		s.srv.Close()
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, e := range s.asyncErrs {
			t.Errorf("fedtest: %s", e)
		}
	})
	return s
}

func (s *Server) nodeInfo(context.Context) nodeinfo.Document {
	version := "4.5.0"
	if s.Software == GoToSocial {
		version = "0.19.1"
	}
	s.mu.Lock()
	n := len(s.actors)
	s.mu.Unlock()
	return nodeinfo.Document{
		Software:          nodeinfo.Software{Name: s.Software, Version: version},
		Protocols:         []string{"activitypub"},
		OpenRegistrations: true,
		Usage:             nodeinfo.Usage{Users: nodeinfo.Users{Total: n, ActiveMonth: n, ActiveHalfyear: n}},
		Metadata:          map[string]any{"nodeName": "fedtest " + s.Software},
	}
}

func (s *Server) lookup(_ context.Context, user string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.actors[user]
	if !ok {
		return "", false
	}
	return a.ID, true
}

func (s *Server) byActorURL(_ context.Context, id string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for name, a := range s.actors {
		if a.ID == id {
			return name, true
		}
	}
	return "", false
}

// AddActor creates a Person with a fresh RSA-2048 key.
func (s *Server) AddActor(username string) *Actor {
	return s.addActor(username, "Person")
}

// AddOrganization creates an Organization actor (what a Portée hoster is).
func (s *Server) AddOrganization(username string) *Actor {
	return s.addActor(username, "Organization")
}

func (s *Server) addActor(username, typ string) *Actor {
	s.t.Helper()
	a := s.newActor(username, typ, s.URL+"/users/"+username)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.actors[username]; dup {
		s.t.Fatalf("fedtest: actor %q added twice", username)
	}
	s.actors[username] = a
	return a
}

func (s *Server) newActor(username, typ, id string) *Actor {
	s.t.Helper()
	key, err := httpsig.GenerateKey()
	if err != nil {
		s.t.Fatalf("fedtest: %v", err)
	}
	a := &Actor{
		Username:  username,
		Type:      typ,
		ID:        id,
		Key:       key,
		Inbox:     id + "/inbox",
		Outbox:    id + "/outbox",
		Followers: id + "/followers",
		Following: id + "/following",
		server:    s,
	}
	if s.Software == GoToSocial {
		a.KeyID = id + "/main-key"
	} else {
		a.KeyID = id + "#main-key"
		a.SharedInbox = s.URL + "/inbox"
	}
	if id == s.URL+"/actor" {
		a.Inbox = s.URL + "/actor/inbox"
		a.KeyID = id + "#main-key"
	}
	return a
}

// Actor returns the actor named username, or nil.
func (s *Server) Actor(username string) *Actor {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.actors[username]
}

// Deliveries returns every POST received so far, in order.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.deliveries...)
}

// Fetches returns every GET of an actor, key, outbox or followers collection received so far.
func (s *Server) Fetches() []Fetch {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Fetch(nil), s.fetches...)
}

// WaitDeliveries waits until at least n deliveries have arrived, and fails
// the test when timeout passes first.
func (s *Server) WaitDeliveries(t testing.TB, n int, timeout time.Duration) []Delivery {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		got, changed := len(s.deliveries), s.changed
		s.mu.Unlock()
		if got >= n {
			return s.Deliveries()
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("fedtest: %d deliveries after %s, want %d", got, timeout, n)
			return nil
		}
	}
}

func (s *Server) record(d Delivery) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deliveries = append(s.deliveries, d)
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Server) asyncError(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.asyncErrs = append(s.asyncErrs, fmt.Sprintf(format, args...))
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/activity+json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}

// checkFetch verifies a GET's signature when there is one, records the
// fetch, and tells whether to serve it (signature required when authorized
// fetch is on).
func (s *Server) checkFetch(w http.ResponseWriter, r *http.Request, mustSign bool) bool {
	f := Fetch{Path: r.URL.RequestURI()}
	f.Signed = r.Header.Get("Signature") != "" || r.Header.Get("Signature-Input") != ""
	if f.Signed {
		v, err := s.verifier.Verify(r.Context(), r, nil)
		f.KeyID = v.KeyID
		if err == nil {
			f.Verified, f.Owner = true, v.Owner
		}
	}
	ok := f.Verified || (!mustSign && !f.Signed)
	f.Status = http.StatusOK
	if !ok {
		f.Status = http.StatusUnauthorized
		http.Error(w, "signature required", http.StatusUnauthorized)
	}
	s.mu.Lock()
	s.fetches = append(s.fetches, f)
	s.mu.Unlock()
	return ok
}

func (s *Server) actorFor(w http.ResponseWriter, r *http.Request) *Actor {
	a := s.Actor(r.PathValue("name"))
	if a == nil {
		http.NotFound(w, r)
	}
	return a
}

// recordKeyFetch records a GET that is served whoever asks, without
// verifying it: checking the signature of a key fetch would need the
// asker's key, whose fetch would need ours, and so on forever.
func (s *Server) recordKeyFetch(r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fetches = append(s.fetches, Fetch{
		Path:   r.URL.RequestURI(),
		Signed: r.Header.Get("Signature") != "" || r.Header.Get("Signature-Input") != "",
		Status: http.StatusOK,
	})
}

func (s *Server) serveInstance(w http.ResponseWriter, r *http.Request) {
	s.recordKeyFetch(r)
	writeJSON(w, s.instance.Document())
}

func (s *Server) serveActor(w http.ResponseWriter, r *http.Request) {
	a := s.actorFor(w, r)
	if a != nil && s.checkFetch(w, r, s.cfg.authorizedFetch) {
		writeJSON(w, a.Document())
	}
}

// serveKeyStub answers GoToSocial's …/main-key: a stub actor with the key,
// served unsigned so that keys can be fetched.
func (s *Server) serveKeyStub(w http.ResponseWriter, r *http.Request) {
	a := s.actorFor(w, r)
	if a == nil {
		return
	}
	if s.Software != GoToSocial {
		http.NotFound(w, r)
		return
	}
	s.recordKeyFetch(r)
	writeJSON(w, map[string]any{
		"@context":          []any{SecContext, ASContext},
		"id":                a.ID,
		"type":              a.Type,
		"preferredUsername": a.Username,
		"publicKey":         a.publicKey(),
	})
}

func (s *Server) serveOutbox(w http.ResponseWriter, r *http.Request) {
	a := s.actorFor(w, r)
	if a == nil || !s.checkFetch(w, r, s.cfg.authorizedFetch) {
		return
	}
	a.mu.Lock()
	items := append([]map[string]any{}, a.outbox...)
	a.mu.Unlock()
	writeJSON(w, map[string]any{
		"@context":     ASContext,
		"id":           a.Outbox,
		"type":         "OrderedCollection",
		"totalItems":   len(items),
		"orderedItems": items,
	})
}

func (s *Server) serveFollowers(w http.ResponseWriter, r *http.Request) {
	a := s.actorFor(w, r)
	if a == nil || !s.checkFetch(w, r, s.cfg.authorizedFetch) {
		return
	}
	followers := a.FollowerIDs()
	writeJSON(w, map[string]any{
		"@context":     ASContext,
		"id":           a.Followers,
		"type":         "OrderedCollection",
		"totalItems":   len(followers),
		"orderedItems": append([]string{}, followers...),
	})
}

func (s *Server) serveInbox(w http.ResponseWriter, r *http.Request) {
	d := Delivery{Inbox: s.URL + r.URL.RequestURI(), Header: r.Header.Clone(), At: time.Now()}
	var target *Actor
	if name := r.PathValue("name"); name != "" {
		if target = s.Actor(name); target == nil {
			http.NotFound(w, r)
			return
		}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxInbox+1))
	respond := func(status int, msg string) {
		d.Status = status
		if status >= 400 {
			d.Err = msg
			http.Error(w, msg, status)
		} else {
			w.WriteHeader(status)
		}
		s.record(d)
	}
	if err != nil {
		respond(http.StatusBadRequest, "unreadable body")
		return
	}
	if len(body) > maxInbox {
		respond(http.StatusRequestEntityTooLarge, "body over 1 MiB")
		return
	}
	d.Body = body
	if err := json.Unmarshal(body, &d.Activity); err != nil {
		respond(http.StatusBadRequest, "not a JSON object")
		return
	}
	v, err := s.verifier.Verify(r.Context(), r, body)
	d.KeyID, d.Scheme = v.KeyID, v.Scheme
	if err != nil {
		respond(http.StatusUnauthorized, err.Error())
		return
	}
	d.Owner = v.Owner
	if actor := idOf(d.Activity["actor"]); actor != v.Owner {
		respond(http.StatusUnauthorized, fmt.Sprintf("activity actor %q is not the signer %q", actor, v.Owner))
		return
	}
	d.Verified = true
	if status, msg := s.refuse(d.Activity); status != 0 {
		respond(status, msg)
		return
	}
	if target != nil {
		target.react(d.Activity)
	}
	if obj, ok := d.Activity["object"].(map[string]any); ok && d.Activity["type"] == "Update" && idOf(obj) == v.Owner {
		s.reread(v.Owner)
	}
	respond(http.StatusAccepted, "")
}

// idOf reads an id that may be a string or an object with an id.
func idOf(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		s, _ := x["id"].(string)
		return s
	}
	return ""
}

// Actor is an account of a fake server.
type Actor struct {
	Username    string
	Type        string // Person, Organization, Application
	ID          string
	KeyID       string
	Key         *rsa.PrivateKey
	Inbox       string
	Outbox      string
	Followers   string
	Following   string
	SharedInbox string // empty on GoToSocial

	server *Server

	mu        sync.Mutex
	outbox    []map[string]any
	followers []string
	seq       int
}

func (a *Actor) publicKey() map[string]any {
	pem, err := httpsig.EncodePublicKeyPEM(&a.Key.PublicKey)
	if err != nil {
		panic(err) // an RSA public key always encodes
	}
	return map[string]any{"id": a.KeyID, "owner": a.ID, "publicKeyPem": pem}
}

// Document is the actor as its server serves it.
func (a *Actor) Document() map[string]any {
	s := a.server
	doc := map[string]any{
		"id":                        a.ID,
		"type":                      a.Type,
		"preferredUsername":         a.Username,
		"name":                      strings.ToUpper(a.Username[:1]) + a.Username[1:],
		"summary":                   "<p>Compte de test (" + s.Software + ")</p>",
		"url":                       s.URL + "/@" + a.Username,
		"inbox":                     a.Inbox,
		"outbox":                    a.Outbox,
		"followers":                 a.Followers,
		"following":                 a.Following,
		"manuallyApprovesFollowers": false,
		"discoverable":              true,
		"published":                 "2024-01-15T00:00:00Z",
		"publicKey":                 a.publicKey(),
		"tag":                       []any{},
	}
	if s.Software == GoToSocial {
		doc["@context"] = []any{"http://joinmastodon.org/ns", SecContext, ASContext, "http://schema.org"}
	} else {
		doc["@context"] = []any{ASContext, SecContext, map[string]any{
			"manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
			"toot":                      "http://joinmastodon.org/ns#",
			"discoverable":              "toot:discoverable",
		}}
		doc["endpoints"] = map[string]any{"sharedInbox": a.SharedInbox}
		doc["attachment"] = []any{}
	}
	return doc
}

// Acct is the actor's address, user@host.
func (a *Actor) Acct() string { return a.Username + "@" + a.server.Host }

// FollowerIDs lists who follows the actor (verified Follows not undone).
func (a *Actor) FollowerIDs() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.followers...)
}

// AddToOutbox publishes an activity in the actor's outbox (newest first).
func (a *Actor) AddToOutbox(activity map[string]any) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.outbox = append([]map[string]any{activity}, a.outbox...)
}

func (a *Actor) nextID(kind string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.seq++
	return fmt.Sprintf("%s/%s/%d", a.ID, kind, a.seq)
}

// react is what the account does with a verified activity in its inbox.
func (a *Actor) react(act map[string]any) {
	switch act["type"] {
	case "Follow":
		if idOf(act["object"]) != a.ID {
			return
		}
		follower := idOf(act["actor"])
		a.mu.Lock()
		known := false
		for _, f := range a.followers {
			known = known || f == follower
		}
		if !known {
			a.followers = append(a.followers, follower)
		}
		a.mu.Unlock()
		if a.server.cfg.autoAccept {
			a.server.bg.Add(1)
			go func() {
				defer a.server.bg.Done()
				a.accept(act, follower)
			}()
		}
	case "Undo":
		inner, ok := act["object"].(map[string]any)
		if !ok || inner["type"] != "Follow" {
			return
		}
		follower := idOf(act["actor"])
		a.mu.Lock()
		kept := a.followers[:0]
		for _, f := range a.followers {
			if f != follower {
				kept = append(kept, f)
			}
		}
		a.followers = kept
		a.mu.Unlock()
	}
}

// accept sends the Accept of follow to the follower's inbox, found by fetching its actor.
func (a *Actor) accept(follow map[string]any, follower string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := a.Get(ctx, follower)
	if err != nil {
		a.server.asyncError("auto-accept: fetch %s: %v", follower, err)
		return
	}
	var doc struct {
		Inbox string `json:"inbox"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil || doc.Inbox == "" || resp.StatusCode != http.StatusOK {
		a.server.asyncError("auto-accept: actor %s (status %d) has no inbox: %v", follower, resp.StatusCode, err)
		return
	}
	accept := map[string]any{
		"@context": ASContext,
		"id":       a.nextID("accepts"),
		"type":     "Accept",
		"actor":    a.ID,
		"object":   follow,
	}
	resp, err = a.Post(ctx, doc.Inbox, accept)
	if err != nil {
		a.server.asyncError("auto-accept: post to %s: %v", doc.Inbox, err)
		return
	}
	if resp.StatusCode/100 != 2 {
		a.server.asyncError("auto-accept: %s answered %d", doc.Inbox, resp.StatusCode)
	}
}

func (a *Actor) signer() httpsig.Signer {
	s := httpsig.Signer{KeyID: a.KeyID, Key: a.Key}
	if a.server.Software == GoToSocial {
		s.Algorithm = "hs2019"
	}
	return s
}

func marshalActivity(activity any) ([]byte, error) {
	switch v := activity.(type) {
	case []byte:
		return v, nil
	case json.RawMessage:
		return v, nil
	case string:
		return []byte(v), nil
	}
	return json.Marshal(activity)
}

// send does one request and returns the response with its body already
// read, so callers need not close it.
func (a *Actor) send(r *http.Request) (*http.Response, error) {
	resp, err := a.server.client.Do(r)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp, nil
}

// postWith builds a POST of body and lets sign prepare it.
func (a *Actor) postWith(ctx context.Context, inbox string, body []byte, sign func(*http.Request) error) (*http.Response, error) {
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, inbox, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("fedtest: %w", err)
	}
	r.Header.Set("Content-Type", "application/activity+json")
	r.Header.Set("Accept", fetch.AcceptActivity)
	r.Header.Set("User-Agent", "fedtest ("+a.server.Software+")")
	if sign != nil {
		if err := sign(r); err != nil {
			return nil, fmt.Errorf("fedtest: sign: %w", err)
		}
	}
	return a.send(r)
}

func (a *Actor) signWith(s httpsig.Signer, body []byte) func(*http.Request) error {
	return func(r *http.Request) error {
		if a.server.cfg.rfc9421 {
			return s.SignRequest9421(r, body)
		}
		return s.SignRequest(r, body)
	}
}

// Post sends activity (any JSON value, or raw bytes) to inboxURL, signed
// like the imitated software signs.
func (a *Actor) Post(ctx context.Context, inboxURL string, activity any) (*http.Response, error) {
	body, err := marshalActivity(activity)
	if err != nil {
		return nil, fmt.Errorf("fedtest: %w", err)
	}
	return a.postWith(ctx, inboxURL, body, a.signWith(a.signer(), body))
}

// Get fetches url with a signed GET asking for ActivityPub JSON.
func (a *Actor) Get(ctx context.Context, url string) (*http.Response, error) {
	r, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("fedtest: %w", err)
	}
	r.Header.Set("Accept", fetch.AcceptActivity)
	r.Header.Set("User-Agent", "fedtest ("+a.server.Software+")")
	if err := a.signWith(a.signer(), nil)(r); err != nil {
		return nil, fmt.Errorf("fedtest: sign: %w", err)
	}
	return a.send(r)
}

// NewFollow builds a Follow of target by the actor.
func (a *Actor) NewFollow(target string) map[string]any {
	return map[string]any{
		"@context": ASContext,
		"id":       a.nextID("follows"),
		"type":     "Follow",
		"actor":    a.ID,
		"object":   target,
	}
}

// Follow sends a Follow of targetActorID to targetInbox.
func (a *Actor) Follow(ctx context.Context, targetActorID, targetInbox string) (followID string, resp *http.Response, err error) {
	f := a.NewFollow(targetActorID)
	resp, err = a.Post(ctx, targetInbox, f)
	return f["id"].(string), resp, err
}

// UndoFollow sends the Undo of an earlier Follow.
func (a *Actor) UndoFollow(ctx context.Context, followID, targetActorID, targetInbox string) (*http.Response, error) {
	return a.Post(ctx, targetInbox, map[string]any{
		"@context": ASContext,
		"id":       a.nextID("undos"),
		"type":     "Undo",
		"actor":    a.ID,
		"object":   map[string]any{"id": followID, "type": "Follow", "actor": a.ID, "object": targetActorID},
	})
}

// UnsignedPost sends activity with no signature at all.
func (a *Actor) UnsignedPost(ctx context.Context, inbox string, activity any) (*http.Response, error) {
	body, err := marshalActivity(activity)
	if err != nil {
		return nil, fmt.Errorf("fedtest: %w", err)
	}
	return a.postWith(ctx, inbox, body, nil)
}

// ForgedActorPost sends activity claiming claimedActor as its actor, but
// signed with a's own key: the signature is valid, the claim is not.
func (a *Actor) ForgedActorPost(ctx context.Context, inbox, claimedActor string, activity map[string]any) (*http.Response, error) {
	forged := make(map[string]any, len(activity)+1)
	for k, v := range activity {
		forged[k] = v
	}
	forged["actor"] = claimedActor
	return a.Post(ctx, inbox, forged)
}

// StaleDatePost sends activity signed two hours ago (Date and created).
func (a *Actor) StaleDatePost(ctx context.Context, inbox string, activity any) (*http.Response, error) {
	body, err := marshalActivity(activity)
	if err != nil {
		return nil, fmt.Errorf("fedtest: %w", err)
	}
	s := a.signer()
	s.Now = func() time.Time { return time.Now().Add(-2 * time.Hour) }
	return a.postWith(ctx, inbox, body, a.signWith(s, body))
}

// WrongKeyPost sends activity under a's key id, signed with another key.
func (a *Actor) WrongKeyPost(ctx context.Context, inbox string, activity any) (*http.Response, error) {
	body, err := marshalActivity(activity)
	if err != nil {
		return nil, fmt.Errorf("fedtest: %w", err)
	}
	other, err := httpsig.GenerateKey()
	if err != nil {
		return nil, err
	}
	s := a.signer()
	s.Key = other
	return a.postWith(ctx, inbox, body, a.signWith(s, body))
}

// TamperedPost signs activity, then alters the body: the digest no longer matches.
func (a *Actor) TamperedPost(ctx context.Context, inbox string, activity any) (*http.Response, error) {
	body, err := marshalActivity(activity)
	if err != nil {
		return nil, fmt.Errorf("fedtest: %w", err)
	}
	tampered := append(bytes.TrimRight(append([]byte(nil), body...), " \n"), ' ')
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, inbox, bytes.NewReader(tampered))
	if err != nil {
		return nil, fmt.Errorf("fedtest: %w", err)
	}
	r.Header.Set("Content-Type", "application/activity+json")
	if err := a.signWith(a.signer(), body)(r); err != nil {
		return nil, fmt.Errorf("fedtest: sign: %w", err)
	}
	return a.send(r)
}

// OversizePost sends a correctly signed Create whose JSON body is size bytes long.
func (a *Actor) OversizePost(ctx context.Context, inbox string, size int) (*http.Response, error) {
	head := fmt.Sprintf(`{"@context":%q,"id":%q,"type":"Create","actor":%q,"to":[%q],"object":{"type":"Note","content":"`,
		ASContext, a.nextID("creates"), a.ID, Public)
	tail := `"}}`
	pad := size - len(head) - len(tail)
	if pad < 0 {
		pad = 0
	}
	body := []byte(head + strings.Repeat("a", pad) + tail)
	return a.postWith(ctx, inbox, body, a.signWith(a.signer(), body))
}
