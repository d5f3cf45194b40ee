package httpsig

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxHeaderLen bounds what we are willing to parse from a remote Signature header.
const maxHeaderLen = 8 << 10

// CavageParams are the parameters of a draft-cavage Signature header.
type CavageParams struct {
	KeyID     string
	Algorithm string   // as sent, lower-cased; may be empty
	Headers   []string // lower-cased; "date" when the header omits the list, as Mastodon assumes
	Signature []byte
	Created   int64 // 0 when absent
	Expires   int64 // 0 when absent
}

// ParseCavageHeader parses the value of a draft-cavage Signature header (or of
// an Authorization header after its "Signature " scheme). A stray "Signature "
// prefix, which some old PeerTube versions sent, is tolerated.
func ParseCavageHeader(s string) (CavageParams, error) {
	var p CavageParams
	if len(s) > maxHeaderLen {
		return p, errors.New("httpsig: signature header too long")
	}
	s = strings.TrimSpace(s)
	if len(s) > 10 && strings.EqualFold(s[:10], "signature ") {
		s = strings.TrimSpace(s[10:])
	}
	seen := map[string]bool{}
	var haveSig bool
	for len(s) > 0 {
		eq := strings.IndexByte(s, '=')
		if eq <= 0 {
			return p, fmt.Errorf("httpsig: signature header: malformed parameter near %q", clip(s))
		}
		key := strings.ToLower(strings.TrimSpace(s[:eq]))
		if key == "" || strings.ContainsAny(key, " \t\",") {
			return p, fmt.Errorf("httpsig: signature header: malformed parameter name %q", clip(key))
		}
		s = strings.TrimLeft(s[eq+1:], " \t")
		var val string
		if strings.HasPrefix(s, `"`) {
			var b strings.Builder
			i := 1
			closed := false
			for i < len(s) {
				c := s[i]
				if c == '\\' && i+1 < len(s) {
					b.WriteByte(s[i+1])
					i += 2
					continue
				}
				if c == '"' {
					closed = true
					i++
					break
				}
				b.WriteByte(c)
				i++
			}
			if !closed {
				return p, fmt.Errorf("httpsig: signature header: unterminated value for %q", key)
			}
			val = b.String()
			s = strings.TrimLeft(s[i:], " \t")
		} else {
			end := strings.IndexByte(s, ',')
			if end < 0 {
				end = len(s)
			}
			val = strings.TrimSpace(s[:end])
			s = s[end:]
		}
		if s != "" {
			if s[0] != ',' {
				return p, fmt.Errorf("httpsig: signature header: expected ',' after %q", key)
			}
			s = strings.TrimLeft(s[1:], " \t")
		}
		if seen[key] {
			return p, fmt.Errorf("httpsig: signature header: duplicate parameter %q", key)
		}
		seen[key] = true
		switch key {
		case "keyid":
			p.KeyID = val
		case "algorithm":
			p.Algorithm = strings.ToLower(val)
		case "headers":
			p.Headers = strings.Fields(strings.ToLower(val))
		case "signature":
			sig, err := base64.StdEncoding.DecodeString(val)
			if err != nil {
				return p, fmt.Errorf("httpsig: signature header: signature is not base64: %w", err)
			}
			p.Signature = sig
			haveSig = true
		case "created", "expires":
			n, err := strconv.ParseInt(val, 10, 64)
			if err != nil || n <= 0 {
				return p, fmt.Errorf("httpsig: signature header: bad %s %q", key, clip(val))
			}
			if key == "created" {
				p.Created = n
			} else {
				p.Expires = n
			}
		}
	}
	if p.KeyID == "" {
		return p, errors.New("httpsig: signature header: missing keyId")
	}
	if !haveSig || len(p.Signature) == 0 {
		return p, errors.New("httpsig: signature header: missing signature")
	}
	if !seen["headers"] {
		p.Headers = []string{"date"}
	}
	if len(p.Headers) == 0 {
		return p, errors.New("httpsig: signature header: empty headers list")
	}
	return p, nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// requestTarget is the (request-target) pseudo-header: method and path with
// its query, as the draft says and Mastodon ≥ 4.3 does. withQuery=false gives
// the variant older implementations signed.
func requestTarget(r *http.Request, withQuery bool) string {
	uri := r.RequestURI
	if !strings.HasPrefix(uri, "/") {
		uri = r.URL.RequestURI()
	}
	if !withQuery {
		if i := strings.IndexByte(uri, '?'); i >= 0 {
			uri = uri[:i]
		}
	}
	return strings.ToLower(r.Method) + " " + uri
}

func requestHost(r *http.Request) string {
	if r.Host != "" {
		return r.Host
	}
	return r.URL.Host
}

// signingString builds the string a draft-cavage signature covers.
func signingString(r *http.Request, p CavageParams, withQuery bool) (string, error) {
	var b strings.Builder
	for i, h := range p.Headers {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(h)
		b.WriteString(": ")
		switch h {
		case "(request-target)":
			b.WriteString(requestTarget(r, withQuery))
		case "(created)":
			if p.Created == 0 {
				return "", errors.New("httpsig: (created) signed but no created parameter")
			}
			b.WriteString(strconv.FormatInt(p.Created, 10))
		case "(expires)":
			if p.Expires == 0 {
				return "", errors.New("httpsig: (expires) signed but no expires parameter")
			}
			b.WriteString(strconv.FormatInt(p.Expires, 10))
		case "host":
			host := requestHost(r)
			if host == "" {
				return "", errors.New("httpsig: host signed but absent")
			}
			b.WriteString(host)
		default:
			vals := r.Header.Values(h)
			if len(vals) == 0 {
				return "", fmt.Errorf("httpsig: header %q signed but absent", h)
			}
			for j, v := range vals {
				if j > 0 {
					b.WriteString(", ")
				}
				b.WriteString(strings.TrimSpace(v))
			}
		}
	}
	return b.String(), nil
}

// Signer signs outgoing requests with an actor's key.
type Signer struct {
	KeyID string // e.g. https://host/actor#main-key
	Key   *rsa.PrivateKey
	// Algorithm is the draft-cavage algorithm name announced: "rsa-sha256"
	// (default, as Mastodon) or "hs2019" (as GoToSocial). Both sign with RSA-SHA256.
	Algorithm string
	// Now gives the signing time (Date header, created parameter); time.Now when nil.
	Now func() time.Time
}

func (s Signer) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// SignRequest signs r with draft-cavage rsa-sha256 over (request-target) host
// date, plus digest when body != nil (it sets Digest: SHA-256=<b64>, and Date
// and Host when missing). body must be the exact request body.
func (s Signer) SignRequest(r *http.Request, body []byte) error {
	if s.Key == nil || s.KeyID == "" {
		return errors.New("httpsig: sign request: signer has no key")
	}
	alg := s.Algorithm
	if alg == "" {
		alg = "rsa-sha256"
	}
	if alg != "rsa-sha256" && alg != "hs2019" {
		return fmt.Errorf("httpsig: sign request: unsupported algorithm %q", alg)
	}
	if r.Host == "" {
		r.Host = r.URL.Host
	}
	if r.Header.Get("Date") == "" {
		r.Header.Set("Date", s.now().UTC().Format(http.TimeFormat))
	}
	headers := []string{"(request-target)", "host", "date"}
	if body != nil {
		sum := sha256.Sum256(body)
		r.Header.Set("Digest", "SHA-256="+base64.StdEncoding.EncodeToString(sum[:]))
		headers = append(headers, "digest")
	}
	p := CavageParams{KeyID: s.KeyID, Algorithm: alg, Headers: headers}
	str, err := signingString(r, p, true)
	if err != nil {
		return fmt.Errorf("httpsig: sign request: %w", err)
	}
	h := sha256.Sum256([]byte(str))
	sig, err := rsa.SignPKCS1v15(rand.Reader, s.Key, crypto.SHA256, h[:])
	if err != nil {
		return fmt.Errorf("httpsig: sign request: %w", err)
	}
	r.Header.Set("Signature", fmt.Sprintf(`keyId="%s",algorithm="%s",headers="%s",signature="%s"`,
		strings.ReplaceAll(s.KeyID, `"`, `\"`), alg, strings.Join(headers, " "), base64.StdEncoding.EncodeToString(sig)))
	return nil
}
