// Package chatonsinfos reads and writes the ChatonsInfos (StatoolInfos)
// files that CHATONS members publish under /.well-known/chatonsinfos/:
// a tolerant .properties parser, the mapping between those files and the
// catalog's hosters and offers, a bounded crawler of federation →
// organisation → service files, and an importer that keeps a directory's
// copy fresh.
package chatonsinfos

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Limits of one parsed file: the fetch client bounds the bytes, these bound
// what a file of many tiny lines or one huge value can make us keep.
const (
	MaxProperties = 5000
	MaxKeyLen     = 256
	MaxValueLen   = 64 << 10
)

// Property is one key = value of a file, with the (first physical) line it
// was read from.
type Property struct {
	Key   string
	Value string
	Line  int
}

// Problem is something wrong in a remote file, located for a human and for
// the dashboard: "https://x.example/org.properties:12: organization.logo: is not an http(s) URL".
type Problem struct {
	Source string `json:"source"`
	Line   int    `json:"line,omitempty"`
	Key    string `json:"key,omitempty"`
	Reason string `json:"reason"`
}

func (p Problem) Error() string {
	var b strings.Builder
	b.WriteString(p.Source)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
	}
	if p.Key != "" {
		b.WriteString(": " + p.Key)
	}
	b.WriteString(": " + p.Reason)
	return b.String()
}

// File is a parsed .properties file. Problems lists the lines that were
// skipped and why; the rest of the file is usable.
type File struct {
	Source   string
	Encoding string // "UTF-8" or "ISO-8859-1"
	Props    []Property
	Problems []Problem
	index    map[string]int
}

// Get returns the value of key (keys compare without regard to case, as
// the files in the wild mix "organization.Name" and "organization.name").
func (f *File) Get(key string) string {
	if i, ok := f.index[strings.ToLower(key)]; ok {
		return f.Props[i].Value
	}
	return ""
}

// Line returns the line key was read from, 0 when absent.
func (f *File) Line(key string) int {
	if i, ok := f.index[strings.ToLower(key)]; ok {
		return f.Props[i].Line
	}
	return 0
}

// Class is file.class lower-cased: "federation", "organization", "service"…
func (f *File) Class() string { return strings.ToLower(strings.TrimSpace(f.Get("file.class"))) }

// WithPrefix returns the properties whose key starts with prefix, in file order.
func (f *File) WithPrefix(prefix string) []Property {
	prefix = strings.ToLower(prefix)
	var out []Property
	for _, p := range f.Props {
		if strings.HasPrefix(strings.ToLower(p.Key), prefix) {
			out = append(out, p)
		}
	}
	return out
}

func (f *File) problem(line int, key, format string, args ...any) {
	f.Problems = append(f.Problems, Problem{Source: f.Source, Line: line, Key: key, Reason: fmt.Sprintf(format, args...)})
}

// Parse reads a .properties file as the wild writes them: UTF-8 (with or
// without BOM) or, when the bytes are not valid UTF-8, ISO-8859-1; '#' and
// '!' comments; "key = value", "key: value" and "key value"; backslash
// continuations; \uXXXX and \t \n \r \f escapes; LF, CRLF or CR line ends;
// values in single or double quotes (the YunoHost app writes them so); and
// INI-like section headers ("[Subs]"), inside which a key without a dot is
// read as "<section>.<key>" (so "[Subs]" + "nextcloud = URL" is a sub).
// A malformed line is reported in Problems and skipped; Parse never fails.
func Parse(source string, data []byte) *File {
	f := &File{Source: source, Encoding: "UTF-8", index: map[string]int{}}
	data = []byte(strings.TrimPrefix(string(data), "\uFEFF"))
	text := string(data)
	if !utf8.Valid(data) {
		f.Encoding = "ISO-8859-1"
		runes := make([]rune, len(data))
		for i, b := range data {
			runes[i] = rune(b)
		}
		text = string(runes)
	}
	lines := splitLines(text)
	section := ""
	for i := 0; i < len(lines); i++ {
		start := i + 1
		line := strings.TrimLeft(lines[i], " \t\f")
		if line == "" || line[0] == '#' || line[0] == '!' {
			continue
		}
		// Join continuation lines: an odd number of trailing backslashes.
		for endsWithContinuation(line) && i+1 < len(lines) {
			i++
			line = line[:len(line)-1] + strings.TrimLeft(lines[i], " \t\f")
		}
		if endsWithContinuation(line) {
			line = line[:len(line)-1]
		}
		if t := strings.TrimSpace(line); strings.HasPrefix(t, "[") && strings.HasSuffix(t, "]") && !strings.ContainsAny(t, "=:") {
			section = strings.ToLower(strings.TrimSpace(t[1 : len(t)-1]))
			continue
		}
		if len(f.Props) >= MaxProperties {
			f.problem(start, "", "more than %d properties: the rest of the file is ignored", MaxProperties)
			break
		}
		f.parseLine(start, line, section)
	}
	return f
}

