package frontend

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/frontend/auth"
)

const staffPassword = "correct horse battery staple"

// staffClient is a browser of one account: its session cookie and CSRF token.
type staffClient struct {
	f      *fixture
	cookie *http.Cookie
	csrf   string
}

func (f *fixture) account(t *testing.T, email, role string) {
	t.Helper()
	h, err := auth.HashPassword(staffPassword)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.store.CreateAccount(context.Background(), &catalog.Account{Email: email, Role: role, PasswordHash: h}, catalog.StaffRef{}); err != nil {
		t.Fatal(err)
	}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (f *fixture) post(path string, form url.Values, cookie *http.Cookie) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if cookie != nil {
		req.AddCookie(cookie)
	}
	rec := httptest.NewRecorder()
	f.e.ServeHTTP(rec, req)
	return rec
}

func (f *fixture) signIn(t *testing.T, email string) *staffClient {
	t.Helper()
	m := csrfField.FindStringSubmatch(f.page("/connexion", http.StatusOK))
	if m == nil {
		t.Fatal("no csrf field on /connexion")
	}
	rec := f.post("/connexion", url.Values{"csrf": {m[1]}, "email": {email}, "password": {staffPassword}}, nil)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("POST /connexion: %d\n%s", rec.Code, truncate(rec.Body.String(), 500))
	}
	var ck *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == "portee_session" {
			ck = c
		}
	}
	if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode {
		t.Fatalf("session cookie: %+v", ck)
	}
	sc := &staffClient{f: f, cookie: ck}
	body := sc.get(t, dashboardPath, http.StatusOK)
	sc.csrf = csrfField.FindStringSubmatch(body)[1]
	return sc
}

func (sc *staffClient) get(t *testing.T, path string, want int) string {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.AddCookie(sc.cookie)
	rec := httptest.NewRecorder()
	sc.f.e.ServeHTTP(rec, req)
	if rec.Code != want {
		t.Fatalf("GET %s: %d, want %d\n%s", path, rec.Code, want, truncate(rec.Body.String(), 800))
	}
	return rec.Body.String()
}

func (sc *staffClient) post(t *testing.T, path string, form url.Values, want int) *httptest.ResponseRecorder {
	t.Helper()
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", sc.csrf)
	}
	rec := sc.f.post(path, form, sc.cookie)
	if rec.Code != want {
		t.Fatalf("POST %s: %d, want %d\n%s", path, rec.Code, want, truncate(rec.Body.String(), 800))
	}
	return rec
}

var dashboardPages = []struct {
	path  string
	admin bool
}{
	{dashboardPath, false}, {dashboardPath + "/audits", false}, {dashboardPath + "/matrice", false},
	{dashboardPath + "/comptes", true}, {dashboardPath + "/journal", true},
}

func TestDashboardRoles(t *testing.T) {
	f := newFixture(t)
	f.account(t, "admin@x.org", catalog.RoleAdmin)
	f.account(t, "audit@x.org", catalog.RoleAuditor)
	admin, auditor := f.signIn(t, "admin@x.org"), f.signIn(t, "audit@x.org")
	form := admin.post(t, dashboardPath+"/audits", url.Values{"hoster": {f.hoster["erdre"].Acct()}}, http.StatusSeeOther).Header().Get("Location")
	pages := append(dashboardPages, struct {
		path  string
		admin bool
	}{form, false})
	for _, p := range pages {
		rec := f.get(p.path)
		if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/connexion") {
			t.Errorf("anonymous GET %s: %d %q, want 303 to /connexion", p.path, rec.Code, rec.Header().Get("Location"))
		}
		admin.get(t, p.path, http.StatusOK)
		want := http.StatusOK
		if p.admin {
			want = http.StatusForbidden
		}
		auditor.get(t, p.path, want)
	}
	auditor.post(t, dashboardPath+"/comptes", url.Values{"action": {"add"}, "email": {"x@y.org"}, "role": {"admin"}}, http.StatusForbidden)
	if _, err := f.store.AccountByEmail(context.Background(), "x@y.org"); err == nil {
		t.Error("an auditor created an account")
	}
	body := admin.post(t, dashboardPath+"/comptes", url.Values{"action": {"add"}, "email": {"new@y.org"}, "role": {"auditor"}}, http.StatusOK).Body.String()
	mustContain(t, "account created", body, "/connexion/lien?jeton=")
}

