package deploytest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// The services docker-compose.yml must define, by role.
var (
	backingServices = []string{"postgres", "meilisearch"}
	porteeServices  = []string{"directory", "node-saint-nazaire", "node-lyon"}
	nodeServices    = []string{"node-saint-nazaire", "node-lyon"}
)

type compose struct {
	Services map[string]service `yaml:"services"`
	Volumes  map[string]any     `yaml:"volumes"`
}

type service struct {
	Image       string         `yaml:"image"`
	Build       any            `yaml:"build"`
	Command     []string       `yaml:"command"`
	Environment map[string]any `yaml:"environment"`
	Volumes     []string       `yaml:"volumes"`
	DependsOn   map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
	Healthcheck *struct {
		Test    []string `yaml:"test"`
		Disable bool     `yaml:"disable"`
	} `yaml:"healthcheck"`
}

// checkCompose returns every problem found in a docker-compose.yml.
func checkCompose(data []byte) []error {
	var c compose
	if err := yaml.Unmarshal(data, &c); err != nil {
		return []error{fmt.Errorf("parse: %w", err)}
	}
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	for _, name := range slices.Concat(backingServices, porteeServices) {
		if _, ok := c.Services[name]; !ok {
			fail("service %s is missing", name)
		}
	}
	for name, s := range c.Services {
		if err := checkImage(s); err != nil {
			fail("service %s: %v", name, err)
		}
		for dep, d := range s.DependsOn {
			if d.Condition != "service_healthy" {
				fail("service %s: depends_on %s has condition %q, want service_healthy", name, dep, d.Condition)
			}
			if _, ok := c.Services[dep]; !ok {
				fail("service %s: depends_on unknown service %s", name, dep)
			}
			if dd, ok := c.Services[dep]; ok && !hasHealthcheck(dd) {
				fail("service %s: depends_on %s, which has no healthcheck", name, dep)
			}
		}
	}
	for _, name := range slices.Concat(backingServices, porteeServices) {
		s, ok := c.Services[name]
		if !ok {
			continue
		}
		if !hasHealthcheck(s) {
			fail("service %s has no healthcheck", name)
		}
		if !hasNamedVolume(s, c.Volumes) {
			fail("service %s has no named data volume", name)
		}
	}
	if s, ok := c.Services["postgres"]; ok && s.Healthcheck != nil && !slices.ContainsFunc(s.Healthcheck.Test, containsFunc("pg_isready")) {
		fail("service postgres: healthcheck does not use pg_isready")
	}
	if s, ok := c.Services["meilisearch"]; ok && s.Healthcheck != nil && !slices.ContainsFunc(s.Healthcheck.Test, containsFunc("/health")) {
		fail("service meilisearch: healthcheck does not query /health")
	}
	for _, name := range porteeServices {
		s, ok := c.Services[name]
		if !ok {
			continue
		}
		if s.Build == nil {
			fail("service %s is not built from the Dockerfile", name)
		}
		if s.Healthcheck != nil && !slices.Equal(firstN(s.Healthcheck.Test, 3), []string{"CMD", "/portee", "healthcheck"}) {
			fail("service %s: healthcheck %q does not run /portee healthcheck", name, s.Healthcheck.Test)
		}
		if env(s, "PORTEE_LISTEN") != "0.0.0.0:8080" {
			fail("service %s: PORTEE_LISTEN is %q, want 0.0.0.0:8080", name, env(s, "PORTEE_LISTEN"))
		}
		if env(s, "PORTEE_BASE_URL") == "" {
			fail("service %s: PORTEE_BASE_URL is not set", name)
		}
	}
	if s, ok := c.Services["directory"]; ok {
		if !slices.Equal(s.Command, []string{"directory"}) {
			fail("service directory: command is %q, want [directory]", s.Command)
		}
		for _, v := range []string{"DATABASE_URL", "MEILI_URL", "MEILI_MASTER_KEY", "PORTEE_FOLLOW"} {
			if env(s, v) == "" {
				fail("service directory: %s is not set", v)
			}
		}
		if u := env(s, "DATABASE_URL"); u != "" && !strings.Contains(u, "@postgres:") {
			fail("service directory: DATABASE_URL does not point at the postgres service")
		}
		if u := env(s, "MEILI_URL"); u != "" && !strings.Contains(u, "//meilisearch:") {
			fail("service directory: MEILI_URL %q does not point at the meilisearch service", u)
		}
		for _, dep := range slices.Concat(backingServices, nodeServices) {
			if _, ok := s.DependsOn[dep]; !ok {
				fail("service directory: does not depend on %s", dep)
			}
		}
		follow := env(s, "PORTEE_FOLLOW")
		for _, node := range nodeServices {
			if !strings.Contains(follow, "@"+node+":") {
				fail("service directory: PORTEE_FOLLOW %q does not follow %s", follow, node)
			}
		}
	}
	for _, name := range nodeServices {
		s, ok := c.Services[name]
		if !ok {
			continue
		}
		if !slices.Equal(s.Command, []string{"node"}) {
			fail("service %s: command is %q, want [node]", name, s.Command)
		}
		file := env(s, "PORTEE_HOSTER_FILE")
		if file == "" {
			fail("service %s: PORTEE_HOSTER_FILE is not set", name)
			continue
		}
		if !slices.ContainsFunc(s.Volumes, func(v string) bool {
			parts := strings.Split(v, ":")
			return len(parts) == 3 && strings.HasPrefix(parts[0], "./deploy/hosters/") && parts[1] == file && parts[2] == "ro"
		}) {
			fail("service %s: %s is not mounted read-only from ./deploy/hosters/", name, file)
		}
	}
	return errs
}

