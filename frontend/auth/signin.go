package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"codeberg.org/portee/portee/catalog"
)

// Throttle policy: the first freeFailures failures of an account or of a
// client address cost nothing; each later one blocks that key for twice as
// long as the one before (1 s, 2 s, 4 s… up to maxDelay). Failures are
// forgotten a day after the last one, or at a good sign-in.
const (
	freeFailures = 5
	maxDelay     = 15 * time.Minute
	forgetAfter  = 24 * time.Hour
)

// Delay is the block after the n-th consecutive failure.
func Delay(n int) time.Duration {
	if n <= freeFailures {
		return 0
	}
	d := time.Second << min(n-freeFailures-1, 20)
	return min(d, maxDelay)
}

// Sign-in outcomes besides success.
var (
	ErrBadCredentials = errors.New("auth: wrong email or password")
	ErrThrottled      = errors.New("auth: too many failed sign-ins, wait")
)

// SignIn checks an email and password, applying the throttle per account
// and per client address. While a key is blocked the password is not even
// checked. Failures are logged with the email and address, never the
// password. retry is how long to wait when ErrThrottled.
func (m *Manager) SignIn(ctx context.Context, email, password, addr string) (a *catalog.Account, retry time.Duration, err error) {
	email = catalog.NormalizeEmail(email)
	keys := []string{"account:" + email, "addr:" + addr}
	now := m.now()
	until, err := m.store.SigninBlockedUntil(ctx, now.Add(-forgetAfter), keys...)
	if err != nil {
		return nil, 0, err
	}
	if until.After(now) {
		m.log.Warn("auth: sign-in refused while throttled", "email", email, "addr", addr)
		return nil, until.Sub(now), ErrThrottled
	}
	acct, err := m.store.AccountByEmail(ctx, email)
	switch {
	case errors.Is(err, catalog.ErrNotFound):
		VerifyPassword(dummyHash(), password)
	case err != nil:
		return nil, 0, err
	case !acct.Disabled && acct.PasswordHash != "" && VerifyPassword(acct.PasswordHash, password):
		for _, k := range keys {
			if err := m.store.ClearSigninFailures(ctx, k); err != nil {
				return nil, 0, err
			}
		}
		m.log.Info("auth: signed in", "email", email, "addr", addr)
		return acct, 0, nil
	}
	if _, err := m.store.SigninFailed(ctx, now, Delay, keys...); err != nil {
		return nil, 0, err
	}
	m.log.Warn("auth: sign-in failed", "email", email, "addr", addr)
	return nil, 0, ErrBadCredentials
}

// SignInLink makes a one-time sign-in link for the account, valid ttl.
func (m *Manager) SignInLink(ctx context.Context, baseURL string, accountID int64, ttl time.Duration) (string, error) {
	return NewSignInLink(ctx, m.store, baseURL, accountID, ttl, m.now())
}

// NewSignInLink is SignInLink without a Manager, for the command line.
func NewSignInLink(ctx context.Context, store *catalog.Store, baseURL string, accountID int64, ttl time.Duration, now time.Time) (string, error) {
	tok := RandomToken(32)
	if err := store.CreateAccountToken(ctx, HashToken(tok), accountID, catalog.TokenSignIn, now.Add(ttl)); err != nil {
		return "", fmt.Errorf("auth: sign-in link: %w", err)
	}
	return baseURL + SignInPath + "/lien?jeton=" + url.QueryEscape(tok), nil
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// formTokenTTL bounds how long a sign-in form stays valid.
const formTokenTTL = 2 * time.Hour

// FormToken is the CSRF field of the forms shown before a session exists
// (sign-in, one-time link): visitors get no cookie, so the token is an
// HMAC of its time under a key of this process instead of a session value.
// With the Origin check of SameOrigin it stops another site from signing a
// browser in to an account of its choosing.
func (m *Manager) FormToken() string {
	ts := strconv.FormatInt(m.now().Unix(), 10)
	return ts + "." + m.mac(ts)
}

// FormTokenOK checks a FormToken: ours and not older than formTokenTTL.
func (m *Manager) FormTokenOK(tok string) bool {
	ts, mac, ok := strings.Cut(tok, ".")
	if !ok {
		return false
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return false
	}
	age := m.now().Sub(time.Unix(sec, 0))
	if age < -time.Minute || age > formTokenTTL {
		return false
	}
	return hmac.Equal([]byte(mac), []byte(m.mac(ts)))
}

func (m *Manager) mac(s string) string {
	h := hmac.New(sha256.New, m.formKey)
	h.Write([]byte(s))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// SameOrigin refuses a state-changing request whose Origin (sent by every
// current browser on a POST) names another site. Requests without Origin
// (old browsers, the command line) rely on the CSRF token alone.
func SameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	return err == nil && u.Host == r.Host
}
