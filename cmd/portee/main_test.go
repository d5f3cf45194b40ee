package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestInvalidConfigExits2NamingTheSetting(t *testing.T) {
	cases := []struct {
		env  map[string]string
		args []string
		want string
	}{
		{args: []string{"directory", "--listen", "nowhere"}, want: "PORTEE_LISTEN (--listen): \"nowhere\" is not host:port"},
		{env: map[string]string{"PORTEE_LISTEN": "127.0.0.1:99999"}, args: []string{"directory"}, want: "PORTEE_LISTEN (--listen)"},
		{env: map[string]string{"DATABASE_URL": "mysql://u:secret@h/db"}, args: []string{"directory"}, want: "DATABASE_URL (--database-url)"},
		{env: map[string]string{"DATABASE_URL": "mysql://u:secret%zz@h/db"}, args: []string{"directory"}, want: "DATABASE_URL (--database-url)"},
		{env: map[string]string{"DATABASE_URL": "postgres://u:secret%zz@h/db"}, args: []string{"directory"}, want: "DATABASE_URL (--database-url)"},
		{args: []string{"directory", "--meili-url", "ftp://x"}, want: "MEILI_URL (--meili-url)"},
		{env: map[string]string{"PORTEE_ALLOW_PRIVATE_NETWORKS": "perhaps"}, args: []string{"node"}, want: "PORTEE_ALLOW_PRIVATE_NETWORKS"},
		{args: []string{"directory", "--refresh", "soon"}, want: "PORTEE_REFRESH_INTERVAL (--refresh)"},
		{args: []string{"directory", "--follow", "not-an-acct"}, want: "PORTEE_FOLLOW (--follow): \"not-an-acct\""},
		{args: []string{"directory", "--base-url", "http://x.org/sub/path"}, want: "PORTEE_BASE_URL (--base-url)"},
		{args: []string{"directory", "--log-level", "loud"}, want: "PORTEE_LOG_LEVEL (--log-level)"},
		{args: []string{"directory", "--observatory-browser", "/no/such/chromium"}, want: "PORTEE_OBSERVATORY_BROWSER (--observatory-browser): \"/no/such/chromium\" is not an executable file"},
		{args: []string{"demo", "--observatory-browser", "/etc"}, want: "PORTEE_OBSERVATORY_BROWSER (--observatory-browser)"},
		{args: []string{"directory", "--observatory-interval", "30s"}, want: "PORTEE_OBSERVATORY_INTERVAL (--observatory-interval)"},
		{args: []string{"frobnicate"}, want: "unknown command"},
		{args: []string{"node", "--no-such-flag"}, want: "no-such-flag"},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			code, _, stderr := runCmd(t, c.args...)
			if code != 2 {
				t.Errorf("exit %d, want 2 (stderr %q)", code, stderr)
			}
			if !strings.Contains(stderr, c.want) {
				t.Errorf("stderr %q does not name %q", stderr, c.want)
			}
			if strings.Contains(stderr, "secret") {
				t.Errorf("stderr leaks a password: %q", stderr)
			}
		})
	}
}

func TestFollowFileErrorNamesLine(t *testing.T) {
	f := filepath.Join(t.TempDir(), "follow.txt")
	os.WriteFile(f, []byte("# nodes\nchaton@example.org\n\nbroken entry\n"), 0o600)
	code, _, stderr := runCmd(t, "directory", "--follow-file", f)
	if code != 2 || !strings.Contains(stderr, f+":4:") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}

func TestInvalidHosterFileExits2WithLocation(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "hoster.yaml")
	os.WriteFile(f, []byte("username: chaton\nname: Chaton\npostal_code: \"44600\"\noffers:\n  - key: pad\n    name: Pad\n    category: pad\n    software: {name: Etherpad}\n    registration: freee\n    url: https://pad.example.org\n"), 0o600)
	code, _, stderr := runCmd(t, "node", "--hoster-file", f, "--data", dir, "--listen", "127.0.0.1:0")
	if code != 2 {
		t.Fatalf("exit %d, want 2; stderr %q", code, stderr)
	}
	want := f + `:9: offers[0].registration: "freee" is not one of`
	if !strings.Contains(stderr, want) {
		t.Errorf("stderr %q does not contain %q", stderr, want)
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := runCmd(t, "version")
	if code != 0 || !strings.HasPrefix(out, "portee ") {
		t.Fatalf("exit %d, out %q", code, out)
	}
}

// TestAllowPrivateNetworksAloneKeepsNextFlag: the boolean flag given
// without a value means true and does not swallow the flag after it.
func TestAllowPrivateNetworksAloneKeepsNextFlag(t *testing.T) {
	t.Setenv("PORTEE_ALLOW_PRIVATE_NETWORKS", "")
	var errb bytes.Buffer
	c, rest, err := parseConfig("directory", []string{"--allow-private-networks", "--listen", "127.0.0.1:9120"}, &errb)
	if err != nil {
		t.Fatalf("parse: %v (%s)", err, errb.String())
	}
	if !c.AllowPrivate || c.Listen != "127.0.0.1:9120" || len(rest) != 0 {
		t.Errorf("AllowPrivate %v, Listen %q, rest %q; want true, 127.0.0.1:9120, none", c.AllowPrivate, c.Listen, rest)
	}
	for arg, want := range map[string]bool{"--allow-private-networks=false": false, "--allow-private-networks=true": true} {
		c, _, err := parseConfig("directory", []string{arg}, &errb)
		if err != nil || c.AllowPrivate != want {
			t.Errorf("%s: AllowPrivate %v, err %v; want %v", arg, c != nil && c.AllowPrivate, err, want)
		}
	}
	if _, _, err := parseConfig("directory", []string{"--allow-private-networks=perhaps"}, &errb); err == nil {
		t.Error("--allow-private-networks=perhaps accepted")
	}
}
