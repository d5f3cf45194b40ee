package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Engine names returned by Store.Engine.
const (
	EngineSQLite   = "sqlite"
	EnginePostgres = "postgres"
)

// feedLockKey is the PostgreSQL advisory lock a writer holds from appending a
// change row until it commits. Without it two transactions could commit their
// bigserial values out of order and a consumer that already moved its cursor
// past the later one would never see the earlier one.
const feedLockKey = 0x706f72746565 // "portee"

// sqlitePragmas: WAL so readers never block the writer, foreign keys on, a
// busy timeout for writers in other processes, BEGIN IMMEDIATE so a write
// transaction takes the write lock up front instead of failing on upgrade,
// and UTC times in a format the driver parses back and that sorts as text.
const sqlitePragmas = "_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate&_time_format=sqlite&_timezone=UTC"

// Store keeps the catalog on SQLite or PostgreSQL. It is safe for concurrent
// use by several goroutines.
type Store struct {
	db     *sqlx.DB
	engine string
	now    func() time.Time

	// writeMu serialises this process's write transactions on SQLite, where
	// only one writer can hold the database anyway: waiting on a channel is
	// cheaper and fairer than SQLite's busy-retry loop, and it honours ctx.
	// It is nil on PostgreSQL.
	writeMu chan struct{}

	subMu sync.Mutex
	subs  map[*subscriber]struct{}
}

type subscriber struct{ ch chan struct{} }

// Open opens the catalog named by dsn and applies pending migrations.
// "postgres://…", "postgresql://…" and lib/pq key=value strings select
// PostgreSQL; anything else is a SQLite file path, optionally prefixed
// "sqlite:" or written as a "file:" URI, created with its directory if
// missing.
func Open(ctx context.Context, dsn string) (*Store, error) {
	if strings.TrimSpace(dsn) == "" {
		return nil, errors.New("catalog: open: empty database address")
	}
	var s *Store
	switch {
	case isPostgresDSN(dsn):
		if strings.Contains(dsn, "://") {
			// lib/pq would report a URL that does not parse with the whole
			// URL in the message, password included.
			if _, err := url.Parse(dsn); err != nil {
				return nil, errors.New("catalog: open postgres: the database URL does not parse (percent-encode special characters in the user name and password)")
			}
		}
		db, err := sqlx.Open("postgres", postgresDSN(dsn))
		if err != nil {
			return nil, fmt.Errorf("catalog: open postgres: %w", err)
		}
		db.SetMaxOpenConns(20)
		db.SetMaxIdleConns(20)
		db.SetConnMaxIdleTime(5 * time.Minute)
		s = &Store{db: db, engine: EnginePostgres}
	default:
		path := strings.TrimPrefix(dsn, "sqlite:")
		name := path
		if !strings.HasPrefix(path, "file:") {
			if err := createPrivate(path); err != nil {
				return nil, fmt.Errorf("catalog: open sqlite: %w", err)
			}
		}
		sep := "?"
		if strings.Contains(name, "?") {
			sep = "&"
		}
		db, err := sqlx.Open("sqlite", name+sep+sqlitePragmas)
		if err != nil {
			return nil, fmt.Errorf("catalog: open sqlite %s: %w", path, err)
		}
		db.SetMaxOpenConns(8)
		db.SetMaxIdleConns(8)
		s = &Store{db: db, engine: EngineSQLite, writeMu: make(chan struct{}, 1)}
	}
	s.now = time.Now
	s.subs = map[*subscriber]struct{}{}
	if err := s.Ping(ctx); err != nil {
		s.db.Close()
		return nil, err
	}
	if _, err := s.Migrate(ctx); err != nil {
		s.db.Close()
		return nil, err
	}
	return s, nil
}

// createPrivate creates the SQLite file (and its directory) readable by its
// owner only before SQLite opens it: the catalog holds the actors' private
// keys, and SQLite gives its -wal and -shm files the mode of the database
// file. An existing file keeps its mode (the operator chose it).
func createPrivate(path string) error {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return f.Close()
}

