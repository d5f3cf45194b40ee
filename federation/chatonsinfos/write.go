package chatonsinfos

import (
	"fmt"
	"strings"
)

// Writer builds a .properties file in the layout StatoolInfos writes:
// "# [Section]" comments, "key = value" lines, UTF-8.
type Writer struct {
	b strings.Builder
}

// Section starts a commented section header, preceded by a blank line.
func (w *Writer) Section(name string) {
	if w.b.Len() > 0 {
		w.b.WriteString("\n")
	}
	w.b.WriteString("# [" + name + "]\n")
}

// Set writes key = value; the value is escaped so that Parse reads it back
// unchanged (leading spaces, backslashes, line breaks).
func (w *Writer) Set(key, value string) {
	w.b.WriteString(escapeKey(key))
	w.b.WriteString(" = ")
	w.b.WriteString(escapeValue(value))
	w.b.WriteString("\n")
}

// Bytes returns the file.
func (w *Writer) Bytes() []byte { return []byte(w.b.String()) }

func escapeKey(k string) string {
	var b strings.Builder
	for _, r := range k {
		switch r {
		case ' ', '=', ':', '#', '!', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func escapeValue(v string) string {
	var b strings.Builder
	for i, r := range v {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\f':
			b.WriteString(`\f`)
		case i == 0 && (r == ' ' || r == '=' || r == ':'):
			b.WriteByte('\\')
			b.WriteRune(r)
		case i == 0 && (r == '\'' || r == '"') && len(v) >= 2 && v[len(v)-1] == byte(r):
			// Parse drops one pair of quotes around a raw value: escape the
			// first so that a quoted value keeps its quotes.
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