var hasDigit = regexp.MustCompile(`[0-9]`)

// checkImage wants an explicit tag other than latest, naming a version for
// registry images; a locally built image (with build:) may carry any tag.
func checkImage(s service) error {
	if s.Image == "" {
		if s.Build == nil {
			return errors.New("neither image nor build")
		}
		return nil
	}
	ref, _, _ := strings.Cut(s.Image, "@")
	last := ref[strings.LastIndex(ref, "/")+1:]
	_, tag, ok := strings.Cut(last, ":")
	switch {
	case !ok || tag == "":
		return fmt.Errorf("image %q has no explicit tag", s.Image)
	case tag == "latest" || strings.HasSuffix(tag, "-latest"):
		return fmt.Errorf("image %q is not pinned", s.Image)
	case s.Build == nil && !hasDigit.MatchString(tag):
		return fmt.Errorf("image %q is not pinned to a version", s.Image)
	}
	return nil
}

func hasHealthcheck(s service) bool {
	return s.Healthcheck != nil && !s.Healthcheck.Disable && len(s.Healthcheck.Test) > 1 &&
		(s.Healthcheck.Test[0] == "CMD" || s.Healthcheck.Test[0] == "CMD-SHELL")
}

// hasNamedVolume reports a mount of a top-level named volume (not a bind mount).
func hasNamedVolume(s service, volumes map[string]any) bool {
	for _, v := range s.Volumes {
		source, _, ok := strings.Cut(v, ":")
		if _, named := volumes[source]; ok && named {
			return true
		}
	}
	return false
}

func env(s service, name string) string {
	v, ok := s.Environment[name]
	if !ok || v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

func containsFunc(sub string) func(string) bool {
	return func(s string) bool { return strings.Contains(s, sub) }
}

func firstN(s []string, n int) []string { return s[:min(n, len(s))] }

// instruction is one Dockerfile instruction with continuation lines joined.
type instruction struct{ op, args string }

func parseDockerfile(text string) []instruction {
	var out []instruction
	var cur strings.Builder
	flush := func() {
		line := strings.TrimSpace(cur.String())
		cur.Reset()
		if line == "" {
			return
		}
		op, args, _ := strings.Cut(line, " ")
		out = append(out, instruction{strings.ToUpper(op), strings.TrimSpace(args)})
	}
	for _, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") {
			continue
		}
		if body, ok := strings.CutSuffix(trimmed, "\\"); ok {
			cur.WriteString(body + " ")
			continue
		}
		cur.WriteString(trimmed)
		flush()
	}
	flush()
	return out
}

