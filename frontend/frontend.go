// Package frontend owns Portée's HTTP face for people and programs: the
// server-rendered public pages (French first, English on request, no
// JavaScript needed), their templates, assets and translations, and the JSON API.
package frontend

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/federation"
	"codeberg.org/portee/portee/frontend/auth"
	"codeberg.org/portee/portee/observatory"
	"codeberg.org/portee/portee/search"
	"github.com/labstack/echo/v4"
)

//go:embed templates
var templateFS embed.FS

// Config wires the frontend.
type Config struct {
	Store   *catalog.Store
	Search  *search.Service // nil on a node: no search pages
	BaseURL string          // public base URL of this server
	Role    string          // "directory" or "node"
	Version string
	Logger  *slog.Logger
	Now     func() time.Time
	// Observatory, on a directory, takes the dashboard's "observe now".
	Observatory *observatory.Observatory

	// On a node: the hoster its dashboard edits, and its federation (who
	// follows, what failed). Without Hoster a node serves no dashboard.
	Hoster HosterSource
	Fed    *federation.Node
}

// Server renders the pages and answers the API.
type Server struct {
	cfg    Config
	store  *catalog.Store
	search *search.Service
	log    *slog.Logger
	now    func() time.Time
	cat    catalogs
	assets assets
	pages  map[string]*template.Template
	geo    *mapGeometry

	auth *auth.Manager // staff sessions (dashboard)

	pool  entraidePool
	rndMu sync.Mutex
	rnd   *rand.Rand // entraide draws; tests seed it

	complianceCache complianceCache
}

// New parses and checks every template, locale and asset: a missing
// template, translation key or asset fails here, not on the first visitor.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("frontend: Config.Store is required")
	}
	if cfg.Role == "" {
		cfg.Role = "directory"
	}
	if cfg.Role != "directory" && cfg.Role != "node" {
		return nil, fmt.Errorf("frontend: unknown role %q", cfg.Role)
	}
	if cfg.Role == "directory" && cfg.Search == nil {
		return nil, errors.New("frontend: Config.Search is required for a directory")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	s := &Server{cfg: cfg, store: cfg.Store, search: cfg.Search, log: cfg.Logger, now: cfg.Now,
		rnd: rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 0x706f72746565))}
	s.auth = auth.NewManager(cfg.Store, cfg.BaseURL, cfg.Logger)
	var err error
	if s.cat, err = loadCatalogs(); err != nil {
		return nil, err
	}
	if s.geo, err = newMapGeometry(); err != nil {
		return nil, err
	}
	if s.assets, err = loadAssets(map[string][]byte{"france.svg": s.geo.baseSVG()}); err != nil {
		return nil, err
	}
	if err := s.parseTemplates(); err != nil {
		return nil, err
	}
	if err := s.checkKeys(); err != nil {
		return nil, err
	}
	return s, nil
}

// pageNames lists every page template; each is parsed with the layout and
// the partials it may use.
var pageNames = []string{"home", "results", "hosters", "hoster", "offer", "map",
	"entraide", "about", "error", "node_home", "node_offer", "entraide_kind"}

