package catalog

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"codeberg.org/portee/portee/migrations"
	"github.com/jmoiron/sqlx"
)

// migrationLockKey serialises concurrent Migrate calls of several processes
// on one PostgreSQL database.
const migrationLockKey = 0x706f7274656d // "portem"

type migration struct {
	version int
	name    string
	sql     string
}

// knownMigrations lists the embedded files of engine in version order.
func knownMigrations(engine string) ([]migration, error) {
	entries, err := fs.ReadDir(migrations.FS, engine)
	if err != nil {
		return nil, err
	}
	var out []migration
	seen := map[int]string{}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration file %s/%s: name must be NNNN_name.sql", engine, name)
		}
		if other, dup := seen[v]; dup {
			return nil, fmt.Errorf("migration files %s and %s share version %d", other, name, v)
		}
		seen[v] = name
		body, err := fs.ReadFile(migrations.FS, path.Join(engine, name))
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: strings.TrimSuffix(name, ".sql"), sql: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// Migrate applies the embedded migrations the database has not seen yet,
// each in its own transaction together with its schema_migrations row, and
// returns the versions applied. It never goes backwards: a database carrying
// a version this binary does not know is refused, because an older binary
// writing to a newer schema could lose data.
func (s *Store) Migrate(ctx context.Context) (applied []int, err error) {
	known, err := knownMigrations(s.engine)
	if err != nil {
		return nil, fmt.Errorf("catalog: migrate: %w", err)
	}
	ts := "TIMESTAMP"
	if s.engine == EnginePostgres {
		ts = "TIMESTAMPTZ"
	}
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at `+ts+` NOT NULL)`); err != nil {
		return nil, fmt.Errorf("catalog: migrate: create schema_migrations: %w", err)
	}
	latest := 0
	if len(known) > 0 {
		latest = known[len(known)-1].version
	}
	var current int
	if err := s.db.GetContext(ctx, &current, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`); err != nil {
		return nil, fmt.Errorf("catalog: migrate: read version: %w", err)
	}
	if current > latest {
		return nil, fmt.Errorf("catalog: migrate: database schema is at version %d but this binary knows only up to %d: upgrade Portée", current, latest)
	}
	for _, m := range known {
		if m.version <= current {
			continue
		}
		did, err := s.applyMigration(ctx, m)
		if err != nil {
			return applied, fmt.Errorf("catalog: migrate %s/%s.sql: %w", s.engine, m.name, err)
		}
		if did {
			applied = append(applied, m.version)
		}
	}
	return applied, nil
}

// applyMigration runs one file unless another process applied it meanwhile
// (checked inside the transaction, under the lock).
func (s *Store) applyMigration(ctx context.Context, m migration) (bool, error) {
	did := false
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		if s.engine == EnginePostgres {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLockKey); err != nil {
				return err
			}
		}
		var n int
		if err := tx.GetContext(ctx, &n, s.db.Rebind(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`), m.version); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`),
			m.version, m.name, dbTime(s.now())); err != nil {
			return err
		}
		did = true
		return nil
	})
	return did, err
}
