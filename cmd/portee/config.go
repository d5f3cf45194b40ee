package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// config is every setting, from flags first, then PORTEE_* variables (plus
// DATABASE_URL, MEILI_URL, MEILI_MASTER_KEY), then defaults.
type config struct {
	Listen       string
	BaseURL      string
	DataDir      string
	DatabaseURL  string
	MeiliURL     string
	MeiliKey     string
	MeiliIndex   string
	HosterFile   string
	Follow       []string
	FollowFile   string
	ChatonsInfos []string
	Librehosters []string
	AllowPrivate bool
	Refresh      time.Duration
	// ObservatoryBrowser is Chromium for the observatory's browser mode;
	// ObservatoryEvery 0 turns the scheduled observations off.
	ObservatoryBrowser string
	ObservatoryEvery   time.Duration
	LogLevel           slog.Level
	LogFormat          string
}

// usageError is invalid configuration: exit status 2, naming the setting.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func invalid(setting, value, reason string) error {
	return &usageError{msg: fmt.Sprintf("invalid configuration: %s: %q %s", setting, value, reason)}
}

// setting binds a flag to its environment variable so errors name both.
type setting struct {
	flag, env, def, help string
	value                *string
}

type settings struct {
	fs   *flag.FlagSet
	list []*setting
}

func newSettings(name string, out io.Writer) *settings {
	fs := flag.NewFlagSet("portee "+name, flag.ContinueOnError)
	fs.SetOutput(out)
	return &settings{fs: fs}
}

func (s *settings) add(flagName, env, def, help string) *string {
	v := new(string)
	st := &setting{flag: flagName, env: env, def: def, help: help, value: v}
	s.fs.StringVar(v, flagName, "", fmt.Sprintf("%s (env %s, default %q)", help, env, def))
	s.list = append(s.list, st)
	return v
}

// boolFlag is a string setting that the flag package treats as a boolean:
// "--allow-private-networks" alone means true and leaves the next argument
// alone (a string flag would take "--listen" as its value), while
// "--allow-private-networks=false" still works.
type boolFlag struct{ v *string }

func (b boolFlag) String() string {
	if b.v == nil {
		return ""
	}
	return *b.v
}

func (b boolFlag) Set(s string) error { *b.v = s; return nil }

func (b boolFlag) IsBoolFlag() bool { return true }

// addBool is add for a boolean setting; its value is parsed by the caller
// so that an invalid environment value is reported like any other.
func (s *settings) addBool(flagName, env, def, help string) *string {
	v := new(string)
	st := &setting{flag: flagName, env: env, def: def, help: help, value: v}
	s.fs.Var(boolFlag{v}, flagName, fmt.Sprintf("%s (env %s, default %q)", help, env, def))
	s.list = append(s.list, st)
	return v
}

// resolve applies env and defaults to flags that were not given.
func (s *settings) resolve(args []string) error {
	if err := s.fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &usageError{msg: err.Error()}
	}
	set := map[string]bool{}
	s.fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for _, st := range s.list {
		if set[st.flag] {
			continue
		}
		if v, ok := os.LookupEnv(st.env); ok && v != "" {
			*st.value = v
		} else {
			*st.value = st.def
		}
	}
	return nil
}

func (s *settings) name(flagName string) string {
	for _, st := range s.list {
		if st.flag == flagName {
			return fmt.Sprintf("%s (--%s)", st.env, st.flag)
		}
	}
	return "--" + flagName
}

