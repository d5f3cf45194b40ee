package frontend

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed locales/*.json
var localeFS embed.FS

// Languages, French first: it is the reference catalog.
const (
	langFR = "fr"
	langEN = "en"
)

var languages = []string{langFR, langEN}

// catalogs maps a language to its messages, one key per message. A plural
// message has two keys, "<key>.one" and "<key>.other".
type catalogs map[string]map[string]string

func loadCatalogs() (catalogs, error) {
	c := catalogs{}
	for _, lang := range languages {
		c[lang] = map[string]string{}
	}
	// One catalog per language, split by area: locales/<lang>.json holds the
	// public pages, locales/<area>.<lang>.json the rest (dashboard…). A key
	// defined twice is an error, so areas cannot silently override each other.
	files, err := fs.Glob(localeFS, "locales/*.json")
	if err != nil {
		return nil, fmt.Errorf("frontend: locales: %w", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(path.Base(file), ".json")
		lang := name
		if i := strings.LastIndexByte(name, '.'); i >= 0 {
			lang = name[i+1:]
		}
		if _, ok := c[lang]; !ok {
			return nil, fmt.Errorf("frontend: locale file %s: unknown language %q", file, lang)
		}
		b, err := localeFS.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("frontend: locale file %s: %w", file, err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("frontend: locale file %s: %w", file, err)
		}
		for k, v := range m {
			if _, dup := c[lang][k]; dup {
				return nil, fmt.Errorf("frontend: locale file %s: key %q is defined twice", file, k)
			}
			c[lang][k] = v
		}
	}
	// French is the reference: every other catalog must translate all of it.
	for _, lang := range languages[1:] {
		var missing []string
		for k := range c[langFR] {
			if _, ok := c[lang][k]; !ok {
				missing = append(missing, k)
			}
		}
		for k := range c[lang] {
			if _, ok := c[langFR][k]; !ok {
				missing = append(missing, "(fr) "+k)
			}
		}
		if len(missing) > 0 {
			sort.Strings(missing)
			return nil, fmt.Errorf("frontend: locale %s lacks keys: %s", lang, strings.Join(missing, ", "))
		}
	}
	return c, nil
}

// has reports whether every catalog has key (or its plural pair).
func (c catalogs) has(key string) bool {
	for _, lang := range languages {
		if _, ok := c[lang][key]; ok {
			continue
		}
		_, one := c[lang][key+".one"]
		_, other := c[lang][key+".other"]
		if !one || !other {
			return false
		}
	}
	return true
}

// Localizer is the per-request language: messages, number and date formats,
// and links that keep an explicit language choice.
type Localizer struct {
	Lang     string
	explicit bool // chosen with ?lang=, so every link must carry it
	msgs     map[string]string
}

func (c catalogs) localizer(lang string, explicit bool) *Localizer {
	return &Localizer{Lang: lang, explicit: explicit, msgs: c[lang]}
}

// pickLanguage applies ?lang= first, then Accept-Language; French otherwise.
func pickLanguage(r *http.Request) (lang string, explicit bool) {
	switch r.URL.Query().Get("lang") {
	case langFR:
		return langFR, true
	case langEN:
		return langEN, true
	}
	return acceptLanguage(r.Header.Get("Accept-Language")), false
}

// acceptLanguage returns the supported language with the highest q value;
// on a tie the first listed wins, and French when none is supported.
func acceptLanguage(h string) string {
	best, bestQ := langFR, 0.0
	for _, part := range strings.Split(h, ",") {
		fields := strings.Split(strings.TrimSpace(part), ";")
		tag := strings.ToLower(strings.TrimSpace(fields[0]))
		q := 1.0
		for _, p := range fields[1:] {
			p = strings.TrimSpace(p)
			if v, ok := strings.CutPrefix(p, "q="); ok {
				f, err := strconv.ParseFloat(v, 64)
				if err != nil || f < 0 || f > 1 {
					f = 0
				}
				q = f
			}
		}
		base, _, _ := strings.Cut(tag, "-")
		if (base == langFR || base == langEN) && q > bestQ {
			best, bestQ = base, q
		}
	}
	return best
}

// T translates key; args fill its fmt verbs. A missing key shows the key
// itself (New refuses to start when a template uses an unknown key).
func (l *Localizer) T(key string, args ...any) string {
	m, ok := l.msgs[key]
	if !ok {
		return key
	}
	if len(args) == 0 {
		return m
	}
	return fmt.Sprintf(m, args...)
}

// N translates a plural message: "<key>.one" or "<key>.other" by n, with n
// formatted as the first argument. French counts 0 and 1 as singular.
func (l *Localizer) N(key string, n int, args ...any) string {
	form := ".other"
	if n == 1 || (l.Lang == langFR && n == 0) {
		form = ".one"
	}
	return l.T(key+form, append([]any{l.Int(n)}, args...)...)
}

// Int formats an integer with the language's thousands separator.
func (l *Localizer) Int(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	sep := ","
	if l.Lang == langFR {
		sep = "\u202f" // narrow no-break space
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Decimal formats f with one decimal and the language's decimal mark.
func (l *Localizer) Decimal(f float64) string {
	s := strconv.FormatFloat(math.Round(f*10)/10, 'f', 1, 64)
	if l.Lang == langFR {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// Km formats a distance: one decimal under 10 km, whole kilometres beyond.
func (l *Localizer) Km(d float64) string {
	if d < 10 {
		return l.Decimal(d) + "\u00a0km"
	}
	return l.Int(int(math.Round(d))) + "\u00a0km"
}

// KmPtr formats an optional distance, "" when unknown.
func (l *Localizer) KmPtr(d *float64) string {
	if d == nil {
		return ""
	}
	return l.Km(*d)
}

// Percent formats a share 0..1 as a whole percentage.
func (l *Localizer) Percent(f float64) string {
	p := strconv.Itoa(int(math.Round(f * 100)))
	if l.Lang == langFR {
		return p + "\u00a0%"
	}
	return p + "%"
}

// Date formats a day: "23 novembre 2026" or "23 November 2026".
func (l *Localizer) Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return fmt.Sprintf("%d %s %d", t.Day(), l.T("month."+strconv.Itoa(int(t.Month()))), t.Year())
}

// DatePtr formats an optional time.
func (l *Localizer) DatePtr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return l.Date(*t)
}

// DateString formats a "YYYY-MM-DD" date, or returns it unchanged when it
// does not parse (remote data).
func (l *Localizer) DateString(s string) string {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return s
	}
	return l.Date(t)
}

// URL builds a local link with query pairs (empty values dropped) and the
// language when the visitor chose it explicitly: no cookie remembers it.
func (l *Localizer) URL(path string, pairs ...any) string {
	v := url.Values{}
	for i := 0; i+1 < len(pairs); i += 2 {
		k := fmt.Sprint(pairs[i])
		val := fmt.Sprint(pairs[i+1])
		if val != "" && val != "0" {
			v.Add(k, val)
		}
	}
	if l.explicit {
		v.Set("lang", l.Lang)
	}
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

// Explicit reports whether forms must carry a hidden lang field.
func (l *Localizer) Explicit() bool { return l.explicit }
