package httpsig

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

// KeyBits is the size of the keys we generate: what Mastodon and GoToSocial use.
const KeyBits = 2048

// minRSABits rejects remote keys small enough to be forged.
const minRSABits = 2048

// GenerateKey returns a new RSA-2048 private key.
func GenerateKey() (*rsa.PrivateKey, error) {
	k, err := rsa.GenerateKey(rand.Reader, KeyBits)
	if err != nil {
		return nil, fmt.Errorf("httpsig: generate key: %w", err)
	}
	return k, nil
}

// EncodePrivateKeyPEM encodes k as a PKCS#8 "PRIVATE KEY" block.
func EncodePrivateKeyPEM(k *rsa.PrivateKey) string {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		// MarshalPKCS8PrivateKey only fails on unsupported key types; an RSA key is supported.
		panic(fmt.Sprintf("httpsig: encode private key: %v", err))
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// DecodePrivateKeyPEM reads an RSA private key in PKCS#8 ("PRIVATE KEY") or
// PKCS#1 ("RSA PRIVATE KEY") form.
func DecodePrivateKeyPEM(s string) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		return nil, errors.New("httpsig: decode private key: no PEM block")
	}
	switch block.Type {
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("httpsig: decode private key: %w", err)
		}
		return k, nil
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("httpsig: decode private key: %w", err)
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("httpsig: decode private key: %T is not an RSA key", k)
		}
		return rk, nil
	default:
		return nil, fmt.Errorf("httpsig: decode private key: unexpected PEM block %q", block.Type)
	}
}

// EncodePublicKeyPEM encodes k as a PKIX "PUBLIC KEY" block, the form
// publicKeyPem takes in Mastodon's and GoToSocial's actors.
func EncodePublicKeyPEM(k *rsa.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(k)
	if err != nil {
		return "", fmt.Errorf("httpsig: encode public key: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), nil
}

// DecodePublicKeyPEM reads a public key from a remote actor's publicKeyPem:
// PKIX "PUBLIC KEY" (RSA or Ed25519) or PKCS#1 "RSA PUBLIC KEY". RSA keys
// shorter than 2048 bits are refused.
func DecodePublicKeyPEM(s string) (crypto.PublicKey, error) {
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		return nil, errors.New("httpsig: decode public key: no PEM block")
	}
	var pub crypto.PublicKey
	switch block.Type {
	case "RSA PUBLIC KEY":
		k, err := x509.ParsePKCS1PublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("httpsig: decode public key: %w", err)
		}
		pub = k
	case "PUBLIC KEY":
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("httpsig: decode public key: %w", err)
		}
		pub = k
	default:
		return nil, fmt.Errorf("httpsig: decode public key: unexpected PEM block %q", block.Type)
	}
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < minRSABits {
			return nil, fmt.Errorf("httpsig: decode public key: RSA key of %d bits is too short", k.N.BitLen())
		}
		return k, nil
	case ed25519.PublicKey:
		return k, nil
	default:
		return nil, fmt.Errorf("httpsig: decode public key: unsupported key type %T", pub)
	}
}
