package fedtest

import (
	"context"
	"fmt"
	"net/http"
)

// ReplayedPost sends activity, correctly signed by a for host, to inbox on
// another server: a delivery captured at host and replayed elsewhere with
// its original Host header.
func (a *Actor) ReplayedPost(ctx context.Context, inbox, host string, activity any) (*http.Response, error) {
	body, err := marshalActivity(activity)
	if err != nil {
		return nil, fmt.Errorf("fedtest: %w", err)
	}
	sign := a.signWith(a.signer(), body)
	return a.postWith(ctx, inbox, body, func(r *http.Request) error {
		r.Host = host
		return sign(r)
	})
}

// KeyIDPost sends activity signed with a's key but naming keyID, e.g. a
// variant of a's key id that a server has never seen (a query string
// added), so that it must be fetched.
func (a *Actor) KeyIDPost(ctx context.Context, inbox, keyID string, activity any) (*http.Response, error) {
	body, err := marshalActivity(activity)
	if err != nil {
		return nil, fmt.Errorf("fedtest: %w", err)
	}
	s := a.signer()
	s.KeyID = keyID
	return a.postWith(ctx, inbox, body, a.signWith(s, body))
}
