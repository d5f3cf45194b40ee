package catalog

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// ImportReport is what one import run of a ChatonsInfos federation or a
// Librehosters directory read and every problem it found.
type ImportReport struct {
	ID            int64          `db:"id" json:"id"`
	Kind          string         `db:"kind" json:"kind"` // SourceChatonsInfos or SourceLibrehosters
	SourceURL     string         `db:"source_url" json:"source_url"`
	StartedAt     time.Time      `db:"started_at" json:"started_at"`
	FinishedAt    time.Time      `db:"finished_at" json:"finished_at"`
	Files         int            `db:"files" json:"files"`
	Organizations int            `db:"organizations" json:"organizations"`
	Services      int            `db:"services" json:"services"`
	Error         string         `db:"error" json:"error,omitempty"`
	Problems      ImportProblems `db:"problems" json:"problems"`
}

// ImportProblem is one located problem of an import ("url:line: key: why").
type ImportProblem struct {
	Source string `json:"source"`
	Line   int    `json:"line,omitempty"`
	Key    string `json:"key,omitempty"`
	Reason string `json:"reason"`
}

// ImportProblems is stored as a JSON array in one column.
type ImportProblems []ImportProblem

// Scan implements sql.Scanner.
func (p *ImportProblems) Scan(src any) error { return scanJSON(src, (*[]ImportProblem)(p)) }

// maxReportProblems bounds what one report keeps: a federation of broken
// files must not fill the database.
const maxReportProblems = 2000