// checkDockerfile returns every problem found in the Dockerfile.
func checkDockerfile(text string) []error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	var stages [][]instruction
	for _, in := range parseDockerfile(text) {
		if in.op == "FROM" {
			stages = append(stages, nil)
		}
		if len(stages) > 0 {
			stages[len(stages)-1] = append(stages[len(stages)-1], in)
		}
	}
	if len(stages) < 2 {
		return []error{fmt.Errorf("%d stage(s), want a multi-stage build", len(stages))}
	}
	for _, st := range stages {
		image, _, _ := strings.Cut(st[0].args, " ")
		if !strings.Contains(image, ":") || strings.HasSuffix(image, ":latest") {
			fail("FROM %s is not pinned", image)
		}
	}
	built := false
	for _, st := range stages[:len(stages)-1] {
		for _, in := range st {
			if in.op == "RUN" && strings.Contains(in.args, "go build") &&
				strings.Contains(in.args, "CGO_ENABLED=0") && strings.Contains(in.args, "./cmd/portee") {
				built = true
			}
		}
	}
	if !built {
		fail("no build stage runs CGO_ENABLED=0 go build … ./cmd/portee")
	}
	final := stages[len(stages)-1]
	if !slices.ContainsFunc(final, func(in instruction) bool {
		return in.op == "COPY" && strings.Contains(in.args, "--from=") && strings.Contains(in.args, "/portee")
	}) {
		fail("the final stage does not copy the binary from the build stage")
	}
	user := ""
	for _, in := range final {
		if in.op == "USER" {
			user = in.args
		}
	}
	if name, _, _ := strings.Cut(user, ":"); name == "" || name == "root" || name == "0" {
		fail("the final stage runs as %q, want a non-root USER", user)
	}
	var entry string
	for _, in := range final {
		if in.op == "ENTRYPOINT" {
			entry = in.args
		}
	}
	if entry != `["/portee"]` {
		fail(`ENTRYPOINT is %q, want ["/portee"]`, entry)
	}
	if !slices.ContainsFunc(final, func(in instruction) bool {
		return in.op == "VOLUME" && strings.Contains(in.args, "/var/lib/portee")
	}) {
		fail("the final stage declares no /var/lib/portee volume")
	}
	if !slices.ContainsFunc(final, func(in instruction) bool {
		return in.op == "HEALTHCHECK" && strings.Contains(in.args, `CMD ["/portee", "healthcheck"`)
	}) {
		fail(`the final stage has no HEALTHCHECK running ["/portee", "healthcheck", …]`)
	}
	return errs
}

// repoFile reads a file at the repository root, found by walking up to go.mod.
func repoFile(t *testing.T, name string) []byte {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test directory")
		}
		dir = parent
	}
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestComposeFile(t *testing.T) {
	for _, err := range checkCompose(repoFile(t, "docker-compose.yml")) {
		t.Error(err)
	}
}

func TestDockerfile(t *testing.T) {
	for _, err := range checkDockerfile(string(repoFile(t, "Dockerfile"))) {
		t.Error(err)
	}
}

// TestHosterFiles checks that the hoster files the nodes mount exist and that
// their usernames are the ones the directory follows.
func TestHosterFiles(t *testing.T) {
	var c compose
	if err := yaml.Unmarshal(repoFile(t, "docker-compose.yml"), &c); err != nil {
		t.Fatal(err)
	}
	follow := env(c.Services["directory"], "PORTEE_FOLLOW")
	for _, name := range nodeServices {
		for _, v := range c.Services[name].Volumes {
			source, _, _ := strings.Cut(v, ":")
			if !strings.HasPrefix(source, "./deploy/hosters/") {
				continue
			}
			var hoster struct {
				Username string `yaml:"username"`
			}
			if err := yaml.Unmarshal(repoFile(t, strings.TrimPrefix(source, "./")), &hoster); err != nil {
				t.Errorf("%s: %v", source, err)
				continue
			}
			acct := hoster.Username + "@" + name + ":8080"
			if hoster.Username == "" || !slices.Contains(strings.Split(follow, ","), acct) {
				t.Errorf("%s: username %q: the directory follows %q, which lacks %s", source, hoster.Username, follow, acct)
			}
		}
	}
}

