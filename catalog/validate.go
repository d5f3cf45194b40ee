package catalog

import (
	"fmt"
	"math"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// FieldError names one invalid field. Field is relative to the value
// validated ("registration", "software.source", "answers[3].status"); the
// caller prefixes it ("offers[2].") when it knows more.
type FieldError struct {
	Field  string
	Value  string
	Reason string // short, e.g. "is not one of none, free, member, client"
}

func (e FieldError) Error() string { return e.Field + ": " + e.Reason }

// ValidationError lists every invalid field found, not only the first, so
// a hoster fixing a file sees all problems at once.
type ValidationError []FieldError

func (v ValidationError) Error() string {
	parts := make([]string, len(v))
	for i, e := range v {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "; ")
}

// validator collects FieldErrors.
type validator struct{ errs ValidationError }

func (v *validator) add(field, value, reason string) {
	v.errs = append(v.errs, FieldError{Field: field, Value: value, Reason: reason})
}

func (v *validator) err() error {
	if len(v.errs) == 0 {
		return nil
	}
	return v.errs
}

func (v *validator) required(field, value string) bool {
	if strings.TrimSpace(value) == "" {
		v.add(field, value, "is required")
		return false
	}
	return true
}

func (v *validator) oneOf(field, value string, allowed ...string) {
	for _, a := range allowed {
		if value == a {
			return
		}
	}
	if value == "" {
		v.add(field, value, "is required (one of "+strings.Join(allowed, ", ")+")")
		return
	}
	v.add(field, value, "is not one of "+strings.Join(allowed, ", "))
}

// httpURL checks an absolute http(s) URL with a host; empty is allowed
// unless required.
func (v *validator) httpURL(field, value string, required bool) {
	if value == "" {
		if required {
			v.add(field, value, "is required (an http or https URL)")
		}
		return
	}
	u, err := url.Parse(value)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		v.add(field, value, "is not an absolute http or https URL")
	}
}

// URL checks an optional URL's shape and length.
func (v *validator) url(field, value string, required bool) {
	v.maxLen(field, value, maxURL)
	v.httpURL(field, value, required)
}

func (v *validator) maxLen(field, value string, n int) {
	if len(value) > n {
		v.add(field, truncate(value, 40), fmt.Sprintf("is longer than %d bytes", n))
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

var (
	usernameRe   = regexp.MustCompile(`^[a-z0-9_][a-z0-9_.-]{0,63}$`)
	postalCodeRe = regexp.MustCompile(`^[0-9]{5}$`)
	keyRe        = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)
	// languageRe accepts the BCP 47 shapes in use: a 2–3 letter language and
	// optional subtags ("fr", "fr-FR", "oc-aranes", "zh-Hant-TW").
	languageRe   = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)
	departmentRe = regexp.MustCompile(`^(0[1-9]|[1-8][0-9]|9[0-5]|2A|2B|97[1-6])$`)
	inseeRe      = regexp.MustCompile(`^([0-9]{2}|2A|2B)[0-9]{3}$`)
	countryRe    = regexp.MustCompile(`^[A-Z]{2}$`)
)

// Length limits shared by hoster files and what other servers send: remote
// text ends up on our pages and in the search index, so a 10,000-character
// name or a 300 KB summary is refused, not stored.
const (
	maxName     = 200
	maxSummary  = 5000
	maxURL      = 2048
	maxShort    = 200 // price, quota, address
	maxWord     = 100 // software name, version, licence, commune, region
	maxListSize = 120 // languages, départements
)

// OrgTypes are the accepted Hoster.OrgType values.
var OrgTypes = []string{"association", "cooperative", "company", "individual", "informal", "public"}

