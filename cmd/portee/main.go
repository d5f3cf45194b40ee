// Command portee runs a Portée node (one hoster), a directory (many
// hosters, search and public pages) or the demo (both, on loopback).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"codeberg.org/portee/portee/internal/app"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = ""

func appVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "0.1.0-dev"
}

const usage = `Portée — annuaire fédéré des hébergeurs CHATONS / federated directory of CHATONS hosters

Usage:
  portee demo [--listen 127.0.0.1:8080] [--data DIR]   a directory and five demo nodes on loopback
  portee node --hoster-file hoster.yaml                 serve one hoster over ActivityPub (dashboard: /gestion)
  portee node export [--data DIR] > hoster.yaml         write the node's hoster, from its database, as a hoster file
  portee directory --follow user@host,…                 follow nodes, index them, serve search
  portee migrate                                        apply database migrations and exit
  portee reindex [--check]                              rebuild (or compare) the search index
  portee import chatonsinfos|librehosters URL|FILE [--dry-run]
                                                        read ChatonsInfos / Librehosters files into the catalog
  portee healthcheck [--url URL]                        exit 0 when /healthz answers ok
  portee user add|passwd|disable|list                  manage staff accounts (see "portee user")
  portee charter load [--replace] FILE.yaml             load a charter version (charter list: the versions)
  portee version

Every flag has a PORTEE_* environment variable (see "portee <command> -h");
DATABASE_URL, MEILI_URL and MEILI_MASTER_KEY are read too.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run returns the exit status: 0 ok, 1 runtime failure, 2 invalid
// configuration or input file.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch cmd, rest := args[0], args[1:]; cmd {
	case "node":
		err = runNode(ctx, rest, stdout, stderr)
	case "directory":
		err = runDirectory(ctx, rest, stdout, stderr)
	case "demo":
		err = runDemo(ctx, rest, stdout, stderr)
	case "migrate":
		err = runMigrate(ctx, rest, stdout, stderr)
	case "reindex":
		err = runReindex(ctx, rest, stdout, stderr)
	case "import":
		err = runImport(ctx, rest, stdout, stderr)
	case "healthcheck":
		err = runHealthcheck(ctx, rest, stdout, stderr)
	case "user":
		err = runUser(ctx, rest, stdout, stderr)
	case "charter":
		err = runCharter(ctx, rest, stdout, stderr)
	case "version", "--version":
		fmt.Fprintf(stdout, "portee %s\n", appVersion())
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "portee: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	return exitStatus(err, stderr)
}

func exitStatus(err error, stderr io.Writer) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintf(stderr, "portee: %v\n", err)
	var ue *usageError
	var ce *app.ConfigError
	if errors.As(err, &ue) || errors.As(err, &ce) {
		return 2
	}
	return 1
}

// sighup delivers SIGHUP as a channel for the roles that reload files.
func sighup() (<-chan os.Signal, func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGHUP)
	return ch, func() { signal.Stop(ch) }
}

func runHealthcheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("portee healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	u := fs.String("url", "http://127.0.0.1:8080/healthz", "health URL to check")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &usageError{msg: err.Error()}
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *u, nil)
	if err != nil {
		return &usageError{msg: fmt.Sprintf("invalid configuration: --url: %v", err)}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %s", *u, resp.Status)
	}
	fmt.Fprintln(stdout, "ok")
	return nil
}
