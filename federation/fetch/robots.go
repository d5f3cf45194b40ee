package fetch

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// RobotsToken is the product token we look for in robots.txt.
const RobotsToken = "portee"

const robotsTTL = time.Hour

type robotsEntry struct {
	rules   *Robots
	fetched time.Time
}

type robotsRule struct {
	allow   bool
	pattern string
}

// Robots is the part of a robots.txt that applies to one user agent.
type Robots struct {
	rules []robotsRule
}

// ParseRobots reads a robots.txt (RFC 9309) and keeps the groups for token,
// or the "*" groups when none names it.
func ParseRobots(body []byte, token string) *Robots {
	token = strings.ToLower(token)
	var mine, star []robotsRule
	var agents []string
	inRules := false
	for _, line := range strings.Split(string(body), "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		key = strings.ToLower(strings.TrimSpace(key))
		val = strings.TrimSpace(val)
		switch key {
		case "user-agent":
			if inRules {
				agents = nil
				inRules = false
			}
			agents = append(agents, strings.ToLower(val))
		case "allow", "disallow":
			inRules = true
			if val == "" {
				continue // an empty Disallow allows everything: nothing to record
			}
			r := robotsRule{allow: key == "allow", pattern: val}
			for _, a := range agents {
				switch {
				case a == "*":
					star = append(star, r)
				case a == token:
					mine = append(mine, r)
				}
			}
		}
	}
	if hasGroup(body, token) {
		return &Robots{rules: mine}
	}
	return &Robots{rules: star}
}

// hasGroup tells whether some group names token, even with no rules (which
// then allows everything to us whatever "*" says).
func hasGroup(body []byte, token string) bool {
	for _, line := range strings.Split(string(body), "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		key, val, ok := strings.Cut(line, ":")
		if !ok || !strings.EqualFold(strings.TrimSpace(key), "user-agent") {
			continue
		}
		a := strings.ToLower(strings.TrimSpace(val))
		if a == token {
			return true
		}
	}
	return false
}

// Allowed tells whether path (with its query) may be fetched: the longest
// matching rule wins, Allow on a tie.
func (r *Robots) Allowed(path string) bool {
	if path == "" {
		path = "/"
	}
	if path == "/robots.txt" {
		return true
	}
	best, allowed := -1, true
	for _, rule := range r.rules {
		if !robotsMatch(rule.pattern, path) {
			continue
		}
		n := len(rule.pattern)
		if n > best || (n == best && rule.allow) {
			best, allowed = n, rule.allow
		}
	}
	return allowed
}

// robotsMatch matches a robots.txt path pattern ("*" any run, "$" at the
// end anchors) against path, iteratively so no pattern can blow up.
func robotsMatch(pattern, path string) bool {
	anchored := strings.HasSuffix(pattern, "$")
	if anchored {
		pattern = pattern[:len(pattern)-1]
	}
	parts := strings.Split(pattern, "*")
	if !strings.HasPrefix(path, parts[0]) {
		return false
	}
	pos := len(parts[0])
	for i := 1; i < len(parts); i++ {
		p := parts[i]
		if i == len(parts)-1 && anchored {
			return len(path)-pos >= len(p) && strings.HasSuffix(path, p)
		}
		j := strings.Index(path[pos:], p)
		if j < 0 {
			return false
		}
		pos += j + len(p)
	}
	if anchored {
		return pos == len(path)
	}
	return true
}

// RobotsAllowed fetches and caches /robots.txt (per origin, 1 h) and tells
// whether our product token "portee" may fetch rawURL. A missing robots.txt
// (any 4xx) allows everything; a server error or an unreachable server is
// returned as an error, and the caller should not crawl.
func (c *Client) RobotsAllowed(ctx context.Context, rawURL string) (bool, error) {
	u, err := checkURL(rawURL)
	if err != nil {
		return false, err
	}
	o := origin(u)
	now := c.now()
	c.robotsMu.Lock()
	e, ok := c.robots[o]
	c.robotsMu.Unlock()
	if !ok || now.Sub(e.fetched) > robotsTTL {
		resp, err := c.Get(ctx, o+"/robots.txt", "text/plain")
		var se *StatusError
		switch {
		case err == nil:
			e = robotsEntry{rules: ParseRobots(resp.Body, RobotsToken), fetched: now}
		case errors.As(err, &se) && se.Code >= 400 && se.Code < 500:
			e = robotsEntry{rules: &Robots{}, fetched: now}
		default:
			return false, fmt.Errorf("fetch: robots.txt of %s: %w", o, err)
		}
		c.robotsMu.Lock()
		c.robots[o] = e
		c.robotsMu.Unlock()
	}
	return e.rules.Allowed(requestPath(u)), nil
}

func requestPath(u *url.URL) string {
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	if u.RawQuery != "" {
		p += "?" + u.RawQuery
	}
	return p
}
