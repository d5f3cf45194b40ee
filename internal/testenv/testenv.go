// Package testenv hands tests the real services that `make test` provisions
// (PostgreSQL, Meilisearch, Chromium). Tests skip when a service is not
// configured, or fail when PORTEE_TEST_REQUIRE_SERVICES=1 says it must be.
package testenv

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	// The driver is registered here so that callers need not import it.
	_ "github.com/lib/pq"
)

// Environment variables read by this package; scripts/testenv.sh sets them.
const (
	EnvDatabaseURL     = "PORTEE_TEST_DATABASE_URL"
	EnvMeiliURL        = "PORTEE_TEST_MEILI_URL"
	EnvMeiliKey        = "PORTEE_TEST_MEILI_KEY"
	EnvChromium        = "PORTEE_TEST_CHROMIUM"
	EnvLintian         = "PORTEE_TEST_LINTIAN"
	EnvShellcheck      = "PORTEE_TEST_SHELLCHECK"
	EnvRequireServices = "PORTEE_TEST_REQUIRE_SERVICES"
)

// connectTimeout bounds every probe so an unreachable service fails the test
// quickly instead of hanging until the global test timeout.
const connectTimeout = 10 * time.Second

// Required reports whether missing services must fail tests instead of
// skipping them (PORTEE_TEST_REQUIRE_SERVICES=1, set by `make test`).
func Required() bool {
	return os.Getenv(EnvRequireServices) == "1"
}

// notConfigured skips the test, or fails it when services are required, so
// that CI can never silently pass with integration tests skipped.
func notConfigured(t testing.TB, service, variable string) {
	t.Helper()
	msg := fmt.Sprintf("%s not configured: set %s or run `make test`", service, variable)
	if Required() {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// UniqueName returns prefix followed by a random lowercase hex suffix, usable
// as a database, index or table name that parallel tests will not share.
func UniqueName(prefix string) string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("testenv: random name: %v", err))
	}
	return prefix + hex.EncodeToString(b[:])
}

// PostgresURL returns a DSN to a fresh empty database created for this test
// (CREATE DATABASE portee_test_<random>), dropped in t.Cleanup. The server is
// the one PORTEE_TEST_DATABASE_URL points to.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvDatabaseURL)
	if base == "" {
		notConfigured(t, "PostgreSQL", EnvDatabaseURL)
	}
	name := UniqueName("portee_test_")
	dsn, err := withDatabase(base, name)
	if err != nil {
		t.Fatalf("testenv: %s: %v", EnvDatabaseURL, err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), connectTimeout)
	defer cancel()
	admin, err := sql.Open("postgres", base)
	if err != nil {
		t.Fatalf("testenv: open PostgreSQL %s: %v", redact(base), err)
	}
	defer admin.Close()
	if err := admin.PingContext(ctx); err != nil {
		t.Fatalf("testenv: PostgreSQL at %s is unreachable: %v", redact(base), err)
	}
	// The name is generated hex, so quoting it is enough to make it safe.
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE "`+name+`"`); err != nil {
		t.Fatalf("testenv: create database %s: %v", name, err)
	}
	t.Cleanup(func() { dropDatabase(t, base, name) })

	db, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Fatalf("testenv: open database %s: %v", name, err)
	}
	defer db.Close()
	if err := db.PingContext(ctx); err != nil {
		t.Fatalf("testenv: connect to new database %s: %v", name, err)
	}
	return dsn
}

// dropDatabase removes the per-test database even if the code under test left
// connections open (WITH (FORCE), PostgreSQL 13 and later).
func dropDatabase(t testing.TB, base, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), connectTimeout)
	defer cancel()
	admin, err := sql.Open("postgres", base)
	if err != nil {
		t.Errorf("testenv: drop database %s: %v", name, err)
		return
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, `DROP DATABASE IF EXISTS "`+name+`" WITH (FORCE)`); err != nil {
		t.Errorf("testenv: drop database %s: %v", name, err)
	}
}

// withDatabase points a DSN, in URL or key=value form, at database name.
func withDatabase(dsn, name string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("parse DSN: %w", withoutInput(err))
		}
		u.Path = "/" + name
		u.RawPath = ""
		return u.String(), nil
	}
	// lib/pq keeps the last value of a repeated key.
	return strings.TrimSpace(dsn) + " dbname=" + name, nil
}

var kvPassword = regexp.MustCompile(`(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)`)

// redact hides the password of a DSN so it never reaches test logs.
func redact(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.Scheme != "" {
		return u.Redacted()
	}
	return kvPassword.ReplaceAllString(dsn, "${1}xxxxx")
}

// withoutInput drops url.Parse's echo of the raw DSN, which may hold a password.
func withoutInput(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// Meili returns the URL and master key of a running Meilisearch
// (PORTEE_TEST_MEILI_URL, PORTEE_TEST_MEILI_KEY), after checking /health.
// Tests sharing it should name their indexes with UniqueName.
func Meili(t testing.TB) (meiliURL, key string) {
	t.Helper()
	meiliURL = strings.TrimRight(os.Getenv(EnvMeiliURL), "/")
	if meiliURL == "" {
		notConfigured(t, "Meilisearch", EnvMeiliURL)
	}
	key = os.Getenv(EnvMeiliKey)

	ctx, cancel := context.WithTimeout(context.Background(), connectTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, meiliURL+"/health", nil)
	if err != nil {
		t.Fatalf("testenv: %s=%q: %v", EnvMeiliURL, meiliURL, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("testenv: Meilisearch at %s is unreachable: %v", meiliURL, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("testenv: Meilisearch at %s/health answered %s", meiliURL, resp.Status)
	}
	return meiliURL, key
}

// Chromium returns the path of a Chromium binary (PORTEE_TEST_CHROMIUM),
// after checking that it is an executable file.
func Chromium(t testing.TB) string {
	t.Helper()
	path := os.Getenv(EnvChromium)
	if path == "" {
		notConfigured(t, "Chromium", EnvChromium)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("testenv: %s: %v", EnvChromium, err)
	}
	if fi.IsDir() || fi.Mode().Perm()&0o111 == 0 {
		t.Fatalf("testenv: %s=%s is not an executable file", EnvChromium, path)
	}
	return path
}

// Tool returns the path of a checking tool that `make test` installs
// (variable is EnvLintian or EnvShellcheck), after checking that it is an
// executable file.
func Tool(t testing.TB, name, variable string) string {
	t.Helper()
	path := os.Getenv(variable)
	if path == "" {
		notConfigured(t, name, variable)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("testenv: %s: %v", variable, err)
	}
	if fi.IsDir() || fi.Mode().Perm()&0o111 == 0 {
		t.Fatalf("testenv: %s=%s is not an executable file", variable, path)
	}
	return path
}