// parseConfig reads the settings a role needs. roles: "node", "directory",
// "demo", "migrate", "reindex".
func parseConfig(role string, args []string, stderr io.Writer) (*config, []string, error) {
	s := newSettings(role, stderr)
	defListen := "127.0.0.1:8080"
	listen := s.add("listen", "PORTEE_LISTEN", defListen, "address to listen on")
	base := s.add("base-url", "PORTEE_BASE_URL", "", "public base URL (default http://<listen>)")
	data := s.add("data", "PORTEE_DATA", defaultDataDir(role), "data directory")
	dbURL := s.add("database-url", "DATABASE_URL", "", "catalog: postgres://… (default: SQLite file in the data directory)")
	meili := s.add("meili-url", "MEILI_URL", "", "Meilisearch URL (default: embedded index)")
	meiliKey := s.add("meili-master-key", "MEILI_MASTER_KEY", "", "Meilisearch key")
	meiliIndex := s.add("meili-index", "PORTEE_MEILI_INDEX", "offers", "Meilisearch index name")
	hoster := s.add("hoster-file", "PORTEE_HOSTER_FILE", "hoster.yaml", "node: the hoster file")
	follow := s.add("follow", "PORTEE_FOLLOW", "", "directory: nodes to follow, comma-separated user@host or actor URLs")
	followFile := s.add("follow-file", "PORTEE_FOLLOW_FILE", "", "directory: file with one node per line")
	allow := s.addBool("allow-private-networks", "PORTEE_ALLOW_PRIVATE_NETWORKS", "false", "allow requests to private and loopback addresses")
	refresh := s.add("refresh", "PORTEE_REFRESH_INTERVAL", "6h", "directory: how often each node is re-fetched")
	obsBrowser := s.add("observatory-browser", "PORTEE_OBSERVATORY_BROWSER", "", "directory: Chromium binary for the observatory's browser mode (e.g. /usr/bin/chromium)")
	obsEvery := s.add("observatory-interval", "PORTEE_OBSERVATORY_INTERVAL", "24h", "directory: how often each hoster's sites are observed (0: never)")
	level := s.add("log-level", "PORTEE_LOG_LEVEL", "info", "debug, info, warn or error")
	format := s.add("log-format", "PORTEE_LOG_FORMAT", "text", "text or json")
	imports := s.addImportSources()
	if err := s.resolve(args); err != nil {
		return nil, nil, err
	}
	c := &config{
		Listen: *listen, BaseURL: strings.TrimRight(*base, "/"), DataDir: *data, DatabaseURL: *dbURL,
		MeiliURL: strings.TrimRight(*meili, "/"), MeiliKey: *meiliKey, MeiliIndex: *meiliIndex,
		HosterFile: *hoster, FollowFile: *followFile, LogFormat: *format,
	}
	if _, port, err := net.SplitHostPort(c.Listen); err != nil {
		return nil, nil, invalid(s.name("listen"), c.Listen, "is not host:port")
	} else if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		return nil, nil, invalid(s.name("listen"), c.Listen, "has no valid port")
	}
	if c.BaseURL != "" {
		if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return nil, nil, invalid(s.name("base-url"), c.BaseURL, "is not an http(s) URL without path")
		}
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		return nil, nil, invalid(s.name("database-url"), redactDSN(c.DatabaseURL), "is not a postgres:// URL (leave it empty for the embedded SQLite catalog)")
	}
	if c.DatabaseURL != "" {
		if _, err := url.Parse(c.DatabaseURL); err != nil {
			return nil, nil, invalid(s.name("database-url"), redactDSN(c.DatabaseURL), "is not a valid URL (percent-encode special characters in the user name and password)")
		}
	}
	if c.MeiliURL != "" {
		if u, err := url.Parse(c.MeiliURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, nil, invalid(s.name("meili-url"), c.MeiliURL, "is not an http(s) URL")
		}
	}
	var err error
	if c.AllowPrivate, err = strconv.ParseBool(*allow); err != nil {
		return nil, nil, invalid(s.name("allow-private-networks"), *allow, "is not a boolean (true or false)")
	}
	if c.Refresh, err = time.ParseDuration(*refresh); err != nil || c.Refresh < time.Second {
		return nil, nil, invalid(s.name("refresh"), *refresh, "is not a duration of at least 1s (e.g. 30m, 6h)")
	}
	if c.ObservatoryEvery, err = time.ParseDuration(*obsEvery); err != nil || (c.ObservatoryEvery != 0 && c.ObservatoryEvery < time.Minute) {
		return nil, nil, invalid(s.name("observatory-interval"), *obsEvery, "is not 0 or a duration of at least 1m (e.g. 24h)")
	}
	if c.ObservatoryBrowser = *obsBrowser; c.ObservatoryBrowser != "" {
		if st, err := os.Stat(c.ObservatoryBrowser); err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
			return nil, nil, invalid(s.name("observatory-browser"), c.ObservatoryBrowser, "is not an executable file")
		}
	}
	if err := c.LogLevel.UnmarshalText([]byte(*level)); err != nil {
		return nil, nil, invalid(s.name("log-level"), *level, "is not one of debug, info, warn, error")
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return nil, nil, invalid(s.name("log-format"), c.LogFormat, "is not one of text, json")
	}
	for _, f := range strings.Split(*follow, ",") {
		if f = strings.TrimSpace(f); f != "" {
			c.Follow = append(c.Follow, f)
		}
	}
	if c.FollowFile != "" {
		more, err := readFollowFile(c.FollowFile)
		if err != nil {
			return nil, nil, err
		}
		c.Follow = append(c.Follow, more...)
	}
	for _, f := range c.Follow {
		if err := checkFollowTarget(f); err != nil {
			return nil, nil, invalid(s.name("follow"), f, err.Error())
		}
	}
	if err := imports.resolve(c); err != nil {
		return nil, nil, err
	}
	if c.DataDir == "" && role != "demo" {
		return nil, nil, invalid(s.name("data"), "", "must not be empty")
	}
	return c, s.fs.Args(), nil
}

