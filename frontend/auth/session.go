package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"codeberg.org/portee/portee/catalog"
	"github.com/labstack/echo/v4"
)

// Session lifetimes: a session ends after 12 hours without a request or 30
// days after sign-in, whichever comes first.
const (
	IdleTimeout     = 12 * time.Hour
	AbsoluteTimeout = 30 * 24 * time.Hour
	// touchEvery: last_seen_at is written at most this often, not on every
	// request (a write per page view would queue behind SQLite's writer).
	touchEvery = time.Minute
)

// CSRFField is the name of the hidden form field carrying the token.
const CSRFField = "csrf"

// Paths of the sign-in and sign-out pages, the same on every role.
const (
	SignInPath  = "/connexion"
	SignOutPath = "/deconnexion"
)

// Manager keeps sessions in the catalog database and checks them on each
// request. It is safe for concurrent use.
type Manager struct {
	store  *catalog.Store
	secure bool
	cookie string
	log    *slog.Logger
	now    func() time.Time

	formKey []byte // signs FormToken; new at each start
}

// NewManager returns a Manager for a server whose public address is
// baseURL: on https the cookie is Secure and named with the __Host- prefix
// (bound to this host, path /, never set by a subdomain).
func NewManager(store *catalog.Store, baseURL string, log *slog.Logger) *Manager {
	if log == nil {
		log = slog.Default()
	}
	m := &Manager{store: store, cookie: "portee_session", log: log, now: time.Now, formKey: []byte(RandomToken(32))}
	if strings.HasPrefix(strings.ToLower(baseURL), "https://") {
		m.secure = true
		m.cookie = "__Host-portee_session"
	}
	return m
}

// SetClock replaces the clock (tests of expiry).
func (m *Manager) SetClock(now func() time.Time) { m.now = now }

// CookieName is the session cookie's name.
func (m *Manager) CookieName() string { return m.cookie }

// Store is the catalog the Manager keeps its sessions in.
func (m *Manager) Store() *catalog.Store { return m.store }

