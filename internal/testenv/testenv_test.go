package testenv

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder stands in for testing.TB to observe whether a helper skips or
// fails; both end the calling goroutine like the real methods do.
type recorder struct {
	testing.TB
	mu      sync.Mutex
	skipped string
	fatal   string
}

func (r *recorder) Helper() {}

func (r *recorder) Skip(args ...any) {
	r.mu.Lock()
	r.skipped = fmt.Sprint(args...)
	r.mu.Unlock()
	runtime.Goexit()
}

func (r *recorder) Fatal(args ...any) {
	r.mu.Lock()
	r.fatal = fmt.Sprint(args...)
	r.mu.Unlock()
	runtime.Goexit()
}

func (r *recorder) Fatalf(format string, args ...any) { r.Fatal(fmt.Sprintf(format, args...)) }

func (r *recorder) Cleanup(func()) {}

// run calls f with a recorder in its own goroutine, since Skip and Fatal end it.
func run(t *testing.T, f func(testing.TB)) *recorder {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
	return r
}

func TestUnsetVariableSkipsOrFails(t *testing.T) {
	helpers := []struct {
		name, variable, service string
		call                    func(testing.TB)
	}{
		{"PostgresURL", EnvDatabaseURL, "PostgreSQL", func(tb testing.TB) { PostgresURL(tb) }},
		{"Meili", EnvMeiliURL, "Meilisearch", func(tb testing.TB) { Meili(tb) }},
		{"Chromium", EnvChromium, "Chromium", func(tb testing.TB) { Chromium(tb) }},
	}
	for _, h := range helpers {
		t.Run(h.name, func(t *testing.T) {
			t.Setenv(h.variable, "")
			want := h.service + " not configured: set " + h.variable + " or run `make test`"

			t.Setenv(EnvRequireServices, "")
			r := run(t, h.call)
			if r.skipped != want || r.fatal != "" {
				t.Errorf("optional: skipped=%q fatal=%q, want skip %q", r.skipped, r.fatal, want)
			}

			t.Setenv(EnvRequireServices, "1")
			r = run(t, h.call)
			if r.fatal != want || r.skipped != "" {
				t.Errorf("required: skipped=%q fatal=%q, want fatal %q", r.skipped, r.fatal, want)
			}
		})
	}
}

func TestUnreachablePostgresFails(t *testing.T) {
	// Port 1 on loopback is never a PostgreSQL server.
	t.Setenv(EnvDatabaseURL, "postgres://u:secretpw@127.0.0.1:1/postgres?sslmode=disable&connect_timeout=2")
	t.Setenv(EnvRequireServices, "")
	r := run(t, func(tb testing.TB) { PostgresURL(tb) })
	if r.skipped != "" || !strings.Contains(r.fatal, "unreachable") {
		t.Fatalf("skipped=%q fatal=%q, want an 'unreachable' failure", r.skipped, r.fatal)
	}
	if strings.Contains(r.fatal, "secretpw") {
		t.Errorf("failure message leaks the password: %q", r.fatal)
	}
}

func TestWithDatabase(t *testing.T) {
	cases := []struct{ in, want string }{
		{"postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "postgres://postgres@127.0.0.1:5432/x?sslmode=disable"},
		{"postgresql://u:p@h/", "postgresql://u:p@h/x"},
		{"host=/tmp port=5 dbname=postgres", "host=/tmp port=5 dbname=postgres dbname=x"},
	}
	for _, c := range cases {
		got, err := withDatabase(c.in, "x")
		if err != nil || got != c.want {
			t.Errorf("withDatabase(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

func TestRedact(t *testing.T) {
	for _, dsn := range []string{
		"postgres://user:hunter2@h:5432/db",
		"host=h user=u password=hunter2 dbname=d",
		"host=h password='hun ter2' dbname=d",
	} {
		got := redact(dsn)
		if strings.Contains(got, "hunter2") || strings.Contains(got, "ter2") {
			t.Errorf("redact(%q) = %q still holds the password", dsn, got)
		}
	}
}

func TestUniqueName(t *testing.T) {
	a, b := UniqueName("p_"), UniqueName("p_")
	if a == b || !strings.HasPrefix(a, "p_") || len(a) != len("p_")+16 {
		t.Fatalf("UniqueName gave %q and %q", a, b)
	}
}

func TestPostgres(t *testing.T) {
	base := os.Getenv(EnvDatabaseURL)
	var dsn string
	t.Run("fresh", func(t *testing.T) {
		dsn = PostgresURL(t)
		db, err := sql.Open("postgres", dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var tables int
		if err := db.QueryRow(`SELECT count(*) FROM pg_tables WHERE schemaname = 'public'`).Scan(&tables); err != nil {
			t.Fatal(err)
		}
		if tables != 0 {
			t.Errorf("new database has %d tables, want 0", tables)
		}
		if _, err := db.Exec(`CREATE TABLE t (id int)`); err != nil {
			t.Fatal(err)
		}
		if other := PostgresURL(t); other == dsn {
			t.Errorf("two calls returned the same database %s", dsn)
		}
	})
	if dsn == "" {
		return
	}
	// Cleanup of the subtest has run: its database must be gone.
	admin, err := sql.Open("postgres", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	name := dsn[strings.LastIndex(dsn, "/")+1:]
	name, _, _ = strings.Cut(name, "?")
	var n int
	if err := admin.QueryRow(`SELECT count(*) FROM pg_database WHERE datname = $1`, name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("database %s still exists after cleanup", name)
	}
}

func TestMeili(t *testing.T) {
	u, key := Meili(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// /keys needs the master key: this proves the key matches the server.
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u+"/keys", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /keys with the master key: %s", resp.Status)
	}
}

func TestChromium(t *testing.T) {
	path := Chromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, "--version").CombinedOutput()
	if err != nil {
		t.Fatalf("%s --version: %v\n%s", path, err, out)
	}
	if !strings.Contains(string(out), "Chrom") {
		t.Errorf("%s --version printed %q, want a Chromium version", path, out)
	}
}

// FuzzWithDatabase checks that any DSN in the variable either is rejected or
// comes back pointing at the requested database, never with a panic.
func FuzzWithDatabase(f *testing.F) {
	for _, seed := range []string{
		"postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable",
		"postgresql://u:p%40ss@[::1]:5/db",
		"host=/tmp port=5432 user=postgres",
		"postgres://%zz",
		"",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, dsn string) {
		got, err := withDatabase(dsn, "portee_test_x")
		if err != nil {
			// The DSN may hold a password: errors must not repeat it.
			if len(dsn) > 12 && strings.Contains(err.Error(), dsn) {
				t.Errorf("error %q repeats the raw DSN", err)
			}
			return
		}
		if !strings.Contains(got, "portee_test_x") {
			t.Errorf("withDatabase(%q) = %q, lacks the database name", dsn, got)
		}
		_ = redact(got)
	})
}
