package chatonsinfos

import (
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"codeberg.org/portee/portee/catalog"
	"golang.org/x/text/unicode/norm"
)

// Protocol is the file.protocol we write.
const Protocol = "ChatonsInfos-0.5"

// Length limits of imported text: the same as a node's own fields.
const (
	maxName    = 200
	maxSummary = 5000
	maxShort   = 200
)

var postalRe = regexp.MustCompile(`\b([0-9]{5})\b`)

// ToHoster maps an organisation file to a hoster. Fields that fail the
// catalog's validation are dropped with a problem each; only a missing
// name makes the organisation unusable (error). Username, Domain and
// ActorID are the importer's.
func ToHoster(f *File, resolve catalog.LocationResolver) (catalog.Hoster, []Problem, error) {
	var probs []Problem
	bad := func(key, format string, args ...any) {
		probs = append(probs, Problem{Source: f.Source, Line: f.Line(key), Key: key, Reason: fmt.Sprintf(format, args...)})
	}
	h := catalog.Hoster{Discoverable: true, Status: catalog.HosterActive}
	h.Name = clip(f.Get("organization.name"), maxName)
	if h.Name == "" {
		return h, probs, Problem{Source: f.Source, Line: 1, Key: "organization.name", Reason: "is missing: not an organisation file"}
	}
	h.Summary = clip(f.Get("organization.description"), maxSummary)
	h.Website = httpURL(f, "organization.website", bad)
	h.IconURL = httpURL(f, "organization.logo", bad)
	h.LegalURL = httpURL(f, "organization.legal.url", bad)
	if h.LegalURL == "" {
		h.LegalURL = httpURL(f, "organization.legal", bad)
	}
	if e := strings.TrimPrefix(strings.TrimSpace(f.Get("organization.contact.email")), "mailto:"); e != "" {
		if a, err := mail.ParseAddress(e); err != nil || a.Address != e || a.Name != "" || len(e) > maxShort {
			bad("organization.contact.email", "%q is not an e-mail address: dropped", printable(e))
		} else {
			h.Email = e
		}
	}
	switch t := strings.ToUpper(strings.TrimSpace(f.Get("organization.type"))); t {
	case "":
	case "ASSOCIATION":
		h.OrgType = "association"
	case "COOPERATIVE":
		h.OrgType = "cooperative"
	case "MICROCOMPANY", "COMPANY":
		h.OrgType = "company"
	case "INDIVIDUAL":
		h.OrgType = "individual"
	case "INFORMAL", "OTHER":
		h.OrgType = "informal"
	case "PUBLIC", "PUBLICINSTITUTION":
		h.OrgType = "public"
	default:
		bad("organization.type", "%q is not ASSOCIATION, COOPERATIVE, MICROCOMPANY, COMPANY, INDIVIDUAL or OTHER: dropped", printable(t))
	}
	if d := f.Get("organization.memberof.chatons.startdate"); d != "" {
		if iso, ok := isoDate(d); ok {
			h.MemberSince = iso
		} else {
			bad("organization.memberof.chatons.startdate", "%q is not a date: dropped", printable(d))
		}
	}
	if strings.EqualFold(strings.TrimSpace(f.Get("organization.status.level")), "AWAY") {
		h.Status = catalog.HosterGone
	}

	// Location: coordinates when given, otherwise the postal code found in
	// the address through the gazetteer.
	h.Country = "FR"
	if c := strings.ToUpper(strings.TrimSpace(f.Get("organization.country.code"))); c != "" {
		if len(c) == 2 && c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z' {
			h.Country = c
		} else {
			bad("organization.country.code", "%q is not an ISO 3166 code: dropped", printable(c))
		}
	}
	addr := clip(f.Get("organization.geolocation.address"), maxShort)
	lat, lok := coord(f, "organization.geolocation.latitude", 90, bad)
	lon, gok := coord(f, "organization.geolocation.longitude", 180, bad)
	if m := postalRe.FindStringSubmatch(addr); m != nil && h.Country == "FR" {
		h.PostalCode = m[1]
		if resolve != nil {
			if loc, err := resolve(m[1], ""); err == nil {
				h.Location = loc
			}
		}
	}
	h.Address = addr
	if lok && gok {
		h.Latitude, h.Longitude = &lat, &lon
	}
	if err := h.Validate(); err != nil {
		// Username is the importer's; anything else the checks above let
		// through is dropped here rather than stored.
		var ve catalog.ValidationError
		if errors.As(err, &ve) {
			for _, fe := range ve {
				switch fe.Field {
				case "postal_code":
					h.PostalCode = ""
				case "latitude", "longitude":
					h.Latitude, h.Longitude = nil, nil
				}
			}
		}
	}
	return h, probs, nil
}