// SaveImportReport stores r and sets its ID. Only the newest reports of
// each source are kept (keep per source).
func (s *Store) SaveImportReport(ctx context.Context, r *ImportReport, keep int) error {
	probs := r.Problems
	if len(probs) > maxReportProblems {
		probs = probs[:maxReportProblems]
	}
	body, err := jsonList([]ImportProblem(probs))
	if err != nil {
		return fmt.Errorf("catalog: save import report: %w", err)
	}
	err = s.InTx(ctx, func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &r.ID, s.db.Rebind(`INSERT INTO import_reports (kind, source_url, started_at, finished_at, files,
			organizations, services, error, problems) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
			r.Kind, r.SourceURL, dbTime(r.StartedAt), dbTime(r.FinishedAt), r.Files, r.Organizations, r.Services, r.Error, body); err != nil {
			return err
		}
		if keep <= 0 {
			return nil
		}
		_, err := tx.ExecContext(ctx, s.db.Rebind(`DELETE FROM import_reports WHERE source_url = ? AND id NOT IN
			(SELECT id FROM import_reports WHERE source_url = ? ORDER BY id DESC LIMIT ?)`), r.SourceURL, r.SourceURL, keep)
		return err
	})
	if err != nil {
		return fmt.Errorf("catalog: save import report of %q: %w", r.SourceURL, err)
	}
	return nil
}

// ImportReports returns the newest reports first, at most limit.
func (s *Store) ImportReports(ctx context.Context, limit int) ([]ImportReport, error) {
	var rs []ImportReport
	if err := s.db.SelectContext(ctx, &rs, s.db.Rebind(`SELECT id, kind, source_url, started_at, finished_at, files,
		organizations, services, error, problems FROM import_reports ORDER BY id DESC`+s.limitOffset(limit, 0))); err != nil {
		return nil, fmt.Errorf("catalog: import reports: %w", err)
	}
	for i := range rs {
		rs[i].StartedAt = dbTime(rs[i].StartedAt)
		rs[i].FinishedAt = dbTime(rs[i].FinishedAt)
	}
	return rs, nil
}

// WebsiteHost is the host of a website URL, lower case, without "www." and
// port: a ChatonsInfos organisation and a Portée node with the same one
// are the same hoster.
func WebsiteHost(website string) string {
	u, err := url.Parse(strings.TrimSpace(website))
	if err != nil || u.Hostname() == "" {
		return ""
	}
	return strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
}

// HideImportedDuplicates hides the imported (ChatonsInfos, Librehosters)
// records of the hoster whose website host is websiteHost, once a signed
// Portée node publishes it: the record stops being discoverable and its
// offers are deleted, so that the hoster is never shown twice. It returns
// the ids of the hosters hidden.
func (s *Store) HideImportedDuplicates(ctx context.Context, websiteHost string, at time.Time) ([]int64, error) {
	if websiteHost == "" {
		return nil, nil
	}
	var rows []struct {
		ID      int64  `db:"id"`
		ActorID string `db:"actor_id"`
		Website string `db:"website"`
	}
	if err := s.db.SelectContext(ctx, &rows, s.db.Rebind(`SELECT id, actor_id, website FROM hosters WHERE source <> ? AND discoverable = ?`), SourcePortee, true); err != nil {
		return nil, fmt.Errorf("catalog: imported duplicates of %q: %w", websiteHost, err)
	}
	var hidden []int64
	for _, r := range rows {
		if WebsiteHost(r.Website) != websiteHost {
			continue
		}
		if _, err := s.DeleteHosterOffersExcept(ctx, r.ID, nil, at, WriteMeta{}); err != nil {
			return hidden, err
		}
		err := s.write(ctx, WriteMeta{}, func(tx *sqlx.Tx) (bool, error) {
			if _, err := tx.ExecContext(ctx, s.db.Rebind(`UPDATE hosters SET discoverable = ?, modified_at = ? WHERE id = ?`), false, dbTime(s.now()), r.ID); err != nil {
				return false, err
			}
			return true, s.appendChange(ctx, tx, Change{Kind: ChangeHoster, Op: OpUpsert, HosterID: r.ID, EntityID: r.ID, ObjectID: r.ActorID})
		})
		if err != nil {
			return hidden, fmt.Errorf("catalog: hide imported hoster %d: %w", r.ID, err)
		}
		hidden = append(hidden, r.ID)
	}
	return hidden, nil
}

// NodeByWebsiteHost returns a live Portée node's hoster whose website host
// is websiteHost, or ErrNotFound.
func (s *Store) NodeByWebsiteHost(ctx context.Context, websiteHost string) (*Hoster, error) {
	if websiteHost == "" {
		return nil, fmt.Errorf("catalog: node of website %q: %w", websiteHost, ErrNotFound)
	}
	var rows []struct {
		ID      int64  `db:"id"`
		Website string `db:"website"`
	}
	if err := s.db.SelectContext(ctx, &rows, s.db.Rebind(`SELECT id, website FROM hosters WHERE source = ? AND status <> ? AND website <> ''`),
		SourcePortee, HosterGone); err != nil {
		return nil, fmt.Errorf("catalog: node of website %q: %w", websiteHost, err)
	}
	for _, r := range rows {
		if WebsiteHost(r.Website) == websiteHost {
			return s.HosterByID(ctx, r.ID)
		}
	}
	return nil, fmt.Errorf("catalog: node of website %q: %w", websiteHost, ErrNotFound)
}

// ReplaceImportMembers records the organisations (hoster actor ids) source
// listed at this import and returns those it listed before and no longer
// does, and that no other source lists.
func (s *Store) ReplaceImportMembers(ctx context.Context, source string, actorIDs []string) ([]string, error) {
	var dropped []string
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		dropped = nil
		var before []string
		if err := tx.SelectContext(ctx, &before, s.db.Rebind(`SELECT actor_id FROM import_members WHERE source_url = ? ORDER BY actor_id`), source); err != nil {
			return err
		}
		now := map[string]bool{}
		for _, a := range actorIDs {
			now[a] = true
		}
		if _, err := tx.ExecContext(ctx, s.db.Rebind(`DELETE FROM import_members WHERE source_url = ?`), source); err != nil {
			return err
		}
		for a := range now {
			if _, err := tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO import_members (source_url, actor_id) VALUES (?, ?)`), source, a); err != nil {
				return err
			}
		}
		for _, a := range before {
			if now[a] {
				continue
			}
			var n int
			if err := tx.GetContext(ctx, &n, s.db.Rebind(`SELECT COUNT(*) FROM import_members WHERE actor_id = ?`), a); err != nil {
				return err
			}
			if n == 0 {
				dropped = append(dropped, a)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("catalog: import members of %q: %w", source, err)
	}
	return dropped, nil
}
