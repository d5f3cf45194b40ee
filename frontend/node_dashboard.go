package frontend

import (
	"context"
	"errors"
	"regexp"
	"strings"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/frontend/auth"
	"github.com/labstack/echo/v4"
)

// The node's dashboard lives under nodeDashPath, on the node: the hoster's
// own admins edit their identity, offers and charter answers there, and
// see what the directories that follow them received. It shares the
// directory dashboard's sign-in, sessions and CSRF (auth.Manager).
const nodeDashPath = "/gestion"

// HosterSource is where the node's dashboard reads and writes the hoster:
// the hoster file, or the database when the node has none. Every save
// goes through the node's reconcile, as a hand edit of the file does.
type HosterSource interface {
	// LoadHoster returns the hoster as a hoster file and its version.
	LoadHoster(ctx context.Context) (*catalog.HosterFile, string, error)
	// SaveHoster writes f if version is still the current one (else
	// ErrConflict); an invalid f gives catalog.FileErrors or
	// *catalog.FileError and writes nothing.
	SaveHoster(ctx context.Context, f *catalog.HosterFile, version string) error
	// SourceFile is the hoster file's path, "" when the database is the source.
	SourceFile() string
}

// ErrConflict: the hoster file changed since the page was opened.
var ErrConflict = errors.New("frontend: the hoster changed since the page was opened")

// nodeDashNav is the node dashboard's menu.
var nodeDashNav = []dashNavItem{
	{Key: "gestion.nav.overview", Path: nodeDashPath, Nav: "overview"},
	{Key: "gestion.nav.identity", Path: nodeDashPath + "/identite", Nav: "identity"},
	{Key: "gestion.nav.offers", Path: nodeDashPath + "/offres", Nav: "offers"},
	{Key: "gestion.nav.charter", Path: nodeDashPath + "/charte", Nav: "charter"},
}

// nodeDashPageNames are the node dashboard's templates.
var nodeDashPageNames = []string{"gestion_overview", "gestion_identity", "gestion_offers", "gestion_offer", "gestion_charter"}

// dashHome is where a sign-in leads: the dashboard of this role.
func (s *Server) dashHome() string {
	if s.cfg.Role == "node" {
		return nodeDashPath
	}
	return dashboardPath
}

// formState is what every node dashboard form carries besides its fields:
// the version of the hoster it was built from, the errors by field, and
// the errors that belong to no field of this form.
type formState struct {
	Version  string
	Source   string // the hoster file, "" for the database
	Errors   map[string]string
	Other    []string
	Conflict bool
	Saved    bool
}

// Err returns the message of a field, for the template.
func (f *formState) Err(field string) string { return f.Errors[field] }

// setErrors sorts validation errors into the form's fields: prefix is the
// part of the field path this form edits ("offers[2]." or "charter."); the
// rest, such as a hand edit that broke another offer, goes to Other.
func (f *formState) setErrors(l *Localizer, err error, prefix string, fields map[string]bool) {
	var list catalog.FileErrors
	var one *catalog.FileError
	switch {
	case errors.As(err, &list):
	case errors.As(err, &one):
		list = catalog.FileErrors{one}
	default:
		f.Other = append(f.Other, err.Error())
		return
	}
	if f.Errors == nil {
		f.Errors = map[string]string{}
	}
	for _, fe := range list {
		name, ok := strings.CutPrefix(fe.Field, prefix)
		if ok && fields[name] {
			if _, dup := f.Errors[name]; !dup {
				f.Errors[name] = fieldReason(l, fe.Reason)
			}
			continue
		}
		f.Other = append(f.Other, fe.Field+"\u00a0: "+fieldReason(l, fe.Reason))
	}
}

