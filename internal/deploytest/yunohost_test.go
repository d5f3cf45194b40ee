package deploytest

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

// The rules of YunoHost's manifest v2 schema (schemas/manifest.v2.schema.json
// in YunoHost's apps repository) that an app like ours meets, written here as
// code: required keys, closed key sets, and the patterns of versions, sizes,
// paths and checksums.
var (
	ynhTopKeys      = []string{"packaging_format", "id", "name", "description", "version", "maintainers", "upstream", "integration", "install", "resources", "antifeatures"}
	ynhTopRequired  = []string{"packaging_format", "id", "name", "description", "version", "maintainers", "upstream", "integration", "install", "resources"}
	ynhUpstreamKeys = []string{"license", "website", "demo", "admindoc", "userdoc", "code", "fund", "cpe"}
	ynhIntegKeys    = []string{"yunohost", "architectures", "multi_instance", "ldap", "sso", "disk", "ram"}
	ynhIntegReq     = []string{"yunohost", "architectures", "multi_instance", "ldap", "sso"}
	ynhArches       = []string{"amd64", "i386", "armhf", "arm64"}
	ynhQuestionKeys = []string{"type", "default", "example", "optional", "ask", "help", "choices"}
	ynhTypes        = []string{"string", "text", "select", "tags", "email", "url", "date", "time", "color", "password",
		"path", "boolean", "domain", "user", "group", "number", "range", "alert", "markdown", "file", "app"}
	ynhResources  = []string{"apt", "data_dir", "database", "install_dir", "permissions", "ports", "sources", "system_user"}
	ynhSourceKeys = []string{"url", "sha256", "in_subdir", "prefetch", "format", "extract", "rename", "platform", "autoupdate"}
	ynhFormats    = []string{"tar.gz", "tar.xz", "tar.bz2", "zip", "docker", "whatever"}
	ynhPermKeys   = []string{"url", "show_tile", "allowed", "auth_header", "protected", "additional_urls", "label"}
	ynhPortKeys   = []string{"default", "exposed", "fixed"}
	ynhDirKeys    = []string{"dir", "owner", "group"}
	ynhUserKeys   = []string{"allow_ssh", "allow_sftp", "allow_email", "home"}
	ynhVersion    = regexp.MustCompile(`^[0-9a-z]*([\.-][0-9a-z]*)*~ynh[0-9]*$`)
	ynhYunohost   = regexp.MustCompile(`^>= ?[0-9]{1,2}(\.[0-9]{1,2}){0,2}$`)
	ynhByteSize   = regexp.MustCompile(`^[0-9]*(\.[0-9]*)?[kKmMgG]$`)
	ynhQuestionID = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	ynhSourceID   = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)
	ynhPathAbs    = regexp.MustCompile(`^(__[A-Z_]*__)?/.*$`)
	ynhSha256     = regexp.MustCompile(`^[0-9a-f]{64}$`)
	ynhURL        = regexp.MustCompile(`^https?://[^\s]+$`)
	ynhLang       = regexp.MustCompile(`^[a-z]{2}$`)
)

