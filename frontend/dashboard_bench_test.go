package frontend

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/catalog/catalogtest"
	"codeberg.org/portee/portee/catalog/catalogtest/synth"
	"codeberg.org/portee/portee/frontend/auth"
	"codeberg.org/portee/portee/search"
	"github.com/labstack/echo/v4"
)

// BenchmarkDashboardPages renders the dashboard's pages for a directory of
// 1,000 hosters against the 25 commitments of the default charter, each
// with a declaration, half of them audited (25 verdicts each), 50 drafts
// open, on SQLite. It reports p50 and p99 per page of the whole handler
// (session check, queries, render).
func BenchmarkDashboardPages(b *testing.B) {
	ctx := context.Background()
	store := catalogtest.NewSQLite(b)
	ch := catalog.DefaultCharter()
	if err := store.SaveCharter(ctx, ch); err != nil {
		b.Fatal(err)
	}
	statuses := []string{catalog.AnswerYes, catalog.AnswerPartial, catalog.AnswerNo, catalog.AnswerNotApplicable}
	verdicts := catalog.Verdicts
	by := catalog.StaffRef{Email: "bench@x.org"}
	fed := synth.Generate(synth.Options{Hosters: 1000, OffersPerHoster: 1, Seed: 10})
	var auditID int64
	for i := range fed.Hosters {
		h := &fed.Hosters[i]
		if err := store.UpsertHoster(ctx, h, catalog.WriteMeta{}); err != nil {
			b.Fatal(err)
		}
		d := &catalog.CharterDeclaration{HosterID: h.ID, ObjectID: h.ActorID + "/charter", CharterID: ch.ID, CharterVersion: ch.Version, Updated: synth.Epoch}
		for j, cm := range ch.Commitments {
			d.Answers = append(d.Answers, catalog.Answer{Commitment: cm.ID, Status: statuses[(i+j)%len(statuses)]})
		}
		if err := store.UpsertDeclaration(ctx, d, catalog.WriteMeta{}); err != nil {
			b.Fatal(err)
		}
		if i%2 == 1 && i > 100 {
			continue
		}
		a, _, err := store.OpenAudit(ctx, h.ID, ch.ID, ch.Version, time.Time{}, by)
		if err != nil {
			b.Fatal(err)
		}
		var edits []catalog.VerdictEdit
		for j, cm := range ch.Commitments {
			edits = append(edits, catalog.VerdictEdit{Verdict: catalog.Verdict{Commitment: cm.ID, Verdict: verdicts[(i*3+j)%len(verdicts)], PublicComment: "Commentaire public du verdict."}})
		}
		if _, err := store.SaveVerdicts(ctx, a.ID, edits, by); err != nil {
			b.Fatal(err)
		}
		auditID = a.ID
		if i < 100 && i%2 == 1 {
			continue // 50 drafts
		}
		acct := h.Acct()
		if _, err := store.PublishAudit(ctx, a.ID, func(id int64) string { return AuditObjectID("http://bench.example", acct, id) }, PublisherActor("http://bench.example"), by); err != nil {
			b.Fatal(err)
		}
	}
	idx, err := search.NewEmbedded(filepath.Join(b.TempDir(), "index"))
	if err != nil {
		b.Fatal(err)
	}
	defer idx.Close()
	srv, err := New(Config{Store: store, Search: search.NewService(idx, nil), BaseURL: "http://bench.example",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	e := echo.New()
	srv.Register(e)
	acct := &catalog.Account{Email: "admin@x.org", Role: catalog.RoleAdmin, PasswordHash: "x"}
	if err := store.CreateAccount(ctx, acct, by); err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	if err := store.CreateSession(ctx, &catalog.Session{IDHash: auth.HashToken("bench-session"), AccountID: acct.ID, CSRFToken: "c", CreatedAt: now, LastSeenAt: now}); err != nil {
		b.Fatal(err)
	}
	pages := []string{dashboardPath, dashboardPath + "/audits", dashboardPath + "/matrice", dashboardPath + "/audits/" + strconv.FormatInt(auditID, 10), dashboardPath + "/journal"}
	get := func(p string) (time.Duration, int) {
		req := httptest.NewRequest(http.MethodGet, p, nil)
		req.AddCookie(&http.Cookie{Name: "portee_session", Value: "bench-session"})
		rec := httptest.NewRecorder()
		start := time.Now()
		e.ServeHTTP(rec, req)
		return time.Since(start), rec.Code
	}
	for _, p := range pages {
		if _, code := get(p); code != http.StatusOK {
			b.Fatalf("%s: %d", p, code)
		}
	}
	times := map[string][]time.Duration{}
	for i := 0; b.Loop(); i++ {
		p := pages[i%len(pages)]
		d, _ := get(p)
		times[p] = append(times[p], d)
	}
	b.StopTimer()
	var all []time.Duration
	for _, p := range pages {
		ts := times[p]
		if len(ts) == 0 {
			continue
		}
		all = append(all, ts...)
		slices.Sort(ts)
		b.Logf("%-32s p50 %6.1f ms  p99 %6.1f ms  (%d requests)", p, ms(ts, 0.5), ms(ts, 0.99), len(ts))
	}
	slices.Sort(all)
	b.ReportMetric(ms(all, 0.5), "ms-p50")
	b.ReportMetric(ms(all, 0.99), "ms-p99")
}

func ms(ts []time.Duration, p float64) float64 {
	return float64(ts[min(len(ts)-1, int(p*float64(len(ts))))].Microseconds()) / 1000
}
