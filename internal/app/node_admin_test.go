package app

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/frontend"
	"codeberg.org/portee/portee/frontend/auth"
)

// A dashboard save rewrites the hoster file (comment at the top kept),
// keeps the previous content as hoster.yaml.bak and applies it to the
// store; a save from a page opened before the file changed is refused
// and writes nothing.
func TestDashboardSaveWritesFileWithBackupAndRefusesConflict(t *testing.T) {
	n, file := startTestNode(t, &syncBuffer{})
	ctx := context.Background()
	orig, _ := os.ReadFile(file)
	f, version, err := n.LoadHoster(ctx)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(f.Offers, func(o catalog.FileOffer) bool { return o.Key == "etherpad" })
	f.Offers[i].Name = "Pad zorglub"
	if err := n.SaveHoster(ctx, f, version); err != nil {
		t.Fatal(err)
	}
	now, _ := os.ReadFile(file)
	if !strings.Contains(string(now), "name: Pad zorglub") || !strings.HasPrefix(string(now), "# Fichier hébergeur Portée") {
		t.Errorf("file not rewritten with its head comment:\n%s", now)
	}
	bak, err := os.ReadFile(file + ".bak")
	if err != nil || string(bak) != string(orig) {
		t.Errorf("backup = %q, %v; want the previous content", bak, err)
	}
	if o := offerNamed(t, n, "etherpad"); o.Name != "Pad zorglub" {
		t.Errorf("store offer name = %q", o.Name)
	}
	// The page that was opened before this save is now stale.
	f.Offers[i].Name = "Pad perdu"
	if err := n.SaveHoster(ctx, f, version); !errors.Is(err, frontend.ErrConflict) {
		t.Fatalf("stale save: err = %v, want ErrConflict", err)
	}
	if after, _ := os.ReadFile(file); string(after) != string(now) {
		t.Error("a conflicting save changed the file")
	}
	// A hand edit shows in the dashboard and makes the old version stale.
	_, v2, _ := n.LoadHoster(ctx)
	hand := strings.Replace(string(now), "name: Pad zorglub", "name: Pad à la main", 1)
	if err := os.WriteFile(file, []byte(hand), 0o640); err != nil {
		t.Fatal(err)
	}
	f3, v3, err := n.LoadHoster(ctx)
	if err != nil || f3.Offers[i].Name != "Pad à la main" || v3 == v2 {
		t.Errorf("hand edit not shown: %q, version %s→%s, %v", f3.Offers[i].Name, v2, v3, err)
	}
	f3.Offers[i].Name = "Pad écrasant"
	if err := n.SaveHoster(ctx, f3, v2); !errors.Is(err, frontend.ErrConflict) {
		t.Errorf("save over a hand edit: err = %v, want ErrConflict", err)
	}
}

// An invalid save names the field and writes nothing.
func TestDashboardInvalidSaveWritesNothing(t *testing.T) {
	n, file := startTestNode(t, &syncBuffer{})
	ctx := context.Background()
	orig, _ := os.ReadFile(file)
	f, version, _ := n.LoadHoster(ctx)
	f.Offers[0].URL = "pas-une-url"
	err := n.SaveHoster(ctx, f, version)
	var fes catalog.FileErrors
	var fe *catalog.FileError
	if !errors.As(err, &fes) && !errors.As(err, &fe) {
		t.Fatalf("err = %v, want validation errors", err)
	}
	if !strings.Contains(err.Error(), "offers[0].url") {
		t.Errorf("err = %v, want the field offers[0].url", err)
	}
	if now, _ := os.ReadFile(file); string(now) != string(orig) {
		t.Error("an invalid save changed the file")
	}
	if _, err := os.Stat(file + ".bak"); !os.IsNotExist(err) {
		t.Error("an invalid save wrote a backup")
	}
}

