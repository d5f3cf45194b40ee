package fetch

import (
	"context"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

func TestParseRobots(t *testing.T) {
	const txt = `# a comment
User-agent: GPTBot
Disallow: /

User-agent: *
Disallow: /private/
Allow: /private/public$
Disallow: /*.json$
Disallow: /tmp

User-agent: Portee
User-agent: other
Disallow: /no-portee/   # trailing comment
Allow: /no-portee/but-this
Disallow:
`
	mine := ParseRobots([]byte(txt), "portee")
	star := ParseRobots([]byte(txt), "somebot")
	for _, c := range []struct {
		r    *Robots
		path string
		want bool
	}{
		{mine, "/", true},
		{mine, "/private/x", true}, // our own group replaces "*"
		{mine, "/no-portee/x", false},
		{mine, "/no-portee/but-this", true},
		{mine, "/robots.txt", true},
		{star, "/", true},
		{star, "/private/x", false},
		{star, "/private/public", true},
		{star, "/private/public/more", false},
		{star, "/actor.json", false},
		{star, "/actor.json?x", true},
		{star, "/tmpfile", false},
		{star, "/no-portee/x", true},
	} {
		if got := c.r.Allowed(c.path); got != c.want {
			t.Errorf("Allowed(%q) = %v, want %v", c.path, got, c.want)
		}
	}
	if !ParseRobots([]byte("User-agent: portee\nDisallow:\n\nUser-agent: *\nDisallow: /\n"), "portee").Allowed("/x") {
		t.Error("an empty group for us must allow everything")
	}
	if ParseRobots([]byte("User-agent: *\nDisallow: /\n"), "portee").Allowed("/x") {
		t.Error("Disallow: / for everyone must stop us")
	}
	if ParseRobots([]byte("User-agent: p\nDisallow: /\n"), "portee").Allowed("/x") != true {
		t.Error("a group for another agent whose name is part of ours must not apply")
	}
}

func TestRobotsAllowed(t *testing.T) {
	var fetches atomic.Int32
	status := atomic.Int32{}
	status.Store(http.StatusOK)
	srv := jsonServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		fetches.Add(1)
		if s := int(status.Load()); s != http.StatusOK {
			w.WriteHeader(s)
			return
		}
		io.WriteString(w, "User-agent: portee\nDisallow: /users/hidden\n")
	})
	c := New(Options{AllowPrivate: true})
	now := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return now }
	ctx := context.Background()
	for _, p := range []struct {
		path string
		want bool
	}{{"/users/chaton", true}, {"/users/hidden", false}, {"/users/hidden/outbox?page=1", false}} {
		got, err := c.RobotsAllowed(ctx, srv.URL+p.path)
		if err != nil || got != p.want {
			t.Fatalf("%s: %v, %v", p.path, got, err)
		}
	}
	if n := fetches.Load(); n != 1 {
		t.Fatalf("robots.txt fetched %d times, want 1 (cached)", n)
	}
	// After an hour it is fetched again; now it is gone, so all is allowed.
	status.Store(http.StatusNotFound)
	now = now.Add(61 * time.Minute)
	if got, err := c.RobotsAllowed(ctx, srv.URL+"/users/hidden"); err != nil || !got {
		t.Fatalf("missing robots.txt: %v, %v", got, err)
	}
	if n := fetches.Load(); n != 2 {
		t.Fatalf("robots.txt fetched %d times, want 2", n)
	}
	// A server error is reported, not taken as permission.
	status.Store(http.StatusInternalServerError)
	now = now.Add(61 * time.Minute)
	if got, err := c.RobotsAllowed(ctx, srv.URL+"/users/chaton"); err == nil || got {
		t.Fatalf("robots.txt 500: %v, %v", got, err)
	}
}

func FuzzParseRobots(f *testing.F) {
	f.Add("User-agent: *\nDisallow: /private/\nAllow: /private/public$\n", "/private/x")
	f.Add("User-agent: portee\nDisallow: /*.json$\n", "/a.json")
	f.Add("User-agent: portee\nDisallow: /**a*b*$\n", "/xxaxxb")
	f.Add(":\n::\nuser-agent\n", "")
	f.Fuzz(func(t *testing.T, txt, path string) {
		r := ParseRobots([]byte(txt), RobotsToken)
		r.Allowed(path)
		if !r.Allowed("/robots.txt") {
			t.Fatal("robots.txt itself disallowed")
		}
	})
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"", "120", "-1", "Fri, 02 Jan 2026 03:14:05 GMT", "99999999999999999999", "1e9"} {
		f.Add(s)
	}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		if d := ParseRetryAfter(s, now); d < 0 || d > maxRetryAfter {
			t.Fatalf("ParseRetryAfter(%q) = %s", s, d)
		}
	})
}
