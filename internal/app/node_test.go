package app

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a log sink the node's goroutines and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func startTestNode(t *testing.T, logs *syncBuffer) (*Node, string) {
	t.Helper()
	data, err := os.ReadFile("../demo/hosters/1-chaton-nazairien.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "hoster.yaml")
	if err := os.WriteFile(file, data, 0o640); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	n, err := StartNode(context.Background(), NodeOptions{
		Listener: ln, DSN: filepath.Join(dir, "portee.db"), HosterFile: file, AllowPrivate: true,
		WatchInterval: 20 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n, file
}

// An invalid edit keeps the last good state online and is reported once,
// with file, line and field, not at every check of the file.
func TestNodeInvalidEditKeepsStateAndLogsOnce(t *testing.T) {
	logs := &syncBuffer{}
	n, file := startTestNode(t, logs)
	ctx := context.Background()
	hs, err := n.Store.LocalHosters(ctx)
	if err != nil || len(hs) != 1 {
		t.Fatalf("local hosters: %v, %v", hs, err)
	}
	before, err := n.Store.OffersByHoster(ctx, hs[0].ID)
	if err != nil {
		t.Fatal(err)
	}

	data, _ := os.ReadFile(file)
	bad := strings.Replace(string(data), "registration: none", "registration: freee", 1)
	if bad == string(data) {
		t.Fatal("demo hoster file has no offer without registration")
	}
	if err := os.WriteFile(file, []byte(bad), 0o640); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(logs.String(), "hoster file not applied") {
		if time.Now().After(deadline) {
			t.Fatalf("invalid edit never reported; logs:\n%s", logs)
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // about fifteen more checks of the file
	out := logs.String()
	if c := strings.Count(out, "hoster file not applied"); c != 1 {
		t.Errorf("invalid edit reported %d times, want once:\n%s", c, out)
	}
	if !strings.Contains(out, "hoster.yaml:") || !strings.Contains(out, "registration") || !strings.Contains(out, "freee") {
		t.Errorf("report does not name file:line, field and value:\n%s", out)
	}
	after, err := n.Store.OffersByHoster(ctx, hs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Errorf("offers changed from %d to %d after an invalid edit", len(before), len(after))
	}

	// A good edit after the bad one is applied, and the same bad content
	// written again is reported again.
	good := strings.Replace(string(data), "name: Pad de l'estuaire", "name: Pad du port", 1)
	if err := os.WriteFile(file, []byte(good), 0o640); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(5 * time.Second)
	for {
		list, err := n.Store.OffersByHoster(ctx, hs[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, o := range list {
			found = found || o.Name == "Pad du port"
		}
		if found {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("good edit not applied; logs:\n%s", logs)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := os.WriteFile(file, []byte(bad), 0o640); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(5 * time.Second)
	for strings.Count(logs.String(), "hoster file not applied") < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("bad content written again was not reported; logs:\n%s", logs)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestServerDropsSlowAndIdleClients: a client that announces a body and
// never sends it, or keeps an idle connection, is cut off.
func TestServerDropsSlowAndIdleClients(t *testing.T) {
	old := [3]time.Duration{readTimeout, writeTimeout, idleTimeout}
	readTimeout, writeTimeout, idleTimeout = 300*time.Millisecond, time.Second, 300*time.Millisecond
	t.Cleanup(func() { readTimeout, writeTimeout, idleTimeout = old[0], old[1], old[2] })
	n, _ := startTestNode(t, &syncBuffer{})
	host := strings.TrimPrefix(n.URL, "http://")

	closed := func(conn net.Conn) bool {
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		buf := make([]byte, 4096)
		for {
			if _, err := conn.Read(buf); err != nil {
				return !errors.Is(err, os.ErrDeadlineExceeded)
			}
		}
	}
	slow, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	io.WriteString(slow, "POST /inbox HTTP/1.1\r\nHost: "+host+"\r\nContent-Type: application/activity+json\r\nContent-Length: 100000\r\n\r\n{")
	if !closed(slow) {
		t.Error("a body that never arrives kept the connection open")
	}

	idle, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	io.WriteString(idle, "GET /healthz HTTP/1.1\r\nHost: "+host+"\r\n\r\n")
	if !closed(idle) {
		t.Error("an idle keep-alive connection was never closed")
	}
}

// The username is the actor's id: an edit that changes it is refused and
// the node keeps serving the same actor.
func TestNodeRefusesUsernameChange(t *testing.T) {
	n, file := startTestNode(t, &syncBuffer{})
	if n.Username != "chaton-nazairien" || !strings.HasPrefix(n.Acct(), "chaton-nazairien@127.0.0.1:") {
		t.Fatalf("acct %q", n.Acct())
	}
	data, _ := os.ReadFile(file)
	os.WriteFile(file, []byte(strings.Replace(string(data), "username: chaton-nazairien", "username: autre-nom", 1)), 0o640)
	err := n.reconcile(context.Background(), true)
	var ce *ConfigError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "changing the username needs a restart") {
		t.Fatalf("err = %v", err)
	}
	hs, err := n.Store.LocalHosters(context.Background())
	if err != nil || len(hs) != 1 || hs[0].Username != "chaton-nazairien" || n.Username != "chaton-nazairien" {
		t.Errorf("after a username edit: node %q, local hosters %v, %v", n.Username, hs, err)
	}
}
