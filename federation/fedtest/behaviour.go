package fedtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"codeberg.org/portee/portee/federation/fetch"
	"codeberg.org/portee/portee/federation/webfinger"
)

// What the fake servers do with what they receive and read, after the real
// servers' documented behaviour, so that the suite reproduces their
// failures:
//
//   - GoToSocial answers 500 to a Create or Update whose object type it
//     does not know ("cannot determine id of activitystreams property"),
//     and to an Update of an object typed like an actor (Application,
//     Group, Organization, Person, Service) that is not the sender itself
//     ("update for … was not requested by owner").
//   - Mastodon answers 202 to every verified activity and processes it
//     later; what it cannot use it drops, and logs ("Rejected … activity").
//   - Both read a remote account with signed GETs: the actor, its outbox
//     count (the "posts" of the profile), followers and following, its
//     avatar, and its featured collection, whose Notes they pin (each
//     fetched by its id, on the account's host, attributed to it).
//     GoToSocial logs an error when the account has no featured
//     collection. They read the account again on its Update.
//   - GoToSocial reads the instance from /api/v1/instance, else NodeInfo:
//     the last link of /.well-known/nodeinfo whose rel starts with the 2.x
//     schema, then a document served as application/json or with the 2.0
//     profile, nothing else ("non nodeinfo schema 2.0 response").
//     Misskey takes the 2.1 link, else the 2.0 one, and does not look at
//     the content type. Mastodon-family readers take the 2.0 link.
//
// Every refusal and every failed read is a Problem: what would be an error
// line in the real server's log.

// actorTypes are the ActivityStreams types Mastodon and GoToSocial read as
// accounts.
var actorTypes = map[string]bool{"Application": true, "Group": true, "Organization": true, "Person": true, "Service": true}

// gtsObjectTypes are the object types GoToSocial can handle in a Create or
// an Update (its statusables, accountables and the like).
var gtsObjectTypes = map[string]bool{
	"Article": true, "Audio": true, "Document": true, "Event": true, "Image": true, "Note": true,
	"Page": true, "Question": true, "Video": true, "Tombstone": true, "Collection": true,
	"OrderedCollection": true, "Application": true, "Group": true, "Organization": true,
	"Person": true, "Service": true,
}

// mastodonObjectTypes are the objects Mastodon makes statuses of.
var mastodonObjectTypes = map[string]bool{
	"Note": true, "Question": true, "Article": true, "Page": true, "Image": true, "Video": true, "Audio": true, "Event": true,
}

// typeOf reads "type" as a string or the first of an array.
func typeOf(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case []any:
		if len(t) > 0 {
			s, _ := t[0].(string)
			return s
		}
	}
	return ""
}

// refuse says what the imitated server answers to a verified activity it
// cannot process: 0 when it takes it (202).
func (s *Server) refuse(act map[string]any) (int, string) {
	typ, _ := act["type"].(string)
	obj, embedded := act["object"].(map[string]any)
	if !embedded || (typ != "Create" && typ != "Update") {
		return 0, ""
	}
	otype := typeOf(obj["type"])
	oid := idOf(obj)
	actor := idOf(act["actor"])
	switch s.Software {
	case GoToSocial:
		if !gtsObjectTypes[otype] {
			return http.StatusInternalServerError, "cannot determine id of activitystreams property"
		}
		if typ == "Update" && actorTypes[otype] && oid != actor {
			return http.StatusInternalServerError, "update for " + oid + " was not requested by owner"
		}
	case Mastodon:
		if typ == "Create" && !mastodonObjectTypes[otype] {
			s.problem("Rejected Create activity %s from %s: unsupported object type %s", oid, actor, otype)
		}
		if typ == "Update" && actorTypes[otype] && oid != actor {
			s.problem("Rejected Update activity %s from %s: not the account itself", oid, actor)
		}
	}
	return 0, ""
}

// Problem is an error the imitated server would log.
type Problem struct {
	What string
	At   time.Time
}

func (s *Server) problem(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.problems = append(s.problems, Problem{What: fmt.Sprintf(format, args...), At: time.Now()})
}

// Problems returns what the server would have logged as errors so far:
// every 4xx or 5xx it answered to a delivery, every read of a remote
// account, instance or pinned Note that failed, every activity dropped.
func (s *Server) Problems() []Problem {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := append([]Problem(nil), s.problems...)
	for _, d := range s.deliveries {
		if d.Status >= 400 {
			out = append(out, Problem{What: fmt.Sprintf("answered %d to %v from %s: %s", d.Status, d.Activity["type"], d.Owner, d.Err), At: d.At})
		}
	}
	return out
}

