package catalog

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
)

// Audit states.
const (
	AuditDraft     = "draft"     // staff only, saved as auditors go
	AuditPublished = "published" // public and immutable
)

// Verdicts on one commitment. Empty means "not judged yet" in a draft.
const (
	VerdictConforme      = "conforme"
	VerdictPartiel       = "partiel"
	VerdictNonConforme   = "non-conforme"
	VerdictNonVerifiable = "non-verifiable" // nothing observable, nothing published
	VerdictSansObjet     = "sans-objet"
)

// Verdicts lists the verdict values in the order pages show them.
var Verdicts = []string{VerdictConforme, VerdictPartiel, VerdictNonConforme, VerdictNonVerifiable, VerdictSansObjet}

// ValidVerdict tells whether v is a verdict value or empty.
func ValidVerdict(v string) bool { return v == "" || slices.Contains(Verdicts, v) }

// ChangeAudit is the change kind of a published or received audit.
const ChangeAudit = "audit"

// Audit errors.
var (
	// ErrPublished: the audit is published and cannot change any more; a
	// correction is a new audit that supersedes it.
	ErrPublished = errors.New("catalog: audit is published")
	// ErrConflict: someone else saved the same commitment since the editor
	// loaded it.
	ErrConflict = errors.New("catalog: edited by someone else meanwhile")
)

// MaxAuditText bounds a comment or a note (bytes).
const MaxAuditText = 20000

// DeclarationSnapshot is a copy of the hoster's declaration kept in an
// audit (JSON in one column).
type DeclarationSnapshot CharterDeclaration

// Value implements driver.Valuer.
func (d DeclarationSnapshot) Value() (driver.Value, error) {
	b, err := json.Marshal(CharterDeclaration(d))
	return string(b), err
}

// Scan implements sql.Scanner.
func (d *DeclarationSnapshot) Scan(src any) error { return scanJSON(src, (*CharterDeclaration)(d)) }

// Audit is the collective's verdict on one hoster against one charter
// version. On a directory, Received is false; on a node, audits delivered by
// directories have Received true and PublisherActor the directory's actor.
type Audit struct {
	ID                 int64               `db:"id"`
	HosterID           int64               `db:"hoster_id"`
	HosterActor        string              `db:"hoster_actor"`
	CharterID          string              `db:"charter_id"`
	CharterVersion     string              `db:"charter_version"`
	State              string              `db:"state"`
	Received           bool                `db:"received"`
	PublisherActor     string              `db:"publisher_actor"`
	ObjectID           string              `db:"object_id"` // '' until published
	Declaration        DeclarationSnapshot `db:"declaration"`
	DeclarationUpdated *time.Time          `db:"declaration_updated"`
	Auditors           StringList          `db:"auditors"`
	OpenedAt           time.Time           `db:"opened_at"`
	PublishedAt        *time.Time          `db:"published_at"`
	DueAt              time.Time           `db:"due_at"`
	Supersedes         *int64              `db:"supersedes"`
	CreatedAt          time.Time           `db:"created_at"`
	UpdatedAt          time.Time           `db:"updated_at"`

	Verdicts []Verdict `db:"-"`
}

// Verdict is an audit's judgement of one commitment.
type Verdict struct {
	AuditID       int64      `db:"audit_id" json:"-"`
	Commitment    string     `db:"commitment_id" json:"commitment"`
	Verdict       string     `db:"verdict" json:"verdict"`
	Evidence      StringList `db:"evidence" json:"evidence,omitempty"`
	PublicComment string     `db:"public_comment" json:"comment,omitempty"`
	PrivateNote   string     `db:"private_note" json:"-"` // never leaves the dashboard
	Revision      int        `db:"revision" json:"-"`
	UpdatedBy     string     `db:"updated_by" json:"-"`
	UpdatedAt     time.Time  `db:"updated_at" json:"-"`
}

