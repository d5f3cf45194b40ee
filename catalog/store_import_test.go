package catalog_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/migrations"
)

// TestMigration0008OnOldShape: a catalog in the shape before migration 0008
// (versions 1 and 2, a node's hoster stored) keeps its hoster, marked as a
// Portée node, and gets the import reports.
func TestMigration0008OnOldShape(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "old.db")
	raw, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMP NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"0001_catalog", "0002_federation"} {
		b, err := migrations.FS.ReadFile("sqlite/" + name + ".sql")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := raw.Exec(string(b)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := raw.Exec(`INSERT INTO schema_migrations VALUES (?, ?, ?)`, i+1, name, time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now().UTC()
	if _, err := raw.Exec(`INSERT INTO hosters (actor_id, username, domain, name, updated_at, created_at, modified_at)
		VALUES ('https://old.example/hosters/ancien', 'ancien', 'old.example', 'Ancien', ?, ?, ?)`, now, now, now); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	ctx := context.Background()
	s, err := catalog.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	h, err := s.HosterByActor(ctx, "https://old.example/hosters/ancien")
	if err != nil || h.Source != catalog.SourcePortee || h.Name != "Ancien" {
		t.Fatalf("hoster after 0008: %+v %v", h, err)
	}
	r := &catalog.ImportReport{Kind: catalog.SourceChatonsInfos, SourceURL: "https://x.example/f.properties", StartedAt: now, FinishedAt: now,
		Problems: catalog.ImportProblems{{Source: "https://x.example/f.properties", Line: 3, Key: "a.b", Reason: "why"}}}
	for range 3 {
		if err := s.SaveImportReport(ctx, r, 2); err != nil {
			t.Fatal(err)
		}
	}
	reps, err := s.ImportReports(ctx, 10)
	if err != nil || len(reps) != 2 || reps[0].Problems[0].Line != 3 {
		t.Fatalf("reports kept: %+v %v", reps, err)
	}
}
