package frontend

import (
	"html/template"
	"strconv"
)

// Ordinal writes n as a rank: "1re", "5e" in French; "1st", "5th" in
// English.
func (l *Localizer) Ordinal(n int) string {
	s := strconv.Itoa(n)
	if l.Lang == langFR {
		if n == 1 {
			return s + "re"
		}
		return s + "e"
	}
	switch {
	case n%100 >= 11 && n%100 <= 13:
		return s + "th"
	case n%10 == 1:
		return s + "st"
	case n%10 == 2:
		return s + "nd"
	case n%10 == 3:
		return s + "rd"
	}
	return s + "th"
}

// LangName names a language code in the page's language ("fr" →
// "français"); a code we have no name for is shown as it is.
func (l *Localizer) LangName(code string) string {
	if name, ok := l.msgs["lang."+code]; ok {
		return name
	}
	return code
}

// HosterLang is the lang attribute of text the hosters wrote (names,
// summaries, prices): French, the collective's language, so that a screen
// reader on an English page reads it as French. Empty on French pages.
func (l *Localizer) HosterLang() template.HTMLAttr {
	if l.Lang == langFR {
		return ""
	}
	return ` lang="fr"`
}