func (s *Server) parseTemplates() error {
	funcs := template.FuncMap{
		"asset": s.assets.URL,
		"dict":  dict,
		"inc":   func(i int) int { return i + 1 },
		"wbr":   wbr,
		"join":  strings.Join,
	}
	base, err := template.New("layout").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials/*.html")
	if err != nil {
		return fmt.Errorf("frontend: templates: %w", err)
	}
	s.pages = map[string]*template.Template{}
	names := append(pageNames[:len(pageNames):len(pageNames)], dashboardPageNames...)
	for _, name := range append(names, nodeDashPageNames...) {
		t, err := template.Must(base.Clone()).ParseFS(templateFS, "templates/pages/"+name+".html")
		if err != nil {
			return fmt.Errorf("frontend: template %s: %w", name, err)
		}
		if t.Lookup("content") == nil {
			return fmt.Errorf("frontend: template %s defines no content", name)
		}
		s.pages[name] = t
	}
	return nil
}

// keyUse finds translation keys and assets named literally in templates.
var (
	keyUse   = regexp.MustCompile(`\.(?:T|N)\s+"([^"]+)"`)
	assetUse = regexp.MustCompile(`asset\s+"([^"]+)"`)
)

// checkKeys verifies that every key a template names exists in every
// language, and every key built at run time (categories, enums) too.
func (s *Server) checkKeys() error {
	var missing []string
	err := fs.WalkDir(templateFS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := templateFS.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range keyUse.FindAllSubmatch(b, -1) {
			if !s.cat.has(string(m[1])) {
				missing = append(missing, p+": "+string(m[1]))
			}
		}
		for _, m := range assetUse.FindAllSubmatch(b, -1) {
			if _, ok := s.assets[string(m[1])]; !ok {
				missing = append(missing, p+": asset "+string(m[1]))
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("frontend: templates: %w", err)
	}
	for _, k := range dynamicKeys() {
		if !s.cat.has(k) {
			missing = append(missing, "code: "+k)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return fmt.Errorf("frontend: missing translations: %s", strings.Join(missing, ", "))
	}
	return nil
}

// dynamicKeys are the keys built from data: one per category, enum value,
// status and month.
func dynamicKeys() []string {
	var keys []string
	for _, c := range catalog.Categories {
		keys = append(keys, "category."+c, "category."+c+".find", "category."+c+".plain")
	}
	for _, v := range []string{catalog.RegistrationNone, catalog.RegistrationFree, catalog.RegistrationMember, catalog.RegistrationClient} {
		keys = append(keys, "registration."+v)
	}
	for _, v := range []string{catalog.LoadOpen, catalog.LoadFull} {
		keys = append(keys, "load."+v)
	}
	for _, v := range []string{catalog.HosterActive, catalog.HosterDown, catalog.HosterGone} {
		keys = append(keys, "hoster.status."+v)
	}
	for _, v := range []string{catalog.StatusOK, catalog.StatusWarning, catalog.StatusAlert, catalog.StatusError, catalog.StatusOver} {
		keys = append(keys, "offer.status."+v)
	}
	for _, v := range []string{catalog.AudienceEveryone, catalog.AudienceLocal} {
		keys = append(keys, "audience."+v)
	}
	for _, v := range []string{catalog.AnswerYes, catalog.AnswerPartial, catalog.AnswerNo, catalog.AnswerNotApplicable} {
		keys = append(keys, "answer."+v)
	}
	keys = append(keys, observatoryKeys()...)
	for _, v := range []string{"association", "cooperative", "company", "individual", "informal", "public"} {
		keys = append(keys, "orgtype."+v)
	}
	keys = append(keys, dashboardKeys()...)
	keys = append(keys, nodeDashKeys()...)
	for m := 1; m <= 12; m++ {
		keys = append(keys, fmt.Sprintf("month.%d", m))
	}
	return keys
}

// alternate is a <link rel="alternate">.
type alternate struct{ Type, Href, Title string }

// view is what every page template receives.
type view struct {
	L          *Localizer
	Title      string
	Nav        string // active section
	Role       string
	Alternates []alternate
	LangHref   string // the same page in the other language
	LangOther  string
	MapFooter  bool // the map attribution must be shown
	Version    string
	Data       any
	// FormReferrer: the page posts forms to this site (sign-in,
	// dashboards), see auth.FormReferrerPolicy.
	FormReferrer bool
}

func (s *Server) newView(c echo.Context, nav string) *view {
	lang, explicit := pickLanguage(c.Request())
	l := s.cat.localizer(lang, explicit)
	other := langEN
	if lang == langEN {
		other = langFR
	}
	v := &view{L: l, Nav: nav, Role: s.cfg.Role, Version: s.cfg.Version,
		LangHref: langHref(c, other), LangOther: other}
	if s.cfg.Role != "node" { // a node serves no feeds
		v.Alternates = []alternate{
			{Type: "application/atom+xml", Href: "/flux/hebergeurs.atom", Title: l.T("feed.hosters")},
			{Type: "application/atom+xml", Href: "/flux/offres.atom", Title: l.T("feed.offers")},
		}
	}
	return v
}

// render executes a page into a buffer first, so that a template error
// gives an error page rather than half a page.
func (s *Server) render(c echo.Context, status int, page string, v *view) error {
	t, ok := s.pages[page]
	if !ok {
		return fmt.Errorf("frontend: no page %q", page)
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "layout", v); err != nil {
		return fmt.Errorf("frontend: render %s: %w", page, err)
	}
	h := c.Response().Header()
	setSecurityHeaders(h)
	h.Set("Content-Language", v.L.Lang)
	h.Add("Vary", "Accept-Language")
	return c.HTMLBlob(status, b.Bytes())
}

// setSecurityHeaders: nothing but this origin may be loaded, no inline
// script, no referrer leaks to the hosters' sites we link to.
func setSecurityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; "+
		"form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	if h.Get("Referrer-Policy") == "" { // a form page may have set auth.FormReferrerPolicy
		h.Set("Referrer-Policy", "no-referrer")
	}
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Permissions-Policy", "geolocation=(self), camera=(), microphone=()")
}

// wbr lets a long handle or address wrap after "@", "." and "/" rather
// than mid-word or not at all (a phone would scroll sideways).
func wbr(s string) template.HTML {
	var b strings.Builder
	for _, r := range s {
		b.WriteString(template.HTMLEscapeString(string(r)))
		if r == '@' || r == '.' || r == '/' {
			b.WriteString("<wbr>")
		}
	}
	return template.HTML(b.String())
}

// dict builds the argument map of a partial: {{template "hit" (dict "L" $L "I" .)}}.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, errors.New("frontend: dict needs key/value pairs")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("frontend: dict key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}