// reasons maps the validation messages of catalog (English, the hoster
// file's language) to translation keys; a captured part becomes the
// key's argument. A message not listed is shown as it is.
var reasons = []struct {
	re  *regexp.Regexp
	key string
}{
	{regexp.MustCompile(`^is required$`), "gestion.reason.required"},
	{regexp.MustCompile(`^is required \(one of (.*)\)$`), "gestion.reason.required_one_of"},
	{regexp.MustCompile(`^is not one of (.*)$`), "gestion.reason.not_one_of"},
	{regexp.MustCompile(`^is required \(an http or https URL\)$`), "gestion.reason.required_url"},
	{regexp.MustCompile(`^is not an absolute http or https URL$`), "gestion.reason.url"},
	{regexp.MustCompile(`^is longer than (\d+) bytes$`), "gestion.reason.too_long"},
	{regexp.MustCompile(`^must be a slug`), "gestion.reason.slug"},
	{regexp.MustCompile(`^is not an e-mail address`), "gestion.reason.email"},
	{regexp.MustCompile(`^is not a French postal code`), "gestion.reason.postal"},
	{regexp.MustCompile(`^is not a known French postal code or commune$`), "gestion.reason.postal_unknown"},
	{regexp.MustCompile(`^is ambiguous`), "gestion.reason.ambiguous"},
	{regexp.MustCompile(`^is not a date YYYY-MM-DD$`), "gestion.reason.date"},
	{regexp.MustCompile(`^must not be negative$`), "gestion.reason.negative"},
	{regexp.MustCompile(`^is already the key of (.*)$`), "gestion.reason.dup_key"},
	{regexp.MustCompile(`^is not a language tag`), "gestion.reason.language"},
	{regexp.MustCompile(`^is not a French département number`), "gestion.reason.departement"},
	{regexp.MustCompile(`^is not between 0 and 20000$`), "gestion.reason.radius"},
	{regexp.MustCompile(`^is required for a local audience`), "gestion.reason.area"},
	{regexp.MustCompile(`^cannot change`), "gestion.reason.username"},
}

func fieldReason(l *Localizer, reason string) string {
	for _, r := range reasons {
		if m := r.re.FindStringSubmatch(reason); m != nil {
			args := make([]any, 0, len(m)-1)
			for _, a := range m[1:] {
				args = append(args, a)
			}
			return l.T(r.key, args...)
		}
	}
	return reason
}

// nodeDashKeys are the keys the node dashboard builds at run time.
func nodeDashKeys() []string {
	var keys []string
	for _, it := range nodeDashNav {
		keys = append(keys, it.Key)
	}
	for _, r := range reasons {
		keys = append(keys, r.key)
	}
	for _, st := range []string{"pending", "failed", "dead"} {
		keys = append(keys, "gestion.delivery."+st)
	}
	return keys
}

// newNodeDashView is newDashView with the node's menu.
func (s *Server) newNodeDashView(c echo.Context, nav, titleKey string, page any) *view {
	v := s.newDashView(c, nav, titleKey, page)
	d := v.Data.(*dashView)
	d.Menu = nil
	if d.Me != nil {
		d.Menu = nodeDashNav
	}
	return v
}

// loadHoster reads the hoster for a form.
func (s *Server) loadHoster(c echo.Context) (*catalog.HosterFile, formState, error) {
	f, version, err := s.cfg.Hoster.LoadHoster(c.Request().Context())
	if err != nil {
		return nil, formState{}, err
	}
	return f, formState{Version: version, Source: s.cfg.Hoster.SourceFile()}, nil
}

// saveHoster saves f against the form's version; it returns a form state
// with the conflict or validation errors, or nil error and Saved.
func (s *Server) saveHoster(c echo.Context, f *catalog.HosterFile, st *formState, l *Localizer, prefix string, fields map[string]bool) error {
	err := s.cfg.Hoster.SaveHoster(c.Request().Context(), f, c.FormValue("version"))
	var list catalog.FileErrors
	var one *catalog.FileError
	switch {
	case err == nil:
		st.Saved = true
		s.log.Info("gestion: hoster saved", "by", auth.FromContext(c).Account.Email, "source", st.Source)
		return nil
	case errors.Is(err, ErrConflict):
		st.Conflict = true
		return nil
	case errors.As(err, &list), errors.As(err, &one):
		st.setErrors(l, err, prefix, fields)
		return nil
	}
	return err
}

// splitList reads a comma- or space-separated list field.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == ';' })
}
