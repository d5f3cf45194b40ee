package catalogtest

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"codeberg.org/portee/portee/catalog"
)

// RunStaffContract runs the contract of the account, session, activity log
// and audit tables against stores made by open (fresh and empty each call).
func RunStaffContract(t *testing.T, open func(t *testing.T) *catalog.Store) {
	cases := []struct {
		name string
		fn   func(t *testing.T, s *catalog.Store)
	}{
		{"Accounts", testAccounts},
		{"AccountTokens", testAccountTokens},
		{"Sessions", testSessions},
		{"SigninThrottle", testSigninThrottle},
		{"AuditLifecycle", testAuditLifecycle},
		{"AuditConcurrentAuditors", testAuditConcurrentAuditors},
		{"AuditCorrectionSupersedes", testAuditCorrection},
		{"ReceiveAudit", testReceiveAudit},
		{"AuditsOutliveTheirHoster", testAuditsOutliveHoster},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.fn(t, open(t)) })
	}
}

func mustAccount(t *testing.T, s *catalog.Store, email, role string) *catalog.Account {
	t.Helper()
	a := &catalog.Account{Email: email, Role: role, PasswordHash: "$argon2id$x"}
	if err := s.CreateAccount(ctxT(t), a, catalog.StaffRef{}); err != nil {
		t.Fatalf("CreateAccount(%s): %v", email, err)
	}
	return a
}

func testAccounts(t *testing.T, s *catalog.Store) {
	ctx := ctxT(t)
	a := mustAccount(t, s, " Alice@Example.org ", catalog.RoleAuditor)
	if a.ID == 0 || a.Email != "alice@example.org" {
		t.Fatalf("created %+v", a)
	}
	if err := s.CreateAccount(ctx, &catalog.Account{Email: "ALICE@example.org", Role: catalog.RoleAdmin}, catalog.StaffRef{}); !errors.Is(err, catalog.ErrExists) {
		t.Fatalf("duplicate email: %v, want ErrExists", err)
	}
	got, err := s.AccountByEmail(ctx, "alice@EXAMPLE.org")
	if err != nil {
		t.Fatal(err)
	}
	same(t, "account", got, a)
	if _, err := s.AccountByEmail(ctx, "nobody@example.org"); !errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("missing account: %v", err)
	}
	now := time.Now()
	if err := s.CreateSession(ctx, &catalog.Session{IDHash: "h1", AccountID: a.ID, CSRFToken: "c", CreatedAt: now, LastSeenAt: now}); err != nil {
		t.Fatal(err)
	}
	by := catalog.StaffRef{AccountID: a.ID, Email: a.Email}
	if err := s.UpdateAccount(ctx, a.ID, "$argon2id$y", catalog.RoleAdmin, nil, by); err != nil {
		t.Fatal(err)
	}
	got, _ = s.AccountByID(ctx, a.ID)
	if got.PasswordHash != "$argon2id$y" || got.Role != catalog.RoleAdmin {
		t.Fatalf("after update: %+v", got)
	}
	if _, _, err := s.SessionByHash(ctx, "h1"); !errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("a new password must end the sessions: %v", err)
	}
	yes := true
	if err := s.UpdateAccount(ctx, a.ID, "", "", &yes, catalog.StaffRef{}); err != nil {
		t.Fatal(err)
	}
	list, err := s.Accounts(ctx)
	if err != nil || len(list) != 1 || !list[0].Disabled {
		t.Fatalf("Accounts: %+v, %v", list, err)
	}
	log, err := s.ActivityLog(ctx, 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range log {
		actions = append(actions, e.Action)
	}
	same(t, "log, newest first", actions, []string{"account.disable", "account.role", "account.password", "account.create"})
	if log[1].AccountEmail != a.Email || log[1].AccountID == nil || *log[1].AccountID != a.ID {
		t.Errorf("log line: %+v", log[1])
	}
	if err := s.UpdateAccount(ctx, 9999, "x", "", nil, by); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("update missing account: %v", err)
	}
}

