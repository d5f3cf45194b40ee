package main

import (
	"codeberg.org/portee/portee/search/gazetteer"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"codeberg.org/portee/portee/internal/app"
	"codeberg.org/portee/portee/internal/demo"
	"codeberg.org/portee/portee/search"
)

func runNode(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "export" {
		return runNodeExport(ctx, args[1:], stdout, stderr)
	}
	c, _, err := parseConfig("node", args, stderr)
	if err != nil {
		return err
	}
	log := newLogger(c, stderr)
	if err := prepareDataDir(c.DataDir, c.DatabaseURL == "", log); err != nil {
		return err
	}
	smallFootprint()
	n, err := app.StartNode(ctx, app.NodeOptions{
		Listen: c.Listen, BaseURL: c.BaseURL, DSN: c.dsn(), HosterFile: c.HosterFile,
		AllowPrivate: c.AllowPrivate, Logger: log, Version: appVersion(),
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Nœud Portée : %s (%s)\n", n.URL, n.Acct())
	hup, stop := sighup()
	defer stop()
	for {
		select {
		case <-ctx.Done():
			return n.Close()
		case <-hup:
			log.Info("SIGHUP: reloading hoster file")
			n.Reload()
		}
	}
}

// nodeMemoryLimit is the node's default soft memory limit (GOMEMLIMIT
// overrides it): a node runs beside a hoster's other services, on
// Raspberry Pi-class machines, and its live heap is a few MB.
const nodeMemoryLimit = 32 << 20

// smallFootprint trims an idle node's memory: the gazetteer (about 11 MB)
// is dropped a minute after the node last resolved its address, and the
// garbage collector works to stay under nodeMemoryLimit. An idle node's
// VmRSS (linux/amd64, /proc/PID/status, 80 s after start) went from about
// 59 MB to 46 MB, half of it the binary's own pages.
func smallFootprint() {
	gazetteer.ReleaseWhenIdle(time.Minute)
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(nodeMemoryLimit)
	}
}

func runDirectory(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, _, err := parseConfig("directory", args, stderr)
	if err != nil {
		return err
	}
	log := newLogger(c, stderr)
	if err := prepareDataDir(c.DataDir, c.DatabaseURL == "", log); err != nil {
		return err
	}
	d, err := app.StartDirectory(ctx, app.DirectoryOptions{
		Listen: c.Listen, BaseURL: c.BaseURL, DSN: c.dsn(), DataDir: c.DataDir,
		MeiliURL: c.MeiliURL, MeiliKey: c.MeiliKey, MeiliIndex: c.MeiliIndex,
		Follow: c.Follow, AllowPrivate: c.AllowPrivate, RefreshEvery: c.Refresh,
		ChatonsInfos: c.ChatonsInfos, Librehosters: c.Librehosters,
		Logger: log, Version: appVersion(),
		Observatory: app.ObservatoryOptions{Browser: c.ObservatoryBrowser, Every: c.ObservatoryEvery, Off: c.ObservatoryEvery == 0},
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Annuaire Portée : %s (recherche : %s)\n", d.URL, d.Index.Name())
	<-ctx.Done()
	return d.Close()
}

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, _, err := parseConfig("demo", args, stderr)
	if err != nil {
		return err
	}
	log := newLogger(c, stderr)
	d, err := demo.Start(ctx, demo.Options{
		Listen: c.Listen, DataDir: c.DataDir, DatabaseURL: c.DatabaseURL,
		MeiliURL: c.MeiliURL, MeiliKey: c.MeiliKey, MeiliIndex: c.MeiliIndex,
		Logger: log, Version: appVersion(), ObservatoryBrowser: c.ObservatoryBrowser,
	})
	if err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	if err := d.WaitFederated(wctx); err != nil {
		log.Warn("demo: federation not complete yet", "err", err)
	}
	cancel()
	password, err := d.SeedStaff(ctx, os.Getenv("PORTEE_DEMO_PASSWORD"))
	if err != nil {
		d.Close()
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\nPortée — démo prête / demo ready\n\n  Annuaire / directory : %s/\n", d.DirectoryURL())
	fmt.Fprintf(&b, "  Recherche / search   : %s/recherche?q=pad&near=44600\n", d.DirectoryURL())
	fmt.Fprintf(&b, "  Conformité / compliance : %s/conformite (statistiques : %s/statistiques)\n", d.DirectoryURL(), d.DirectoryURL())
	fmt.Fprintf(&b, "  API                  : %s/api/v1/search?q=pad&near=44600\n\n  Nœuds / nodes :\n", d.DirectoryURL())
	for _, n := range d.Nodes {
		fmt.Fprintf(&b, "    %-36s %s\n      fichier / file : %s\n", n.Acct(), n.URL, d.HosterFile(n.Username))
		fmt.Fprintf(&b, "      gestion / dashboard : %s/gestion  (%s)\n", n.URL, demo.NodeAdminEmail(n.Username))
	}
	fmt.Fprintf(&b, "\n  Tableau de bord / dashboard : %s/tableau-de-bord\n    %s (admin), %s (audit)\n    mot de passe / password : %s (aussi pour / also for the nodes' dashboards)\n", d.DirectoryURL(), demo.AdminEmail, demo.AuditorEmail, password)
	fmt.Fprintf(&b, "\n  ChatonsInfos importé / imported : %s\n", d.ChatonsInfos.FederationURL())
	fmt.Fprintf(&b, "\n  Données / data : %s\n  Modifiez un fichier hébergeur : l'annuaire suit en moins de 2 s. Ctrl-C pour arrêter.\n", d.DataDir)
	fmt.Fprint(stdout, b.String())

	hup, stop := sighup()
	defer stop()
	for {
		select {
		case <-ctx.Done():
			fmt.Fprintln(stdout, "\nArrêt… / stopping…")
			return d.Close()
		case <-hup:
			for _, n := range d.Nodes {
				n.Reload()
			}
		}
	}
}

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, _, err := parseConfig("migrate", args, stderr)
	if err != nil {
		return err
	}
	if c.DatabaseURL == "" {
		if err := prepareDataDir(c.DataDir, true, newLogger(c, stderr)); err != nil {
			return err
		}
	}
	s, err := app.OpenStore(ctx, c.dsn())
	if err != nil {
		return err
	}
	defer s.Close()
	applied, err := s.Migrate(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "migrations à jour (%s)\n", s.Engine())
	_ = applied
	return nil
}

func runReindex(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	check := false
	rest := args[:0:0]
	for _, a := range args {
		if a == "--check" || a == "-check" {
			check = true
			continue
		}
		rest = append(rest, a)
	}
	c, _, err := parseConfig("reindex", rest, stderr)
	if err != nil {
		return err
	}
	s, err := app.OpenStore(ctx, c.dsn())
	if err != nil {
		return err
	}
	defer s.Close()
	var idx search.Index
	consumer := ""
	if c.MeiliURL != "" {
		m, err := search.NewMeili(c.MeiliURL, c.MeiliKey, c.MeiliIndex)
		if err != nil {
			return &app.ConfigError{Err: fmt.Errorf("MEILI_URL: %w", err)}
		}
		idx, consumer = m, "search:meilisearch:"+c.MeiliIndex
	} else {
		e, err := search.NewEmbedded(filepath.Join(c.DataDir, "index"))
		if err != nil {
			return err
		}
		idx, consumer = e, "search:embedded"
	}
	defer idx.Close()
	if err := idx.Configure(ctx); err != nil {
		return err
	}
	if check {
		diff, err := search.Check(ctx, s, idx)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, diff)
		if !diff.Empty() {
			return fmt.Errorf("index differs from the catalog")
		}
		return nil
	}
	last, err := s.LastSeq(ctx)
	if err != nil {
		return err
	}
	start := time.Now()
	err = search.Reindex(ctx, s, idx, progressBar(stdout))
	if err != nil {
		return err
	}
	// The index now reflects the catalog up to at least last.
	if err := s.SetCursor(ctx, consumer, last); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nindex %s reconstruit en %s\n", idx.Name(), time.Since(start).Round(time.Millisecond))
	return nil
}

// progressBar draws "[#####.....] 512/1000" on one terminal line.
func progressBar(w io.Writer) func(done, total int) {
	last := -1
	return func(done, total int) {
		if done == last {
			return
		}
		last = done
		const width = 30
		filled := width
		if total > 0 {
			filled = done * width / total
		}
		fmt.Fprintf(w, "\r[%s%s] %d/%d", strings.Repeat("#", filled), strings.Repeat(".", width-filled), done, total)
	}
}
