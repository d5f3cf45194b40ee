package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/internal/app"
)

const charterUsage = `Usage:
  portee charter load [--replace] [--data DIR | --database-url URL] FILE.yaml
      load a charter version (format of the shipped default charter)
  portee charter list
      list the loaded charter versions
`

// runCharter manages the charter versions of the catalog the directory
// uses; it works while the directory runs (the database serialises writes).
func runCharter(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, charterUsage)
		return &usageError{msg: "charter: missing sub-command (load or list)"}
	}
	sub, rest := args[0], args[1:]
	replace := false
	flags := rest[:0:0]
	for _, a := range rest {
		if a == "--replace" || a == "-replace" {
			replace = true
			continue
		}
		flags = append(flags, a)
	}
	c, pos, err := parseConfig("charter", flags, stderr)
	if err != nil {
		return err
	}
	switch sub {
	case "load":
		if len(pos) != 1 {
			return &usageError{msg: "charter load: give exactly one FILE.yaml\n" + charterUsage}
		}
		ch, err := catalog.LoadCharterFile(pos[0])
		if err != nil {
			return &app.ConfigError{Err: err}
		}
		if c.DatabaseURL == "" {
			if err := os.MkdirAll(c.DataDir, 0o750); err != nil {
				return err
			}
		}
		s, err := app.OpenStore(ctx, c.dsn())
		if err != nil {
			return err
		}
		defer s.Close()
		loaded, err := s.LoadCharter(ctx, ch, replace)
		if errors.Is(err, catalog.ErrCharterVersionExists) {
			return &usageError{msg: fmt.Sprintf("%s: version: %q is already loaded with another wording (use --replace to change it)", pos[0], ch.Version)}
		}
		if err != nil {
			return err
		}
		if loaded {
			fmt.Fprintf(stdout, "charte %s version %s chargée (%d engagements, %d axes)\n", ch.ID, ch.Version, len(ch.Commitments), len(ch.Axes))
		} else {
			fmt.Fprintf(stdout, "charte %s version %s déjà chargée, inchangée\n", ch.ID, ch.Version)
		}
		return nil
	case "list":
		s, err := app.OpenStore(ctx, c.dsn())
		if err != nil {
			return err
		}
		defer s.Close()
		vs, err := s.CharterVersions(ctx)
		if err != nil {
			return err
		}
		for _, v := range vs {
			fmt.Fprintf(stdout, "%s\t%s\t%d déclarations\t%s\n", v.ID, v.Version, v.Declarations, v.Title)
		}
		return nil
	default:
		fmt.Fprint(stderr, charterUsage)
		return &usageError{msg: fmt.Sprintf("charter: unknown sub-command %q", sub)}
	}
}
