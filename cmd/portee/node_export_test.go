package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/internal/app"
)

// `portee node export` writes, from the database alone, a hoster file that
// reads back to what the node serves.
func TestNodeExportRoundTrips(t *testing.T) {
	dir := t.TempDir()
	src, err := os.ReadFile("../../internal/demo/hosters/1-chaton-nazairien.yaml")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "hoster.yaml")
	if err := os.WriteFile(file, src, 0o640); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	n, err := app.StartNode(ctx, app.NodeOptions{Listen: "127.0.0.1:0", DSN: filepath.Join(dir, "portee.db"), HosterFile: file,
		NoSetupLink: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	n.Close()
	code, out, stderr := runCmd(t, "node", "export", "--data", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.HasPrefix(out, "# Fichier hébergeur Portée") {
		t.Errorf("no head comment:\n%s", out)
	}
	parse := func(data []byte) *catalog.Loaded {
		l, err := catalog.ParseHosterFile("hoster.yaml", data, app.ResolveLocation, nil)
		if err != nil {
			t.Fatalf("%v\n%s", err, data)
		}
		return l
	}
	want, got := parse(src), parse([]byte(out))
	byKey := func(os []catalog.Offer) map[string]catalog.Offer {
		m := map[string]catalog.Offer{}
		for _, o := range os {
			m[o.Key] = o
		}
		return m
	}
	if !reflect.DeepEqual(want.Hoster, got.Hoster) || !reflect.DeepEqual(byKey(want.Offers), byKey(got.Offers)) ||
		!reflect.DeepEqual(want.Declaration, got.Declaration) {
		t.Errorf("export differs from the file it came from:\n%s", out)
	}
	if code, _, _ := runCmd(t, "node", "export", "--data", filepath.Join(dir, "nope")); code != 2 {
		t.Errorf("export of a missing data dir: exit %d, want 2", code)
	}
}