func hashID(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

// HashToken is how one-time tokens are kept: their SHA-256 in hex.
func HashToken(token string) string { return hashID(token) }

// Current is the signed-in account of a request and its session.
type Current struct {
	Account catalog.Account
	CSRF    string
	idHash  string
}

// Ref names the account for the activity log.
func (c *Current) Ref() catalog.StaffRef {
	return catalog.StaffRef{AccountID: c.Account.ID, Email: c.Account.Email}
}

const currentKey = "auth.current"

// FromContext returns the signed-in account set by Require or Optional, or nil.
func FromContext(c echo.Context) *Current {
	cur, _ := c.Get(currentKey).(*Current)
	return cur
}

// StartSession creates a new session for a (always a new id: a session id
// seen before sign-in is never promoted) and sets its cookie.
func (m *Manager) StartSession(c echo.Context, a *catalog.Account) error {
	if old, err := c.Cookie(m.cookie); err == nil && old.Value != "" {
		if err := m.store.DeleteSession(c.Request().Context(), hashID(old.Value)); err != nil {
			return err
		}
	}
	id := RandomToken(32)
	now := m.now()
	if err := m.store.CreateSession(c.Request().Context(), &catalog.Session{IDHash: hashID(id), AccountID: a.ID,
		CSRFToken: RandomToken(32), CreatedAt: now, LastSeenAt: now}); err != nil {
		return err
	}
	c.SetCookie(m.newCookie(id, now.Add(AbsoluteTimeout)))
	return nil
}

func (m *Manager) newCookie(value string, expires time.Time) *http.Cookie {
	return &http.Cookie{Name: m.cookie, Value: value, Path: "/", Expires: expires, HttpOnly: true,
		Secure: m.secure, SameSite: http.SameSiteLaxMode}
}

// EndSession deletes the request's session row and clears the cookie.
func (m *Manager) EndSession(c echo.Context) error {
	if ck, err := c.Cookie(m.cookie); err == nil && ck.Value != "" {
		if err := m.store.DeleteSession(c.Request().Context(), hashID(ck.Value)); err != nil {
			return err
		}
	}
	ck := m.newCookie("", time.Unix(0, 0))
	ck.MaxAge = -1
	c.SetCookie(ck)
	return nil
}

// load finds the request's live session, deleting it when expired.
func (m *Manager) load(c echo.Context) (*Current, error) {
	ck, err := c.Cookie(m.cookie)
	if err != nil || ck.Value == "" || len(ck.Value) > 100 {
		return nil, nil
	}
	ctx := c.Request().Context()
	h := hashID(ck.Value)
	sess, acct, err := m.store.SessionByHash(ctx, h)
	if errors.Is(err, catalog.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	now := m.now()
	if acct.Disabled || now.Sub(sess.LastSeenAt) > IdleTimeout || now.Sub(sess.CreatedAt) > AbsoluteTimeout {
		return nil, m.store.DeleteSession(ctx, h)
	}
	if now.Sub(sess.LastSeenAt) > touchEvery {
		if err := m.store.TouchSession(ctx, h, now); err != nil {
			return nil, err
		}
	}
	return &Current{Account: *acct, CSRF: sess.CSRFToken, idHash: h}, nil
}

// Require lets through only a signed-in account whose role is in roles (any
// role when roles is empty). Without a session, a GET is redirected to the
// sign-in page (303) and anything else gets 403; a wrong role gets 403. On
// every request but GET and HEAD, the form's CSRF token must equal the
// session's, else 403 before the handler runs.
func (m *Manager) Require(roles ...string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			cur, err := m.load(c)
			if err != nil {
				return fmt.Errorf("auth: session: %w", err)
			}
			r := c.Request()
			safe := r.Method == http.MethodGet || r.Method == http.MethodHead
			if cur == nil {
				if safe {
					return c.Redirect(http.StatusSeeOther, SignInPath+"?retour="+urlQueryEscape(r.URL.RequestURI()))
				}
				return echo.NewHTTPError(http.StatusForbidden)
			}
			c.Response().Header().Set("Cache-Control", "no-store")
			FormReferrerPolicy(c.Response().Header())
			c.Set(currentKey, cur)
			if !safe && (!SameOrigin(r) || !m.CSRFOK(c, cur)) {
				return echo.NewHTTPError(http.StatusForbidden)
			}
			if len(roles) > 0 && !slices.Contains(roles, cur.Account.Role) {
				return echo.NewHTTPError(http.StatusForbidden)
			}
			return next(c)
		}
	}
}

// Optional loads the session when there is one, without requiring it (the
// sign-in page shows who is signed in). It never sets a cookie.
func (m *Manager) Optional(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if _, err := c.Cookie(m.cookie); err == nil {
			cur, err := m.load(c)
			if err != nil {
				return fmt.Errorf("auth: session: %w", err)
			}
			if cur != nil {
				c.Set(currentKey, cur)
			}
		}
		return next(c)
	}
}

// FormReferrerPolicy is the referrer policy of pages that hold forms
// posted to this site (sign-in, dashboards). Under "no-referrer", the
// public pages' policy, browsers send "Origin: null" with a form's POST,
// which SameOrigin must refuse; "same-origin" keeps the Origin for this
// site and still sends nothing to others.
func FormReferrerPolicy(h http.Header) { h.Set("Referrer-Policy", "same-origin") }

// CSRFOK compares the form's token with the session's in constant time.
// The form is limited to what echo's body limit lets through.
func (m *Manager) CSRFOK(c echo.Context, cur *Current) bool {
	got := c.FormValue(CSRFField)
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(cur.CSRF)) == 1
}

// Sweep deletes expired sessions; the directory calls it now and then.
func (m *Manager) Sweep(ctx context.Context) (int64, error) {
	now := m.now()
	return m.store.DeleteExpiredSessions(ctx, now.Add(-IdleTimeout), now.Add(-AbsoluteTimeout))
}

// RunSweeper deletes expired sessions every interval until ctx is done, so
// that the table does not keep sessions nobody comes back to.
func (m *Manager) RunSweeper(ctx context.Context, every time.Duration) error {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := m.Sweep(ctx); err != nil && ctx.Err() == nil {
			m.log.Warn("auth: sweep sessions", "err", err)
		} else if n > 0 {
			m.log.Info("auth: expired sessions deleted", "count", n)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
