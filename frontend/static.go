package frontend

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/labstack/echo/v4"
)

//go:embed static
var staticFS embed.FS

// asset is one static file, served at /static/<hash>/<name> so that it can
// be cached for a year: a new content gets a new URL.
type asset struct {
	name, hash, ctype string
	body, gz          []byte
}

type assets map[string]*asset

func loadAssets(extra map[string][]byte) (assets, error) {
	a := assets{}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		return a.add(strings.TrimPrefix(p, "static/"), b)
	})
	if err != nil {
		return nil, fmt.Errorf("frontend: static assets: %w", err)
	}
	for name, b := range extra {
		if err := a.add(name, b); err != nil {
			return nil, err
		}
	}
	return a, nil
}

func (a assets) add(name string, b []byte) error {
	sum := sha256.Sum256(b)
	ctype := mime.TypeByExtension(path.Ext(name))
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	var gz bytes.Buffer
	w, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("frontend: compress %s: %w", name, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("frontend: compress %s: %w", name, err)
	}
	a[name] = &asset{name: name, hash: hex.EncodeToString(sum[:5]), ctype: ctype, body: b, gz: gz.Bytes()}
	return nil
}

// URL is the content-hashed path of an asset. It panics on an unknown
// name: templates are executed once in New, so a typo fails at start.
func (a assets) URL(name string) string {
	x, ok := a[name]
	if !ok {
		panic("frontend: unknown asset " + name)
	}
	return "/static/" + x.hash + "/" + x.name
}

// serve answers /static/:hash/*. A stale hash is a 404, not the new file
// under the old immutable URL.
func (a assets) serve(c echo.Context) error {
	x, ok := a[c.Param("*")]
	if !ok || x.hash != c.Param("hash") {
		return errNotFound
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("Vary", "Accept-Encoding")
	if strings.Contains(c.Request().Header.Get("Accept-Encoding"), "gzip") {
		h.Set("Content-Encoding", "gzip")
		return c.Blob(http.StatusOK, x.ctype, x.gz)
	}
	return c.Blob(http.StatusOK, x.ctype, x.body)
}