func testAccountTokens(t *testing.T, s *catalog.Store) {
	ctx := ctxT(t)
	a := mustAccount(t, s, "bob@example.org", catalog.RoleAdmin)
	if err := s.CreateAccountToken(ctx, "tok", a.ID, catalog.TokenSignIn, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateAccountToken(ctx, "old", a.ID, catalog.TokenSignIn, time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UseAccountToken(ctx, "tok", "other"); !errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("other purpose: %v", err)
	}
	got, err := s.UseAccountToken(ctx, "tok", catalog.TokenSignIn)
	if err != nil || got.ID != a.ID {
		t.Fatalf("UseAccountToken: %+v, %v", got, err)
	}
	if _, err := s.UseAccountToken(ctx, "tok", catalog.TokenSignIn); !errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("second use: %v", err)
	}
	if _, err := s.UseAccountToken(ctx, "old", catalog.TokenSignIn); !errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("expired token: %v", err)
	}
}

func testSessions(t *testing.T, s *catalog.Store) {
	ctx := ctxT(t)
	a := mustAccount(t, s, "carol@example.org", catalog.RoleAuditor)
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	for _, h := range []string{"s1", "s2", "s3"} {
		if err := s.CreateSession(ctx, &catalog.Session{IDHash: h, AccountID: a.ID, CSRFToken: "csrf-" + h, CreatedAt: t0, LastSeenAt: t0}); err != nil {
			t.Fatal(err)
		}
	}
	sess, acct, err := s.SessionByHash(ctx, "s1")
	if err != nil || sess.CSRFToken != "csrf-s1" || acct.Email != a.Email || !sess.CreatedAt.Equal(t0) {
		t.Fatalf("SessionByHash: %+v %+v %v", sess, acct, err)
	}
	if err := s.TouchSession(ctx, "s2", t0.Add(13*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSession(ctx, "s3"); err != nil {
		t.Fatal(err)
	}
	n, err := s.DeleteExpiredSessions(ctx, t0.Add(12*time.Hour), t0.Add(-time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("DeleteExpiredSessions: %d, %v (want s1 only)", n, err)
	}
	if _, _, err := s.SessionByHash(ctx, "s2"); err != nil {
		t.Fatalf("s2 was touched: %v", err)
	}
}

func testSigninThrottle(t *testing.T, s *catalog.Store) {
	ctx := ctxT(t)
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	delay := func(n int) time.Duration { return time.Duration(n) * time.Minute }
	var until time.Time
	var err error
	for i := 0; i < 3; i++ {
		until, err = s.SigninFailed(ctx, t0, delay, "account:x", "addr:1.2.3.4")
		if err != nil {
			t.Fatal(err)
		}
	}
	if !until.Equal(t0.Add(3 * time.Minute)) {
		t.Fatalf("blocked until %v", until)
	}
	got, err := s.SigninBlockedUntil(ctx, t0.Add(-time.Hour), "addr:1.2.3.4", "account:y")
	if err != nil || !got.Equal(until) {
		t.Fatalf("SigninBlockedUntil: %v %v", got, err)
	}
	if n, _ := s.SigninFailures(ctx, t0.Add(-time.Hour), "account:x"); n != 3 {
		t.Fatalf("failures %d", n)
	}
	if n, _ := s.SigninFailures(ctx, t0.Add(time.Hour), "account:x"); n != 0 {
		t.Fatalf("old failures still count: %d", n)
	}
	if err := s.ClearSigninFailures(ctx, "account:x"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.SigninBlockedUntil(ctx, t0.Add(-time.Hour), "account:x"); !got.IsZero() {
		t.Fatalf("cleared key still blocked until %v", got)
	}
}

func auditEdit(commitment, verdict string, base int) catalog.VerdictEdit {
	return catalog.VerdictEdit{Verdict: catalog.Verdict{Commitment: commitment, Verdict: verdict,
		Evidence: catalog.StringList{"https://example.org/" + commitment}, PublicComment: "public " + verdict, PrivateNote: "note " + verdict}, BaseRevision: base}
}

func testAuditLifecycle(t *testing.T, s *catalog.Store) {
	ctx := ctxT(t)
	h := mustHoster(t, s, "audite")
	d := sampleDeclaration(h)
	if err := s.UpsertDeclaration(ctx, d, catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
	alice := catalog.StaffRef{AccountID: 1, Email: "alice@example.org"}
	a, created, err := s.OpenAudit(ctx, h.ID, "chatons", "2023", time.Time{}, alice)
	if err != nil || !created {
		t.Fatalf("OpenAudit: %v created=%v", err, created)
	}
	if a.State != catalog.AuditDraft || a.HosterActor != h.ActorID || a.Supersedes != nil ||
		len(a.Declaration.Answers) != 3 || a.DeclarationUpdated == nil || !a.DeclarationUpdated.Equal(d.Updated) ||
		a.DueAt.Sub(a.OpenedAt) < 364*24*time.Hour || !slices.Equal(a.Auditors, []string{alice.Email}) {
		t.Fatalf("draft: %+v", a)
	}
	again, created, err := s.OpenAudit(ctx, h.ID, "chatons", "2023", time.Time{}, catalog.StaffRef{Email: "bob@example.org"})
	if err != nil || created || again.ID != a.ID {
		t.Fatalf("second OpenAudit must return the open draft: %v %v %d", err, created, again.ID)
	}
	seq := lastSeq(t, s)
	conflicts, err := s.SaveVerdicts(ctx, a.ID, []catalog.VerdictEdit{auditEdit("root", catalog.VerdictConforme, 0), auditEdit("libre", catalog.VerdictPartiel, 0)}, alice)
	if err != nil || len(conflicts) > 0 {
		t.Fatalf("SaveVerdicts: %v %v", conflicts, err)
	}
	if _, err := s.SaveVerdicts(ctx, a.ID, []catalog.VerdictEdit{auditEdit("stats", "bof", 0)}, alice); err == nil {
		t.Fatal("an unknown verdict was saved")
	}
	long := auditEdit("stats", catalog.VerdictNonConforme, 0)
	long.PublicComment = string(make([]byte, 100<<10))
	if _, err := s.SaveVerdicts(ctx, a.ID, []catalog.VerdictEdit{long}, alice); !errors.Is(err, catalog.ErrTooLong) {
		t.Fatalf("a 100 KB comment: %v, want ErrTooLong", err)
	}
	if len(changesAfter(t, s, seq)) != 0 {
		t.Fatal("a draft save appended a change row: drafts are private")
	}
	got, err := s.AuditByID(ctx, a.ID)
	if err != nil || len(got.Verdicts) != 2 || got.Verdict("root").Verdict != catalog.VerdictConforme ||
		got.Verdict("root").PrivateNote != "note conforme" || got.Verdict("root").Revision != 1 || got.Verdict("root").UpdatedBy != alice.Email {
		t.Fatalf("after save: %+v %v", got, err)
	}
	pub, err := s.PublishAudit(ctx, a.ID, func(id int64) string {
		return "https://dir.example/audits/" + time.Now().Format("x") + string(rune('0'+id))
	}, "https://dir.example/actor", alice)
	if err != nil || pub.State != catalog.AuditPublished || pub.PublishedAt == nil || pub.ObjectID == "" || pub.PublisherActor != "https://dir.example/actor" {
		t.Fatalf("PublishAudit: %+v %v", pub, err)
	}
	cs := changesAfter(t, s, seq)
	if len(cs) != 1 || cs[0].Kind != catalog.ChangeAudit || cs[0].EntityID != a.ID || cs[0].HosterID != h.ID || cs[0].ObjectID != pub.ObjectID {
		t.Fatalf("publish change rows: %+v", cs)
	}
	if _, err := s.PublishAudit(ctx, a.ID, func(int64) string { return "other" }, "x", alice); !errors.Is(err, catalog.ErrPublished) {
		t.Fatalf("publish twice: %v", err)
	}
	if _, err := s.SaveVerdicts(ctx, a.ID, []catalog.VerdictEdit{auditEdit("root", catalog.VerdictNonConforme, 1)}, alice); !errors.Is(err, catalog.ErrPublished) {
		t.Fatalf("edit after publish: %v", err)
	}
	if err := s.SetAuditDue(ctx, a.ID, time.Now(), alice); !errors.Is(err, catalog.ErrPublished) {
		t.Fatalf("due date after publish: %v", err)
	}
	byObj, err := s.AuditByObjectID(ctx, pub.ObjectID)
	if err != nil || byObj.ID != a.ID {
		t.Fatalf("AuditByObjectID: %v", err)
	}
	list, err := s.Audits(ctx, catalog.AuditFilter{HosterID: h.ID, State: catalog.AuditPublished, WithVerdicts: true})
	if err != nil || len(list) != 1 || len(list[0].Verdicts) != 2 {
		t.Fatalf("Audits: %+v %v", list, err)
	}
	latest, err := s.LatestPublishedAudits(ctx)
	if err != nil || latest[h.ID] == nil || latest[h.ID].ID != a.ID || len(latest[h.ID].Verdicts) != 2 {
		t.Fatalf("LatestPublishedAudits: %+v %v", latest, err)
	}
	decls, err := s.AllDeclarations(ctx)
	if err != nil || decls[h.ID] == nil {
		t.Fatalf("AllDeclarations: %v", err)
	}
	heads, err := s.LatestAuditHeads(ctx)
	if err != nil || heads[h.ID] == nil || heads[h.ID].ID != a.ID || len(heads[h.ID].Verdicts) != 0 {
		t.Fatalf("LatestAuditHeads: %+v %v", heads, err)
	}
	vs, err := s.LatestVerdicts(ctx)
	if err != nil || vs[h.ID]["root"] != catalog.VerdictConforme || vs[h.ID]["libre"] != catalog.VerdictPartiel {
		t.Fatalf("LatestVerdicts: %+v %v", vs, err)
	}
	times, err := s.DeclarationTimes(ctx)
	if err != nil || !times[h.ID].Equal(d.Updated) {
		t.Fatalf("DeclarationTimes: %+v %v", times, err)
	}
}

func testAuditConcurrentAuditors(t *testing.T, s *catalog.Store) {
	ctx := ctxT(t)
	h := mustHoster(t, s, "deux")
	a, _, err := s.OpenAudit(ctx, h.ID, "chatons", "2023", time.Time{}, catalog.StaffRef{Email: "a@x"})
	if err != nil {
		t.Fatal(err)
	}
	// Two auditors load the empty form and save different commitments at
	// the same time: both land.
	var wg sync.WaitGroup
	for i, c := range []string{"root", "libre"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			by := catalog.StaffRef{Email: []string{"a@x", "b@x"}[i]}
			if conflicts, err := s.SaveVerdicts(ctx, a.ID, []catalog.VerdictEdit{auditEdit(c, catalog.VerdictConforme, 0)}, by); err != nil || len(conflicts) > 0 {
				t.Errorf("save %s: %v %v", c, conflicts, err)
			}
		}()
	}
	wg.Wait()
	// Now both edit "root" from revision 1: the second gets a conflict and
	// the first one's verdict stays; its other commitment is still saved.
	if c, err := s.SaveVerdicts(ctx, a.ID, []catalog.VerdictEdit{auditEdit("root", catalog.VerdictPartiel, 1)}, catalog.StaffRef{Email: "a@x"}); err != nil || len(c) > 0 {
		t.Fatalf("first: %v %v", c, err)
	}
	c, err := s.SaveVerdicts(ctx, a.ID, []catalog.VerdictEdit{auditEdit("root", catalog.VerdictNonConforme, 1), auditEdit("stats", catalog.VerdictSansObjet, 0)}, catalog.StaffRef{Email: "b@x"})
	if err != nil || !slices.Equal(c, []string{"root"}) {
		t.Fatalf("second: conflicts %v, %v", c, err)
	}
	got, _ := s.AuditByID(ctx, a.ID)
	if got.Verdict("root").Verdict != catalog.VerdictPartiel || got.Verdict("stats").Verdict != catalog.VerdictSansObjet || got.Verdict("libre").Verdict != catalog.VerdictConforme {
		t.Fatalf("verdicts after the conflict: %+v", got.Verdicts)
	}
	if !slices.Equal(got.Auditors, []string{"a@x", "b@x"}) {
		t.Fatalf("auditors: %v", got.Auditors)
	}
}

func testAuditCorrection(t *testing.T, s *catalog.Store) {
	ctx := ctxT(t)
	h := mustHoster(t, s, "corrige")
	by := catalog.StaffRef{Email: "a@x"}
	first, _, _ := s.OpenAudit(ctx, h.ID, "chatons", "2023", time.Time{}, by)
	if _, err := s.PublishAudit(ctx, first.ID, func(id int64) string { return "https://dir.example/audits/1" }, "https://dir.example/actor", by); err != nil {
		t.Fatal(err)
	}
	second, created, err := s.OpenAudit(ctx, h.ID, "chatons", "2023", time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), by)
	if err != nil || !created || second.Supersedes == nil || *second.Supersedes != first.ID || second.DueAt.Year() != 2030 {
		t.Fatalf("correction: %+v %v", second, err)
	}
	if _, err := s.PublishAudit(ctx, second.ID, func(id int64) string { return "https://dir.example/audits/2" }, "https://dir.example/actor", by); err != nil {
		t.Fatal(err)
	}
	list, err := s.Audits(ctx, catalog.AuditFilter{HosterID: h.ID, State: catalog.AuditPublished})
	if err != nil || len(list) != 2 || list[0].ID != second.ID {
		t.Fatalf("history, newest first: %+v %v", list, err)
	}
	latest, _ := s.LatestPublishedAudits(ctx)
	if latest[h.ID].ID != second.ID {
		t.Fatalf("latest is %d, want %d", latest[h.ID].ID, second.ID)
	}
}

func testReceiveAudit(t *testing.T, s *catalog.Store) {
	ctx := ctxT(t)
	h := mustHoster(t, s, "noeud")
	pub := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	a := &catalog.Audit{HosterID: h.ID, HosterActor: h.ActorID, CharterID: "chatons", CharterVersion: "2023",
		PublisherActor: "https://dir.example/actor", ObjectID: "https://dir.example/audits/7", PublishedAt: &pub,
		Verdicts: []catalog.Verdict{{Commitment: "root", Verdict: catalog.VerdictConforme, PublicComment: "ok", PrivateNote: "secret"}}}
	seq := lastSeq(t, s)
	if err := s.ReceiveAudit(ctx, a, catalog.WriteMeta{ActivityID: "https://dir.example/act/1", ActorID: a.PublisherActor}); err != nil {
		t.Fatal(err)
	}
	if err := s.ReceiveAudit(ctx, a, catalog.WriteMeta{ActivityID: "https://dir.example/act/2"}); !errors.Is(err, catalog.ErrAlreadyApplied) {
		t.Fatalf("same audit twice: %v", err)
	}
	got, err := s.AuditByObjectID(ctx, a.ObjectID)
	if err != nil || !got.Received || got.State != catalog.AuditPublished || got.Verdict("root").PrivateNote != "" || !got.PublishedAt.Equal(pub) {
		t.Fatalf("received: %+v %v", got, err)
	}
	if _, err := s.SaveVerdicts(ctx, got.ID, []catalog.VerdictEdit{auditEdit("root", catalog.VerdictPartiel, 1)}, catalog.StaffRef{}); !errors.Is(err, catalog.ErrPublished) {
		t.Fatalf("edit a received audit: %v", err)
	}
	if cs := changesAfter(t, s, seq); len(cs) != 1 || cs[0].Kind != catalog.ChangeAudit {
		t.Fatalf("changes: %+v", cs)
	}
	bad := *a
	bad.ObjectID = "https://dir.example/audits/8"
	bad.Verdicts = []catalog.Verdict{{Commitment: "root", Verdict: "nope"}}
	if err := s.ReceiveAudit(ctx, &bad, catalog.WriteMeta{}); err == nil {
		t.Fatal("an invalid verdict was stored")
	}
	if _, err := s.AuditByObjectID(ctx, bad.ObjectID); !errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("refused audit half stored: %v", err)
	}
}

func testAuditsOutliveHoster(t *testing.T, s *catalog.Store) {
	ctx := ctxT(t)
	h := mustHoster(t, s, "parti")
	by := catalog.StaffRef{Email: "a@x"}
	a, _, err := s.OpenAudit(ctx, h.ID, "chatons", "2023", time.Time{}, by)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.PublishAudit(ctx, a.ID, func(int64) string { return "https://dir.example/audits/parti" }, "https://dir.example/actor", by); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().ExecContext(ctx, s.DB().Rebind(`DELETE FROM hosters WHERE id = ?`), h.ID); err != nil {
		t.Fatalf("a hoster with audits cannot be deleted: %v", err)
	}
	got, err := s.AuditByID(ctx, a.ID)
	if err != nil || got.HosterActor != h.ActorID || got.State != catalog.AuditPublished {
		t.Fatalf("audit after its hoster went: %+v %v", got, err)
	}
}