// VerdictEdit is one commitment as an auditor saved it. BaseRevision is the
// revision the form showed (0 when there was no row): a different current
// revision means someone else saved it meanwhile.
type VerdictEdit struct {
	Verdict
	BaseRevision int
}

// Verdict returns the verdict on commitment, or a zero Verdict.
func (a *Audit) Verdict(commitment string) Verdict {
	for _, v := range a.Verdicts {
		if v.Commitment == commitment {
			return v
		}
	}
	return Verdict{}
}

const auditCols = `id, hoster_id, hoster_actor, charter_id, charter_version, state, received, publisher_actor,
	COALESCE(object_id, '') AS object_id, declaration, declaration_updated, auditors, opened_at, published_at,
	due_at, supersedes, created_at, updated_at`

const verdictCols = `audit_id, commitment_id, verdict, evidence, public_comment, private_note, revision, updated_by, updated_at`

func (a *Audit) normalize() {
	a.DeclarationUpdated = dbTimePtr(a.DeclarationUpdated)
	a.OpenedAt = dbTime(a.OpenedAt)
	a.PublishedAt = dbTimePtr(a.PublishedAt)
	a.DueAt = dbTime(a.DueAt)
	a.CreatedAt = dbTime(a.CreatedAt)
	a.UpdatedAt = dbTime(a.UpdatedAt)
	a.Declaration.Updated = dbTime(a.Declaration.Updated)
	a.Declaration.CreatedAt = dbTime(a.Declaration.CreatedAt)
	for i := range a.Verdicts {
		a.Verdicts[i].UpdatedAt = dbTime(a.Verdicts[i].UpdatedAt)
	}
}

// OpenAudit starts a draft audit of the hoster against a charter version,
// or returns the draft already open for that hoster (created false), so
// that several auditors work on one draft. The draft keeps a copy of the
// hoster's declaration as it is now, supersedes the hoster's latest
// published audit, and is due one year after it opens unless due is set.
func (s *Store) OpenAudit(ctx context.Context, hosterID int64, charterID, charterVersion string, due time.Time, by StaffRef) (a *Audit, created bool, err error) {
	var id int64
	err = s.write(ctx, WriteMeta{}, func(tx *sqlx.Tx) (bool, error) {
		var h struct {
			ActorID string `db:"actor_id"`
		}
		if err := tx.GetContext(ctx, &h, s.db.Rebind(`SELECT actor_id FROM hosters WHERE id = ?`), hosterID); err != nil {
			return false, notFound(err)
		}
		var drafts []int64
		if err := tx.SelectContext(ctx, &drafts, s.db.Rebind(`SELECT id FROM audits WHERE hoster_id = ? AND state = ? AND received = ? ORDER BY id`+s.forUpdate()), hosterID, AuditDraft, false); err != nil {
			return false, err
		}
		if len(drafts) > 0 {
			id = drafts[0]
			return false, nil
		}
		var snap DeclarationSnapshot
		var declUpdated *time.Time
		var d CharterDeclaration
		switch err := tx.GetContext(ctx, &d, s.db.Rebind(`SELECT `+declarationCols+` FROM declarations WHERE hoster_id = ?`), hosterID); {
		case err == nil:
			d.normalize()
			snap = DeclarationSnapshot(d)
			declUpdated = &d.Updated
		case !errors.Is(err, sql.ErrNoRows):
			return false, err
		}
		var prev []int64
		if err := tx.SelectContext(ctx, &prev, s.db.Rebind(`SELECT id FROM audits WHERE hoster_id = ? AND state = ? AND received = ? ORDER BY published_at DESC, id DESC LIMIT 1`),
			hosterID, AuditPublished, false); err != nil {
			return false, err
		}
		var supersedes *int64
		if len(prev) > 0 {
			supersedes = &prev[0]
		}
		now := dbTime(s.now())
		if due.IsZero() {
			due = now.AddDate(1, 0, 0)
		}
		var auditors StringList
		if by.Email != "" {
			auditors = StringList{by.Email}
		}
		var err error
		id, err = s.insertID(ctx, tx, `INSERT INTO audits (hoster_id, hoster_actor, charter_id, charter_version, state, received, publisher_actor,
			declaration, declaration_updated, auditors, opened_at, due_at, supersedes, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, '', ?, ?, ?, ?, ?, ?, ?, ?)`,
			hosterID, h.ActorID, charterID, charterVersion, AuditDraft, false, snap, declUpdated, auditors, now, dbTime(due), supersedes, now, now)
		if err != nil {
			return false, err
		}
		created = true
		return false, s.logTx(ctx, tx, by, "audit.open", strconv.FormatInt(id, 10), h.ActorID)
	})
	if err != nil {
		return nil, false, fmt.Errorf("catalog: open audit of hoster %d: %w", hosterID, err)
	}
	a, err = s.AuditByID(ctx, id)
	return a, created, err
}