// ToOffer maps a service file to an offer with key. A service without a
// name or without an http(s) address is unusable (error).
func ToOffer(f *File, key string) (catalog.Offer, []Problem, error) {
	var probs []Problem
	bad := func(k, format string, args ...any) {
		probs = append(probs, Problem{Source: f.Source, Line: f.Line(k), Key: k, Reason: fmt.Sprintf(format, args...)})
	}
	o := catalog.Offer{Key: key, Audience: catalog.AudienceEveryone, Languages: catalog.StringList{"fr"},
		Status: catalog.StatusOK, Load: catalog.LoadOpen, Registration: catalog.RegistrationFree}
	o.Name = clip(f.Get("service.name"), maxName)
	if o.Name == "" {
		return o, probs, Problem{Source: f.Source, Line: 1, Key: "service.name", Reason: "is missing: not a service file"}
	}
	o.Summary = clip(f.Get("service.description"), maxSummary)
	o.URL = httpURL(f, "service.website", bad)
	if o.URL == "" {
		return o, probs, Problem{Source: f.Source, Line: f.Line("service.website"), Key: "service.website", Reason: "no http(s) address: the service cannot be listed"}
	}
	switch s := strings.ToLower(strings.TrimSpace(f.Get("service.status.level"))); s {
	case "", "void":
	case catalog.StatusOK, catalog.StatusWarning, catalog.StatusAlert, catalog.StatusError, catalog.StatusOver:
		o.Status = s
	default:
		bad("service.status.level", "%q is not OK, WARNING, ALERT, ERROR or OVER: read as OK", printable(s))
	}
	if r := f.Get("service.registration"); r != "" {
		if reg, ok := registration(r); ok {
			o.Registration = reg
		} else {
			bad("service.registration", "%q is not None, Free, Member or Client: read as Free", printable(r))
		}
	}
	switch l := strings.ToUpper(strings.TrimSpace(f.Get("service.registration.load"))); l {
	case "", "OPEN":
	case "FULL":
		o.Load = catalog.LoadFull
	default:
		bad("service.registration.load", "%q is not OPEN or FULL: read as OPEN", printable(l))
	}
	o.Software = catalog.Software{
		Name:      clip(f.Get("software.name"), maxShort),
		Version:   clip(f.Get("software.version"), 64),
		License:   clip(f.Get("software.license.name"), maxShort),
		SourceURL: httpURL(f, "software.source.url", bad),
		Website:   httpURL(f, "software.website", bad),
	}
	if d := f.Get("service.startdate"); d != "" {
		if iso, ok := isoDate(d); ok {
			o.StartDate = iso
		} else {
			bad("service.startdate", "%q is not a date: dropped", printable(d))
		}
	}
	o.Category = InferCategory(o.Software.Name, o.Name, o.Summary)
	if err := o.Validate(); err != nil {
		return o, probs, Problem{Source: f.Source, Line: 1, Reason: "unusable service: " + err.Error()}
	}
	return o, probs, nil
}

// registration reads "None", "Free", "Member", "Client" or a list of them
// ("Free, Member"); the most open wins, since it says who can use it.
func registration(v string) (string, bool) {
	best := ""
	rank := map[string]int{catalog.RegistrationNone: 0, catalog.RegistrationFree: 1, catalog.RegistrationMember: 2, catalog.RegistrationClient: 3}
	for _, p := range strings.FieldsFunc(strings.ToLower(v), func(r rune) bool { return r == ',' || r == ';' || r == '|' || unicode.IsSpace(r) }) {
		if _, ok := rank[p]; !ok {
			return "", false
		}
		if best == "" || rank[p] < rank[best] {
			best = p
		}
	}
	return best, best != ""
}

func httpURL(f *File, key string, bad func(string, string, ...any)) string {
	v := strings.TrimSpace(f.Get(key))
	if v == "" {
		return ""
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || len(v) > 2000 {
		bad(key, "%q is not an http(s) URL: dropped", printable(v))
		return ""
	}
	return v
}

func coord(f *File, key string, limit float64, bad func(string, string, ...any)) (float64, bool) {
	v := strings.TrimSpace(f.Get(key))
	if v == "" {
		return 0, false
	}
	x, err := strconv.ParseFloat(strings.ReplaceAll(v, ",", "."), 64)
	if err != nil || x != x || x < -limit || x > limit {
		bad(key, "%q is not a coordinate between -%g and %g: dropped", printable(v), limit, limit)
		return 0, false
	}
	return x, true
}

// isoDate reads the date shapes found in the files (2020-03-15, 15/03/2020,
// 2020-03, 2020, a date-time) as YYYY-MM-DD.
func isoDate(v string) (string, bool) {
	v = strings.TrimSpace(v)
	for _, layout := range []string{time.DateOnly, "02/01/2006", "2006/01/02", "02-01-2006", time.RFC3339, "2006-01-02T15:04:05", "2006-01", "01/2006", "2006"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.Format(time.DateOnly), true
		}
	}
	return "", false
}

// clip trims s, keeps it on valid UTF-8 and cuts it at n bytes on a rune
// boundary.
func clip(s string, n int) string {
	s = strings.TrimSpace(strings.ToValidUTF8(s, ""))
	if len(s) <= n {
		return s
	}
	for n > 0 && !isRuneStart(s[n]) {
		n--
	}
	return strings.TrimSpace(s[:n])
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// Slug makes a username or an offer key from free text: lower-case ASCII
// letters and digits joined by '-', at most 48 characters.
func Slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case unicode.Is(unicode.Mn, r):
		default:
			if !dash && b.Len() > 0 {
				b.WriteByte('-')
				dash = true
			}
		}
		if b.Len() >= 48 {
			break
		}
	}
	return strings.Trim(b.String(), "-")
}
