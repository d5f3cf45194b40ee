// Package webfinger owns discovery by address: it answers
// /.well-known/webfinger for our actors and resolves acct:user@host
// addresses of others to their ActivityPub actor.
package webfinger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"codeberg.org/portee/portee/federation/fetch"
)

// Link relations and media types we use.
const (
	RelSelf        = "self"
	RelProfilePage = "http://webfinger.net/rel/profile-page"
	TypeActivity   = "application/activity+json"
	typeLD         = `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`
	ContentType    = "application/jrd+json"
)

// ErrNotFound is returned by Lookup when the server knows no such account.
var ErrNotFound = errors.New("webfinger: account not found")

// Link is one JRD link.
type Link struct {
	Rel      string `json:"rel"`
	Type     string `json:"type,omitempty"`
	Href     string `json:"href,omitempty"`
	Template string `json:"template,omitempty"`
}

// JRD is a JSON Resource Descriptor (RFC 7033).
type JRD struct {
	Subject string   `json:"subject"`
	Aliases []string `json:"aliases,omitempty"`
	Links   []Link   `json:"links"`
}

// ParseAcct reads "acct:user@host", "user@host" or "@user@host". The host
// may carry a port (chaton@127.0.0.1:8081); it is returned lower-cased.
func ParseAcct(s string) (user, host string, err error) {
	orig := s
	s = strings.TrimSpace(s)
	if len(s) >= 5 && strings.EqualFold(s[:5], "acct:") {
		s = s[5:]
	}
	s = strings.TrimPrefix(s, "@")
	user, host, ok := strings.Cut(s, "@")
	if !ok || user == "" || host == "" || strings.Contains(host, "@") {
		return "", "", fmt.Errorf("webfinger: %q is not user@host", clip(orig))
	}
	if strings.ContainsAny(user, "/?#:%\\\"<> \t\r\n") || !printable(user) || len(user) > 255 {
		return "", "", fmt.Errorf("webfinger: %q: bad user name", clip(orig))
	}
	if !validHost(host) {
		return "", "", fmt.Errorf("webfinger: %q: bad host", clip(orig))
	}
	return user, strings.ToLower(host), nil
}

func printable(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == '\uFFFD' {
			return false
		}
	}
	return true
}

// validHost accepts a DNS name, an IPv4 address or a bracketed IPv6 address,
// with an optional port.
func validHost(h string) bool {
	if len(h) > 262 {
		return false
	}
	u, err := url.Parse("http://" + h)
	if err != nil || u.Host != h || u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "" {
		return false
	}
	name := u.Hostname()
	if name == "" {
		return false
	}
	if p := u.Port(); p != "" {
		if len(p) > 5 {
			return false
		}
	} else if strings.HasSuffix(h, ":") {
		return false
	}
	if strings.HasPrefix(h, "[") {
		return true // url.Parse checked the bracketed literal
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
			return false
		}
	}
	return !strings.HasPrefix(name, ".") && !strings.Contains(name, "..")
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// ParseJRD reads a WebFinger answer. Links without a rel are dropped.
func ParseJRD(b []byte) (*JRD, error) {
	var j JRD
	if err := json.Unmarshal(b, &j); err != nil {
		return nil, fmt.Errorf("webfinger: parse JRD: %w", err)
	}
	links := j.Links[:0]
	for _, l := range j.Links {
		if l.Rel != "" {
			links = append(links, l)
		}
	}
	j.Links = links
	if j.Subject == "" && len(j.Links) == 0 {
		return nil, errors.New("webfinger: parse JRD: no subject and no links")
	}
	return &j, nil
}

// ActorURL is the href of the rel=self link typed as ActivityPub, if any.
func (j *JRD) ActorURL() (string, bool) {
	for _, l := range j.Links {
		if l.Rel != RelSelf {
			continue
		}
		t := strings.ReplaceAll(strings.ToLower(l.Type), " ", "")
		if t != TypeActivity && t != strings.ReplaceAll(strings.ToLower(typeLD), " ", "") && !strings.HasPrefix(t, "application/ld+json") {
			continue
		}
		u, err := url.Parse(l.Href)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			continue
		}
		return l.Href, true
	}
	return "", false
}

