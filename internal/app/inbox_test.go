package app

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"codeberg.org/portee/portee/federation/fedtest"
)

// TestInboxRejectionsAnswerJSON: behind the pages' error handler, a
// server posting with Accept: application/activity+json got an HTML error
// page; it now gets JSON with the reason. A browser still gets the page.
func TestInboxRejectionsAnswerJSON(t *testing.T) {
	ctx := context.Background()
	n, _ := startTestNode(t, &syncBuffer{})
	inbox := n.URL + "/inbox"
	remote := fedtest.NewServer(t)
	mallory := remote.AddActor("mallory")
	act := func(i int) map[string]any {
		return map[string]any{"@context": fedtest.ASContext, "id": mallory.ID + "/wiggles/" + string(rune('a'+i)),
			"type": "Wiggle", "actor": mallory.ID, "object": n.URL}
	}
	for name, post := range map[string]func() (*http.Response, error){
		"unsigned":  func() (*http.Response, error) { return mallory.UnsignedPost(ctx, inbox, act(1)) },
		"wrong key": func() (*http.Response, error) { return mallory.WrongKeyPost(ctx, inbox, act(2)) },
		"oversize":  func() (*http.Response, error) { return mallory.OversizePost(ctx, inbox, 2<<20) },
	} {
		resp, err := post()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		var body struct {
			Error string `json:"error"`
		}
		if resp.StatusCode < 400 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") ||
			json.Unmarshal(b, &body) != nil || body.Error == "" {
			t.Errorf("%s: %d %s %.200q, want a JSON error with the reason", name, resp.StatusCode, resp.Header.Get("Content-Type"), b)
		}
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, inbox, strings.NewReader("{}"))
	req.Header.Set("Content-Type", "application/activity+json")
	req.Header.Set("Accept", "text/html")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Errorf("browser: %d %s, want the 401 page", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}
