package catalog

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// Account roles. The account tables know no role of their own: a directory
// has admins and auditors, a node its admins; the frontend decides what a
// role may open.
const (
	RoleAdmin   = "admin"
	RoleAuditor = "auditor"
)

// Account token purposes.
const (
	TokenSignIn = "signin" // one-time sign-in link printed by `portee user add`
)

// ErrExists: a row with the same unique key (an account's email) exists.
var ErrExists = errors.New("catalog: already exists")

// Account is a person who signs in (staff of a directory, admin of a node).
type Account struct {
	ID           int64     `db:"id"`
	Email        string    `db:"email"`
	Role         string    `db:"role"`
	PasswordHash string    `db:"password_hash"` // argon2id, PHC string; '' until set
	Disabled     bool      `db:"disabled"`
	CreatedAt    time.Time `db:"created_at"`
	UpdatedAt    time.Time `db:"updated_at"`
}

// Session is a signed-in browser. IDHash is the SHA-256 of the cookie's
// random id: the database never holds a usable session id.
type Session struct {
	IDHash     string    `db:"id_hash"`
	AccountID  int64     `db:"account_id"`
	CSRFToken  string    `db:"csrf_token"`
	CreatedAt  time.Time `db:"created_at"`
	LastSeenAt time.Time `db:"last_seen_at"`
}

// StaffRef names who makes a change, for the activity log and for the
// auditors of an audit. The zero value is the command line or the system.
type StaffRef struct {
	AccountID int64
	Email     string
}

// ActivityEntry is one line of the activity log.
type ActivityEntry struct {
	ID           int64     `db:"id"`
	At           time.Time `db:"at"`
	AccountID    *int64    `db:"account_id"`
	AccountEmail string    `db:"account_email"`
	Action       string    `db:"action"`  // e.g. "account.create", "audit.publish"
	Subject      string    `db:"subject"` // what it applies to (an email, an audit id)
	Detail       string    `db:"detail"`
}

const accountCols = `id, email, role, password_hash, disabled, created_at, updated_at`

// NormalizeEmail is how emails are compared and stored: trimmed, lower case.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

func (a *Account) normalize() {
	a.CreatedAt = dbTime(a.CreatedAt)
	a.UpdatedAt = dbTime(a.UpdatedAt)
}

