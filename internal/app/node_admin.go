package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/federation/vocab"
	"codeberg.org/portee/portee/frontend"
	"codeberg.org/portee/portee/frontend/auth"
)

// The node's dashboard edits the hoster through these methods (Node is the
// frontend.HosterSource of its dashboard). There is one source of truth at
// a time: the hoster file when the node has one, else the database. A save
// goes through the same reconcile as a hand edit of the file, so it writes
// the same change rows and federates the same way.

// setupLinkTTL is how long the first start's set-up link works.
const setupLinkTTL = 24 * time.Hour

// SourceFile is the hoster file the node reads, "" when the database is
// the source.
func (n *Node) SourceFile() string { return n.opts.HosterFile }

// fileVersion names one content of the hoster: the dashboard's forms carry
// it, and a save whose version is no longer the current one is a conflict.
func fileVersion(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:12])
}

// current returns the hoster's current YAML: the file's bytes, or the
// export of the database.
func (n *Node) current(ctx context.Context) ([]byte, error) {
	if n.opts.HosterFile != "" {
		data, err := os.ReadFile(n.opts.HosterFile)
		if err != nil {
			return nil, fmt.Errorf("app: hoster file: %w", err)
		}
		return data, nil
	}
	f, err := n.Export(ctx)
	if err != nil {
		return nil, err
	}
	return catalog.MarshalHosterFile(f, "")
}

// Export is the hoster as a hoster file, from the database (`portee node
// export`).
func (n *Node) Export(ctx context.Context) (*catalog.HosterFile, error) {
	h, err := n.Store.HosterByActor(ctx, vocab.Paths{Base: n.opts.BaseURL}.Actor(n.Username))
	if err != nil {
		return nil, err
	}
	return catalog.ExportHosterFile(ctx, n.Store, h, ResolveLocation)
}

// LoadHoster returns the hoster as the dashboard edits it, and its version.
func (n *Node) LoadHoster(ctx context.Context) (*catalog.HosterFile, string, error) {
	data, err := n.current(ctx)
	if err != nil {
		return nil, "", err
	}
	f, err := catalog.DecodeHosterFile(data)
	if err != nil {
		return nil, "", err
	}
	return f, fileVersion(data), nil
}

// SaveHoster validates f, then writes it to the hoster file (keeping the
// previous content as <file>.bak) and applies it with the file watcher's
// reconcile; without a file it reconciles the database directly. A version
// that is no longer current gives frontend.ErrConflict and writes nothing;
// an invalid f gives the validation errors (catalog.FileErrors or
// *catalog.FileError) and writes nothing.
func (n *Node) SaveHoster(ctx context.Context, f *catalog.HosterFile, version string) error {
	n.saveMu.Lock()
	defer n.saveMu.Unlock()
	cur, err := n.current(ctx)
	if err != nil {
		return err
	}
	if version != fileVersion(cur) {
		return frontend.ErrConflict
	}
	name := n.opts.HosterFile
	if name == "" {
		name = "hoster.yaml"
	}
	data, err := catalog.MarshalHosterFile(f, catalog.HeadComment(cur))
	if err != nil {
		return err
	}
	l, err := catalog.ParseHosterFile(name, data, ResolveLocation, func(id, version string) (*catalog.Charter, error) {
		return n.Store.Charter(ctx, id, version)
	})
	if err != nil {
		return err
	}
	if l.Hoster.Username != n.Username {
		return &catalog.FileError{File: name, Field: "username", Value: l.Hoster.Username, Reason: "cannot change: it is the node's ActivityPub identity"}
	}
	if n.opts.HosterFile == "" {
		n.mu.Lock()
		defer n.mu.Unlock()
		return n.apply(ctx, l)
	}
	if err := writeWithBackup(n.opts.HosterFile, cur, data); err != nil {
		return err
	}
	return n.reconcile(ctx, true)
}

// writeWithBackup replaces path by data atomically (a temporary file in the
// same directory renamed over it), after writing old to path.bak.
func writeWithBackup(path string, old, data []byte) error {
	mode := os.FileMode(0o640)
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
	}
	if err := writeAtomic(path+".bak", old, mode); err != nil {
		return err
	}
	return writeAtomic(path, data, mode)
}

func writeAtomic(path string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("app: write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("app: write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("app: write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("app: write %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), mode); err != nil {
		return fmt.Errorf("app: write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("app: write %s: %w", path, err)
	}
	return nil
}

// setupAccount gives a node that nobody can sign in to yet a way in: on
// the very first start (no account at all) it creates an admin account
// (the hoster's contact address, else admin@<host>) and logs a one-time
// set-up link valid 24 h; while no account has a password yet, each start
// logs a fresh link.
func (n *Node) setupAccount(ctx context.Context) error {
	as, err := n.Store.Accounts(ctx)
	if err != nil {
		return err
	}
	for _, a := range as {
		if a.PasswordHash != "" && !a.Disabled {
			return nil
		}
	}
	var acct *catalog.Account
	for i := range as {
		if as[i].Role == catalog.RoleAdmin && !as[i].Disabled {
			acct = &as[i]
			break
		}
	}
	if acct == nil && len(as) == 0 {
		u, _ := url.Parse(n.URL)
		email := "admin@" + u.Hostname()
		if h, err := n.Store.HosterByActor(ctx, vocab.Paths{Base: n.opts.BaseURL}.Actor(n.Username)); err == nil && h.Email != "" {
			email = h.Email
		}
		acct = &catalog.Account{Email: email, Role: catalog.RoleAdmin}
		if err := n.Store.CreateAccount(ctx, acct, catalog.StaffRef{Email: "setup"}); err != nil && !errors.Is(err, catalog.ErrExists) {
			return err
		}
	}
	if acct == nil {
		return nil
	}
	link, err := auth.NewSignInLink(ctx, n.Store, n.URL, acct.ID, setupLinkTTL, time.Now())
	if err != nil {
		return err
	}
	n.log.Warn("no dashboard account has a password yet: open this one-time set-up link (valid 24 h) to choose one",
		"email", acct.Email, "link", link)
	return nil
}
