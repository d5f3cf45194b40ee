// Package httpsig owns HTTP signatures for ActivityPub: signing outgoing
// requests (draft-cavage, and RFC 9421 as Mastodon 4.5 does), verifying
// incoming ones in both schemes, and reading and writing actor keys.
package httpsig

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Errors returned by Verify; all of them mean 401 for the sender.
var (
	ErrNoSignature    = errors.New("no signature")
	ErrBadSignature   = errors.New("bad signature")
	ErrStaleDate      = errors.New("date outside the accepted window")
	ErrDigestMismatch = errors.New("digest does not match the body")
)

// Signature schemes reported in Verified.Scheme.
const (
	SchemeCavage  = "cavage"
	SchemeRFC9421 = "rfc9421"
)

// DefaultWindow is how far Date or created may be from our clock.
const DefaultWindow = time.Hour

// KeyResolver finds the public key named by a signature.
type KeyResolver interface {
	// PublicKey returns the key and its owner actor id. refresh=true bypasses
	// any cache (key rotation).
	PublicKey(ctx context.Context, keyID string, refresh bool) (pub crypto.PublicKey, owner string, err error)
}

// Verifier checks incoming signatures.
type Verifier struct {
	Keys   KeyResolver
	Window time.Duration    // default 1 h
	Now    func() time.Time // default time.Now
}

// Verified tells who signed a request.
type Verified struct {
	KeyID, Owner, Scheme string // Scheme is "cavage" or "rfc9421"
}

func (v *Verifier) window() time.Duration {
	if v.Window > 0 {
		return v.Window
	}
	return DefaultWindow
}