// CreateAccount inserts a; the email is normalised. An existing email gives
// ErrExists. by is written to the activity log in the same transaction.
func (s *Store) CreateAccount(ctx context.Context, a *Account, by StaffRef) error {
	a.Email = NormalizeEmail(a.Email)
	now := dbTime(s.now())
	err := s.write(ctx, WriteMeta{}, func(tx *sqlx.Tx) (bool, error) {
		var n int
		if err := tx.GetContext(ctx, &n, s.db.Rebind(`SELECT COUNT(*) FROM accounts WHERE email = ?`), a.Email); err != nil {
			return false, err
		}
		if n > 0 {
			return false, ErrExists
		}
		id, err := s.insertID(ctx, tx, `INSERT INTO accounts (email, role, password_hash, disabled, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
			a.Email, a.Role, a.PasswordHash, a.Disabled, now, now)
		if err != nil {
			return false, err
		}
		a.ID, a.CreatedAt, a.UpdatedAt = id, now, now
		return false, s.logTx(ctx, tx, by, "account.create", a.Email, a.Role)
	})
	if err != nil {
		return fmt.Errorf("catalog: create account %q: %w", a.Email, err)
	}
	return nil
}

// insertID runs an INSERT and returns the new row's id on both engines.
func (s *Store) insertID(ctx context.Context, tx *sqlx.Tx, q string, args ...any) (int64, error) {
	if s.engine == EnginePostgres {
		var id int64
		err := tx.GetContext(ctx, &id, s.db.Rebind(q+` RETURNING id`), args...)
		return id, err
	}
	res, err := tx.ExecContext(ctx, s.db.Rebind(q), args...)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// AccountByEmail returns the account or ErrNotFound.
func (s *Store) AccountByEmail(ctx context.Context, email string) (*Account, error) {
	var a Account
	if err := s.db.GetContext(ctx, &a, s.db.Rebind(`SELECT `+accountCols+` FROM accounts WHERE email = ?`), NormalizeEmail(email)); err != nil {
		return nil, fmt.Errorf("catalog: account %q: %w", email, notFound(err))
	}
	a.normalize()
	return &a, nil
}

// AccountByID returns the account or ErrNotFound.
func (s *Store) AccountByID(ctx context.Context, id int64) (*Account, error) {
	var a Account
	if err := s.db.GetContext(ctx, &a, s.db.Rebind(`SELECT `+accountCols+` FROM accounts WHERE id = ?`), id); err != nil {
		return nil, fmt.Errorf("catalog: account %d: %w", id, notFound(err))
	}
	a.normalize()
	return &a, nil
}

// Accounts lists every account by email.
func (s *Store) Accounts(ctx context.Context) ([]Account, error) {
	var as []Account
	if err := s.db.SelectContext(ctx, &as, `SELECT `+accountCols+` FROM accounts ORDER BY email`); err != nil {
		return nil, fmt.Errorf("catalog: accounts: %w", err)
	}
	for i := range as {
		as[i].normalize()
	}
	return as, nil
}

// UpdateAccount changes what is not empty in the call: the password hash,
// the role, and the disabled flag when disabled is not nil. A new password
// or a disabled account ends every session of the account, in the same
// transaction.
func (s *Store) UpdateAccount(ctx context.Context, id int64, passwordHash, role string, disabled *bool, by StaffRef) error {
	err := s.write(ctx, WriteMeta{}, func(tx *sqlx.Tx) (bool, error) {
		var email string
		if err := tx.GetContext(ctx, &email, s.db.Rebind(`SELECT email FROM accounts WHERE id = ?`+s.forUpdate()), id); err != nil {
			return false, notFound(err)
		}
		now := dbTime(s.now())
		endSessions := false
		if passwordHash != "" {
			if _, err := tx.ExecContext(ctx, s.db.Rebind(`UPDATE accounts SET password_hash = ?, updated_at = ? WHERE id = ?`), passwordHash, now, id); err != nil {
				return false, err
			}
			endSessions = true
			if err := s.logTx(ctx, tx, by, "account.password", email, ""); err != nil {
				return false, err
			}
		}
		if role != "" {
			if _, err := tx.ExecContext(ctx, s.db.Rebind(`UPDATE accounts SET role = ?, updated_at = ? WHERE id = ?`), role, now, id); err != nil {
				return false, err
			}
			if err := s.logTx(ctx, tx, by, "account.role", email, role); err != nil {
				return false, err
			}
		}
		if disabled != nil {
			if _, err := tx.ExecContext(ctx, s.db.Rebind(`UPDATE accounts SET disabled = ?, updated_at = ? WHERE id = ?`), *disabled, now, id); err != nil {
				return false, err
			}
			action := "account.enable"
			if *disabled {
				action = "account.disable"
				endSessions = true
			}
			if err := s.logTx(ctx, tx, by, action, email, ""); err != nil {
				return false, err
			}
		}
		if endSessions {
			if _, err := tx.ExecContext(ctx, s.db.Rebind(`DELETE FROM sessions WHERE account_id = ?`), id); err != nil {
				return false, err
			}
		}
		return false, nil
	})
	if err != nil {
		return fmt.Errorf("catalog: update account %d: %w", id, err)
	}
	return nil
}

// CreateAccountToken records a one-time token (its SHA-256 only).
func (s *Store) CreateAccountToken(ctx context.Context, tokenHash string, accountID int64, purpose string, expires time.Time) error {
	err := s.write(ctx, WriteMeta{}, func(tx *sqlx.Tx) (bool, error) {
		_, err := tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO account_tokens (token_hash, account_id, purpose, expires_at, created_at) VALUES (?, ?, ?, ?, ?)`),
			tokenHash, accountID, purpose, dbTime(expires), dbTime(s.now()))
		return false, err
	})
	if err != nil {
		return fmt.Errorf("catalog: create account token: %w", err)
	}
	return nil
}

// UseAccountToken spends a one-time token: it returns its enabled account
// and marks it used, or ErrNotFound when the token is unknown, used,
// expired, for another purpose or for a disabled account.
func (s *Store) UseAccountToken(ctx context.Context, tokenHash, purpose string) (*Account, error) {
	var a Account
	err := s.write(ctx, WriteMeta{}, func(tx *sqlx.Tx) (bool, error) {
		now := dbTime(s.now())
		var accountID int64
		err := tx.GetContext(ctx, &accountID, s.db.Rebind(`SELECT account_id FROM account_tokens
			WHERE token_hash = ? AND purpose = ? AND used_at IS NULL AND expires_at > ?`+s.forUpdate()), tokenHash, purpose, now)
		if err != nil {
			return false, notFound(err)
		}
		if err := tx.GetContext(ctx, &a, s.db.Rebind(`SELECT `+accountCols+` FROM accounts WHERE id = ?`), accountID); err != nil {
			return false, notFound(err)
		}
		if a.Disabled {
			return false, ErrNotFound
		}
		_, err = tx.ExecContext(ctx, s.db.Rebind(`UPDATE account_tokens SET used_at = ? WHERE token_hash = ?`), now, tokenHash)
		return false, err
	})
	if err != nil {
		return nil, fmt.Errorf("catalog: use account token: %w", err)
	}
	a.normalize()
	return &a, nil
}

