package fetch

import (
	"context"
	"crypto"
	"fmt"

	"codeberg.org/portee/portee/federation/httpsig"
)

// KeyResolver resolves signature key ids by fetching them with a Client. It
// keeps no cache (refresh changes nothing): the federation package wraps it
// with one.
type KeyResolver struct {
	Client *Client
}

// PublicKey fetches keyID and returns the key and its owner. When the key
// lives in another document than its owner (a bare key, or a stub), the owner
// is fetched too and must list the same key: a document cannot claim a key
// for someone else.
func (k KeyResolver) PublicKey(ctx context.Context, keyID string, _ bool) (crypto.PublicKey, string, error) {
	b, err := k.Client.GetJSON(ctx, keyID)
	if err != nil {
		return nil, "", fmt.Errorf("fetch: key %q: %w", keyID, err)
	}
	info, err := httpsig.ParseKeyDocument(b, keyID)
	if err != nil {
		return nil, "", fmt.Errorf("fetch: key %q: %w", keyID, err)
	}
	if info.Owner == info.DocumentID {
		return info.Key, info.Owner, nil
	}
	ob, err := k.Client.GetJSON(ctx, info.Owner)
	if err != nil {
		return nil, "", fmt.Errorf("fetch: owner %q of key %q: %w", info.Owner, keyID, err)
	}
	back, err := httpsig.ParseKeyDocument(ob, keyID)
	if err != nil {
		return nil, "", fmt.Errorf("fetch: owner %q does not claim key %q: %w", info.Owner, keyID, err)
	}
	type equaler interface{ Equal(crypto.PublicKey) bool }
	eq, ok := back.Key.(equaler)
	if back.Owner != info.Owner || back.DocumentID != info.Owner || !ok || !eq.Equal(info.Key) {
		return nil, "", fmt.Errorf("fetch: owner %q does not claim key %q", info.Owner, keyID)
	}
	return info.Key, info.Owner, nil
}