// isPostgresDSN recognises a PostgreSQL URL, or lib/pq's key=value form
// ("host=db dbname=portee"), which is never a sensible SQLite file name.
func isPostgresDSN(dsn string) bool {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return true
	}
	return strings.Contains(dsn, "=") && strings.Contains(dsn, " ") &&
		(strings.Contains(dsn, "dbname=") || strings.Contains(dsn, "host="))
}

// postgresDSN turns on lib/pq's binary_parameters unless the operator chose
// otherwise: parameters then travel with the query in one round trip instead
// of a prepare round trip first, which makes ingest about a quarter faster.
func postgresDSN(dsn string) string {
	if !strings.Contains(dsn, "://") {
		if strings.Contains(dsn, "binary_parameters=") {
			return dsn
		}
		return dsn + " binary_parameters=yes"
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn // lib/pq reports the error without echoing the password
	}
	q := u.Query()
	if q.Get("binary_parameters") == "" {
		q.Set("binary_parameters", "yes")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// Engine is "sqlite" or "postgres".
func (s *Store) Engine() string { return s.engine }

// DB gives other packages access to their own tables in the same database.
// Queries must be written with ? and passed through DB().Rebind.
func (s *Store) DB() *sqlx.DB { return s.db }

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("catalog: ping %s: %w", s.engine, err)
	}
	return nil
}

// PingWrite checks that the database accepts writes (a full disk aside):
// a read-only file, a read-only PostgreSQL transaction mode or a standby
// answer Ping but refuse every write. It runs an UPDATE that matches no
// row in a transaction it rolls back, so it changes nothing.
func (s *Store) PingWrite(ctx context.Context) error {
	release, err := s.lockWrite(ctx)
	if err != nil {
		return fmt.Errorf("catalog: write check: %w", err)
	}
	defer release()
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("catalog: write check %s: %w", s.engine, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `UPDATE schema_migrations SET name = name WHERE version < 0`); err != nil {
		return fmt.Errorf("catalog: write check %s: %w", s.engine, err)
	}
	return nil
}

// InTx runs fn in a write transaction, committed when fn returns nil. On
// SQLite it takes the same in-process write turn as the Store's own writes,
// so fn must not call Store write methods (it would wait for itself).
func (s *Store) InTx(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	release, err := s.lockWrite(ctx)
	if err != nil {
		return fmt.Errorf("catalog: %w", err)
	}
	defer release()
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("catalog: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("catalog: commit: %w", err)
	}
	return nil
}

// Subscribe returns a channel that receives a value (buffered 1, never
// blocking the writer) after each committed write that appended a change,
// so in-process consumers wake at once. cancel stops the subscription.
// Consumers should still poll now and then for writes of other processes.
func (s *Store) Subscribe() (ch <-chan struct{}, cancel func()) {
	sub := &subscriber{ch: make(chan struct{}, 1)}
	s.subMu.Lock()
	s.subs[sub] = struct{}{}
	s.subMu.Unlock()
	var once sync.Once
	return sub.ch, func() {
		once.Do(func() {
			s.subMu.Lock()
			delete(s.subs, sub)
			s.subMu.Unlock()
		})
	}
}

func (s *Store) notify() {
	s.subMu.Lock()
	defer s.subMu.Unlock()
	for sub := range s.subs {
		select {
		case sub.ch <- struct{}{}:
		default:
		}
	}
}

func (s *Store) lockWrite(ctx context.Context) (release func(), err error) {
	if s.writeMu == nil {
		return func() {}, nil
	}
	select {
	case s.writeMu <- struct{}{}:
		return func() { <-s.writeMu }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for the write turn: %w", ctx.Err())
	}
}

// write runs fn in one transaction after recording meta.ActivityID, so a
// redelivered activity fails with ErrAlreadyApplied and changes nothing.
// fn reports whether it appended a change row; subscribers are woken after
// the commit. On PostgreSQL, a unique violation from two transactions
// inserting the same new row, a serialisation failure or a deadlock is
// retried: the second attempt sees the first one's row.
func (s *Store) write(ctx context.Context, meta WriteMeta, fn func(tx *sqlx.Tx) (changed bool, err error)) error {
	const attempts = 4
	var err error
	for i := 0; i < attempts; i++ {
		var changed bool
		changed, err = s.writeOnce(ctx, meta, fn)
		if err == nil {
			if changed {
				s.notify()
			}
			return nil
		}
		if !retryable(err) || ctx.Err() != nil {
			return err
		}
	}
	return err
}

