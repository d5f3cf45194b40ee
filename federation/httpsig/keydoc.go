package httpsig

import (
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
)

// KeyInfo is a public key found in a remote document.
type KeyInfo struct {
	Key        crypto.PublicKey
	ID         string // the key's id (keyId in signatures)
	Owner      string // publicKey.owner
	DocumentID string // id of the document the key was found in (an actor, a stub, or the key itself)
}

type keyJSON struct {
	ID           string `json:"id"`
	Owner        string `json:"owner"`
	PublicKeyPem string `json:"publicKeyPem"`
}

// ParseKeyDocument finds the key keyID in a fetched document: an actor with
// publicKey (an object or an array of them, as Mastodon and GoToSocial
// serve), GoToSocial's actor stub at …/main-key, or a bare key document.
// Checking that the owner claims the key back is the caller's job when
// Owner differs from DocumentID.
func ParseKeyDocument(b []byte, keyID string) (*KeyInfo, error) {
	var doc struct {
		keyJSON
		PublicKey json.RawMessage `json:"publicKey"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("httpsig: key document: %w", err)
	}
	var candidates []keyJSON
	if doc.PublicKeyPem != "" {
		candidates = append(candidates, doc.keyJSON)
	}
	if len(doc.PublicKey) > 0 {
		var one keyJSON
		var many []json.RawMessage
		if err := json.Unmarshal(doc.PublicKey, &one); err == nil {
			candidates = append(candidates, one)
		} else if err := json.Unmarshal(doc.PublicKey, &many); err == nil {
			for _, m := range many {
				var k keyJSON
				if json.Unmarshal(m, &k) == nil {
					candidates = append(candidates, k)
				}
			}
		}
	}
	for _, k := range candidates {
		if k.ID != keyID {
			continue
		}
		if k.Owner == "" {
			return nil, fmt.Errorf("httpsig: key document: key %q has no owner", keyID)
		}
		pub, err := DecodePublicKeyPEM(k.PublicKeyPem)
		if err != nil {
			return nil, fmt.Errorf("httpsig: key document: key %q: %w", keyID, err)
		}
		return &KeyInfo{Key: pub, ID: k.ID, Owner: k.Owner, DocumentID: doc.ID}, nil
	}
	if len(candidates) == 0 {
		return nil, errors.New("httpsig: key document: no public key")
	}
	return nil, fmt.Errorf("httpsig: key document: no key with id %q", keyID)
}