// Handler answers /.well-known/webfinger?resource=acct:user@host or
// resource=<actor URL>. lookup maps a user name to its actor URL, byActorURL
// the reverse; ok=false gives 404. host is ours, port included when not the
// default. A missing or malformed resource gives 400.
func Handler(host string,
	lookup func(ctx context.Context, username string) (actorURL string, ok bool),
	byActorURL func(ctx context.Context, actorURL string) (username string, ok bool)) http.Handler {
	host = strings.ToLower(host)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Access-Control-Allow-Origin", "*")
		resource := r.URL.Query().Get("resource")
		if resource == "" {
			http.Error(w, "missing resource parameter", http.StatusBadRequest)
			return
		}
		var user string
		if strings.HasPrefix(resource, "https://") || strings.HasPrefix(resource, "http://") {
			u, err := url.Parse(resource)
			if err != nil {
				http.Error(w, "malformed resource", http.StatusBadRequest)
				return
			}
			if !strings.EqualFold(u.Host, host) || byActorURL == nil {
				http.NotFound(w, r)
				return
			}
			name, ok := byActorURL(r.Context(), resource)
			if !ok {
				http.NotFound(w, r)
				return
			}
			user = name
		} else {
			name, h, err := ParseAcct(resource)
			if err != nil {
				http.Error(w, "malformed resource", http.StatusBadRequest)
				return
			}
			if h != host {
				http.NotFound(w, r)
				return
			}
			user = name
		}
		actor, ok := lookup(r.Context(), user)
		if !ok {
			http.NotFound(w, r)
			return
		}
		j := JRD{
			Subject: "acct:" + user + "@" + host,
			Aliases: []string{actor},
			Links: []Link{
				{Rel: RelSelf, Type: TypeActivity, Href: actor},
				{Rel: RelProfilePage, Type: "text/html", Href: actor},
			},
		}
		w.Header().Set("Content-Type", ContentType)
		w.Header().Set("Cache-Control", "max-age=3600")
		if r.Method == http.MethodHead {
			return
		}
		_ = json.NewEncoder(w).Encode(j)
	})
}

// Lookup resolves acct ("user@host", "acct:user@host" or "@user@host") to
// its ActivityPub actor URL. It asks over https; when the client may reach
// private addresses (demo, tests) and https fails to connect, it asks again
// over plain http.
func Lookup(ctx context.Context, c *fetch.Client, acct string) (actorURL string, err error) {
	schemes := []string{"https"}
	if c.AllowsPrivate() {
		schemes = append(schemes, "http")
	}
	var last error
	for _, scheme := range schemes {
		actorURL, err := LookupScheme(ctx, c, acct, scheme)
		if err == nil {
			return actorURL, nil
		}
		last = err
		var se *fetch.StatusError
		if errors.As(err, &se) || errors.Is(err, ErrNotFound) || ctx.Err() != nil {
			break // the server answered: another scheme would not help
		}
	}
	return "", last
}

// LookupScheme is Lookup over the given scheme only.
func LookupScheme(ctx context.Context, c *fetch.Client, acct, scheme string) (string, error) {
	user, host, err := ParseAcct(acct)
	if err != nil {
		return "", err
	}
	q := url.Values{"resource": {"acct:" + user + "@" + host}}
	u := scheme + "://" + host + "/.well-known/webfinger?" + q.Encode()
	resp, err := c.Get(ctx, u, ContentType+", application/json")
	if err != nil {
		var se *fetch.StatusError
		if errors.As(err, &se) && se.Code == http.StatusNotFound {
			return "", fmt.Errorf("%w: %s@%s", ErrNotFound, user, host)
		}
		return "", fmt.Errorf("webfinger: lookup %s@%s: %w", user, host, err)
	}
	j, err := ParseJRD(resp.Body)
	if err != nil {
		return "", fmt.Errorf("webfinger: lookup %s@%s: %w", user, host, err)
	}
	actor, ok := j.ActorURL()
	if !ok {
		return "", fmt.Errorf("webfinger: lookup %s@%s: no ActivityPub self link", user, host)
	}
	return actor, nil
}
