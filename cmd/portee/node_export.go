package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/internal/app"
)

// exportHead starts an exported hoster file.
const exportHead = "# Fichier hébergeur Portée, écrit par « portee node export » depuis la base du nœud.\n" +
	"# Portée hoster file, written by \"portee node export\" from the node's database.\n"

// runNodeExport is `portee node export`: the node's hoster, as the
// database holds it (edited in the dashboard when the node has no file),
// written to stdout as a hoster file.
func runNodeExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, _, err := parseConfig("node", args, stderr)
	if err != nil {
		return err
	}
	if c.DatabaseURL == "" {
		if _, err := os.Stat(c.dsn()); err != nil {
			return &app.ConfigError{Err: fmt.Errorf("PORTEE_DATA (--data): %s: %w", c.dsn(), err)}
		}
	}
	s, err := app.OpenStore(ctx, c.dsn())
	if err != nil {
		return err
	}
	defer s.Close()
	hs, err := s.LocalHosters(ctx)
	if err != nil {
		return err
	}
	if len(hs) != 1 {
		return &app.ConfigError{Err: fmt.Errorf("PORTEE_DATA (--data): the database holds %d local hosters, not one", len(hs))}
	}
	f, err := catalog.ExportHosterFile(ctx, s, &hs[0], app.ResolveLocation)
	if err != nil {
		return err
	}
	b, err := catalog.MarshalHosterFile(f, exportHead)
	if err != nil {
		return err
	}
	_, err = stdout.Write(b)
	return err
}