// CreateSession stores a new session.
func (s *Store) CreateSession(ctx context.Context, sess *Session) error {
	sess.CreatedAt = dbTime(sess.CreatedAt)
	sess.LastSeenAt = dbTime(sess.LastSeenAt)
	err := s.write(ctx, WriteMeta{}, func(tx *sqlx.Tx) (bool, error) {
		_, err := tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO sessions (id_hash, account_id, csrf_token, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?)`),
			sess.IDHash, sess.AccountID, sess.CSRFToken, sess.CreatedAt, sess.LastSeenAt)
		return false, err
	})
	if err != nil {
		return fmt.Errorf("catalog: create session: %w", err)
	}
	return nil
}

// SessionByHash returns a session with its account, or ErrNotFound. It does
// not judge expiry: the caller's policy does.
func (s *Store) SessionByHash(ctx context.Context, idHash string) (*Session, *Account, error) {
	var row struct {
		Session
		Account `db:"a"`
	}
	err := s.db.GetContext(ctx, &row, s.db.Rebind(`SELECT s.id_hash, s.account_id, s.csrf_token, s.created_at, s.last_seen_at,
		a.id AS "a.id", a.email AS "a.email", a.role AS "a.role", a.password_hash AS "a.password_hash",
		a.disabled AS "a.disabled", a.created_at AS "a.created_at", a.updated_at AS "a.updated_at"
		FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE s.id_hash = ?`), idHash)
	if err != nil {
		return nil, nil, fmt.Errorf("catalog: session: %w", notFound(err))
	}
	row.Session.CreatedAt = dbTime(row.Session.CreatedAt)
	row.Session.LastSeenAt = dbTime(row.Session.LastSeenAt)
	row.Account.normalize()
	return &row.Session, &row.Account, nil
}

// TouchSession records activity on a session (idle expiry counts from it).
func (s *Store) TouchSession(ctx context.Context, idHash string, at time.Time) error {
	err := s.write(ctx, WriteMeta{}, func(tx *sqlx.Tx) (bool, error) {
		_, err := tx.ExecContext(ctx, s.db.Rebind(`UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?`), dbTime(at), idHash)
		return false, err
	})
	if err != nil {
		return fmt.Errorf("catalog: touch session: %w", err)
	}
	return nil
}

// DeleteSession ends a session (sign-out). Deleting a missing one is no error.
func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	err := s.write(ctx, WriteMeta{}, func(tx *sqlx.Tx) (bool, error) {
		_, err := tx.ExecContext(ctx, s.db.Rebind(`DELETE FROM sessions WHERE id_hash = ?`), idHash)
		return false, err
	})
	if err != nil {
		return fmt.Errorf("catalog: delete session: %w", err)
	}
	return nil
}

// DeleteExpiredSessions removes sessions idle since before idleBefore or
// created before createdBefore, and returns how many went.
func (s *Store) DeleteExpiredSessions(ctx context.Context, idleBefore, createdBefore time.Time) (int64, error) {
	var n int64
	err := s.write(ctx, WriteMeta{}, func(tx *sqlx.Tx) (bool, error) {
		res, err := tx.ExecContext(ctx, s.db.Rebind(`DELETE FROM sessions WHERE last_seen_at < ? OR created_at < ?`), dbTime(idleBefore), dbTime(createdBefore))
		if err != nil {
			return false, err
		}
		n, err = res.RowsAffected()
		return false, err
	})
	if err != nil {
		return 0, fmt.Errorf("catalog: delete expired sessions: %w", err)
	}
	return n, nil
}

// SigninFailed counts one more failed sign-in for each key and sets its
// block to at + delay(failures). It returns the latest block among keys.
func (s *Store) SigninFailed(ctx context.Context, at time.Time, delay func(failures int) time.Duration, keys ...string) (time.Time, error) {
	var until time.Time
	err := s.write(ctx, WriteMeta{}, func(tx *sqlx.Tx) (bool, error) {
		for _, k := range keys {
			var failures []int
			if err := tx.SelectContext(ctx, &failures, s.db.Rebind(`SELECT failures FROM signin_failures WHERE throttle_key = ?`+s.forUpdate()), k); err != nil {
				return false, err
			}
			n := 1
			if len(failures) > 0 {
				n = failures[0] + 1
			}
			b := dbTime(at.Add(delay(n)))
			if _, err := tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO signin_failures (throttle_key, failures, last_at, blocked_until) VALUES (?, ?, ?, ?)
				ON CONFLICT (throttle_key) DO UPDATE SET failures = excluded.failures, last_at = excluded.last_at, blocked_until = excluded.blocked_until`),
				k, n, dbTime(at), b); err != nil {
				return false, err
			}
			if b.After(until) {
				until = b
			}
		}
		return false, nil
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("catalog: record sign-in failure: %w", err)
	}
	return until, nil
}

