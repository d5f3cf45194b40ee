package demo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/frontend"
	"codeberg.org/portee/portee/frontend/auth"
)

// Demo staff logins (the interface: outside checks rely on them).
const (
	AdminEmail   = "admin@demo.portee"
	AuditorEmail = "auditrice@demo.portee"
)

// NodeAdminEmail is the login of a demo node's dashboard (the issue's
// interface: admin@<username>.demo).
func NodeAdminEmail(username string) string { return "admin@" + username + ".demo" }

// SeedStaff creates the two demo staff accounts and each demo node's admin
// (NodeAdminEmail) with password (a random one when empty; returned) and, once the directory knows the demo
// hosters, two published audits and one draft (on the Saint-Nazaire
// hoster), so that the dashboard shows real figures. Running it again on
// the same data changes nothing but the password.
func (d *Demo) SeedStaff(ctx context.Context, password string) (string, error) {
	if password == "" {
		password = auth.RandomToken(12)
	}
	s := d.Directory.Store
	hash, err := auth.HashPassword(password)
	if err != nil {
		return "", err
	}
	for _, acct := range []struct{ email, role string }{{AdminEmail, catalog.RoleAdmin}, {AuditorEmail, catalog.RoleAuditor}} {
		if err := seedAccount(ctx, s, acct.email, acct.role, hash); err != nil {
			return "", err
		}
	}
	for _, n := range d.Nodes { // each node's own dashboard
		if err := seedAccount(ctx, n.Store, NodeAdminEmail(n.Username), catalog.RoleAdmin, hash); err != nil {
			return "", err
		}
	}
	existing, err := s.Audits(ctx, catalog.AuditFilter{Limit: 1})
	if err != nil || len(existing) > 0 {
		return password, err
	}
	auditor := catalog.StaffRef{Email: AuditorEmail}
	published := map[string][]string{ // hoster username → verdicts in charter order
		"erdre-libre":      {catalog.VerdictConforme, catalog.VerdictConforme, catalog.VerdictPartiel, catalog.VerdictNonVerifiable, catalog.VerdictConforme, catalog.VerdictNonConforme},
		"canut-numerique":  {catalog.VerdictConforme, catalog.VerdictPartiel, catalog.VerdictConforme, catalog.VerdictConforme, catalog.VerdictSansObjet, catalog.VerdictNonVerifiable},
		"chaton-nazairien": {catalog.VerdictConforme, catalog.VerdictPartiel},
	}
	ch := catalog.DefaultCharter()
	for _, n := range d.Nodes {
		verdicts, ok := published[n.Username]
		if !ok {
			continue
		}
		user, host, _ := strings.Cut(n.Acct(), "@")
		h, err := s.HosterByAcct(ctx, user, host)
		if err != nil {
			return "", fmt.Errorf("demo: seed audits: %w", err)
		}
		a, _, err := s.OpenAudit(ctx, h.ID, ch.ID, ch.Version, time.Time{}, auditor)
		if err != nil {
			return "", err
		}
		var edits []catalog.VerdictEdit
		for i, v := range verdicts {
			if i >= len(ch.Commitments) {
				break
			}
			edits = append(edits, catalog.VerdictEdit{Verdict: catalog.Verdict{Commitment: ch.Commitments[i].ID, Verdict: v,
				PublicComment: "Vérifié sur le site de l'hébergeur.", PrivateNote: "Note de démo, jamais publiée."}})
		}
		if _, err := s.SaveVerdicts(ctx, a.ID, edits, auditor); err != nil {
			return "", err
		}
		if n.Username == "chaton-nazairien" {
			continue // the Saint-Nazaire hoster keeps a draft to publish
		}
		acct := h.Acct()
		if _, err := s.PublishAudit(ctx, a.ID, func(id int64) string { return frontend.AuditObjectID(d.Directory.URL, acct, id) },
			frontend.PublisherActor(d.Directory.URL), auditor); err != nil {
			return "", err
		}
	}
	return password, nil
}

// seedAccount creates the account, or sets its password when it exists.
func seedAccount(ctx context.Context, s *catalog.Store, email, role, hash string) error {
	seed := catalog.StaffRef{Email: "demo"}
	a, err := s.AccountByEmail(ctx, email)
	switch {
	case errors.Is(err, catalog.ErrNotFound):
		return s.CreateAccount(ctx, &catalog.Account{Email: email, Role: role, PasswordHash: hash}, seed)
	case err != nil:
		return err
	}
	return s.UpdateAccount(ctx, a.ID, hash, "", nil, seed)
}