func (v *Verifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

// Verify checks the request's signature, draft-cavage or RFC 9421, its Date
// or created against the window and its digest against body. When the
// signature does not verify it asks for the key again with refresh=true once
// (the sender may have rotated it), then gives up.
func (v *Verifier) Verify(ctx context.Context, r *http.Request, body []byte) (Verified, error) {
	if v.Keys == nil {
		return Verified{}, errors.New("httpsig: verifier has no key resolver")
	}
	if len(r.Header.Values("Signature-Input")) > 0 {
		return v.verify9421(ctx, r, body)
	}
	raw := r.Header.Get("Signature")
	if raw == "" {
		if a := r.Header.Get("Authorization"); len(a) > 10 && strings.EqualFold(a[:10], "signature ") {
			raw = a[10:]
		}
	}
	if raw == "" {
		return Verified{}, fmt.Errorf("httpsig: %w", ErrNoSignature)
	}
	return v.verifyCavage(ctx, r, body, raw)
}

func (v *Verifier) verifyCavage(ctx context.Context, r *http.Request, body []byte, raw string) (Verified, error) {
	p, err := ParseCavageHeader(raw)
	if err != nil {
		return Verified{}, fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	res := Verified{KeyID: p.KeyID, Scheme: SchemeCavage}
	signed := map[string]bool{}
	for _, h := range p.Headers {
		signed[h] = true
	}
	if !signed["(request-target)"] {
		return res, fmt.Errorf("httpsig: %w: (request-target) not signed", ErrBadSignature)
	}
	if !signed["host"] {
		return res, fmt.Errorf("httpsig: %w: host not signed", ErrBadSignature)
	}
	if !signed["date"] && !signed["(created)"] {
		return res, fmt.Errorf("httpsig: %w: neither date nor (created) signed", ErrBadSignature)
	}
	if len(body) > 0 && !signed["digest"] {
		return res, fmt.Errorf("httpsig: %w: digest not signed", ErrBadSignature)
	}
	now := v.now()
	if signed["date"] {
		d, err := http.ParseTime(r.Header.Get("Date"))
		if err != nil {
			return res, fmt.Errorf("httpsig: %w: unreadable Date %q", ErrStaleDate, clip(r.Header.Get("Date")))
		}
		if off := now.Sub(d); off > v.window() || off < -v.window() {
			return res, fmt.Errorf("httpsig: %w: Date is %s away", ErrStaleDate, off.Round(time.Second))
		}
	}
	if signed["(created)"] {
		if off := now.Sub(time.Unix(p.Created, 0)); p.Created == 0 || off > v.window() || off < -v.window() {
			return res, fmt.Errorf("httpsig: %w: created is %s away", ErrStaleDate, off.Round(time.Second))
		}
	}
	if p.Expires != 0 && now.After(time.Unix(p.Expires, 0)) {
		return res, fmt.Errorf("httpsig: %w: signature expired", ErrStaleDate)
	}
	if len(body) > 0 || r.Header.Get("Digest") != "" {
		if err := checkDigest(r.Header.Values("Digest"), body); err != nil {
			return res, fmt.Errorf("httpsig: %w: %v", ErrDigestMismatch, err)
		}
	}
	// Older implementations left the query out of (request-target); try the
	// correct form first, then theirs.
	strs := []string{}
	for _, withQuery := range []bool{true, false} {
		s, err := signingString(r, p, withQuery)
		if err != nil {
			return res, fmt.Errorf("%w: %v", ErrBadSignature, err)
		}
		if len(strs) == 0 || strs[0] != s {
			strs = append(strs, s)
		}
	}
	check := func(pub crypto.PublicKey) error {
		var last error
		for _, s := range strs {
			if last = verifyCavageWith(pub, p.Algorithm, []byte(s), p.Signature); last == nil {
				return nil
			}
		}
		return last
	}
	return v.withKey(ctx, res, check)
}

// withKey runs check with the signer's key, and once more with a refreshed
// key when it fails.
func (v *Verifier) withKey(ctx context.Context, res Verified, check func(crypto.PublicKey) error) (Verified, error) {
	var last error
	for _, refresh := range []bool{false, true} {
		pub, owner, err := v.Keys.PublicKey(ctx, res.KeyID, refresh)
		if err != nil {
			return res, fmt.Errorf("httpsig: key %q: %w: %w", res.KeyID, ErrBadSignature, err)
		}
		if last = check(pub); last == nil {
			res.Owner = owner
			return res, nil
		}
	}
	return res, fmt.Errorf("httpsig: key %q: %w: %v", res.KeyID, ErrBadSignature, last)
}

// verifyCavageWith checks one draft-cavage signature. hs2019 means "the key
// says": RSA keys sign with SHA-256 in practice (GoToSocial says so), and we
// also accept SHA-512 as GoToSocial does.
func verifyCavageWith(pub crypto.PublicKey, alg string, msg, sig []byte) error {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		var hashes []crypto.Hash
		switch alg {
		case "rsa-sha256":
			hashes = []crypto.Hash{crypto.SHA256}
		case "rsa-sha512":
			hashes = []crypto.Hash{crypto.SHA512}
		case "hs2019", "":
			hashes = []crypto.Hash{crypto.SHA256, crypto.SHA512}
		default:
			return fmt.Errorf("algorithm %q does not fit an RSA key", alg)
		}
		var err error
		for _, h := range hashes {
			var sum []byte
			if h == crypto.SHA256 {
				s := sha256.Sum256(msg)
				sum = s[:]
			} else {
				s := sha512.Sum512(msg)
				sum = s[:]
			}
			if err = rsa.VerifyPKCS1v15(k, h, sum, sig); err == nil {
				return nil
			}
		}
		return err
	case ed25519.PublicKey:
		if alg != "hs2019" && alg != "" && alg != "ed25519" {
			return fmt.Errorf("algorithm %q does not fit an Ed25519 key", alg)
		}
		if !ed25519.Verify(k, msg, sig) {
			return errors.New("ed25519 verification failed")
		}
		return nil
	default:
		return fmt.Errorf("unsupported key type %T", pub)
	}
}

// checkDigest checks a draft Digest header ("SHA-256=<b64>", several
// comma-separated algorithms allowed, names case-insensitive): at least one
// algorithm we know, and every one we know matches.
func checkDigest(values []string, body []byte) error {
	if len(values) == 0 {
		return errors.New("no Digest header")
	}
	known := 0
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			part = strings.TrimSpace(part)
			alg, val, ok := strings.Cut(part, "=")
			if !ok {
				return fmt.Errorf("malformed digest %q", clip(part))
			}
			var want []byte
			switch strings.ToLower(alg) {
			case "sha-256":
				s := sha256.Sum256(body)
				want = s[:]
			case "sha-512":
				s := sha512.Sum512(body)
				want = s[:]
			default:
				continue
			}
			got, err := base64.StdEncoding.DecodeString(val)
			if err != nil {
				return fmt.Errorf("digest %s is not base64", alg)
			}
			if subtle.ConstantTimeCompare(got, want) != 1 {
				return fmt.Errorf("%s digest differs", alg)
			}
			known++
		}
	}
	if known == 0 {
		return errors.New("no SHA-256 or SHA-512 digest")
	}
	return nil
}