// SigninBlockedUntil returns the latest block among keys (zero when none).
// Failures older than forget no longer count: their row is ignored.
func (s *Store) SigninBlockedUntil(ctx context.Context, forgetBefore time.Time, keys ...string) (time.Time, error) {
	if len(keys) == 0 {
		return time.Time{}, nil
	}
	args := []any{dbTime(forgetBefore)}
	for _, k := range keys {
		args = append(args, k)
	}
	var until []time.Time
	if err := s.db.SelectContext(ctx, &until, s.db.Rebind(`SELECT blocked_until FROM signin_failures WHERE last_at >= ? AND throttle_key IN `+inClause(len(keys))), args...); err != nil {
		return time.Time{}, fmt.Errorf("catalog: sign-in block: %w", err)
	}
	var out time.Time
	for _, u := range until {
		if u.After(out) {
			out = u
		}
	}
	return out, nil
}

// SigninFailures returns the failure count of key when its last failure is
// after forgetBefore, else 0.
func (s *Store) SigninFailures(ctx context.Context, forgetBefore time.Time, key string) (int, error) {
	var n []int
	if err := s.db.SelectContext(ctx, &n, s.db.Rebind(`SELECT failures FROM signin_failures WHERE throttle_key = ? AND last_at >= ?`), key, dbTime(forgetBefore)); err != nil {
		return 0, fmt.Errorf("catalog: sign-in failures: %w", err)
	}
	if len(n) == 0 {
		return 0, nil
	}
	return n[0], nil
}

// ClearSigninFailures forgets the failures of key (after a good sign-in).
func (s *Store) ClearSigninFailures(ctx context.Context, key string) error {
	err := s.write(ctx, WriteMeta{}, func(tx *sqlx.Tx) (bool, error) {
		_, err := tx.ExecContext(ctx, s.db.Rebind(`DELETE FROM signin_failures WHERE throttle_key = ?`), key)
		return false, err
	})
	if err != nil {
		return fmt.Errorf("catalog: clear sign-in failures: %w", err)
	}
	return nil
}

// LogActivity writes one line of the activity log.
func (s *Store) LogActivity(ctx context.Context, by StaffRef, action, subject, detail string) error {
	err := s.write(ctx, WriteMeta{}, func(tx *sqlx.Tx) (bool, error) {
		return false, s.logTx(ctx, tx, by, action, subject, detail)
	})
	if err != nil {
		return fmt.Errorf("catalog: log %s: %w", action, err)
	}
	return nil
}

// LogActivityTx is LogActivity inside the caller's transaction (from InTx),
// so that a change and its log line commit together.
func (s *Store) LogActivityTx(ctx context.Context, tx *sqlx.Tx, by StaffRef, action, subject, detail string) error {
	if err := s.logTx(ctx, tx, by, action, subject, detail); err != nil {
		return fmt.Errorf("catalog: log %s: %w", action, err)
	}
	return nil
}

func (s *Store) logTx(ctx context.Context, tx *sqlx.Tx, by StaffRef, action, subject, detail string) error {
	var id *int64
	if by.AccountID != 0 {
		id = &by.AccountID
	}
	_, err := tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO activity_log (at, account_id, account_email, action, subject, detail) VALUES (?, ?, ?, ?, ?, ?)`),
		dbTime(s.now()), id, by.Email, action, subject, detail)
	return err
}

// ActivityLog returns log lines newest first.
func (s *Store) ActivityLog(ctx context.Context, limit, offset int) ([]ActivityEntry, error) {
	var es []ActivityEntry
	if err := s.db.SelectContext(ctx, &es, `SELECT id, at, account_id, account_email, action, subject, detail FROM activity_log ORDER BY id DESC`+s.limitOffset(limit, offset)); err != nil {
		return nil, fmt.Errorf("catalog: activity log: %w", err)
	}
	for i := range es {
		es[i].At = dbTime(es[i].At)
	}
	return es, nil
}