func defaultDataDir(role string) string {
	if role == "demo" {
		return "" // a temporary directory
	}
	return "portee-data"
}

// dsn is the catalog location for this config.
func (c *config) dsn() string {
	if c.DatabaseURL != "" {
		return c.DatabaseURL
	}
	return filepath.Join(c.DataDir, "portee.db")
}

func checkFollowTarget(f string) error {
	if strings.HasPrefix(f, "http://") || strings.HasPrefix(f, "https://") {
		if u, err := url.Parse(f); err != nil || u.Host == "" {
			return errors.New("is not a valid actor URL")
		}
		return nil
	}
	user, host, ok := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(f, "acct:"), "@"), "@")
	if !ok || user == "" || host == "" || strings.ContainsAny(host, "/ ") {
		return errors.New("is neither user@host nor an http(s) actor URL")
	}
	return nil
}

// readFollowFile reads one target per line; # starts a comment. Errors
// name the file and the line.
func readFollowFile(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &usageError{msg: fmt.Sprintf("invalid configuration: PORTEE_FOLLOW_FILE (--follow-file): %v", err)}
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		t := strings.TrimSpace(sc.Text())
		if i := strings.Index(t, "#"); i >= 0 {
			t = strings.TrimSpace(t[:i])
		}
		if t == "" {
			continue
		}
		if err := checkFollowTarget(t); err != nil {
			return nil, &usageError{msg: fmt.Sprintf("%s:%d: %q %s", path, line, t, err)}
		}
		out = append(out, t)
	}
	if err := sc.Err(); err != nil {
		return nil, &usageError{msg: fmt.Sprintf("%s: %v", path, err)}
	}
	return out, nil
}

// redactDSN hides a password in a connection URL before it is printed.
func redactDSN(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		// Unparsable: hide whatever stands between the scheme and the last @.
		if i := strings.Index(s, "://"); i >= 0 {
			if j := strings.LastIndex(s[i+3:], "@"); j >= 0 {
				return s[:i+3] + "xxxxx" + s[i+3+j:]
			}
		}
		return s
	}
	if u.User == nil {
		return s
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

func newLogger(c *config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