// Pin is a Note shown pinned on a profile.
type Pin struct {
	ID, URL, Content string
}

// Profile is what the imitated server shows of a remote account.
type Profile struct {
	ActorID, Inbox, Name, Avatar string
	Joined                       time.Time
	Posts                        int // the outbox's totalItems
	Pinned                       []Pin
	// Instance is the software (and version) read from NodeInfo; empty
	// when it could not be read.
	Instance string
	Fetched  time.Time
}

// Profile returns the last reading of a remote account, or nil.
func (s *Server) Profile(actorID string) *Profile {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.profiles[actorID]
	if !ok {
		return nil
	}
	cp := *p
	cp.Pinned = append([]Pin(nil), p.Pinned...)
	return &cp
}

// WaitProfile waits until the profile of actorID satisfies cond.
func (s *Server) WaitProfile(t testing_TB, actorID string, timeout time.Duration, what string, cond func(*Profile) bool) *Profile {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		p := s.Profile(actorID)
		if p != nil && cond(p) {
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("fedtest: profile of %s after %s: %+v; want %s", actorID, timeout, p, what)
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// testing_TB is the part of testing.TB WaitProfile needs.
type testing_TB interface {
	Helper()
	Fatalf(format string, args ...any)
}

// get does a signed GET as the server's instance actor and returns the
// body of a 2xx answer; any other outcome is a Problem.
func (s *Server) get(ctx context.Context, what, u, accept string) ([]byte, http.Header, error) {
	r, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, nil, err
	}
	r.Header.Set("Accept", accept)
	r.Header.Set("User-Agent", "fedtest ("+s.Software+")")
	sg := s.instance.signer()
	if err := sg.SignRequest(r, nil); err != nil {
		return nil, nil, err
	}
	resp, err := s.client.Do(r)
	if err != nil {
		s.problem("%s: GET %s: %v", what, u, err)
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode/100 != 2 {
		err := fmt.Errorf("%s: GET %s: status %d: %.200s", what, u, resp.StatusCode, b)
		s.problem("%v", err)
		return nil, nil, err
	}
	return b, resp.Header, nil
}

const acceptAS = `application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"`

// isASContentType is GoToSocial's check of a fetched ActivityStreams document.
func isASContentType(ct string) bool {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || (params["charset"] != "" && strings.ToLower(params["charset"]) != "utf-8") {
		return false
	}
	return mt == "application/activity+json" || (mt == "application/ld+json" && params["profile"] == ASContext)
}

func (s *Server) getAS(ctx context.Context, what, u string) (map[string]any, error) {
	b, h, err := s.get(ctx, what, u, acceptAS)
	if err != nil {
		return nil, err
	}
	if s.Software == GoToSocial && !isASContentType(h.Get("Content-Type")) {
		err := fmt.Errorf("%s: %s: non activitystreams response type %q", what, u, h.Get("Content-Type"))
		s.problem("%v", err)
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		s.problem("%s: %s: not a JSON object: %v", what, u, err)
		return nil, err
	}
	return m, nil
}

// Lookup reads a remote account as the imitated server does when one of
// its users follows it or opens its profile, and keeps the Profile.
// target is user@host (WebFinger) or the actor's URL.
func (s *Server) Lookup(ctx context.Context, target string) (*Profile, error) {
	actorID := target
	if !strings.HasPrefix(target, "http://") && !strings.HasPrefix(target, "https://") {
		sg := s.instance.signer()
		c := fetch.New(fetch.Options{AllowPrivate: true, Signer: &sg, UserAgent: "fedtest (" + s.Software + ")"})
		id, err := webfinger.Lookup(ctx, c, target)
		if err != nil {
			s.problem("webfinger %s: %v", target, err)
			return nil, err
		}
		actorID = id
	}
	doc, err := s.getAS(ctx, "account", actorID)
	if err != nil {
		return nil, err
	}
	if idOf(doc) != actorID {
		err := fmt.Errorf("account %s: document has id %q", actorID, idOf(doc))
		s.problem("%v", err)
		return nil, err
	}
	p := &Profile{ActorID: actorID, Inbox: idOf(doc["inbox"]), Fetched: time.Now()}
	p.Name, _ = doc["name"].(string)
	if pub, _ := doc["published"].(string); pub != "" {
		p.Joined, _ = time.Parse(time.RFC3339, pub)
	}
	if icon, ok := doc["icon"].(map[string]any); ok {
		p.Avatar = idOf(icon["url"])
		if p.Avatar != "" {
			if _, h, err := s.get(ctx, "avatar", p.Avatar, "image/*"); err == nil && !strings.HasPrefix(h.Get("Content-Type"), "image/") {
				s.problem("avatar %s: content type %q is not an image", p.Avatar, h.Get("Content-Type"))
			}
		}
	}
	if outbox := idOf(doc["outbox"]); outbox != "" {
		if c, err := s.getAS(ctx, "outbox", outbox); err == nil {
			n, _ := c["totalItems"].(float64)
			p.Posts = int(n)
		}
	}
	for _, k := range []string{"followers", "following"} {
		if u := idOf(doc[k]); u != "" {
			_, _ = s.getAS(ctx, k, u)
		}
	}
	featured := idOf(doc["featured"])
	if featured == "" {
		if s.Software == GoToSocial {
			s.problem("account %s: error dereferencing featured collection: no featured collection", actorID)
		}
	} else {
		p.Pinned = s.readFeatured(ctx, actorID, featured)
	}
	p.Instance = s.readInstance(ctx, actorID)
	s.mu.Lock()
	s.profiles[actorID] = p
	s.mu.Unlock()
	return p, nil
}

// readFeatured reads the pinned Notes of an account.
func (s *Server) readFeatured(ctx context.Context, actorID, featured string) []Pin {
	c, err := s.getAS(ctx, "featured collection", featured)
	if err != nil {
		return nil
	}
	raw, ok := c["orderedItems"]
	if !ok {
		raw = c["items"]
	}
	items, ok := raw.([]any)
	if !ok {
		if raw != nil {
			s.problem("featured collection %s: items are not an array", featured)
		}
		return nil
	}
	fu, _ := url.Parse(featured)
	var pins []Pin
	for _, it := range items {
		id := idOf(it)
		u, err := url.Parse(id)
		if id == "" || err != nil || u.Host != fu.Host {
			continue // neither server trusts a pin from another host
		}
		if m, ok := it.(map[string]any); ok && s.Software == Mastodon && m["type"] != "Note" {
			continue
		}
		n, err := s.getAS(ctx, "pinned status", id)
		if err != nil {
			continue
		}
		if typeOf(n["type"]) != "Note" || idOf(n["attributedTo"]) != actorID || idOf(n) != id {
			s.problem("pinned status %s: not a Note of %s", id, actorID)
			continue
		}
		content, _ := n["content"].(string)
		pins = append(pins, Pin{ID: id, URL: idOf(n["url"]), Content: content})
	}
	return pins
}

// readInstance reads the software of the account's server the way the
// imitated server does.
func (s *Server) readInstance(ctx context.Context, actorID string) string {
	u, err := url.Parse(actorID)
	if err != nil {
		return ""
	}
	base := u.Scheme + "://" + u.Host
	if s.Software == GoToSocial {
		// /api/v1/instance first: a 404 there is expected, not logged.
		r, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/instance", nil)
		if err == nil {
			if resp, err := s.client.Do(r); err == nil {
				resp.Body.Close()
			}
		}
	}
	name, version, err := ReadNodeInfo(ctx, s.client, s.Software, base)
	if err != nil {
		s.problem("instance %s: %v", u.Host, err)
		return ""
	}
	return name + " " + version
}

// Misskey names the Misskey family of NodeInfo readers (ReadNodeInfo).
const Misskey = "misskey"

// ReadNodeInfo reads a server's NodeInfo as software (GoToSocial,
// Mastodon or Misskey) does, and returns the software name and version it
// would store. An error is what that software would log.
func ReadNodeInfo(ctx context.Context, c *http.Client, software, base string) (name, version string, err error) {
	get := func(u string) ([]byte, string, error) {
		r, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, "", err
		}
		r.Header.Set("Accept", "application/json")
		resp, err := c.Do(r)
		if err != nil {
			return nil, "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if err != nil {
			return nil, "", err
		}
		if resp.StatusCode != http.StatusOK {
			return nil, "", fmt.Errorf("GET %s: status %d", u, resp.StatusCode)
		}
		return b, resp.Header.Get("Content-Type"), nil
	}
	b, ct, err := get(strings.TrimRight(base, "/") + "/.well-known/nodeinfo")
	if err != nil {
		return "", "", err
	}
	if software == GoToSocial && !gtsJSON(ct) {
		return "", "", fmt.Errorf("non json response type: %s", ct)
	}
	var wk struct {
		Links []struct{ Rel, Href string }
	}
	if err := json.Unmarshal(b, &wk); err != nil {
		return "", "", fmt.Errorf("well-known nodeinfo: %w", err)
	}
	const schema = "http://nodeinfo.diaspora.software/ns/schema/"
	href := ""
	switch software {
	case GoToSocial:
		for _, l := range wk.Links {
			if l.Href != "" && strings.HasPrefix(l.Rel, schema+"2") {
				href = l.Href // the last one wins
			}
		}
	case Misskey:
		for _, want := range []string{"2.1", "2.0"} {
			for _, l := range wk.Links {
				if href == "" && l.Rel == schema+want {
					href = l.Href
				}
			}
		}
	default:
		for _, l := range wk.Links {
			if href == "" && l.Rel == schema+"2.0" {
				href = l.Href
			}
		}
	}
	if href == "" {
		return "", "", errors.New("could not find nodeinfo rel in well known response")
	}
	b, ct, err = get(href)
	if err != nil {
		return "", "", err
	}
	if software == GoToSocial && !gtsNodeInfo20(ct) {
		return "", "", fmt.Errorf("non nodeinfo schema 2.0 response: %s", ct)
	}
	var doc struct {
		Software struct{ Name, Version string }
	}
	if err := json.Unmarshal(b, &doc); err != nil || doc.Software.Name == "" {
		return "", "", fmt.Errorf("nodeinfo %s: no software name (%v)", href, err)
	}
	return doc.Software.Name, doc.Software.Version, nil
}

// contentTypeParts splits and lowers a content type, dropping a utf-8
// charset, as GoToSocial does; ok is false for another charset.
func contentTypeParts(ct string) (parts []string, ok bool) {
	for _, p := range strings.Split(ct, ";") {
		p = strings.ToLower(strings.TrimSpace(p))
		if strings.HasPrefix(p, "charset=") {
			if p != "charset=utf-8" {
				return nil, false
			}
			continue
		}
		parts = append(parts, p)
	}
	return parts, true
}

func gtsJSON(ct string) bool {
	p, ok := contentTypeParts(ct)
	return ok && len(p) == 1 && p[0] == "application/json"
}

func gtsNodeInfo20(ct string) bool {
	p, ok := contentTypeParts(ct)
	if !ok {
		return false
	}
	switch len(p) {
	case 1:
		return p[0] == "application/json"
	case 2:
		return p[0] == "application/json" && (p[1] == `profile="http://nodeinfo.diaspora.software/ns/schema/2.0#"` ||
			p[1] == "profile=http://nodeinfo.diaspora.software/ns/schema/2.0#")
	}
	return false
}

// FollowRemote follows a remote account as a user of the server does: the
// server reads the account (Lookup), then the user's Follow goes to its
// inbox. A refused Follow is a Problem.
func (a *Actor) FollowRemote(ctx context.Context, target string) (followID string, p *Profile, err error) {
	p, err = a.server.Lookup(ctx, target)
	if err != nil {
		return "", nil, err
	}
	followID, resp, err := a.Follow(ctx, p.ActorID, p.Inbox)
	if err != nil {
		return "", nil, err
	}
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(resp.Body)
		err := fmt.Errorf("follow %s: status %d: %.200s", p.ActorID, resp.StatusCode, b)
		a.server.problem("%v", err)
		return "", nil, err
	}
	return followID, p, nil
}

// UnfollowRemote undoes a Follow sent by FollowRemote.
func (a *Actor) UnfollowRemote(ctx context.Context, followID, actorID string) error {
	p := a.server.Profile(actorID)
	if p == nil {
		return fmt.Errorf("fedtest: %s was never looked up", actorID)
	}
	resp, err := a.UndoFollow(ctx, followID, actorID, p.Inbox)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(resp.Body)
		err := fmt.Errorf("undo follow of %s: status %d: %.200s", actorID, resp.StatusCode, b)
		a.server.problem("%v", err)
		return err
	}
	return nil
}

// reread reads an account again after its Update, as both servers do,
// when one of its users follows it (the server knows the account).
func (s *Server) reread(actorID string) {
	if s.Profile(actorID) == nil {
		return
	}
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_, _ = s.Lookup(ctx, actorID)
	}()
}
