package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/frontend/auth"
)

func TestUserCommands(t *testing.T) {
	dir := t.TempDir()
	withStdin := func(s string) { stdin = strings.NewReader(s) }
	t.Cleanup(func() { stdin = os.Stdin })

	withStdin("a long enough passphrase\n")
	if code, out, errs := runCmd(t, "user", "add", "--role", "auditor", "--data", dir, "Alice@Example.org"); code != 0 || !strings.Contains(out, "alice@example.org (auditor) created") {
		t.Fatalf("add: %d %q %q", code, out, errs)
	}
	withStdin("")
	code, out, _ := runCmd(t, "user", "add", "--role=admin", "--data", dir, "--base-url", "https://annuaire.example", "bob@example.org")
	if code != 0 || !strings.Contains(out, "https://annuaire.example/connexion/lien?jeton=") {
		t.Fatalf("add without password: %d %q", code, out)
	}
	withStdin("password1234\n")
	if code, _, errs := runCmd(t, "user", "passwd", "--data", dir, "alice@example.org"); code != 2 || !strings.Contains(errs, "common") {
		t.Fatalf("common password: %d %q", code, errs)
	}
	withStdin("short\n")
	if code, _, errs := runCmd(t, "user", "add", "--role", "auditor", "--data", dir, "c@example.org"); code != 2 || !strings.Contains(errs, "12") {
		t.Fatalf("short password: %d %q", code, errs)
	}
	for _, args := range [][]string{{"user", "add", "--role", "boss", "--data", dir, "d@x.org"}, {"user", "add", "--role", "admin", "--data", dir, "alice@example.org"}, {"user", "passwd", "--data", dir, "nobody@x.org"}} {
		withStdin("a long enough passphrase\n")
		if code, _, errs := runCmd(t, args...); code != 2 {
			t.Errorf("%v: %d %q, want 2", args, code, errs)
		}
	}
	withStdin("another long passphrase\n")
	if code, _, errs := runCmd(t, "user", "passwd", "--data", dir, "alice@example.org"); code != 0 {
		t.Fatalf("passwd: %d %q", code, errs)
	}
	if code, _, _ := runCmd(t, "user", "disable", "--data", dir, "bob@example.org"); code != 0 {
		t.Fatal("disable")
	}
	code, out, _ = runCmd(t, "user", "list", "--data", dir)
	if code != 0 || !strings.Contains(out, "alice@example.org  auditor  active") || !strings.Contains(out, "bob@example.org    admin    disabled") {
		t.Fatalf("list: %d\n%s", code, out)
	}
	s, err := catalog.Open(context.Background(), filepath.Join(dir, "portee.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a, err := s.AccountByEmail(context.Background(), "alice@example.org")
	if err != nil || !auth.VerifyPassword(a.PasswordHash, "another long passphrase") {
		t.Fatalf("the new password does not verify: %v", err)
	}
}
