package main

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
)

// prepareDataDir creates the data directory for its owner only and warns
// when it, or the SQLite catalog in it, can be read by other users: the
// catalog holds the actors' private keys. A directory created by someone
// else (a Dockerfile, a package) is left as it is, but said. holdsKeys is
// false when the catalog lives in PostgreSQL.
func prepareDataDir(dir string, holdsKeys bool, log *slog.Logger) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("data directory %s: %w", dir, err)
	}
	if !holdsKeys {
		return nil
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("data directory %s: %w", dir, err)
	}
	if fi.Mode().Perm()&0o007 != 0 {
		log.Warn("the data directory is readable by other users; it holds the private keys (chmod o-rwx)",
			"dir", dir, "mode", fmt.Sprintf("%04o", fi.Mode().Perm()))
	}
	db := filepath.Join(dir, "portee.db")
	if fi, err := os.Stat(db); err == nil && fi.Mode().Perm()&0o077 != 0 {
		log.Warn("the catalog file is readable by other users; it holds the private keys (chmod 600)",
			"file", db, "mode", fmt.Sprintf("%04o", fi.Mode().Perm()))
	}
	return nil
}
