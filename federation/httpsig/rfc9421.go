package httpsig

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/dunglas/httpsfv"
	"github.com/yaronf/httpsign"
)

// signatureLabel is the label Mastodon uses for its one RFC 9421 signature.
const signatureLabel = "sig1"

// SignRequest9421 signs r as Mastodon 4.5 does with RFC 9421 HTTP Message
// Signatures: Signature-Input sig1=("@method" "@target-uri" "content-digest");
// created=…;keyid="…", RSASSA-PKCS1-v1_5 SHA-256, and a Content-Digest
// (sha-256) of body when body != nil. r.URL must be absolute.
func (s Signer) SignRequest9421(r *http.Request, body []byte) error {
	if s.Key == nil || s.KeyID == "" {
		return errors.New("httpsig: sign request (rfc9421): signer has no key")
	}
	if r.URL.Scheme == "" || r.URL.Host == "" {
		return errors.New("httpsig: sign request (rfc9421): request URL is not absolute")
	}
	if r.Host == "" {
		r.Host = r.URL.Host
	}
	now := s.now()
	if r.Header.Get("Date") == "" {
		r.Header.Set("Date", now.UTC().Format(http.TimeFormat))
	}
	components := []string{"@method", "@target-uri"}
	values := []string{r.Method, r.URL.String()}
	if body != nil {
		sum := sha256.Sum256(body)
		d := httpsfv.NewDictionary()
		d.Add("sha-256", httpsfv.NewItem(sum[:]))
		cd, err := httpsfv.Marshal(d)
		if err != nil {
			return fmt.Errorf("httpsig: sign request (rfc9421): content-digest: %w", err)
		}
		r.Header.Set("Content-Digest", cd)
		components = append(components, "content-digest")
		values = append(values, cd)
	}
	il := httpsfv.InnerList{Params: httpsfv.NewParams()}
	for _, c := range components {
		il.Items = append(il.Items, httpsfv.NewItem(c))
	}
	il.Params.Add("created", now.Unix())
	il.Params.Add("keyid", s.KeyID)
	params, err := httpsfv.Marshal(il)
	if err != nil {
		return fmt.Errorf("httpsig: sign request (rfc9421): signature params: %w", err)
	}
	var base strings.Builder
	for i, c := range components {
		fmt.Fprintf(&base, "%q: %s\n", c, values[i])
	}
	fmt.Fprintf(&base, "%q: %s", "@signature-params", params)
	h := sha256.Sum256([]byte(base.String()))
	sig, err := rsa.SignPKCS1v15(rand.Reader, s.Key, crypto.SHA256, h[:])
	if err != nil {
		return fmt.Errorf("httpsig: sign request (rfc9421): %w", err)
	}
	sd := httpsfv.NewDictionary()
	sd.Add(signatureLabel, httpsfv.NewItem(sig))
	sigHeader, err := httpsfv.Marshal(sd)
	if err != nil {
		return fmt.Errorf("httpsig: sign request (rfc9421): %w", err)
	}
	r.Header.Set("Signature-Input", signatureLabel+"="+params)
	r.Header.Set("Signature", sigHeader)
	return nil
}

// input9421 is what we need from one Signature-Input member.
type input9421 struct {
	label      string
	keyID      string
	alg        string
	created    int64
	expires    int64
	components map[string]bool
}

// parseSignatureInput picks the first signature of the Signature-Input
// dictionary that names a key (Mastodon supports a single signature too).
func parseSignatureInput(values []string) (input9421, error) {
	var in input9421
	total := 0
	for _, v := range values {
		total += len(v)
	}
	if total > maxHeaderLen {
		return in, errors.New("signature-input too long")
	}
	d, err := httpsfv.UnmarshalDictionary(values)
	if err != nil {
		return in, fmt.Errorf("signature-input: %w", err)
	}
	for _, label := range d.Names() {
		m, _ := d.Get(label)
		il, ok := m.(httpsfv.InnerList)
		if !ok || il.Params == nil {
			continue
		}
		kid, ok := il.Params.Get("keyid")
		keyID, isStr := kid.(string)
		if !ok || !isStr || keyID == "" {
			continue
		}
		in = input9421{label: label, keyID: keyID, components: map[string]bool{}}
		if v, ok := il.Params.Get("alg"); ok {
			s, _ := v.(string)
			in.alg = s
		}
		if v, ok := il.Params.Get("created"); ok {
			n, ok := v.(int64)
			if !ok {
				return in, errors.New("signature-input: created is not an integer")
			}
			in.created = n
		}
		if v, ok := il.Params.Get("expires"); ok {
			n, ok := v.(int64)
			if !ok {
				return in, errors.New("signature-input: expires is not an integer")
			}
			in.expires = n
		}
		for _, it := range il.Items {
			name, ok := it.Value.(string)
			if !ok {
				return in, errors.New("signature-input: component is not a string")
			}
			in.components[name] = true
		}
		return in, nil
	}
	return in, errors.New("signature-input: no signature with a keyid")
}

