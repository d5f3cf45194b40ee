package catalog

import (
	"strings"
	"unicode/utf8"
)

// CleanText removes from remote text what no hoster means to publish and
// what can disguise text shown next to ours: invalid UTF-8, control
// characters (C0 but tab and line feed, DEL, C1) and the bidirectional
// embedding, override and isolate characters (U+202A–U+202E,
// U+2066–U+2069), which can reorder what follows them on a page or in a
// terminal. Carriage returns become line feeds.
func CleanText(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r == '\r':
			return '\n'
		case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
			return -1
		case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			return -1
		}
		return r
	}, s)
}

// cleanLine is CleanText for one-line fields: line breaks and tabs become
// spaces, and the ends are trimmed.
func cleanLine(s string) string {
	s = CleanText(s)
	if strings.ContainsAny(s, "\n\t") {
		s = strings.Join(strings.Fields(s), " ")
	}
	return strings.TrimSpace(s)
}

// CleanRemote applies CleanText to every text field of a hoster read from
// another server, before Validate.
func (h *Hoster) CleanRemote() {
	for _, p := range []*string{&h.Username, &h.Name, &h.Email, &h.OrgType, &h.MemberSince,
		&h.Address, &h.PostalCode, &h.Commune, &h.INSEE, &h.Departement, &h.Region, &h.Country,
		&h.Website, &h.LegalURL, &h.IconURL} {
		*p = cleanLine(*p)
	}
	h.Summary = strings.TrimSpace(CleanText(h.Summary))
}

// CleanRemote applies CleanText to every text field of an offer read from
// another server, before Validate.
func (o *Offer) CleanRemote() {
	for _, p := range []*string{&o.Key, &o.Name, &o.Category, &o.Software.Name, &o.Software.Version,
		&o.Software.License, &o.Software.SourceURL, &o.Software.Website, &o.Registration, &o.Load,
		&o.Price, &o.Quota, &o.Audience, &o.Status, &o.URL, &o.StartDate} {
		*p = cleanLine(*p)
	}
	o.Summary = strings.TrimSpace(CleanText(o.Summary))
	for i := range o.Languages {
		o.Languages[i] = cleanLine(o.Languages[i])
	}
	for i := range o.AreaDepartements {
		o.AreaDepartements[i] = cleanLine(o.AreaDepartements[i])
	}
}
