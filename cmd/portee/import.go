package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/federation/chatonsinfos"
	"codeberg.org/portee/portee/federation/librehosters"
	"codeberg.org/portee/portee/internal/app"
)

const importUsage = `Usage:
  portee import chatonsinfos URL|FILE [--dry-run]   read a ChatonsInfos federation or organisation file
  portee import librehosters URL|FILE [--dry-run]   read a Librehosters directory.json or librehost.json

Without --dry-run the hosters and offers found are written to the catalog
(DATABASE_URL or the SQLite file in --data); with it, nothing is written and
everything that would be imported is printed, with every problem found.
`

// runImport is "portee import chatonsinfos|librehosters SOURCE".
func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != catalog.SourceChatonsInfos && args[0] != catalog.SourceLibrehosters) {
		fmt.Fprint(stderr, importUsage)
		return &usageError{msg: "import: say chatonsinfos or librehosters"}
	}
	kind := args[0]
	dry := false
	var rest []string
	for _, a := range args[1:] {
		if a == "--dry-run" || a == "-dry-run" {
			dry = true
			continue
		}
		rest = append(rest, a)
	}
	// Flags first, then the source (the flag package stops at the first
	// argument that is not a flag).
	var flags, pos []string
	for i := 0; i < len(rest); i++ {
		if strings.HasPrefix(rest[i], "-") {
			flags = append(flags, rest[i])
			if !strings.Contains(rest[i], "=") && i+1 < len(rest) && !strings.HasPrefix(rest[i+1], "-") && rest[i] != "-h" && rest[i] != "--help" {
				flags = append(flags, rest[i+1])
				i++
			}
			continue
		}
		pos = append(pos, rest[i])
	}
	c, _, err := parseConfig("import", flags, stderr)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fmt.Fprint(stderr, importUsage)
		return &usageError{msg: "import: give exactly one URL or file"}
	}
	src := pos[0]
	getter := chatonsinfos.FileGetter{Next: chatonsinfos.HTTPGetter{Client: app.ImportClient(c.AllowPrivate, appVersion())}, MaxSize: 1 << 20}
	bar := &crawlProgress{w: stderr}
	opts := chatonsinfos.Options{Resolve: app.ResolveLocation, Progress: bar.update}
	crawl := chatonsinfos.Crawl
	if kind == catalog.SourceLibrehosters {
		crawl = librehosters.Crawl
	}
	if dry {
		res, err := crawl(ctx, getter, src, opts)
		bar.done()
		if err != nil {
			return fmt.Errorf("%s: %w", src, err)
		}
		printDryRun(stdout, res)
		return nil
	}
	if err := os.MkdirAll(c.DataDir, 0o750); err != nil {
		return err
	}
	s, err := app.OpenStore(ctx, c.dsn())
	if err != nil {
		return err
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		return err
	}
	im := app.NewImporter(s, kind, nil, opts)
	im.Getter = getter
	im.Log = newLogger(c, io.Discard)
	rep, err := im.Import(ctx, src)
	bar.done()
	if err != nil {
		return fmt.Errorf("%s: %w", src, err)
	}
	for _, p := range rep.Problems {
		fmt.Fprintln(stdout, chatonsinfos.Problem(p).Error())
	}
	fmt.Fprintf(stdout, "importé / imported: %d organisations, %d services, %d fichiers / files, %d problèmes / problems (%s)\n",
		rep.Organizations, rep.Services, rep.Files, len(rep.Problems), rep.FinishedAt.Sub(rep.StartedAt).Round(time.Millisecond))
	return nil
}

func printDryRun(w io.Writer, res *chatonsinfos.Result) {
	orgs := 0
	for _, org := range res.Organizations {
		if org.Err != nil {
			fmt.Fprintf(w, "✗ %s\n    illisible / unusable: %v\n", org.URL, org.Err)
			continue
		}
		orgs++
		h := org.Hoster
		fmt.Fprintf(w, "● %s  <%s>\n", h.Name, org.URL)
		var facts []string
		for _, f := range []string{h.Website, strings.TrimSpace(h.PostalCode + " " + h.Commune), h.Email, h.OrgType, h.Status} {
			if f != "" {
				facts = append(facts, f)
			}
		}
		if h.HasCoords() {
			facts = append(facts, fmt.Sprintf("%.4f,%.4f", *h.Latitude, *h.Longitude))
		}
		fmt.Fprintf(w, "    %s\n", strings.Join(facts, " · "))
		for _, o := range org.Offers {
			fmt.Fprintf(w, "    - %-14s %s → %s  [%s, %s, %s]\n", o.Category, o.Name, o.URL, o.Software.Name, o.Registration, o.Load)
		}
	}
	probs := res.AllProblems()
	if len(probs) > 0 {
		fmt.Fprintf(w, "\nProblèmes / problems (%d):\n", len(probs))
		for _, p := range probs {
			fmt.Fprintf(w, "  %s\n", p.Error())
		}
	}
	fmt.Fprintf(w, "\n%d organisations, %d services, %d fichiers lus / files read, %d problèmes / problems — essai à blanc, rien n'est écrit / dry run, nothing written\n",
		orgs, res.Services(), res.Files, len(probs))
}

// crawlProgress draws the reindex progress bar for crawls of more than a
// few organisations (the crawl calls it from several goroutines).
type crawlProgress struct {
	w     io.Writer
	mu    sync.Mutex
	draw  func(done, total int)
	drawn bool
}

func (b *crawlProgress) update(done, total int) {
	if total < 5 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.draw == nil {
		b.draw = progressBar(b.w)
	}
	b.draw(done, total)
	b.drawn = true
}

func (b *crawlProgress) done() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.drawn {
		fmt.Fprintln(b.w)
		b.drawn = false
	}
}