func isDate(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

// Validate checks a hoster as described by its owner (a hoster file or a
// remote actor). Federation fields are not checked here: they come from
// the node's own configuration or the fetched actor.
func (h *Hoster) Validate() error {
	var v validator
	if v.required("name", h.Name) {
		v.maxLen("name", h.Name, maxName)
	}
	if h.Username == "" {
		v.add("username", "", "is required")
	} else if !usernameRe.MatchString(h.Username) {
		v.add("username", h.Username, "must be lower-case letters, digits, _ . - (at most 64, not starting with . or -)")
	}
	v.maxLen("summary", h.Summary, maxSummary)
	v.url("website", h.Website, false)
	v.url("legal_url", h.LegalURL, false)
	v.url("icon_url", h.IconURL, false)
	v.maxLen("address", h.Address, maxShort)
	v.maxLen("commune", h.Commune, maxWord)
	v.maxLen("region", h.Region, maxWord)
	if h.INSEE != "" && !inseeRe.MatchString(h.INSEE) {
		v.add("insee", h.INSEE, "is not a commune INSEE code (44184, 2A004…)")
	}
	if h.Departement != "" && !departmentRe.MatchString(h.Departement) {
		v.add("departement", h.Departement, "is not a French département number (44, 2A, 974…)")
	}
	if h.Country != "" && !countryRe.MatchString(h.Country) {
		v.add("country", h.Country, "is not an ISO 3166 country code (FR, BE…)")
	}
	if h.Email != "" {
		if a, err := mail.ParseAddress(h.Email); err != nil || a.Address != h.Email || a.Name != "" || len(h.Email) > 254 {
			v.add("email", h.Email, "is not an e-mail address (name@domain)")
		}
	}
	if h.PostalCode != "" && (h.Country == "" || h.Country == "FR") && !postalCodeRe.MatchString(h.PostalCode) {
		v.add("postal_code", h.PostalCode, "is not a French postal code (5 digits)")
	}
	if h.Latitude != nil && (math.IsNaN(*h.Latitude) || *h.Latitude < -90 || *h.Latitude > 90) {
		v.add("latitude", fmt.Sprint(*h.Latitude), "is not between -90 and 90")
	}
	if h.Longitude != nil && (math.IsNaN(*h.Longitude) || *h.Longitude < -180 || *h.Longitude > 180) {
		v.add("longitude", fmt.Sprint(*h.Longitude), "is not between -180 and 180")
	}
	if (h.Latitude == nil) != (h.Longitude == nil) {
		v.add("latitude", "", "and longitude must be given together")
	}
	if h.OrgType != "" {
		v.oneOf("org_type", h.OrgType, OrgTypes...)
	}
	if h.MemberSince != "" && !isDate(h.MemberSince) {
		v.add("member_since", h.MemberSince, "is not a date YYYY-MM-DD")
	}
	if h.Portee < 0 {
		v.add("portee", fmt.Sprint(h.Portee), "must not be negative")
	}
	if h.Status != "" {
		v.oneOf("status", h.Status, HosterActive, HosterDown, HosterGone)
	}
	return v.err()
}

// Validate checks an offer as described by its hoster.
func (o *Offer) Validate() error {
	var v validator
	if o.Key == "" {
		v.add("key", "", "is required")
	} else if !keyRe.MatchString(o.Key) {
		v.add("key", o.Key, "must be a slug: lower-case letters, digits and - (at most 64)")
	}
	if v.required("name", o.Name) {
		v.maxLen("name", o.Name, maxName)
	}
	v.maxLen("summary", o.Summary, maxSummary)
	if o.Category == "" {
		v.add("category", "", "is required (one of "+strings.Join(Categories, ", ")+")")
	} else if !IsCategory(o.Category) {
		v.add("category", o.Category, "is not one of "+strings.Join(Categories, ", "))
	}
	v.maxLen("software.name", o.Software.Name, maxWord)
	v.maxLen("software.version", o.Software.Version, maxWord)
	v.maxLen("software.license", o.Software.License, maxWord)
	v.url("software.source", o.SourceURL, false)
	v.url("software.website", o.Software.Website, false)
	v.maxLen("price", o.Price, maxShort)
	v.maxLen("quota", o.Quota, maxShort)
	v.oneOf("registration", o.Registration, RegistrationNone, RegistrationFree, RegistrationMember, RegistrationClient)
	v.oneOf("load", o.Load, LoadOpen, LoadFull)
	v.oneOf("audience", o.Audience, AudienceEveryone, AudienceLocal)
	v.oneOf("status", o.Status, StatusOK, StatusWarning, StatusAlert, StatusError, StatusOver)
	v.url("url", o.URL, true)
	if len(o.Languages) > maxListSize {
		v.add("languages", fmt.Sprint(len(o.Languages)), fmt.Sprintf("lists more than %d languages", maxListSize))
	}
	if len(o.AreaDepartements) > maxListSize {
		v.add("area.departements", fmt.Sprint(len(o.AreaDepartements)), fmt.Sprintf("lists more than %d départements", maxListSize))
	}
	for i, l := range o.Languages {
		if !languageRe.MatchString(l) {
			v.add(fmt.Sprintf("languages[%d]", i), l, "is not a language tag (fr, en, fr-FR…)")
		}
	}
	for i, d := range o.AreaDepartements {
		if !departmentRe.MatchString(d) {
			v.add(fmt.Sprintf("area.departements[%d]", i), d, "is not a French département number (44, 2A, 974…)")
		}
	}
	if math.IsNaN(o.AreaRadiusKm) || o.AreaRadiusKm < 0 || o.AreaRadiusKm > 20000 {
		v.add("area.radius_km", fmt.Sprint(o.AreaRadiusKm), "is not between 0 and 20000")
	}
	if o.Audience == AudienceLocal && len(o.AreaDepartements) == 0 && !(o.AreaRadiusKm > 0) {
		v.add("area", "", "is required for a local audience (departements or radius_km)")
	}
	if o.StartDate != "" && !isDate(o.StartDate) {
		v.add("start_date", o.StartDate, "is not a date YYYY-MM-DD")
	}
	return v.err()
}

// Validate checks the declaration's answers against charter c.
func (d *CharterDeclaration) Validate(c *Charter) error {
	var v validator
	if c == nil {
		v.add("version", d.CharterVersion, "names no known charter")
		return v.err()
	}
	known := map[string]bool{}
	for _, cm := range c.Commitments {
		known[cm.ID] = true
	}
	seen := map[string]int{}
	for i, a := range d.Answers {
		p := fmt.Sprintf("answers[%d]", i)
		switch {
		case a.Commitment == "":
			v.add(p+".commitment", "", "is required")
		case !known[a.Commitment]:
			v.add(p+".commitment", a.Commitment, fmt.Sprintf("is not a commitment of charter %s %s", c.ID, c.Version))
		default:
			if j, dup := seen[a.Commitment]; dup {
				v.add(p+".commitment", a.Commitment, fmt.Sprintf("is already answered in answers[%d]", j))
			}
			seen[a.Commitment] = i
		}
		v.oneOf(p+".status", a.Status, AnswerYes, AnswerPartial, AnswerNo, AnswerNotApplicable)
		v.httpURL(p+".evidence", a.EvidenceURL, false)
		v.maxLen(p+".comment", a.Comment, 2000)
	}
	return v.err()
}

// Validate checks a charter document: unique ids, every commitment in a
// known axis, French titles present (French is the reference language).
func (c *Charter) Validate() error {
	var v validator
	v.required("id", c.ID)
	v.required("version", c.Version)
	v.required("title_fr", c.TitleFR)
	axes := map[string]bool{}
	for i, a := range c.Axes {
		p := fmt.Sprintf("axes[%d]", i)
		if v.required(p+".id", a.ID) && axes[a.ID] {
			v.add(p+".id", a.ID, "is used twice")
		}
		axes[a.ID] = true
		v.required(p+".title_fr", a.TitleFR)
	}
	ids := map[string]bool{}
	for i, cm := range c.Commitments {
		p := fmt.Sprintf("commitments[%d]", i)
		if v.required(p+".id", cm.ID) && ids[cm.ID] {
			v.add(p+".id", cm.ID, "is used twice")
		}
		ids[cm.ID] = true
		if cm.Axis == "" {
			v.add(p+".axis", "", "is required")
		} else if !axes[cm.Axis] {
			v.add(p+".axis", cm.Axis, "is not an axis of this charter")
		}
		v.required(p+".title_fr", cm.TitleFR)
	}
	return v.err()
}
