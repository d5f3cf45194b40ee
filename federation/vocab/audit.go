package vocab

import (
	"errors"
	"fmt"

	"codeberg.org/portee/portee/catalog"
)

// Audits is the collection of the audits a node received about a hoster
// (the actor's portee:audits).
func (p Paths) Audits(username string) string { return p.Actor(username) + "/audits" }

// auditTerms are the terms of the Audit object, added to porteeTerms at
// start so that the context and the alias reader know them.
var auditTerms = []struct{ name, kind string }{
	{"audits", "id"}, {"auditedHoster", "id"}, {"verdicts", "list"}, {"verdict", ""},
	{"dueDate", ""}, {"supersedes", "id"}, {"declaration", "id"}, {"declarationUpdated", ""},
}

func init() { porteeTerms = append(porteeTerms, auditTerms...) }

// maxVerdicts bounds the verdicts of one received audit (a charter has a
// few dozen commitments).
const maxVerdicts = 500

// AuditDoc builds the Audit object a directory publishes: our own type (never
// an actor type), attributed to the directory's actor, addressed to the
// audited hoster only. Private notes and auditors' emails never go out.
// supersedesID is the object id of the audit it corrects, "" when none.
func AuditDoc(a *catalog.Audit, supersedesID string) ([]byte, error) {
	if a.ObjectID == "" || a.PublisherActor == "" || a.PublishedAt == nil {
		return nil, errors.New("vocab: build audit: not published")
	}
	m := map[string]any{
		"id":                    a.ObjectID,
		"type":                  "Audit",
		"attributedTo":          a.PublisherActor,
		"to":                    []any{a.HosterActor},
		"url":                   a.ObjectID,
		"portee:auditedHoster":  a.HosterActor,
		"portee:charter":        a.CharterID,
		"portee:charterVersion": a.CharterVersion,
		"portee:dueDate":        fmtTime(a.DueAt),
	}
	if a.Declaration.ObjectID != "" {
		m["portee:declaration"] = a.Declaration.ObjectID
	}
	if a.DeclarationUpdated != nil {
		m["portee:declarationUpdated"] = fmtTime(*a.DeclarationUpdated)
	}
	if supersedesID != "" {
		m["portee:supersedes"] = supersedesID
	}
	vs := make([]any, 0, len(a.Verdicts))
	for _, v := range a.Verdicts {
		if v.Verdict == "" {
			continue
		}
		vm := map[string]any{"portee:commitment": v.Commitment, "portee:verdict": v.Verdict}
		if len(v.Evidence) > 0 {
			vm["portee:evidence"] = strs(v.Evidence)
		}
		if v.PublicComment != "" {
			vm["portee:comment"] = v.PublicComment
		}
		vs = append(vs, vm)
	}
	m["portee:verdicts"] = vs
	setTimes(m, *a.PublishedAt, *a.PublishedAt)
	b, err := finish(m)
	if err != nil {
		return nil, fmt.Errorf("vocab: build audit %q: %w", a.ObjectID, err)
	}
	return b, nil
}

// ParseAudit reads a remote Audit object. It returns the audit (ObjectID,
// HosterActor, PublisherActor from attributedTo, charter, dates, verdicts)
// and the object id of the audit it supersedes. Every verdict must be one
// of the five values and every evidence an http(s) URL.
func ParseAudit(b []byte) (*catalog.Audit, string, error) {
	a, sup, err := parseAudit(b)
	if err != nil {
		return nil, "", fmt.Errorf("vocab: parse audit: %w", err)
	}
	return a, sup, nil
}

func parseAudit(b []byte) (*catalog.Audit, string, error) {
	d, err := decodeDocument(b)
	if err != nil {
		return nil, "", err
	}
	m := d.m
	if pickType(m, "Audit", "portee:Audit", NS+"Audit") == "" {
		return nil, "", invalid("type %v is not Audit", types(m))
	}
	a := &catalog.Audit{State: catalog.AuditPublished, Received: true}
	if a.ObjectID, err = requireURL("id", objID(m)); err != nil {
		return nil, "", err
	}
	if a.PublisherActor, err = requireURL("attributedTo", idOf(m["attributedTo"])); err != nil {
		return nil, "", err
	}
	if a.HosterActor, err = requireURL("auditedHoster", idOf(d.term(m, "auditedHoster"))); err != nil {
		return nil, "", err
	}
	a.CharterID = truncate(str(d.term(m, "charter")), 100)
	a.CharterVersion = truncate(str(d.term(m, "charterVersion")), 100)
	if a.CharterID == "" || a.CharterVersion == "" {
		return nil, "", invalid("no charter id or version")
	}
	pub := timeOf(m["published"])
	if pub.IsZero() {
		return nil, "", invalid("no published date")
	}
	a.PublishedAt = &pub
	a.OpenedAt = pub
	a.DueAt = timeOf(d.term(m, "dueDate"))
	if u := timeOf(d.term(m, "declarationUpdated")); !u.IsZero() {
		a.DeclarationUpdated = &u
	}
	if decl := idOf(d.term(m, "declaration")); decl != "" {
		if absURL(decl) == "" {
			return nil, "", invalid("declaration is not an http(s) URL")
		}
		a.Declaration.ObjectID = decl
	}
	sup := idOf(d.term(m, "supersedes"))
	if sup != "" && absURL(sup) == "" {
		return nil, "", invalid("supersedes is not an http(s) URL")
	}
	raw := d.term(m, "verdicts")
	if l, ok := raw.(map[string]any); ok && l["@list"] != nil {
		raw = l["@list"]
	}
	list, ok := raw.([]any)
	if !ok && raw != nil {
		list = []any{raw}
	}
	if len(list) > maxVerdicts {
		return nil, "", invalid("more than %d verdicts", maxVerdicts)
	}
	seen := map[string]bool{}
	for i, x := range list {
		vm, ok := x.(map[string]any)
		if !ok {
			return nil, "", invalid("verdicts[%d] is %s", i, jsonKind(x))
		}
		v := catalog.Verdict{Commitment: truncate(str(d.term(vm, "commitment")), 100), Verdict: str(d.term(vm, "verdict")),
			PublicComment: str(d.term(vm, "comment"))}
		if v.Commitment == "" || seen[v.Commitment] {
			return nil, "", invalid("verdicts[%d] has no commitment or repeats one", i)
		}
		seen[v.Commitment] = true
		if v.Verdict == "" || !catalog.ValidVerdict(v.Verdict) {
			return nil, "", invalid("verdicts[%d].verdict %q is not one of conforme, partiel, non-conforme, non-verifiable, sans-objet", i, truncate(v.Verdict, 40))
		}
		if len(v.PublicComment) > catalog.MaxAuditText {
			return nil, "", invalid("verdicts[%d].comment longer than %d bytes", i, catalog.MaxAuditText)
		}
		for _, e := range evidenceList(d.term(vm, "evidence")) {
			if absURL(e) == "" {
				return nil, "", invalid("verdicts[%d].evidence is not an http(s) URL", i)
			}
			v.Evidence = append(v.Evidence, e)
		}
		a.Verdicts = append(a.Verdicts, v)
	}
	return a, sup, nil
}

// evidenceList reads one link or a list of links (strings or {"id": …}).
func evidenceList(v any) []string {
	switch t := v.(type) {
	case nil:
		return nil
	case []any:
		var out []string
		for _, x := range t {
			if s := idOf(x); s != "" {
				out = append(out, s)
			}
		}
		return out
	default:
		if s := idOf(t); s != "" {
			return []string{s}
		}
	}
	return nil
}