func offerNamed(t *testing.T, n *Node, key string) *catalog.Offer {
	t.Helper()
	o, err := n.Store.OfferByObjectID(context.Background(), n.URL+"/hosters/"+n.Username+"/offers/"+key)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// federationTrace is what an edit produced, with each node's base URL cut
// off so that two nodes can be compared: the change rows and the
// activities of the outbox.
func federationTrace(t *testing.T, n *Node, afterSeq int64, afterAct int64) []string {
	t.Helper()
	ctx := context.Background()
	cs, err := n.Store.Changes(ctx, afterSeq, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range cs {
		out = append(out, "change "+c.Kind+" "+c.Op+" "+strings.TrimPrefix(c.ObjectID, n.URL))
	}
	rows, err := n.Store.DB().QueryContext(ctx, `SELECT type, object_id, audience FROM fed_activities WHERE seq > ? ORDER BY seq`, afterAct)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var typ, obj, aud string
		if err := rows.Scan(&typ, &obj, &aud); err != nil {
			t.Fatal(err)
		}
		obj = noteID.ReplaceAllString(strings.TrimPrefix(obj, n.URL), "/notes/*") // random per note
		out = append(out, "activity "+typ+" "+obj+" "+aud)
	}
	return out
}

var noteID = regexp.MustCompile(`/notes/[0-9a-f]+$`)

func lastActivity(t *testing.T, n *Node) int64 {
	var seq int64
	if err := n.Store.DB().Get(&seq, `SELECT COALESCE(MAX(seq), 0) FROM fed_activities`); err != nil {
		t.Fatal(err)
	}
	return seq
}

// A dashboard save federates exactly as the same edit made by hand in the
// file: the same change rows and the same outbox activities.
func TestDashboardSaveFederatesLikeFileEdit(t *testing.T) {
	ctx := context.Background()
	byHand, file := startTestNode(t, &syncBuffer{})
	byDash, _ := startTestNode(t, &syncBuffer{})
	settle := func(n *Node) (int64, int64) {
		// Wait for the outbox worker to publish the start-up state: its
		// cursor reaches the end of the change feed.
		deadline := time.Now().Add(30 * time.Second)
		for {
			seq, err := n.Store.LastSeq(ctx)
			if err != nil {
				t.Fatal(err)
			}
			cur, err := n.Store.Cursor(ctx, "outbox")
			if err != nil {
				t.Fatal(err)
			}
			if cur == seq && seq > 0 {
				return seq, lastActivity(t, n)
			}
			if time.Now().After(deadline) {
				t.Fatalf("outbox at %d of %d", cur, seq)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	hSeq, hAct := settle(byHand)
	dSeq, dAct := settle(byDash)

	data, _ := os.ReadFile(file)
	edited := strings.Replace(string(data), "name: Pad de l'estuaire", "name: Pad zorglub", 1)
	edited = strings.Replace(edited, "load: open\n    price: gratuit\n    languages: [fr, en]", "load: full\n    price: gratuit\n    languages: [fr, en]", 1)
	if err := os.WriteFile(file, []byte(edited), 0o640); err != nil {
		t.Fatal(err)
	}
	f, version, _ := byDash.LoadHoster(ctx)
	i := slices.IndexFunc(f.Offers, func(o catalog.FileOffer) bool { return o.Key == "etherpad" })
	f.Offers[i].Name, f.Offers[i].Load = "Pad zorglub", catalog.LoadFull
	if err := byDash.SaveHoster(ctx, f, version); err != nil {
		t.Fatal(err)
	}
	var hand, dash []string
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		hand = federationTrace(t, byHand, hSeq, hAct)
		dash = federationTrace(t, byDash, dSeq, dAct)
		if len(hand) > 0 && slices.Equal(hand, dash) && slices.ContainsFunc(hand, func(s string) bool { return strings.HasPrefix(s, "activity ") }) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(hand) == 0 || !slices.Equal(hand, dash) {
		t.Fatalf("a dashboard save federates differently from a file edit:\nfile:      %q\ndashboard: %q", hand, dash)
	}
	t.Logf("trace: %q", hand)
}

// A node without hoster file serves the hoster its database holds, and the
// dashboard edits the database.
func TestNodeWithoutFileEditsDatabase(t *testing.T) {
	ctx := context.Background()
	n, file := startTestNode(t, &syncBuffer{})
	dsn := filepath.Join(filepath.Dir(file), "portee.db")
	u := n.URL
	n.Close()
	ln, err := net.Listen("tcp", strings.TrimPrefix(u, "http://"))
	if err != nil {
		t.Skipf("port reused: %v", err)
	}
	n2, err := StartNode(ctx, NodeOptions{Listener: ln, DSN: dsn, AllowPrivate: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer n2.Close()
	if n2.SourceFile() != "" || n2.Username != "chaton-nazairien" {
		t.Fatalf("source %q, username %q", n2.SourceFile(), n2.Username)
	}
	f, version, err := n2.LoadHoster(ctx)
	if err != nil || len(f.Offers) != 3 || f.Charter == nil {
		t.Fatalf("export: %+v, %v", f, err)
	}
	f.Offers[0].Name = "Nom en base"
	if err := n2.SaveHoster(ctx, f, version); err != nil {
		t.Fatal(err)
	}
	if o := offerNamed(t, n2, f.Offers[0].Key); o.Name != "Nom en base" {
		t.Errorf("offer name = %q", o.Name)
	}
	if err := n2.SaveHoster(ctx, f, version); !errors.Is(err, frontend.ErrConflict) {
		t.Errorf("stale save: %v", err)
	}
}

// On a first start without any account the node logs a one-time set-up
// link; the link sets a password and signs in to /gestion.
func TestNodeFirstStartSetupLink(t *testing.T) {
	logs := &syncBuffer{}
	n, _ := startTestNode(t, logs)
	m := regexp.MustCompile(`link="?(http://[^"\s]+/connexion/lien\?jeton=[^"\s]+)`).FindStringSubmatch(logs.String())
	if m == nil {
		t.Fatalf("no set-up link in the log:\n%s", logs.String())
	}
	as, _ := n.Store.Accounts(context.Background())
	if len(as) != 1 || as[0].Role != catalog.RoleAdmin || as[0].Email != "contact@chaton-nazairien.example" {
		t.Fatalf("accounts = %+v", as)
	}
	c := newClient(t)
	page := get(t, c, m[1], http.StatusOK)
	tok := formValue(t, page, "csrf")
	resp, err := c.PostForm(n.URL+"/connexion/lien", url.Values{"csrf": {tok}, "jeton": {formValue(t, page, "jeton")},
		"password": {"un mot de passe assez long"}, "password2": {"un mot de passe assez long"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/gestion" {
		t.Fatalf("set-up: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	get(t, c, n.URL+"/gestion", http.StatusOK)
}

func newClient(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func get(t *testing.T, c *http.Client, u string, want int) string {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("GET %s: %d, want %d", u, resp.StatusCode, want)
	}
	return string(b)
}

func formValue(t *testing.T, page, name string) string {
	t.Helper()
	m := regexp.MustCompile(`name="` + regexp.QuoteMeta(name) + `" value="([^"]*)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no field %s in page", name)
	}
	return strings.ReplaceAll(m[1], "&amp;", "&")
}

// The dashboard's doors: no session → 303 to /connexion; visitors never
// get a cookie; a POST without the CSRF token is refused; an auditor
// account (the directory's role) is not a node admin; an admin signs in,
// lists the offers and saves one.
func TestNodeDashboardAccess(t *testing.T) {
	n, file := startTestNode(t, &syncBuffer{})
	ctx := context.Background()
	hash, _ := auth.HashPassword("mot de passe du test")
	for email, role := range map[string]string{"admin@n.test": catalog.RoleAdmin, "audit@n.test": catalog.RoleAuditor} {
		if err := n.Store.CreateAccount(ctx, &catalog.Account{Email: email, Role: role, PasswordHash: hash}, catalog.StaffRef{Email: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	visitor := newClient(t)
	for _, p := range []string{"/", "/connexion", "/hosters/chaton-nazairien"} {
		resp, err := visitor.Get(n.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if ck := resp.Header.Values("Set-Cookie"); len(ck) > 0 {
			t.Errorf("GET %s sets a cookie for a visitor: %v", p, ck)
		}
	}
	resp, err := visitor.Get(n.URL + "/gestion")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/connexion") {
		t.Errorf("GET /gestion without session: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}

	signIn := func(email string) *http.Client {
		c := newClient(t)
		page := get(t, c, n.URL+"/connexion", http.StatusOK)
		resp, err := c.PostForm(n.URL+"/connexion", url.Values{"csrf": {formValue(t, page, "csrf")}, "email": {email}, "password": {"mot de passe du test"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/gestion" {
			t.Fatalf("sign-in %s: %d → %q", email, resp.StatusCode, resp.Header.Get("Location"))
		}
		return c
	}
	if resp, err := newClient(t).PostForm(n.URL+"/connexion", url.Values{"email": {"admin@n.test"}, "password": {"mot de passe du test"}}); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("sign-in without CSRF token: %v %v", resp.StatusCode, err)
	}
	get(t, signIn("audit@n.test"), n.URL+"/gestion", http.StatusForbidden)

	admin := signIn("admin@n.test")
	list := get(t, admin, n.URL+"/gestion/offres", http.StatusOK)
	if !strings.Contains(list, `href="/gestion/offres/etherpad"`) {
		t.Errorf("offers page has no link to the etherpad form:\n%s", list)
	}
	page := get(t, admin, n.URL+"/gestion/offres/etherpad", http.StatusOK)
	form := url.Values{}
	for _, m := range regexp.MustCompile(`<input id="f-([^"]+)" name="([^"]+)" type="[^"]*" value="([^"]*)"`).FindAllStringSubmatch(page, -1) {
		form.Set(m[2], strings.ReplaceAll(m[3], "&#39;", "'"))
	}
	form.Set("version", formValue(t, page, "version"))
	form.Set("category", "pad")
	form.Set("registration", "none")
	form.Set("load", "open")
	form.Set("name", "Pad par le tableau de bord")
	if resp, err := admin.PostForm(n.URL+"/gestion/offres/etherpad", form); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("save without CSRF token: %v %v", resp.StatusCode, err)
	}
	form.Set("csrf", formValue(t, page, "csrf"))
	resp, err = admin.PostForm(n.URL+"/gestion/offres/etherpad", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", resp.StatusCode)
	}
	if b, _ := os.ReadFile(file); !strings.Contains(string(b), "Pad par le tableau de bord") {
		t.Error("the save did not reach the hoster file")
	}
	// A validation error is shown next to its field, in French.
	form.Set("version", formValue(t, get(t, admin, n.URL+"/gestion/offres/etherpad", http.StatusOK), "version"))
	form.Set("url", "pas-une-url")
	resp, err = admin.PostForm(n.URL+"/gestion/offres/etherpad", form)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(b), `id="e-url">n&#39;est pas une adresse http ou https complète`) {
		t.Errorf("validation error: %d\n%s", resp.StatusCode, b)
	}

	// The address's second step, without JavaScript: a postal code lists
	// its communes to choose from, and saves nothing yet.
	idPage := get(t, admin, n.URL+"/gestion/identite", http.StatusOK)
	idForm := url.Values{"csrf": {formValue(t, idPage, "csrf")}, "version": {formValue(t, idPage, "version")},
		"name": {"Chaton Nazairien"}, "postal_code": {"44350"}, "step": {"communes"}}
	resp, err = admin.PostForm(n.URL+"/gestion/identite", idForm)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `<select id="f-commune" name="commune"><option value="Guérande"`) ||
		!strings.Contains(string(b), `<option value="Saint-Molf"`) {
		t.Errorf("communes of 44350: %d\n%s", resp.StatusCode, b)
	}
	if h, _ := n.Store.LocalHosters(ctx); h[0].PostalCode != "44600" {
		t.Error("the communes step saved the hoster")
	}

	// Every page with the assets it loads stays under the 30 KB gzip budget.
	const budget = 30 * 1024
	assetRE := regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`)
	for _, p := range []string{"/gestion", "/gestion/identite", "/gestion/offres", "/gestion/offres/etherpad", "/gestion/nouvelle-offre", "/gestion/charte", "/connexion"} {
		body := get(t, admin, n.URL+p, http.StatusOK)
		total := gzSize(body)
		for _, m := range assetRE.FindAllStringSubmatch(body, -1) {
			if strings.HasSuffix(m[1], ".css") || strings.HasSuffix(m[1], ".js") {
				total += gzSize(get(t, admin, n.URL+m[1], http.StatusOK))
			}
		}
		t.Logf("%-28s %6d B gzip with its CSS/JS", p, total)
		if total > budget {
			t.Errorf("%s weighs %d B gzip, over %d", p, total, budget)
		}
	}
}

func gzSize(s string) int {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.Len()
}

// The charter page marks the answers that differ from the declaration the
// last audit received judged, and only those; a saved answer reaches the
// store's declaration.
func TestNodeDashboardCharterMarksChangesSinceAudit(t *testing.T) {
	n, _ := startTestNode(t, &syncBuffer{})
	ctx := context.Background()
	hs, _ := n.Store.LocalHosters(ctx)
	h := hs[0]
	decl, err := n.Store.DeclarationByHoster(ctx, h.ID)
	if err != nil {
		t.Fatal(err)
	}
	pub := time.Now().Add(-time.Hour)
	if err := n.Store.ReceiveAudit(ctx, &catalog.Audit{HosterID: h.ID, HosterActor: h.ActorID, CharterID: decl.CharterID,
		CharterVersion: decl.CharterVersion, PublisherActor: "http://annuaire.test/actor", ObjectID: "http://annuaire.test/audits/1",
		Declaration: catalog.DeclarationSnapshot(*decl), PublishedAt: &pub}, catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
	hash, _ := auth.HashPassword("mot de passe du test")
	if err := n.Store.CreateAccount(ctx, &catalog.Account{Email: "admin@n.test", Role: catalog.RoleAdmin, PasswordHash: hash}, catalog.StaffRef{Email: "test"}); err != nil {
		t.Fatal(err)
	}
	c := newClient(t)
	page := get(t, c, n.URL+"/connexion", http.StatusOK)
	resp, err := c.PostForm(n.URL+"/connexion", url.Values{"csrf": {formValue(t, page, "csrf")}, "email": {"admin@n.test"}, "password": {"mot de passe du test"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	const badge = `<span class="badge full">modifié depuis le dernier audit</span>`
	page = get(t, c, n.URL+"/gestion/charte", http.StatusOK)
	if k := strings.Count(page, badge); k != 0 {
		t.Fatalf("%d answers marked changed before any change", k)
	}
	form := url.Values{"csrf": {formValue(t, page, "csrf")}, "version": {formValue(t, page, "version")}}
	for _, a := range decl.Answers {
		form.Set("status."+a.Commitment, a.Status)
		form.Set("evidence."+a.Commitment, a.EvidenceURL)
		form.Set("comment."+a.Commitment, a.Comment)
	}
	form.Set("status.transparent-statistiques", catalog.AnswerPartial)
	resp, err = c.PostForm(n.URL+"/gestion/charte", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", resp.StatusCode)
	}
	page = get(t, c, n.URL+"/gestion/charte", http.StatusOK)
	if k := strings.Count(page, badge); k != 1 || !regexp.MustCompile(`id="c-transparent-statistiques">\s*<legend>[^\n]*`+regexp.QuoteMeta(badge)).MatchString(page) {
		t.Errorf("%d answers marked changed, want transparent-statistiques only", k)
	}
	d2, _ := n.Store.DeclarationByHoster(ctx, h.ID)
	for _, a := range d2.Answers {
		if a.Commitment == "transparent-statistiques" && a.Status != catalog.AnswerPartial {
			t.Errorf("stored answer = %+v", a)
		}
	}
}
