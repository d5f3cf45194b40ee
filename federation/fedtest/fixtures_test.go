package fedtest

import (
	"bufio"
	"bytes"
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dunglas/httpsfv"

	"codeberg.org/portee/portee/federation/httpsig"
)

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fixtureKeys resolves the key ids used in the signed fixtures to the fixture key.
type fixtureKeys struct{ pub crypto.PublicKey }

func (f fixtureKeys) PublicKey(_ context.Context, keyID string, _ bool) (crypto.PublicKey, string, error) {
	switch keyID {
	case "https://my.example.com/users/alice#main-key":
		return f.pub, "https://my.example.com/users/alice", nil
	case "https://gts.example.org/users/example_user/main-key":
		return f.pub, "https://gts.example.org/users/example_user", nil
	}
	return nil, "", errors.New("unknown key")
}

func TestActorFixtures(t *testing.T) {
	for _, c := range []struct {
		file, keyID, owner, username string
	}{
		{"mastodon_person.json", "https://my.example.com/users/alice#main-key", "https://my.example.com/users/alice", "alice"},
		{"gotosocial_person.json", "http://example.org/users/1happyturtle#main-key", "http://example.org/users/1happyturtle", "1happyturtle"},
		{"gotosocial_key_stub.json", "https://example.org/users/example_user/main-key", "https://example.org/users/example_user", "example_user"},
	} {
		b := readFixture(t, c.file)
		info, err := httpsig.ParseKeyDocument(b, c.keyID)
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		if info.Owner != c.owner || info.DocumentID != c.owner {
			t.Fatalf("%s: owner %q, document %q", c.file, info.Owner, info.DocumentID)
		}
		var doc map[string]any
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		if doc["preferredUsername"] != c.username || doc["type"] != "Person" {
			t.Fatalf("%s: %v %v", c.file, doc["preferredUsername"], doc["type"])
		}
		if c.file != "gotosocial_key_stub.json" {
			for _, k := range []string{"inbox", "outbox", "followers", "following"} {
				if s, _ := doc[k].(string); !strings.HasPrefix(s, c.owner+"/") {
					t.Errorf("%s: %s = %v", c.file, k, doc[k])
				}
			}
		}
	}
}

func TestActivityFixtures(t *testing.T) {
	read := func(name string) map[string]any {
		var m map[string]any
		if err := json.Unmarshal(readFixture(t, name), &m); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return m
	}
	follow, accept, undo := read("follow.json"), read("accept_follow.json"), read("undo_follow.json")
	if follow["type"] != "Follow" || idOf(follow["actor"]) == "" || idOf(follow["object"]) == "" {
		t.Fatalf("follow: %v", follow)
	}
	// The Accept embeds the Follow, whole, and comes from the followed actor.
	emb, ok := accept["object"].(map[string]any)
	if !ok || accept["type"] != "Accept" {
		t.Fatalf("accept does not embed an object: %v", accept)
	}
	for _, k := range []string{"id", "type", "actor", "object"} {
		if emb[k] != follow[k] {
			t.Errorf("accept.object.%s = %v, follow.%s = %v", k, emb[k], k, follow[k])
		}
	}
	if accept["actor"] != follow["object"] {
		t.Errorf("accept.actor %v is not the followed actor %v", accept["actor"], follow["object"])
	}
	inner, ok := undo["object"].(map[string]any)
	if !ok || undo["type"] != "Undo" || inner["id"] != follow["id"] || undo["actor"] != follow["actor"] {
		t.Fatalf("undo does not undo the follow: %v", undo)
	}
}

func readRequest(t *testing.T, name string) (*http.Request, []byte) {
	t.Helper()
	r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(readFixture(t, name))))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return r, body
}

// signedAt is when a fixture was signed: its created parameter, else its Date.
func signedAt(t *testing.T, r *http.Request) time.Time {
	t.Helper()
	if in := r.Header.Values("Signature-Input"); len(in) > 0 {
		d, err := httpsfv.UnmarshalDictionary(in)
		if err != nil {
			t.Fatal(err)
		}
		m, _ := d.Get("sig1")
		created, _ := m.(httpsfv.InnerList).Params.Get("created")
		return time.Unix(created.(int64), 0)
	}
	d, err := http.ParseTime(r.Header.Get("Date"))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestSignedRequestFixtures(t *testing.T) {
	priv, err := httpsig.DecodePrivateKeyPEM(string(readFixture(t, "signer_key.pem")))
	if err != nil {
		t.Fatal(err)
	}
	keys := fixtureKeys{pub: &priv.PublicKey}
	for _, c := range []struct {
		file, scheme, owner string
	}{
		{"signed_cavage_mastodon.http", httpsig.SchemeCavage, "https://my.example.com/users/alice"},
		{"signed_cavage_gotosocial.http", httpsig.SchemeCavage, "https://gts.example.org/users/example_user"},
		{"signed_rfc9421_mastodon.http", httpsig.SchemeRFC9421, "https://my.example.com/users/alice"},
	} {
		t.Run(c.file, func(t *testing.T) {
			r, body := readRequest(t, c.file)
			at := signedAt(t, r)
			v := &httpsig.Verifier{Keys: keys, Now: func() time.Time { return at.Add(10 * time.Minute) }}
			got, err := v.Verify(context.Background(), r, body)
			if err != nil {
				t.Fatal(err)
			}
			if got.Scheme != c.scheme || got.Owner != c.owner {
				t.Fatalf("verified %+v", got)
			}
			// Out of the window, with another body, or on another path: refused.
			late := &httpsig.Verifier{Keys: keys, Now: func() time.Time { return at.Add(2 * time.Hour) }}
			if _, err := late.Verify(context.Background(), r, body); !errors.Is(err, httpsig.ErrStaleDate) {
				t.Errorf("2 h later: %v", err)
			}
			if len(body) > 0 {
				if _, err := v.Verify(context.Background(), r, bytes.Replace(body, []byte("Follow"), []byte("Block"), 1)); !errors.Is(err, httpsig.ErrDigestMismatch) {
					t.Errorf("other body: %v", err)
				}
			}
			r.URL.Path = "/other/inbox"
			r.RequestURI = "/other/inbox"
			if _, err := v.Verify(context.Background(), r, body); !errors.Is(err, httpsig.ErrBadSignature) {
				t.Errorf("other path: %v", err)
			}
		})
	}
}
