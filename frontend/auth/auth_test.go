package auth

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestPasswordHashRoundTrip(t *testing.T) {
	h, err := HashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q does not carry its parameters", h)
	}
	if !VerifyPassword(h, "correct horse battery staple") || VerifyPassword(h, "correct horse battery stapl") {
		t.Fatal("verify")
	}
	h2, _ := HashPassword("correct horse battery staple")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	for _, bad := range []string{"", "$argon2id$", "$argon2i$v=19$m=19456,t=2,p=1$AAAA$AAAA", "$argon2id$v=19$m=99999999,t=2,p=1$AAAA$AAAA", h[:len(h)-3] + "!!!"} {
		if VerifyPassword(bad, "x") {
			t.Errorf("malformed hash %q verified", bad)
		}
	}
}

func TestCheckPassword(t *testing.T) {
	if n := CommonPasswords(); n < 2000 {
		t.Fatalf("only %d common passwords shipped", n)
	}
	cases := map[string]error{
		"short":                   ErrPasswordShort,
		"éèàùçôîâêû":              ErrPasswordShort, // 10 characters, 20 bytes
		"motdepasse123":           ErrPasswordCommon,
		"AZERTYUIOP123":           ErrPasswordCommon,
		"1234567890123":           ErrPasswordCommon,
		"trois chatons en balade": nil,
	}
	for pw, want := range cases {
		if got := CheckPassword(pw); got != want {
			t.Errorf("CheckPassword(%q) = %v, want %v", pw, got, want)
		}
	}
}

func TestDelayGrows(t *testing.T) {
	for n := 0; n <= freeFailures; n++ {
		if Delay(n) != 0 {
			t.Fatalf("failure %d delayed", n)
		}
	}
	if Delay(6) != time.Second || Delay(7) != 2*time.Second || Delay(8) != 4*time.Second || Delay(100) != maxDelay {
		t.Fatalf("delays %v %v %v %v", Delay(6), Delay(7), Delay(8), Delay(100))
	}
}

func TestFormToken(t *testing.T) {
	m := &Manager{now: time.Now, formKey: []byte("k1")}
	tok := m.FormToken()
	if !m.FormTokenOK(tok) {
		t.Fatal("fresh token refused")
	}
	other := &Manager{now: time.Now, formKey: []byte("k2")}
	if other.FormTokenOK(tok) || m.FormTokenOK("") || m.FormTokenOK("123.abc") || m.FormTokenOK(tok+"x") {
		t.Fatal("bad token accepted")
	}
	m.now = func() time.Time { return time.Now().Add(3 * time.Hour) }
	if m.FormTokenOK(tok) {
		t.Fatal("expired token accepted")
	}
}

func TestCookieNameOnHTTPS(t *testing.T) {
	if m := NewManager(nil, "https://annuaire.example", nil); m.CookieName() != "__Host-portee_session" || !m.secure {
		t.Fatalf("https: %q secure=%v", m.CookieName(), m.secure)
	}
	if m := NewManager(nil, "http://127.0.0.1:8080", nil); m.CookieName() != "portee_session" || m.secure {
		t.Fatalf("http: %q secure=%v", m.CookieName(), m.secure)
	}
}

func TestSameOrigin(t *testing.T) {
	cases := []struct {
		site, origin string
		ok           bool
	}{
		{"", "", true}, {"same-origin", "null", true}, {"", "null", true}, {"", "http://annuaire.example", true},
		{"cross-site", "", false}, {"same-site", "", false}, {"", "https://evil.example", false},
	}
	for _, c := range cases {
		r, _ := http.NewRequest(http.MethodPost, "http://annuaire.example/connexion", nil)
		if c.site != "" {
			r.Header.Set("Sec-Fetch-Site", c.site)
		}
		if c.origin != "" {
			r.Header.Set("Origin", c.origin)
		}
		if got := SameOrigin(r); got != c.ok {
			t.Errorf("Sec-Fetch-Site %q Origin %q: %v, want %v", c.site, c.origin, got, c.ok)
		}
	}
}
