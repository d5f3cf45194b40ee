package deploytest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"codeberg.org/portee/portee/internal/testenv"
)

// release is one run of scripts/release.sh for amd64, shared by the tests of
// this file (a build takes a while on a small machine).
type release struct {
	dir     string
	version string
	sums    []byte
}

var (
	releaseOnce sync.Once
	firstBuild  release
	releaseErr  error
)

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// runRelease runs the release script into dir with a fixed version, so that
// the result does not depend on the work tree being clean.
func runRelease(root, dir string) (release, error) {
	cmd := exec.Command("bash", filepath.Join(root, "scripts/release.sh"))
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "ARCHES=amd64", "DIST="+dir, "VERSION=1.2.3-4-gabcdef",
		"SOURCE_DATE_EPOCH=1764633600")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return release{}, fmt.Errorf("scripts/release.sh: %v\n%s", err, out.String())
	}
	sums, err := os.ReadFile(filepath.Join(dir, "SHA256SUMS"))
	if err != nil {
		return release{}, err
	}
	return release{dir: dir, version: "1.2.3-4-gabcdef", sums: sums}, nil
}

// builtRelease builds the release once per test binary, in a directory that
// outlives the first test using it.
func builtRelease(t *testing.T) release {
	t.Helper()
	if !testenv.Required() && os.Getenv("PORTEE_TEST_RELEASE") == "" {
		t.Skip("building the release takes minutes: run `make test` (or set PORTEE_TEST_RELEASE=1)")
	}
	releaseOnce.Do(func() {
		dir, err := os.MkdirTemp("", "portee-release-")
		if err != nil {
			releaseErr = err
			return
		}
		firstBuild, releaseErr = runRelease(repoRoot(t), dir)
	})
	if releaseErr != nil {
		t.Fatal(releaseErr)
	}
	return firstBuild
}

func TestMain(m *testing.M) {
	code := m.Run()
	if firstBuild.dir != "" {
		os.RemoveAll(firstBuild.dir)
	}
	os.Exit(code)
}

// TestReleaseIsReproducible builds the release twice: the two builds must
// give the same bytes, listed under the names the README promises.
func TestReleaseIsReproducible(t *testing.T) {
	first := builtRelease(t)
	second, err := runRelease(repoRoot(t), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first.sums, second.sums) {
		t.Fatalf("two builds differ:\n%s\n---\n%s", first.sums, second.sums)
	}
	for _, name := range []string{"portee-1.2.3-4-gabcdef-linux-amd64", "portee_1.2.3-4-gabcdef_amd64.deb"} {
		if !bytes.Contains(first.sums, []byte("  "+name+"\n")) {
			t.Errorf("SHA256SUMS lacks %s:\n%s", name, first.sums)
		}
	}
	out, err := exec.Command(filepath.Join(first.dir, "portee-1.2.3-4-gabcdef-linux-amd64"), "version").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "portee 1.2.3-4-gabcdef" {
		t.Fatalf("portee version = %q, %v; want the release version", out, err)
	}
}

// TestDebianPackageLintian runs Debian's own package checker: no error and
// no warning (the overrides shipped in the package say why each exception
// is one).
func TestDebianPackageLintian(t *testing.T) {
	lintian := testenv.Tool(t, "lintian", testenv.EnvLintian)
	rel := builtRelease(t)
	deb := filepath.Join(rel.dir, "portee_"+rel.version+"_amd64.deb")
	out, err := exec.Command(lintian, "--fail-on", "error,warning", "--pedantic", deb).CombinedOutput()
	var problems []string
	for _, line := range strings.Split(string(out), "\n") {
		if len(line) > 2 && strings.Contains("EWIP", line[:1]) && line[1] == ':' {
			problems = append(problems, line)
		}
	}
	if err != nil || len(problems) > 0 {
		t.Fatalf("lintian %s: %v\n%s", filepath.Base(deb), err, strings.Join(problems, "\n"))
	}
}