// AuditByID returns an audit with its verdicts, or ErrNotFound.
func (s *Store) AuditByID(ctx context.Context, id int64) (*Audit, error) {
	var a Audit
	if err := s.db.GetContext(ctx, &a, s.db.Rebind(`SELECT `+auditCols+` FROM audits WHERE id = ?`), id); err != nil {
		return nil, fmt.Errorf("catalog: audit %d: %w", id, notFound(err))
	}
	if err := s.db.SelectContext(ctx, &a.Verdicts, s.db.Rebind(`SELECT `+verdictCols+` FROM audit_verdicts WHERE audit_id = ? ORDER BY commitment_id`), id); err != nil {
		return nil, fmt.Errorf("catalog: audit %d verdicts: %w", id, err)
	}
	a.normalize()
	return &a, nil
}

// AuditByObjectID returns an audit by its ActivityPub id, or ErrNotFound.
func (s *Store) AuditByObjectID(ctx context.Context, objectID string) (*Audit, error) {
	var id int64
	if err := s.db.GetContext(ctx, &id, s.db.Rebind(`SELECT id FROM audits WHERE object_id = ?`), objectID); err != nil {
		return nil, fmt.Errorf("catalog: audit %q: %w", objectID, notFound(err))
	}
	return s.AuditByID(ctx, id)
}

