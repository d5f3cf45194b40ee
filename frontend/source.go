package frontend

import "codeberg.org/portee/portee/catalog"

// knownSource keeps a hoster's source to the values that have a
// translation: a signed Portée node, or an unsigned imported file.
func knownSource(s string) string {
	switch s {
	case catalog.SourceChatonsInfos, catalog.SourceLibrehosters:
		return s
	}
	return catalog.SourcePortee
}

// sourceLabel is what a map dot's label adds for an unsigned record.
func sourceLabel(l *Localizer, source string) string {
	if s := knownSource(source); s != catalog.SourcePortee {
		return " (" + l.T("source."+s) + ")"
	}
	return ""
}