// checkYunoHostManifest returns every rule of the schema the manifest breaks.
func checkYunoHostManifest(data []byte) []string {
	var m map[string]any
	if _, err := toml.Decode(string(data), &m); err != nil {
		return []string{fmt.Sprintf("parse: %v", err)}
	}
	var problems []string
	fail := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	closed := func(where string, obj map[string]any, allowed, required []string) {
		for k := range obj {
			if !slices.Contains(allowed, k) {
				fail("%s: unknown key %q", where, k)
			}
		}
		for _, k := range required {
			if _, ok := obj[k]; !ok {
				fail("%s: %q is required", where, k)
			}
		}
	}
	table := func(where string, v any) map[string]any {
		t, ok := v.(map[string]any)
		if !ok {
			fail("%s: must be a table", where)
		}
		return t
	}
	translated := func(where string, v any) {
		t, ok := v.(map[string]any)
		if !ok {
			fail("%s: must be a table of languages", where)
			return
		}
		if _, ok := t["en"]; !ok {
			fail("%s: an English text (en) is required", where)
		}
		for lang, text := range t {
			if _, ok := text.(string); !ok || !ynhLang.MatchString(lang) {
				fail("%s.%s: must be a two-letter language and a text", where, lang)
			}
		}
	}
	str := func(where string, v any, re *regexp.Regexp) {
		s, ok := v.(string)
		if !ok {
			fail("%s: must be a string", where)
		} else if re != nil && !re.MatchString(s) {
			fail("%s: %q does not match %s", where, s, re)
		}
	}
	boolOrNotRelevant := func(where string, v any) {
		if _, ok := v.(bool); !ok && v != "not_relevant" {
			fail("%s: must be true, false or \"not_relevant\"", where)
		}
	}

	closed("manifest", m, ynhTopKeys, ynhTopRequired)
	if v, ok := m["packaging_format"].(int64); !ok || v != 2 {
		fail("packaging_format: must be the integer 2")
	}
	str("id", m["id"], regexp.MustCompile(`^[a-z0-9_]+$`))
	str("name", m["name"], nil)
	str("version", m["version"], ynhVersion)
	translated("description", m["description"])
	if ms, ok := m["maintainers"].([]any); !ok {
		fail("maintainers: must be a list")
	} else {
		for i, v := range ms {
			str(fmt.Sprintf("maintainers[%d]", i), v, nil)
		}
	}

	up := table("upstream", m["upstream"])
	closed("upstream", up, ynhUpstreamKeys, []string{"license"})
	for _, k := range []string{"website", "demo", "admindoc", "userdoc", "code", "fund"} {
		if v, ok := up[k]; ok {
			str("upstream."+k, v, ynhURL)
		}
	}

	in := table("integration", m["integration"])
	closed("integration", in, ynhIntegKeys, ynhIntegReq)
	str("integration.yunohost", in["yunohost"], ynhYunohost)
	switch a := in["architectures"].(type) {
	case string:
		if a != "all" {
			fail("integration.architectures: %q is not \"all\" nor a list", a)
		}
	case []any:
		for _, v := range a {
			if s, ok := v.(string); !ok || !slices.Contains(ynhArches, s) {
				fail("integration.architectures: %v is not one of %v", v, ynhArches)
			}
		}
	default:
		fail("integration.architectures: must be \"all\" or a list")
	}
	for _, k := range []string{"multi_instance", "ldap", "sso"} {
		boolOrNotRelevant("integration."+k, in[k])
	}
	if v, ok := in["disk"]; ok {
		str("integration.disk", v, ynhByteSize)
	}
	if v, ok := in["ram"]; ok {
		ram := table("integration.ram", v)
		closed("integration.ram", ram, []string{"build", "runtime"}, nil)
		for k, size := range ram {
			str("integration.ram."+k, size, ynhByteSize)
		}
	}

	for _, id := range sortedKeys(table("install", m["install"])) {
		where := "install." + id
		if !ynhQuestionID.MatchString(id) {
			fail("%s: question ids are lower-case words", where)
		}
		q := table(where, m["install"].(map[string]any)[id])
		closed(where, q, ynhQuestionKeys, []string{"type"})
		if s, ok := q["type"].(string); !ok || !slices.Contains(ynhTypes, s) {
			fail("%s.type: %v is not a known question type", where, q["type"])
		}
		for _, k := range []string{"ask", "help"} {
			if v, ok := q[k]; ok {
				translated(where+"."+k, v)
			}
		}
	}

	res := table("resources", m["resources"])
	closed("resources", res, ynhResources, nil)
	if v, ok := res["sources"]; ok {
		for _, id := range sortedKeys(table("resources.sources", v)) {
			where := "resources.sources." + id
			if !ynhSourceID.MatchString(id) {
				fail("%s: bad source id", where)
			}
			src := table(where, v.(map[string]any)[id])
			for k, val := range src {
				if slices.Contains(ynhArches, k) {
					arch := table(where+"."+k, val)
					closed(where+"."+k, arch, []string{"url", "sha256"}, nil)
					str(where+"."+k+".url", arch["url"], ynhURL)
					str(where+"."+k+".sha256", arch["sha256"], ynhSha256)
				} else if !slices.Contains(ynhSourceKeys, k) {
					fail("%s: unknown key %q", where, k)
				}
			}
			if f, ok := src["format"]; ok && !slices.Contains(ynhFormats, fmt.Sprint(f)) {
				fail("%s.format: %v is not one of %v", where, f, ynhFormats)
			}
			if u, ok := src["url"]; ok {
				str(where+".url", u, ynhURL)
				str(where+".sha256", src["sha256"], ynhSha256)
			}
		}
	}
	for _, name := range []string{"install_dir", "data_dir"} {
		if v, ok := res[name]; ok {
			d := table("resources."+name, v)
			keys := ynhDirKeys
			if name == "data_dir" {
				keys = append(slices.Clone(keys), "subdirs")
			}
			closed("resources."+name, d, keys, nil)
			if dir, ok := d["dir"]; ok {
				str("resources."+name+".dir", dir, ynhPathAbs)
			}
		}
	}
	if v, ok := res["system_user"]; ok {
		closed("resources.system_user", table("resources.system_user", v), ynhUserKeys, nil)
	}
	if v, ok := res["permissions"]; ok {
		for id, p := range table("resources.permissions", v) {
			perm := table("resources.permissions."+id, p)
			closed("resources.permissions."+id, perm, ynhPermKeys, nil)
			if u, ok := perm["url"]; ok {
				str("resources.permissions."+id+".url", u, ynhPathAbs)
			}
		}
	}
	if v, ok := res["ports"]; ok {
		for id, p := range table("resources.ports", v) {
			port := table("resources.ports."+id, p)
			closed("resources.ports."+id, port, ynhPortKeys, nil)
			if d, ok := port["default"]; ok {
				if _, ok := d.(int64); !ok {
					fail("resources.ports.%s.default: must be an integer", id)
				}
			}
		}
	}
	return problems
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// TestYunoHostManifestChecker makes sure the checker catches what the schema
// refuses, so that TestYunoHostManifest can fail.
func TestYunoHostManifestChecker(t *testing.T) {
	bad := `packaging_format = 1
id = "portee"
name = "Portée"
description.fr = "sans anglais"
version = "1.0"
maintainers = []
colour = "red"
[upstream]
website = "https://example.org"
[integration]
yunohost = "11.2"
architectures = ["amd64", "sparc"]
multi_instance = "maybe"
ldap = false
sso = false
[install.domain]
type = "fqdn"
[resources.sources.main]
amd64.url = "https://example.org/portee"
amd64.sha256 = "@SHA256_AMD64@"
`
	problems := strings.Join(checkYunoHostManifest([]byte(bad)), "\n")
	for _, want := range []string{"packaging_format", `unknown key "colour"`, "description: an English text",
		"version:", `upstream: "license" is required`, "integration.yunohost", "sparc",
		"integration.multi_instance", "install.domain.type", "amd64.sha256"} {
		if !strings.Contains(problems, want) {
			t.Errorf("the checker missed %q; it found:\n%s", want, problems)
		}
	}
}