// SaveVerdicts saves an auditor's edits to a draft. Each commitment is
// saved on its own: an edit whose BaseRevision is not the stored revision
// is not applied and its commitment is returned in conflicts, so two
// auditors never silently overwrite each other; the other edits are saved.
// Unchanged edits are skipped. The auditor joins the audit's auditors.
// A published audit gives ErrPublished and nothing changes.
func (s *Store) SaveVerdicts(ctx context.Context, auditID int64, edits []VerdictEdit, by StaffRef) (conflicts []string, err error) {
	for _, e := range edits {
		if !ValidVerdict(e.Verdict.Verdict) {
			return nil, fmt.Errorf("catalog: save verdicts of audit %d: invalid verdict %q", auditID, e.Verdict.Verdict)
		}
		if len(e.PublicComment) > MaxAuditText || len(e.PrivateNote) > MaxAuditText {
			return nil, fmt.Errorf("catalog: save verdicts of audit %d: %w", auditID, ErrTooLong)
		}
	}
	err = s.write(ctx, WriteMeta{}, func(tx *sqlx.Tx) (bool, error) {
		conflicts = nil
		var a Audit
		if err := tx.GetContext(ctx, &a, s.db.Rebind(`SELECT `+auditCols+` FROM audits WHERE id = ?`+s.forUpdate()), auditID); err != nil {
			return false, notFound(err)
		}
		if a.State != AuditDraft || a.Received {
			return false, ErrPublished
		}
		var cur []Verdict
		if err := tx.SelectContext(ctx, &cur, s.db.Rebind(`SELECT `+verdictCols+` FROM audit_verdicts WHERE audit_id = ?`), auditID); err != nil {
			return false, err
		}
		byCommitment := map[string]Verdict{}
		for _, v := range cur {
			byCommitment[v.Commitment] = v
		}
		now := dbTime(s.now())
		saved := 0
		for _, e := range edits {
			old, exists := byCommitment[e.Commitment]
			if exists && sameVerdict(old, e.Verdict) {
				continue
			}
			if old.Revision != e.BaseRevision {
				conflicts = append(conflicts, e.Commitment)
				continue
			}
			if exists {
				if _, err := tx.ExecContext(ctx, s.db.Rebind(`UPDATE audit_verdicts SET verdict = ?, evidence = ?, public_comment = ?, private_note = ?,
					revision = revision + 1, updated_by = ?, updated_at = ? WHERE audit_id = ? AND commitment_id = ?`),
					e.Verdict.Verdict, e.Evidence, e.PublicComment, e.PrivateNote, by.Email, now, auditID, e.Commitment); err != nil {
					return false, err
				}
			} else {
				if _, err := tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO audit_verdicts (`+verdictCols+`) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)`),
					auditID, e.Commitment, e.Verdict.Verdict, e.Evidence, e.PublicComment, e.PrivateNote, by.Email, now); err != nil {
					return false, err
				}
			}
			saved++
		}
		if saved == 0 {
			return false, nil
		}
		auditors := a.Auditors
		if by.Email != "" && !slices.Contains(auditors, by.Email) {
			auditors = append(auditors, by.Email)
		}
		if _, err := tx.ExecContext(ctx, s.db.Rebind(`UPDATE audits SET auditors = ?, updated_at = ? WHERE id = ?`), auditors, now, auditID); err != nil {
			return false, err
		}
		return false, s.logTx(ctx, tx, by, "audit.save", strconv.FormatInt(auditID, 10), strconv.Itoa(saved))
	})
	if err != nil {
		return nil, fmt.Errorf("catalog: save verdicts of audit %d: %w", auditID, err)
	}
	return conflicts, nil
}

// ErrTooLong: a text is longer than the Store keeps.
var ErrTooLong = errors.New("catalog: text too long")

func sameVerdict(a, b Verdict) bool {
	return a.Verdict == b.Verdict && slices.Equal(a.Evidence, b.Evidence) &&
		a.PublicComment == b.PublicComment && a.PrivateNote == b.PrivateNote
}

// SetAuditDue changes when the next audit of a draft's hoster is due.
func (s *Store) SetAuditDue(ctx context.Context, auditID int64, due time.Time, by StaffRef) error {
	err := s.write(ctx, WriteMeta{}, func(tx *sqlx.Tx) (bool, error) {
		var state string
		if err := tx.GetContext(ctx, &state, s.db.Rebind(`SELECT state FROM audits WHERE id = ? AND received = ?`+s.forUpdate()), auditID, false); err != nil {
			return false, notFound(err)
		}
		if state != AuditDraft {
			return false, ErrPublished
		}
		if _, err := tx.ExecContext(ctx, s.db.Rebind(`UPDATE audits SET due_at = ?, updated_at = ? WHERE id = ?`), dbTime(due), dbTime(s.now()), auditID); err != nil {
			return false, err
		}
		return false, s.logTx(ctx, tx, by, "audit.due", strconv.FormatInt(auditID, 10), dbTime(due).Format(time.DateOnly))
	})
	if err != nil {
		return fmt.Errorf("catalog: set due date of audit %d: %w", auditID, err)
	}
	return nil
}

// PublishAudit makes a draft public and immutable: objectID (from the
// audit id, see the caller) and publisherActor name it in federation. The
// change row written in the same transaction is what delivers it to the
// hoster's node. A published audit gives ErrPublished.
func (s *Store) PublishAudit(ctx context.Context, auditID int64, objectID func(id int64) string, publisherActor string, by StaffRef) (*Audit, error) {
	err := s.write(ctx, WriteMeta{}, func(tx *sqlx.Tx) (bool, error) {
		var a Audit
		if err := tx.GetContext(ctx, &a, s.db.Rebind(`SELECT `+auditCols+` FROM audits WHERE id = ?`+s.forUpdate()), auditID); err != nil {
			return false, notFound(err)
		}
		if a.State != AuditDraft || a.Received {
			return false, ErrPublished
		}
		now := dbTime(s.now())
		oid := objectID(auditID)
		if _, err := tx.ExecContext(ctx, s.db.Rebind(`UPDATE audits SET state = ?, object_id = ?, publisher_actor = ?, published_at = ?, updated_at = ? WHERE id = ?`),
			AuditPublished, oid, publisherActor, now, now, auditID); err != nil {
			return false, err
		}
		if err := s.appendChange(ctx, tx, Change{Kind: ChangeAudit, Op: OpUpsert, HosterID: a.HosterID, EntityID: auditID, ObjectID: oid}); err != nil {
			return false, err
		}
		return true, s.logTx(ctx, tx, by, "audit.publish", strconv.FormatInt(auditID, 10), a.HosterActor)
	})
	if err != nil {
		return nil, fmt.Errorf("catalog: publish audit %d: %w", auditID, err)
	}
	return s.AuditByID(ctx, auditID)
}

// ReceiveAudit stores on a node an audit a directory published about a
// local hoster. a.ObjectID names it; a second delivery of the same object
// changes nothing (published audits are immutable) and gives
// ErrAlreadyApplied. Private notes are never stored from outside.
func (s *Store) ReceiveAudit(ctx context.Context, a *Audit, meta WriteMeta) error {
	if a.ObjectID == "" || a.PublishedAt == nil {
		return fmt.Errorf("catalog: receive audit: missing id or publication date")
	}
	var id int64
	err := s.write(ctx, meta, func(tx *sqlx.Tx) (bool, error) {
		var n int
		if err := tx.GetContext(ctx, &n, s.db.Rebind(`SELECT COUNT(*) FROM audits WHERE object_id = ?`), a.ObjectID); err != nil {
			return false, err
		}
		if n > 0 {
			return false, ErrAlreadyApplied
		}
		now := dbTime(s.now())
		var supersedes *int64
		var prev []int64
		if err := tx.SelectContext(ctx, &prev, s.db.Rebind(`SELECT id FROM audits WHERE hoster_id = ? AND publisher_actor = ? AND state = ? ORDER BY published_at DESC, id DESC LIMIT 1`),
			a.HosterID, a.PublisherActor, AuditPublished); err != nil {
			return false, err
		}
		if len(prev) > 0 {
			supersedes = &prev[0]
		}
		due := a.DueAt
		if due.IsZero() {
			due = a.PublishedAt.AddDate(1, 0, 0)
		}
		opened := a.OpenedAt
		if opened.IsZero() {
			opened = *a.PublishedAt
		}
		var err error
		id, err = s.insertID(ctx, tx, `INSERT INTO audits (hoster_id, hoster_actor, charter_id, charter_version, state, received, publisher_actor, object_id,
			declaration, declaration_updated, auditors, opened_at, published_at, due_at, supersedes, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			a.HosterID, a.HosterActor, a.CharterID, a.CharterVersion, AuditPublished, true, a.PublisherActor, a.ObjectID,
			a.Declaration, dbTimePtr(a.DeclarationUpdated), a.Auditors, dbTime(opened), dbTime(*a.PublishedAt), dbTime(due), supersedes, now, now)
		if err != nil {
			return false, err
		}
		for _, v := range a.Verdicts {
			if !ValidVerdict(v.Verdict) || v.Verdict == "" {
				return false, fmt.Errorf("invalid verdict %q on %q", v.Verdict, v.Commitment)
			}
			if _, err := tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO audit_verdicts (`+verdictCols+`) VALUES (?, ?, ?, ?, ?, '', 1, '', ?)`),
				id, v.Commitment, v.Verdict, v.Evidence, v.PublicComment, now); err != nil {
				return false, err
			}
		}
		return true, s.appendChange(ctx, tx, Change{Kind: ChangeAudit, Op: OpUpsert, HosterID: a.HosterID, EntityID: id, ObjectID: a.ObjectID})
	})
	if err != nil {
		return fmt.Errorf("catalog: receive audit %q: %w", a.ObjectID, err)
	}
	a.ID = id
	return nil
}

// AuditFilter selects audits for listings.
type AuditFilter struct {
	HosterID      int64  // 0: every hoster
	State         string // '' : every state
	Received      *bool  // nil: both
	WithVerdicts  bool
	Limit, Offset int
}

// Audits lists audits newest first (published ones by publication date,
// drafts by opening date).
func (s *Store) Audits(ctx context.Context, f AuditFilter) ([]Audit, error) {
	q := `SELECT ` + auditCols + ` FROM audits WHERE 1 = 1`
	var args []any
	if f.HosterID != 0 {
		q += ` AND hoster_id = ?`
		args = append(args, f.HosterID)
	}
	if f.State != "" {
		q += ` AND state = ?`
		args = append(args, f.State)
	}
	if f.Received != nil {
		q += ` AND received = ?`
		args = append(args, *f.Received)
	}
	q += ` ORDER BY COALESCE(published_at, opened_at) DESC, id DESC` + s.limitOffset(f.Limit, f.Offset)
	var as []Audit
	if err := s.db.SelectContext(ctx, &as, s.db.Rebind(q), args...); err != nil {
		return nil, fmt.Errorf("catalog: audits: %w", err)
	}
	if f.WithVerdicts && len(as) > 0 {
		idx := map[int64]int{}
		ids := make([]any, len(as))
		for i, a := range as {
			idx[a.ID] = i
			ids[i] = a.ID
		}
		var vs []Verdict
		if err := s.db.SelectContext(ctx, &vs, s.db.Rebind(`SELECT `+verdictCols+` FROM audit_verdicts WHERE audit_id IN `+inClause(len(ids))+` ORDER BY audit_id, commitment_id`), ids...); err != nil {
			return nil, fmt.Errorf("catalog: audits verdicts: %w", err)
		}
		for _, v := range vs {
			i := idx[v.AuditID]
			as[i].Verdicts = append(as[i].Verdicts, v)
		}
	}
	for i := range as {
		as[i].normalize()
	}
	return as, nil
}

// LatestPublishedAudits returns, for each hoster with one, its most recent
// published audit made here (received false) with its verdicts: what the
// dashboard's overview and matrix compare against.
func (s *Store) LatestPublishedAudits(ctx context.Context) (map[int64]*Audit, error) {
	var as []Audit
	if err := s.db.SelectContext(ctx, &as, s.db.Rebind(`SELECT `+auditCols+` FROM audits a WHERE state = ? AND received = ?
		AND NOT EXISTS (SELECT 1 FROM audits b WHERE b.hoster_id = a.hoster_id AND b.state = a.state AND b.received = a.received
			AND (b.published_at > a.published_at OR (b.published_at = a.published_at AND b.id > a.id)))`), AuditPublished, false); err != nil {
		return nil, fmt.Errorf("catalog: latest audits: %w", err)
	}
	out := make(map[int64]*Audit, len(as))
	byID := make(map[int64]*Audit, len(as))
	for i := range as {
		out[as[i].HosterID] = &as[i]
		byID[as[i].ID] = &as[i]
	}
	if len(as) == 0 {
		return out, nil
	}
	var vs []Verdict
	if err := s.db.SelectContext(ctx, &vs, s.db.Rebind(`SELECT v.audit_id, v.commitment_id, v.verdict, v.evidence, v.public_comment, v.private_note, v.revision, v.updated_by, v.updated_at
		FROM audit_verdicts v JOIN audits a ON a.id = v.audit_id WHERE a.state = ? AND a.received = ?`), AuditPublished, false); err != nil {
		return nil, fmt.Errorf("catalog: latest audits verdicts: %w", err)
	}
	for _, v := range vs {
		if a, ok := byID[v.AuditID]; ok {
			a.Verdicts = append(a.Verdicts, v)
		}
	}
	for _, a := range as {
		byID[a.ID].normalize()
	}
	return out, nil
}

// AllDeclarations returns every hoster's declaration by hoster id.
func (s *Store) AllDeclarations(ctx context.Context) (map[int64]*CharterDeclaration, error) {
	var ds []CharterDeclaration
	if err := s.db.SelectContext(ctx, &ds, `SELECT `+declarationCols+` FROM declarations`); err != nil {
		return nil, fmt.Errorf("catalog: declarations: %w", err)
	}
	out := make(map[int64]*CharterDeclaration, len(ds))
	for i := range ds {
		ds[i].normalize()
		out[ds[i].HosterID] = &ds[i]
	}
	return out, nil
}

// latestPublishedWhere selects each hoster's latest published audit made
// here (alias a).
const latestPublishedWhere = `a.state = ? AND a.received = ?
	AND NOT EXISTS (SELECT 1 FROM audits b WHERE b.hoster_id = a.hoster_id AND b.state = a.state AND b.received = a.received
		AND (b.published_at > a.published_at OR (b.published_at = a.published_at AND b.id > a.id)))`

// LatestAuditHeads is LatestPublishedAudits without the verdicts nor the
// declaration copy: what lists of hosters need (dates, ids), cheaply.
func (s *Store) LatestAuditHeads(ctx context.Context) (map[int64]*Audit, error) {
	var as []Audit
	if err := s.db.SelectContext(ctx, &as, s.db.Rebind(`SELECT id, hoster_id, hoster_actor, charter_id, charter_version, state, received,
		publisher_actor, COALESCE(object_id, '') AS object_id, '{}' AS declaration, declaration_updated, auditors, opened_at, published_at,
		due_at, supersedes, created_at, updated_at FROM audits a WHERE `+latestPublishedWhere), AuditPublished, false); err != nil {
		return nil, fmt.Errorf("catalog: latest audit heads: %w", err)
	}
	out := make(map[int64]*Audit, len(as))
	for i := range as {
		as[i].normalize()
		out[as[i].HosterID] = &as[i]
	}
	return out, nil
}

// LatestVerdicts returns, per hoster, the verdict of each commitment in
// its latest published audit made here (verdict values only: the matrix).
func (s *Store) LatestVerdicts(ctx context.Context) (map[int64]map[string]string, error) {
	var rows []struct {
		HosterID   int64  `db:"hoster_id"`
		Commitment string `db:"commitment_id"`
		Verdict    string `db:"verdict"`
	}
	if err := s.db.SelectContext(ctx, &rows, s.db.Rebind(`SELECT a.hoster_id, v.commitment_id, v.verdict
		FROM audits a JOIN audit_verdicts v ON v.audit_id = a.id WHERE `+latestPublishedWhere), AuditPublished, false); err != nil {
		return nil, fmt.Errorf("catalog: latest verdicts: %w", err)
	}
	out := map[int64]map[string]string{}
	for _, r := range rows {
		m := out[r.HosterID]
		if m == nil {
			m = map[string]string{}
			out[r.HosterID] = m
		}
		m[r.Commitment] = r.Verdict
	}
	return out, nil
}

// DeclarationTimes returns when each hoster's declaration last changed.
func (s *Store) DeclarationTimes(ctx context.Context) (map[int64]time.Time, error) {
	var rows []struct {
		HosterID int64     `db:"hoster_id"`
		Updated  time.Time `db:"updated_at"`
	}
	if err := s.db.SelectContext(ctx, &rows, `SELECT hoster_id, updated_at FROM declarations`); err != nil {
		return nil, fmt.Errorf("catalog: declaration times: %w", err)
	}
	out := make(map[int64]time.Time, len(rows))
	for _, r := range rows {
		out[r.HosterID] = dbTime(r.Updated)
	}
	return out, nil
}