func (s *Store) writeOnce(ctx context.Context, meta WriteMeta, fn func(tx *sqlx.Tx) (bool, error)) (bool, error) {
	release, err := s.lockWrite(ctx)
	if err != nil {
		return false, err
	}
	defer release()
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	if meta.ActivityID != "" {
		res, err := tx.ExecContext(ctx, s.db.Rebind(
			`INSERT INTO applied_activities (activity_id, actor_id, applied_at) VALUES (?, ?, ?)
			 ON CONFLICT (activity_id) DO NOTHING`),
			meta.ActivityID, meta.ActorID, dbTime(s.now()))
		if err != nil {
			return false, err
		}
		if n, err := res.RowsAffected(); err != nil {
			return false, err
		} else if n == 0 {
			return false, ErrAlreadyApplied
		}
	}
	changed, err := fn(tx)
	if err != nil {
		return false, err
	}
	if err := tx.Commit(); err != nil {
		return false, err
	}
	return changed, nil
}

func retryable(err error) bool {
	var pqErr *pq.Error
	if !errors.As(err, &pqErr) {
		return false
	}
	switch pqErr.Code {
	case "23505", "40001", "40P01": // unique_violation, serialization_failure, deadlock_detected
		return true
	}
	return false
}

// appendChange adds one row to the change feed inside tx.
func (s *Store) appendChange(ctx context.Context, tx *sqlx.Tx, c Change) error {
	q := `INSERT INTO changes (kind, op, hoster_id, entity_id, object_id, at) VALUES (?, ?, ?, ?, ?, ?)`
	args := []any{c.Kind, c.Op, c.HosterID, c.EntityID, c.ObjectID, dbTime(s.now())}
	if s.engine == EnginePostgres {
		// Lock and insert in one statement: one round trip less per write.
		// The materialised CTE runs before any row is produced, so the lock
		// is held before the row's bigserial value is drawn.
		q = `WITH feed_lock AS MATERIALIZED (SELECT pg_advisory_xact_lock(?) AS locked)
			INSERT INTO changes (kind, op, hoster_id, entity_id, object_id, at)
			SELECT ?, ?, ?, ?, ?, ? FROM feed_lock`
		args = append([]any{int64(feedLockKey)}, args...)
	}
	_, err := tx.ExecContext(ctx, s.db.Rebind(q), args...)
	if err != nil {
		return fmt.Errorf("append change: %w", err)
	}
	return nil
}

// forUpdate locks the selected row on PostgreSQL; SQLite's write transaction
// already excludes other writers.
func (s *Store) forUpdate() string {
	if s.engine == EnginePostgres {
		return " FOR UPDATE"
	}
	return ""
}

// dbTime is how every time goes into the database: UTC, to the microsecond
// (PostgreSQL's precision), so that a round trip returns an equal value on
// both engines and SQLite's text timestamps compare in time order.
func dbTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// MaxClockSkew is how far ahead of our clock a source's time (an offer's or
// an actor's "updated", a deletion time) may be. Beyond it the time is
// taken as now: an object dated 2099 would otherwise make every later
// Update and Delete stale and pin it for ever.
const MaxClockSkew = 5 * time.Minute

// notFuture clamps t to now when it lies more than MaxClockSkew ahead. It
// applies to incoming times and to stored ones alike (rows written before
// the clamp existed must not keep ordering writes).
func notFuture(t, now time.Time) time.Time {
	if t.After(now.Add(MaxClockSkew)) {
		return dbTime(now)
	}
	return t
}

func dbTimePtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := dbTime(*t)
	return &v
}

func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

// inClause returns "(?, ?, …)" for n values.
func inClause(n int) string {
	return "(" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")"
}

// limitOffset renders Limit/Offset of a filter; 0 means no limit.
func (s *Store) limitOffset(limit, offset int) string {
	if limit <= 0 && offset <= 0 {
		return ""
	}
	l := "-1"
	if s.engine == EnginePostgres {
		l = "ALL"
	}
	if limit > 0 {
		l = strconv.Itoa(limit)
	}
	return " LIMIT " + l + " OFFSET " + strconv.Itoa(max(offset, 0))
}
