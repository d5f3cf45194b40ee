package demo

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestStartFailureFreesPorts: when a node after the first cannot start (its
// hoster file is invalid), Start fails and leaves no port bound, the
// directory's included, so that a corrected demo can start on it again.
func TestStartFailureFreesPorts(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "nodes", "erdre-libre", "hoster.yaml")
	if err := os.MkdirAll(filepath.Dir(bad), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("username: erdre-libre\nname: [\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	// The demo takes consecutive ports; another test's server may hold one
	// of them, so try ranges until the start fails for the reason under
	// test: the invalid hoster file.
	for attempt := 0; attempt < 10; attempt++ {
		probe, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := probe.Addr().(*net.TCPAddr).Port
		probe.Close()
		if port > 65000 {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		addr := "127.0.0.1:" + strconv.Itoa(port)
		d, err := Start(ctx, Options{Listen: addr, DataDir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		cancel()
		if err == nil {
			d.Close()
			t.Fatal("demo started with an invalid hoster file")
		}
		if !strings.Contains(err.Error(), "hoster.yaml") {
			continue // a port of the range was taken: try another range
		}
		for i := 0; i < 3; i++ {
			a := "127.0.0.1:" + strconv.Itoa(port+i)
			ln, err := net.Listen("tcp", a)
			if err != nil {
				t.Errorf("after a failed start, %s is still bound: %v", a, err)
				continue
			}
			ln.Close()
		}
		return
	}
	t.Fatal("no range of free ports found in 10 attempts")
}
