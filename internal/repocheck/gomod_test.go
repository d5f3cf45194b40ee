package repocheck

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestGoModMarksDirectDependencies checks what `go mod tidy` would fix
// without touching the network: every module our packages (tests included)
// import is required without "// indirect", and every module required
// without "// indirect" is imported. `make lint` runs `go mod tidy -diff`
// for the rest (go.sum).
func TestGoModMarksDirectDependencies(t *testing.T) {
	root := repoRoot(t)
	out := goCmd(t, root, "list", "-f", `{{join .Imports "\n"}}
{{join .TestImports "\n"}}
{{join .XTestImports "\n"}}`, "./...")
	imports := map[string]bool{}
	for _, p := range strings.Fields(out) {
		imports[p] = true
	}
	var paths []string
	for p := range imports {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	args := append([]string{"list", "-e", "-f", `{{if not .Standard}}{{with .Module}}{{if not .Main}}{{.Path}}{{end}}{{end}}{{end}}`}, paths...)
	used := map[string]bool{}
	for _, m := range strings.Fields(goCmd(t, root, args...)) {
		used[m] = true
	}
	if len(used) < 5 {
		t.Fatalf("only %d modules found imported: the check is broken", len(used))
	}
	direct, indirect := readRequires(t, filepath.Join(root, "go.mod"))
	for m := range used {
		switch {
		case indirect[m]:
			t.Errorf("go.mod marks %s // indirect, but our code imports it", m)
		case !direct[m]:
			t.Errorf("go.mod does not require %s, which our code imports", m)
		}
	}
	for m := range direct {
		if !used[m] {
			t.Errorf("go.mod requires %s directly, but no package of ours imports it", m)
		}
	}
}

// readRequires parses the require lines of go.mod.
func readRequires(t *testing.T, path string) (direct, indirect map[string]bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	direct, indirect = map[string]bool{}, map[string]bool{}
	in := false
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "require (":
			in = true
			continue
		case in && line == ")":
			in = false
			continue
		case strings.HasPrefix(line, "require "):
			line = strings.TrimPrefix(line, "require ")
		case !in:
			continue
		}
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		if strings.Contains(line, "// indirect") {
			indirect[f[0]] = true
		} else {
			direct[f[0]] = true
		}
	}
	return direct, indirect
}

func goCmd(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args[:2], " "), err, stderr.String())
	}
	return string(out)
}

func repoRoot(t *testing.T) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test")
		}
		dir = parent
	}
}