func (f *File) parseLine(lineNo int, line, section string) {
	rawKey, rawValue := splitKeyValue(line)
	key, err := unescape(rawKey)
	if err != nil {
		f.problem(lineNo, strings.TrimSpace(rawKey), "%v", err)
		return
	}
	key = strings.TrimSpace(key)
	if key == "" {
		f.problem(lineNo, "", "no key before the separator")
		return
	}
	if !strings.Contains(key, ".") && section != "" && validKey(section) {
		key = section + "." + key
	}
	if len(key) > MaxKeyLen {
		f.problem(lineNo, key[:32]+"…", "key longer than %d characters", MaxKeyLen)
		return
	}
	if !validKey(key) {
		f.problem(lineNo, printable(key), "is not a key (letters, digits, '.', '_', '-', '@', '/' only)")
		return
	}
	if !strings.Contains(key, ".") {
		f.problem(lineNo, key, "is not a ChatonsInfos key (no dotted prefix such as organization. or service.)")
		return
	}
	// Trailing blanks are dropped (editors leave them; no value needs them),
	// then one pair of quotes around the raw value, then the escapes.
	value, err := unescape(unquote(strings.TrimRight(rawValue, " \t\f")))
	if err != nil {
		f.problem(lineNo, key, "%v", err)
		return
	}
	if len(value) > MaxValueLen {
		f.problem(lineNo, key, "value longer than %d bytes", MaxValueLen)
		return
	}
	if !utf8.ValidString(value) {
		value = strings.ToValidUTF8(value, "\uFFFD")
	}
	lk := strings.ToLower(key)
	if prev, dup := f.index[lk]; dup {
		f.problem(lineNo, key, "defined again (first on line %d): the last value wins", f.Props[prev].Line)
		f.Props[prev] = Property{Key: key, Value: value, Line: lineNo}
		return
	}
	f.index[lk] = len(f.Props)
	f.Props = append(f.Props, Property{Key: key, Value: value, Line: lineNo})
}

// splitLines splits on LF, CRLF and lone CR.
func splitLines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.Split(s, "\n")
}

func endsWithContinuation(s string) bool {
	n := 0
	for i := len(s) - 1; i >= 0 && s[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

// splitKeyValue cuts a logical line at the first unescaped '=', ':' or
// whitespace; whitespace around the separator, and one '=' or ':' after
// whitespace, belong to neither side.
func splitKeyValue(line string) (string, string) {
	i := 0
	for i < len(line) {
		c := line[i]
		if c == '\\' {
			i += 2
			continue
		}
		if c == '=' || c == ':' || c == ' ' || c == '\t' || c == '\f' {
			break
		}
		i++
	}
	if i > len(line) {
		i = len(line)
	}
	key := line[:i]
	rest := line[i:]
	rest = strings.TrimLeft(rest, " \t\f")
	if rest != "" && (rest[0] == '=' || rest[0] == ':') {
		rest = strings.TrimLeft(rest[1:], " \t\f")
	}
	return key, rest
}

// unescape resolves backslash escapes as Java's Properties does; an
// unknown escape stands for the character itself.
func unescape(s string) (string, error) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(s) {
			break
		}
		switch s[i] {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 'f':
			b.WriteByte('\f')
		case 'u':
			r, n, err := readU(s[i+1:])
			if err != nil {
				return "", err
			}
			i += n
			if r >= 0xD800 && r < 0xDC00 && strings.HasPrefix(s[i+1:], `\u`) {
				if lo, m, err := readU(s[i+3:]); err == nil && lo >= 0xDC00 && lo < 0xE000 {
					r = 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00)
					i += 2 + m
				}
			}
			if r >= 0xD800 && r < 0xE000 {
				r = utf8.RuneError
			}
			b.WriteRune(r)
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String(), nil
}

func readU(s string) (rune, int, error) {
	if len(s) < 4 {
		return 0, 0, fmt.Errorf("malformed \\u escape: %q", printable(`\u`+s))
	}
	var r rune
	for _, c := range s[:4] {
		var d rune
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, 0, fmt.Errorf("malformed \\u escape: %q", printable(`\u`+s[:4]))
		}
		r = r<<4 | d
	}
	return r, 4, nil
}

// unquote drops one pair of matching quotes around the whole value.
func unquote(v string) string {
	if len(v) >= 2 && (v[0] == '\'' || v[0] == '"') && v[len(v)-1] == v[0] {
		return v[1 : len(v)-1]
	}
	return v
}

func validKey(k string) bool {
	for _, c := range k {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9',
			c == '.', c == '_', c == '-', c == '@', c == '/':
		default:
			return false
		}
	}
	return k != ""
}

// printable keeps a reported key or value short and on one line.
func printable(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '?'
		}
		return r
	}, s)
	if len(s) > 60 {
		s = s[:60] + "…"
	}
	return strings.ToValidUTF8(s, "?")
}
