package gazetteer

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// fold maps the accented letters of French (and of the few other Latin
// alphabets found in commune names) to ASCII. A table is enough here and
// keeps Normalize allocation-light on the 35,000 names read at load.
var fold = map[rune]string{
	'à': "a", 'á': "a", 'â': "a", 'ã': "a", 'ä': "a", 'å': "a",
	'æ': "ae", 'ç': "c",
	'è': "e", 'é': "e", 'ê': "e", 'ë': "e",
	'ì': "i", 'í': "i", 'î': "i", 'ï': "i",
	'ñ': "n",
	'ò': "o", 'ó': "o", 'ô': "o", 'õ': "o", 'ö': "o", 'ø': "o",
	'œ': "oe", 'ß': "ss",
	'ù': "u", 'ú': "u", 'û': "u", 'ü': "u",
	'ý': "y", 'ÿ': "y",
}

// Normalize turns a place name into the form names are compared in: lower
// case, accents removed, hyphens, apostrophes and other punctuation turned
// into spaces, spaces collapsed, and the abbreviations "st" and "ste"
// expanded to "saint" and "sainte" so that "St-Nazaire", "saint nazaire" and
// "SAINT-NAZAIRE" compare equal.
func Normalize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	pendingSpace := false
	sep := func() {
		if pendingSpace && b.Len() > 0 {
			b.WriteByte(' ')
		}
		pendingSpace = false
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			sep()
			b.WriteByte(byte(r))
		case r >= 'A' && r <= 'Z':
			sep()
			b.WriteByte(byte(r + 'a' - 'A'))
		case r < utf8.RuneSelf:
			pendingSpace = true
		default:
			r = unicode.ToLower(r)
			if f, ok := fold[r]; ok {
				sep()
				b.WriteString(f)
			} else if unicode.IsLetter(r) || unicode.IsDigit(r) {
				sep()
				b.WriteRune(r)
			} else {
				pendingSpace = true
			}
		}
	}
	out := b.String()
	if !hasWord(out, "st") && !hasWord(out, "ste") {
		return out
	}
	words := strings.Split(out, " ")
	for i, w := range words {
		switch w {
		case "st":
			words[i] = "saint"
		case "ste":
			words[i] = "sainte"
		}
	}
	return strings.Join(words, " ")
}

// hasWord reports whether w is one of the space-separated words of s.
func hasWord(s, w string) bool {
	for {
		i := strings.Index(s, w)
		if i < 0 {
			return false
		}
		if (i == 0 || s[i-1] == ' ') && (i+len(w) == len(s) || s[i+len(w)] == ' ') {
			return true
		}
		s = s[i+1:]
	}
}

// stripArticle removes a leading French article, so that "sables d olonne"
// finds "Les Sables-d'Olonne" and "mans" finds "Le Mans".
func stripArticle(n string) string {
	for _, a := range [...]string{"les ", "le ", "la ", "l "} {
		if strings.HasPrefix(n, a) && len(n) > len(a) {
			return n[len(a):]
		}
	}
	return n
}

// distance is the Levenshtein distance between a and b (bytes: normalised
// names are ASCII), or max+1 as soon as it is certain to exceed max.
func distance(a, b string, max int) int {
	if d := len(a) - len(b); d > max || -d > max {
		return max + 1
	}
	if len(a) < len(b) {
		a, b = b, a
	}
	var buf [2][64]int
	var prev, cur []int
	if len(b)+1 <= len(buf[0]) {
		prev, cur = buf[0][:len(b)+1], buf[1][:len(b)+1]
	} else {
		prev, cur = make([]int, len(b)+1), make([]int, len(b)+1)
	}
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > max {
			return max + 1
		}
		prev, cur = cur, prev
	}
	return min(prev[len(b)], max+1)
}
