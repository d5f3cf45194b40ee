package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDataFilesArePrivate: the SQLite catalog (it holds the private keys)
// is created 0600 with its -wal and -shm files, a new data directory 0700,
// and a data directory others can read is reported.
func TestDataFilesArePrivate(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	fresh := filepath.Join(t.TempDir(), "new-data")
	code, _, stderr := runCmd(t, "migrate", "--data", fresh)
	if code != 0 {
		t.Fatalf("migrate: exit %d, stderr %q", code, stderr)
	}
	if strings.Contains(stderr, "readable by other users") {
		t.Errorf("a directory we created is reported: %q", stderr)
	}
	if fi, err := os.Stat(fresh); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("new data directory: %v %v, want 0700", fi.Mode().Perm(), err)
	}
	for _, name := range []string{"portee.db", "portee.db-wal", "portee.db-shm"} {
		fi, err := os.Stat(filepath.Join(fresh, name))
		if os.IsNotExist(err) && name != "portee.db" {
			continue // checkpointed away on close
		}
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s is %04o, want 0600", name, fi.Mode().Perm())
		}
	}

	shared := t.TempDir()
	if err := os.Chmod(shared, 0o755); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runCmd(t, "migrate", "--data", shared)
	if code != 0 {
		t.Fatalf("migrate: exit %d, stderr %q", code, stderr)
	}
	if !strings.Contains(stderr, "data directory is readable by other users") || !strings.Contains(stderr, shared) {
		t.Errorf("no warning about %s (0755): stderr %q", shared, stderr)
	}
}