// TestDebianPackageInstallRemovePurge installs the package with dpkg into a
// throwaway root, then removes it (the data stays) and purges it (the data
// goes): the maintainer scripts must never destroy data on a plain removal.
func TestDebianPackageInstallRemovePurge(t *testing.T) {
	rel := builtRelease(t)
	if _, err := exec.LookPath("dpkg"); err != nil {
		t.Fatal("dpkg not found: the package test needs a Debian machine")
	}
	deb := filepath.Join(rel.dir, "portee_"+rel.version+"_amd64.deb")
	root := t.TempDir()
	for _, d := range []string{"var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"var/lib/dpkg/status", "var/lib/dpkg/available"} {
		if err := os.WriteFile(filepath.Join(root, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dpkg := func(args ...string) {
		t.Helper()
		all := append([]string{"--root=" + root, "--log=" + filepath.Join(root, "dpkg.log"),
			"--force-script-chrootless", "--force-not-root", "--force-unsafe-io"}, args...)
		out, err := exec.Command("dpkg", all...).CombinedOutput()
		if err != nil {
			t.Fatalf("dpkg %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	exists := func(rel string) bool {
		_, err := os.Lstat(filepath.Join(root, rel))
		return err == nil
	}

	dpkg("--install", deb)
	for _, f := range []string{"usr/bin/portee", "lib/systemd/system/portee-node.service",
		"lib/systemd/system/portee-directory.service", "etc/portee/node.env", "etc/portee/directory.env",
		"usr/share/doc/portee/copyright", "usr/share/man/man1/portee.1.gz"} {
		if !exists(f) {
			t.Errorf("after install, %s is missing", f)
		}
	}
	if fi, err := os.Stat(filepath.Join(root, "etc/portee/directory.env")); err == nil && fi.Mode().Perm()&0o007 != 0 {
		t.Errorf("/etc/portee/directory.env is %v: it may hold passwords, others must not read it", fi.Mode().Perm())
	}
	out, err := exec.Command(filepath.Join(root, "usr/bin/portee"), "version").CombinedOutput()
	if err != nil || !strings.Contains(string(out), rel.version) {
		t.Errorf("installed portee version = %q, %v", out, err)
	}

	// What the services would have written: a catalog with keys.
	data := filepath.Join(root, "var/lib/private/portee-node")
	if err := os.MkdirAll(data, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(data, "catalog.db"), []byte("keys"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "etc/portee/node.env"), []byte("PORTEE_BASE_URL=https://mine.example\n"), 0o640); err != nil {
		t.Fatal(err)
	}

	dpkg("--remove", "portee")
	if exists("usr/bin/portee") {
		t.Error("after remove, /usr/bin/portee is still there")
	}
	if !exists("var/lib/private/portee-node/catalog.db") {
		t.Fatal("remove deleted the node's data: only purge may")
	}
	if b, err := os.ReadFile(filepath.Join(root, "etc/portee/node.env")); err != nil || !strings.Contains(string(b), "mine.example") {
		t.Fatalf("remove lost the edited configuration: %q, %v", b, err)
	}

	dpkg("--purge", "portee")
	for _, f := range []string{"var/lib/private/portee-node", "etc/portee/node.env"} {
		if exists(f) {
			t.Errorf("after purge, %s is still there", f)
		}
	}
}

// TestSystemdUnits checks the units with systemd's own verifier and that the
// sandboxing the README promises is there.
func TestSystemdUnits(t *testing.T) {
	want := []string{"DynamicUser=yes", "ProtectSystem=strict", "StateDirectory=", "NoNewPrivileges=yes",
		"PrivateTmp=yes", "ProtectHome=yes", "CapabilityBoundingSet=\n", "EnvironmentFile=/etc/portee/"}
	for _, role := range []string{"node", "directory"} {
		path := filepath.Join(repoRoot(t), "packaging/debian/portee-"+role+".service")
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range want {
			if !strings.Contains(string(b), w) {
				t.Errorf("%s lacks %q", filepath.Base(path), strings.TrimSpace(w))
			}
		}
		if !strings.Contains(string(b), "ExecStart=/usr/bin/portee "+role+"\n") {
			t.Errorf("%s does not run `portee %s`", filepath.Base(path), role)
		}
	}
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Log("systemd-analyze not installed: units checked by content only")
		return
	}
	rel := builtRelease(t)
	// systemd-analyze verify wants the ExecStart binary where the unit says:
	// the units are verified as copies that point at the release binary.
	dir := t.TempDir()
	bin := filepath.Join(rel.dir, "portee-"+rel.version+"-linux-amd64")
	for _, role := range []string{"node", "directory"} {
		b, err := os.ReadFile(filepath.Join(repoRoot(t), "packaging/debian/portee-"+role+".service"))
		if err != nil {
			t.Fatal(err)
		}
		unit := filepath.Join(dir, "portee-"+role+".service")
		if err := os.WriteFile(unit, bytes.ReplaceAll(b, []byte("/usr/bin/portee"), []byte(bin)), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(analyze, "verify", "--man=no", unit).CombinedOutput(); err != nil || len(out) > 0 {
			t.Errorf("systemd-analyze verify portee-%s.service: %v\n%s", role, err, out)
		}
	}
}

// TestYunoHostScriptsShellcheck runs shellcheck on every script of the app.
func TestYunoHostScriptsShellcheck(t *testing.T) {
	shellcheck := testenv.Tool(t, "shellcheck", testenv.EnvShellcheck)
	dir := filepath.Join(repoRoot(t), "packaging/yunohost/scripts")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var scripts []string
	for _, e := range entries {
		scripts = append(scripts, e.Name())
	}
	for _, want := range []string{"install", "remove", "upgrade", "backup", "restore", "change_url", "_common.sh"} {
		if !strings.Contains(" "+strings.Join(scripts, " ")+" ", " "+want+" ") {
			t.Errorf("the YunoHost app has no scripts/%s", want)
		}
	}
	cmd := exec.Command(shellcheck, append([]string{"-x", "-s", "bash"}, scripts...)...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("shellcheck: %v\n%s", err, out)
	}
	for _, s := range []string{"../../debian/postinst", "../../debian/prerm", "../../debian/postrm", "../../../scripts/release.sh"} {
		cmd := exec.Command(shellcheck, s)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("shellcheck %s: %v\n%s", filepath.Base(s), err, out)
		}
	}
}

// TestYunoHostManifest checks the app's manifest, as the release writes it,
// against the rules of YunoHost's manifest v2 schema.
func TestYunoHostManifest(t *testing.T) {
	rel := builtRelease(t)
	path := filepath.Join(rel.dir, "portee_ynh/manifest.toml")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if problems := checkYunoHostManifest(b); len(problems) > 0 {
		t.Fatalf("%s:\n%s", path, strings.Join(problems, "\n"))
	}
	if bytes.Contains(b, []byte("@")) && bytes.Contains(b, []byte("@URL_")) {
		t.Fatal("the release left a placeholder in the manifest")
	}
}

// TestYunoHostInstallPorteePart runs the Portée-specific part of the install
// script (_common.sh) against a temporary directory with the release binary:
// the settings and hoster file it writes must give a node that starts and
// answers, and the first administrator must exist.
func TestYunoHostInstallPorteePart(t *testing.T) {
	rel := builtRelease(t)
	install, data := t.TempDir(), t.TempDir()
	bin, err := os.ReadFile(filepath.Join(rel.dir, "portee-"+rel.version+"-linux-amd64"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(install, "portee"), bin, 0o755); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	script := `set -euo pipefail
source "$1/_common.sh"
portee_write_config "$2" "$3" "$4" "$5" chaton "Le \"Chaton\" d'à côté"
portee_setup "$2" admin@chaton.example`
	cmd := exec.Command("bash", "-c", script, "_", filepath.Join(repoRoot(t), "packaging/yunohost/scripts"),
		install, data, "127.0.0.1:"+port, port)
	cmd.Env = append(os.Environ(), "PORTEE_ADMIN_PASSWORD=une phrase de passe assez longue")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("install part: %v\n%s", err, out)
	}
	fi, err := os.Stat(filepath.Join(install, "portee.env"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("portee.env is %v, want 0600", fi.Mode().Perm())
	}

	env := readEnvFile(t, filepath.Join(install, "portee.env"))
	// The test serves plain HTTP on loopback.
	env = append(env, "PORTEE_BASE_URL=http://127.0.0.1:"+port, "PORTEE_ALLOW_PRIVATE_NETWORKS=true")

	users := exec.Command(filepath.Join(install, "portee"), "user", "list")
	users.Env = env
	if out, err := users.CombinedOutput(); err != nil || !strings.Contains(string(out), "admin@chaton.example") {
		t.Fatalf("portee user list = %q, %v; want the administrator", out, err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	node := exec.CommandContext(ctx, filepath.Join(install, "portee"), "node")
	node.Env = env
	var logs bytes.Buffer
	node.Stdout, node.Stderr = &logs, &logs
	if err := node.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cancel()
		_ = node.Wait()
	}()
	url := "http://127.0.0.1:" + port + "/.well-known/webfinger?resource=acct:chaton@127.0.0.1:" + port
	var last string
	for ctx.Err() == nil {
		resp, err := http.Get(url)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
			last = fmt.Sprintf("%s %s", resp.Status, body)
		} else {
			last = err.Error()
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("the installed node never answered WebFinger (%s); its log:\n%s", last, logs.String())
}

func readEnvFile(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	for _, line := range strings.Split(string(b), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			env = append(env, line)
		}
	}
	return env
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port
}
