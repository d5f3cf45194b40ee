package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestImportSourcesInvalidExit2(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{args: []string{"directory", "--chatonsinfos", "https://ok.example/f.properties", "--chatonsinfos", "ftp://x"}, want: `PORTEE_CHATONSINFOS (--chatonsinfos): "ftp://x"`},
		{env: map[string]string{"PORTEE_CHATONSINFOS": "https://a.example/f.properties, notaurl"}, args: []string{"directory"}, want: `PORTEE_CHATONSINFOS (--chatonsinfos): "notaurl"`},
		{args: []string{"directory", "--librehosters", "file:///etc/passwd"}, want: "PORTEE_LIBREHOSTERS (--librehosters)"},
		{args: []string{"import", "statool", "x"}, want: "say chatonsinfos or librehosters"},
		{args: []string{"import", "chatonsinfos"}, want: "exactly one URL or file"},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			code, _, stderr := runCmd(t, c.args...)
			if code != 2 || !strings.Contains(stderr, c.want) {
				t.Errorf("exit %d, stderr %q; want 2 naming %q", code, stderr, c.want)
			}
		})
	}
}

func TestImportSourcesRepeatable(t *testing.T) {
	c, _, err := parseConfig("directory", []string{"--chatonsinfos", "https://a.example/f.properties,https://b.example/f.properties",
		"--chatonsinfos", "https://c.example/f.properties", "--librehosters", "https://libreho.st/directory.json"}, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.ChatonsInfos) != 3 || len(c.Librehosters) != 1 {
		t.Errorf("%v %v", c.ChatonsInfos, c.Librehosters)
	}
	t.Setenv("PORTEE_CHATONSINFOS", "https://env.example/f.properties")
	c, _, err = parseConfig("directory", nil, os.Stderr)
	if err != nil || len(c.ChatonsInfos) != 1 || c.ChatonsInfos[0] != "https://env.example/f.properties" {
		t.Errorf("env: %v %v", c.ChatonsInfos, err)
	}
}

// TestImportDryRunFile: a local organisation file and its local service
// files are read, everything is printed with every problem, nothing is
// written.
func TestImportDryRunFile(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "pad.properties"), []byte("file.class = Service\nservice.name = Pad\nservice.website = https://pad.example\nsoftware.name = Etherpad\n"), 0o600)
	org := "[File]\nfile.class = 'organization'\n[Organisation]\norganization.name = 'Chaton local'\norganization.website = 'ftp://bad'\n[Subs]\npad = 'pad.properties'\nmissing = 'missing.properties'\n"
	os.WriteFile(filepath.Join(dir, "org.properties"), []byte(org), 0o600)
	data := filepath.Join(dir, "data")
	code, out, stderr := runCmd(t, "import", "chatonsinfos", filepath.Join(dir, "org.properties"), "--dry-run", "--data", data)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"Chaton local", "pad", "Pad → https://pad.example", "org.properties:5: organization.website", "missing.properties", "dry run"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(data); err == nil {
		t.Error("a dry run created the data directory")
	}
	code, out, stderr = runCmd(t, "import", "chatonsinfos", "--data", data, filepath.Join(dir, "org.properties"))
	if code != 0 || !strings.Contains(out, "1 organisations, 1 services") {
		t.Fatalf("import: exit %d\n%s\n%s", code, out, stderr)
	}
}