func (v *Verifier) verify9421(ctx context.Context, r *http.Request, body []byte) (Verified, error) {
	in, err := parseSignatureInput(r.Header.Values("Signature-Input"))
	if err != nil {
		return Verified{}, fmt.Errorf("httpsig: %w: %v", ErrBadSignature, err)
	}
	res := Verified{KeyID: in.keyID, Scheme: SchemeRFC9421}
	if !in.components["@method"] {
		return res, fmt.Errorf("httpsig: %w: @method not signed", ErrBadSignature)
	}
	if !in.components["@target-uri"] && !(in.components["@path"] && in.components["@authority"]) {
		return res, fmt.Errorf("httpsig: %w: neither @target-uri nor @path and @authority signed", ErrBadSignature)
	}
	hasDigest := r.Header.Get("Content-Digest") != ""
	if len(body) > 0 && !in.components["content-digest"] {
		return res, fmt.Errorf("httpsig: %w: content-digest not signed", ErrBadSignature)
	}
	if in.created == 0 {
		return res, fmt.Errorf("httpsig: %w: no created parameter", ErrBadSignature)
	}
	now := v.now()
	if d := now.Sub(time.Unix(in.created, 0)); d > v.window() || d < -v.window() {
		return res, fmt.Errorf("httpsig: %w: created %s is %s away", ErrStaleDate, time.Unix(in.created, 0).UTC().Format(time.RFC3339), d.Round(time.Second))
	}
	if in.expires != 0 && now.After(time.Unix(in.expires, 0)) {
		return res, fmt.Errorf("httpsig: %w: signature expired", ErrStaleDate)
	}
	if len(body) > 0 || hasDigest || in.components["content-digest"] {
		rc := io.NopCloser(strings.NewReader(string(body)))
		if err := httpsign.ValidateContentDigestHeader(r.Header.Values("Content-Digest"), &rc,
			[]string{httpsign.DigestSha256, httpsign.DigestSha512}); err != nil {
			return res, fmt.Errorf("httpsig: %w: %v", ErrDigestMismatch, err)
		}
	}
	check := func(pub crypto.PublicKey) error {
		return verify9421With(r, in, pub)
	}
	return v.withKey(ctx, res, check)
}

// verify9421With checks the signature with one key, trying @target-uri with
// https then http: behind a TLS-terminating proxy the request arrives over
// plain HTTP, while the sender signed the https URL.
func verify9421With(r *http.Request, in input9421, pub crypto.PublicKey) error {
	var hv *httpsign.Verifier
	var err error
	cfg := httpsign.NewVerifyConfig().SetVerifyCreated(false).SetRejectExpired(false)
	fields := httpsign.Headers("@method")
	switch k := pub.(type) {
	case *rsa.PublicKey:
		switch in.alg {
		case "", "rsa-v1_5-sha256":
			hv, err = httpsign.NewRSAVerifier(*k, cfg, fields)
		case "rsa-pss-sha512":
			hv, err = httpsign.NewRSAPSSVerifier(*k, cfg, fields)
		default:
			return fmt.Errorf("algorithm %q does not fit an RSA key", in.alg)
		}
	case ed25519.PublicKey:
		if in.alg != "" && in.alg != "ed25519" {
			return fmt.Errorf("algorithm %q does not fit an Ed25519 key", in.alg)
		}
		hv, err = httpsign.NewEd25519Verifier(k, cfg, fields)
	default:
		return fmt.Errorf("unsupported key type %T", pub)
	}
	if err != nil {
		return err
	}
	schemes := []string{"https", "http"}
	if r.URL.Scheme != "" {
		schemes = []string{r.URL.Scheme}
	} else if r.TLS != nil {
		schemes = []string{"https"}
	}
	var last error
	for _, scheme := range schemes {
		c := r.Clone(context.Background())
		c.Body = http.NoBody
		c.URL.Scheme = scheme
		if c.URL.Host == "" {
			c.URL.Host = r.Host
		}
		last = httpsign.VerifyRequest(in.label, *hv, c)
		if last == nil {
			return nil
		}
	}
	return last
}