// mutate edits the decoded compose document; the checks must notice.
func mutate(t *testing.T, data []byte, edit func(doc map[string]any)) []byte {
	t.Helper()
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	edit(doc)
	out, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func svc(doc map[string]any, name string) map[string]any {
	return doc["services"].(map[string]any)[name].(map[string]any)
}

func TestComposeChecksCatchBreakage(t *testing.T) {
	good := repoFile(t, "docker-compose.yml")
	if errs := checkCompose(mutate(t, good, func(map[string]any) {})); len(errs) != 0 {
		t.Fatalf("re-encoded compose file fails: %v", errs)
	}
	cases := map[string]func(doc map[string]any){
		"node-lyon missing":          func(d map[string]any) { delete(d["services"].(map[string]any), "node-lyon") },
		"postgres latest":            func(d map[string]any) { svc(d, "postgres")["image"] = "postgres:latest" },
		"meilisearch untagged":       func(d map[string]any) { svc(d, "meilisearch")["image"] = "getmeili/meilisearch" },
		"postgres unversioned tag":   func(d map[string]any) { svc(d, "postgres")["image"] = "postgres:bookworm" },
		"postgres no healthcheck":    func(d map[string]any) { delete(svc(d, "postgres"), "healthcheck") },
		"meilisearch no healthcheck": func(d map[string]any) { delete(svc(d, "meilisearch"), "healthcheck") },
		"postgres no volume":         func(d map[string]any) { delete(svc(d, "postgres"), "volumes") },
		"meilisearch bind mount only": func(d map[string]any) {
			svc(d, "meilisearch")["volumes"] = []any{"./meili:/meili_data"}
		},
		"directory no DATABASE_URL": func(d map[string]any) {
			delete(svc(d, "directory")["environment"].(map[string]any), "DATABASE_URL")
		},
		"directory no MEILI_URL": func(d map[string]any) {
			delete(svc(d, "directory")["environment"].(map[string]any), "MEILI_URL")
		},
		"directory no MEILI_MASTER_KEY": func(d map[string]any) {
			delete(svc(d, "directory")["environment"].(map[string]any), "MEILI_MASTER_KEY")
		},
		"depends_on service_started": func(d map[string]any) {
			svc(d, "directory")["depends_on"].(map[string]any)["postgres"] = map[string]any{"condition": "service_started"}
		},
		"directory no healthcheck":  func(d map[string]any) { delete(svc(d, "directory"), "healthcheck") },
		"node-lyon no healthcheck":  func(d map[string]any) { delete(svc(d, "node-lyon"), "healthcheck") },
		"node healthcheck disabled": func(d map[string]any) { svc(d, "node-saint-nazaire")["healthcheck"] = map[string]any{"disable": true} },
		"node writable hoster file": func(d map[string]any) {
			svc(d, "node-lyon")["volumes"] = []any{"./deploy/hosters/lyon.yaml:/etc/portee/hoster.yaml", "node-lyon-data:/var/lib/portee"}
		},
		"directory follows one node": func(d map[string]any) {
			svc(d, "directory")["environment"].(map[string]any)["PORTEE_FOLLOW"] = "lyon@node-lyon:8080"
		},
		"directory not built": func(d map[string]any) { delete(svc(d, "directory"), "build") },
	}
	for name, edit := range cases {
		t.Run(name, func(t *testing.T) {
			if errs := checkCompose(mutate(t, good, edit)); len(errs) == 0 {
				t.Error("the broken compose file passes the checks")
			}
		})
	}
}

func TestDockerfileChecksCatchBreakage(t *testing.T) {
	good := string(repoFile(t, "Dockerfile"))
	cases := map[string]func(string) string{
		"single stage": func(s string) string {
			i := strings.LastIndex(s, "\nFROM ")
			return s[:i]
		},
		"cgo on":           func(s string) string { return strings.ReplaceAll(s, "CGO_ENABLED=0", "CGO_ENABLED=1") },
		"other package":    func(s string) string { return strings.ReplaceAll(s, "./cmd/portee", "./cmd/other") },
		"root user":        func(s string) string { return s + "\nUSER root\n" },
		"no user":          func(s string) string { return regexp.MustCompile(`(?m)^USER .*$`).ReplaceAllString(s, "") },
		"latest base":      func(s string) string { return strings.Replace(s, "golang:1.26-bookworm", "golang:latest", 1) },
		"shell entrypoint": func(s string) string { return strings.ReplaceAll(s, `ENTRYPOINT ["/portee"]`, "ENTRYPOINT /portee") },
		"no volume":        func(s string) string { return regexp.MustCompile(`(?m)^VOLUME .*$`).ReplaceAllString(s, "") },
		"no healthcheck": func(s string) string {
			return regexp.MustCompile(`(?m)^HEALTHCHECK .*\\\n.*$`).ReplaceAllString(s, "")
		},
	}
	for name, edit := range cases {
		t.Run(name, func(t *testing.T) {
			broken := edit(good)
			if broken == good {
				t.Fatal("the edit changed nothing: update this case")
			}
			if errs := checkDockerfile(broken); len(errs) == 0 {
				t.Error("the broken Dockerfile passes the checks")
			}
		})
	}
}