func TestDashboardCSRF(t *testing.T) {
	f := newFixture(t)
	f.account(t, "audit@x.org", catalog.RoleAuditor)
	sc := f.signIn(t, "audit@x.org")
	acct := f.hoster["erdre"].Acct()
	for _, tok := range []string{"", "wrong"} {
		sc.post(t, dashboardPath+"/audits", url.Values{"csrf": {tok}, "hoster": {acct}}, http.StatusForbidden)
	}
	if as, _ := f.store.Audits(context.Background(), catalog.AuditFilter{}); len(as) != 0 {
		t.Fatalf("a POST without the CSRF token opened an audit: %+v", as)
	}
	// Another site's form: right token but a foreign Origin.
	req := httptest.NewRequest(http.MethodPost, dashboardPath+"/audits", strings.NewReader(url.Values{"csrf": {sc.csrf}, "hoster": {acct}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	req.AddCookie(sc.cookie)
	rec := httptest.NewRecorder()
	f.e.ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden {
		t.Fatalf("cross-origin POST: %d", rec.Code)
	}
	// Sign-in without its form token.
	if rec := f.post("/connexion", url.Values{"email": {"audit@x.org"}, "password": {staffPassword}}, nil); rec.Code != http.StatusForbidden || len(rec.Result().Cookies()) > 0 {
		t.Fatalf("sign-in without token: %d %v", rec.Code, rec.Result().Cookies())
	}
	// Sign-out deletes the session row.
	sc.post(t, "/deconnexion", url.Values{}, http.StatusSeeOther)
	if rec := f.get(dashboardPath, "Cookie", sc.cookie.Name+"="+sc.cookie.Value); rec.Code != http.StatusSeeOther {
		t.Fatalf("dashboard after sign-out: %d", rec.Code)
	}
}

func TestSignInFailuresAndThrottle(t *testing.T) {
	f := newFixture(t)
	f.account(t, "audit@x.org", catalog.RoleAuditor)
	// A stopped clock: the 1 s block after the 6th failure must still hold
	// at the 7th, however long argon2id takes on a loaded machine.
	now := time.Now()
	f.srv.auth.SetClock(func() time.Time { return now })
	tok := csrfField.FindStringSubmatch(f.page("/connexion", http.StatusOK))[1]
	var last int
	for i := 0; i < 7; i++ {
		rec := f.post("/connexion", url.Values{"csrf": {tok}, "email": {"audit@x.org"}, "password": {"wrong password!"}}, nil)
		last = rec.Code
		if len(rec.Result().Cookies()) > 0 {
			t.Fatal("a failed sign-in set a cookie")
		}
	}
	if last != http.StatusTooManyRequests {
		t.Fatalf("7th failure: %d, want 429", last)
	}
	// Even the right password waits while the account is blocked.
	if rec := f.post("/connexion", url.Values{"csrf": {tok}, "email": {"audit@x.org"}, "password": {staffPassword}}, nil); rec.Code != http.StatusTooManyRequests {
		t.Fatalf("right password while throttled: %d", rec.Code)
	}
}

func TestAuditPublishFlow(t *testing.T) {
	f := newFixture(t)
	f.account(t, "audit@x.org", catalog.RoleAuditor)
	sc := f.signIn(t, "audit@x.org")
	h := f.hoster["erdre"]
	loc := sc.post(t, dashboardPath+"/audits", url.Values{"hoster": {h.Acct()}}, http.StatusSeeOther).Header().Get("Location")
	form := sc.get(t, loc, http.StatusOK)
	mustContain(t, "audit form", form, "Comment vérifier", "Réponse de l", "Verdict précédent", "Observations automatiques")
	ch := catalog.DefaultCharter()
	c0, c1 := ch.Commitments[0].ID, ch.Commitments[1].ID
	evil := `<script>alert("x")</script>`
	sc.post(t, loc, url.Values{"action": {"save"}, "due": {"2031-05-04"}, "v." + c0: {"conforme"}, "c." + c0: {evil}, "n." + c0: {"SECRET-NOTE"}, "r." + c0: {"0"}}, http.StatusSeeOther)
	body := sc.get(t, loc, http.StatusOK)
	mustNotContain(t, "escaped", body, evil)
	mustContain(t, "due date", body, `value="2031-05-04"`)
	// A stale form (revision 0 again) on c0 is a conflict; c1 is still saved.
	sc.post(t, loc, url.Values{"action": {"save"}, "v." + c0: {"partiel"}, "r." + c0: {"0"}, "v." + c1: {"partiel"}, "r." + c1: {"0"}}, http.StatusConflict)
	// A 100 KB comment is refused with a message, nothing saved.
	big := sc.post(t, loc, url.Values{"action": {"save"}, "v." + c1: {"non-conforme"}, "c." + c1: {strings.Repeat("x", 100<<10)}, "r." + c1: {"1"}}, http.StatusRequestEntityTooLarge)
	mustContain(t, "too long", big.Body.String(), "20 000")
	pub := sc.post(t, loc, url.Values{"action": {"publish"}, "v." + c0: {"conforme"}, "r." + c0: {"1"}}, http.StatusSeeOther).Header().Get("Location")
	page := f.page(pub, http.StatusOK)
	mustContain(t, "public audit", page, "conforme", "partiel")
	mustNotContain(t, "public audit", page, "SECRET-NOTE", evil)
	hp := f.page("/hebergeurs/"+h.Acct(), http.StatusOK)
	mustContain(t, "hoster page", hp, "Dernier audit du collectif", pub)
	api := f.page("/api/v1/hosters/"+h.Acct()+"/audits", http.StatusOK)
	mustContain(t, "api", api, `"verdict":"conforme"`, `"charter_version"`)
	mustNotContain(t, "api", api, "SECRET-NOTE")
	// Published: immutable through the form.
	sc.post(t, loc, url.Values{"action": {"save"}, "v." + c0: {"non-conforme"}, "r." + c0: {"1"}}, http.StatusConflict)
}

func TestPublicPagesSetNoCookie(t *testing.T) {
	f := newFixture(t)
	h := f.hoster["erdre"]
	for _, p := range []string{"/", "/recherche?q=pad", "/hebergeurs", "/hebergeurs/" + h.Acct(), "/carte", "/a-propos",
		"/entraide", "/connexion", "/connexion/lien?jeton=x", "/api/v1/hosters/" + h.Acct() + "/audits", dashboardPath} {
		if ck := f.get(p).Result().Cookies(); len(ck) > 0 {
			t.Errorf("GET %s set a cookie: %v", p, ck)
		}
	}
}

func TestSessionExpiry(t *testing.T) {
	for _, c := range []struct {
		name  string
		steps []time.Duration // requests made this long after the previous one
		ok    bool
	}{
		{"idle 11 h", []time.Duration{11 * time.Hour}, true},
		{"idle 13 h", []time.Duration{13 * time.Hour}, false},
		{"active for 31 days", slices.Repeat([]time.Duration{10 * time.Hour}, 75), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			f.account(t, "audit@x.org", catalog.RoleAuditor)
			sc := f.signIn(t, "audit@x.org")
			at := time.Now()
			f.srv.auth.SetClock(func() time.Time { return at })
			for _, d := range c.steps {
				at = at.Add(d)
				req := httptest.NewRequest(http.MethodGet, dashboardPath, nil)
				req.AddCookie(sc.cookie)
				rec := httptest.NewRecorder()
				f.e.ServeHTTP(rec, req)
				if rec.Code == http.StatusSeeOther {
					if c.ok {
						t.Fatalf("session ended after %v", d)
					}
					return
				}
			}
			if !c.ok {
				t.Fatal("the session never ended")
			}
		})
	}
}
