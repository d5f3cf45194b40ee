package vocab

import (
	"errors"
	"fmt"
	"time"

	"codeberg.org/portee/portee/catalog"
)

// ObservationReportType is the type of the report a directory sends a node
// about what its observatory saw: our own type, never an actor type.
const ObservationReportType = "ObservationReport"

// observationTerms are the terms of the ObservationReport object.
var observationTerms = []struct{ name, kind string }{
	{"observedHoster", "id"}, {"observedAt", ""}, {"findings", "list"}, {"discrepancies", "list"},
	{"kind", ""}, {"subject", "id"}, {"offerKey", ""}, {"code", ""}, {"reason", ""}, {"host", ""},
	{"value", ""}, {"declared", ""}, {"finding", ""},
}

func init() { porteeTerms = append(porteeTerms, observationTerms...) }

// Bounds of a received report: an observation has a few findings per site.
const (
	maxReportFindings = 2000
	maxReportField    = 500
)

// ObservationReport is what a report carries.
type ObservationReport struct {
	ID             string
	DirectoryActor string // attributedTo
	HosterActor    string
	ObservedAt     time.Time
	Findings       []catalog.Finding
	Discrepancies  []catalog.ReportDiscrepancy
}

func findingMap(f *catalog.Finding) map[string]any {
	m := map[string]any{"portee:kind": f.Kind, "portee:status": f.Status}
	for k, v := range map[string]string{"portee:subject": f.URL, "portee:offerKey": f.Offer, "portee:code": f.Code,
		"portee:reason": f.Reason, "portee:host": f.Host, "portee:category": f.Category, "portee:value": f.Value,
		"portee:commitment": f.Commitment} {
		if v != "" {
			m[k] = v
		}
	}
	return m
}

// ObservationReportDoc builds the report: attributed to the directory,
// addressed to the observed hoster only. Raw details (Detail, Declared,
// timings) stay on the directory.
func ObservationReportDoc(r *ObservationReport) ([]byte, error) {
	if r.ID == "" || r.DirectoryActor == "" || r.HosterActor == "" || r.ObservedAt.IsZero() {
		return nil, errors.New("vocab: build observation report: no id, directory, hoster or date")
	}
	fs := make([]any, 0, len(r.Findings))
	for i := range r.Findings {
		fs = append(fs, findingMap(&r.Findings[i]))
	}
	ds := make([]any, 0, len(r.Discrepancies))
	for i := range r.Discrepancies {
		d := &r.Discrepancies[i]
		ds = append(ds, map[string]any{"portee:commitment": d.Commitment, "portee:declared": d.Declared,
			"portee:finding": findingMap(&d.Finding)})
	}
	m := map[string]any{
		"id":                    r.ID,
		"type":                  ObservationReportType,
		"attributedTo":          r.DirectoryActor,
		"to":                    []any{r.HosterActor},
		"portee:observedHoster": r.HosterActor,
		"portee:observedAt":     fmtTime(r.ObservedAt),
		"portee:findings":       fs,
		"portee:discrepancies":  ds,
	}
	setTimes(m, r.ObservedAt, r.ObservedAt)
	b, err := finish(m)
	if err != nil {
		return nil, fmt.Errorf("vocab: build observation report %q: %w", r.ID, err)
	}
	return b, nil
}

// IsObservationReportType tells whether an object type names our report.
func IsObservationReportType(t string) bool {
	return t == ObservationReportType || t == "portee:"+ObservationReportType || t == NS+ObservationReportType
}

// ParseObservationReport reads a remote ObservationReport. Every finding
// needs a kind and a status among ok, problem and info; subjects are
// http(s) URLs; text fields are bounded.
func ParseObservationReport(b []byte) (*ObservationReport, error) {
	r, err := parseObservationReport(b)
	if err != nil {
		return nil, fmt.Errorf("vocab: parse observation report: %w", err)
	}
	return r, nil
}

func parseObservationReport(b []byte) (*ObservationReport, error) {
	d, err := decodeDocument(b)
	if err != nil {
		return nil, err
	}
	m := d.m
	if pickType(m, ObservationReportType, "portee:"+ObservationReportType, NS+ObservationReportType) == "" {
		return nil, invalid("type %v is not %s", types(m), ObservationReportType)
	}
	r := &ObservationReport{}
	if r.ID, err = requireURL("id", objID(m)); err != nil {
		return nil, err
	}
	if r.DirectoryActor, err = requireURL("attributedTo", idOf(m["attributedTo"])); err != nil {
		return nil, err
	}
	if r.HosterActor, err = requireURL("observedHoster", idOf(d.term(m, "observedHoster"))); err != nil {
		return nil, err
	}
	if r.ObservedAt = timeOf(d.term(m, "observedAt")); r.ObservedAt.IsZero() {
		return nil, invalid("no observedAt date")
	}
	fs := listOf(d.term(m, "findings"))
	ds := listOf(d.term(m, "discrepancies"))
	if len(fs) > maxReportFindings || len(ds) > maxReportFindings {
		return nil, invalid("more than %d findings or discrepancies", maxReportFindings)
	}
	for i, x := range fs {
		f, err := parseFinding(d, x)
		if err != nil {
			return nil, invalid("findings[%d]: %v", i, err)
		}
		r.Findings = append(r.Findings, *f)
	}
	for i, x := range ds {
		dm, ok := x.(map[string]any)
		if !ok {
			return nil, invalid("discrepancies[%d] is %s", i, jsonKind(x))
		}
		rd := catalog.ReportDiscrepancy{Commitment: truncate(str(d.term(dm, "commitment")), 100), Declared: truncate(str(d.term(dm, "declared")), 40)}
		if rd.Commitment == "" {
			return nil, invalid("discrepancies[%d] has no commitment", i)
		}
		f, err := parseFinding(d, d.term(dm, "finding"))
		if err != nil {
			return nil, invalid("discrepancies[%d].finding: %v", i, err)
		}
		rd.Finding = *f
		r.Discrepancies = append(r.Discrepancies, rd)
	}
	return r, nil
}

// listOf reads a JSON-LD list: an array, an {"@list": …} or one value.
func listOf(raw any) []any {
	if l, ok := raw.(map[string]any); ok && l["@list"] != nil {
		raw = l["@list"]
	}
	switch t := raw.(type) {
	case nil:
		return nil
	case []any:
		return t
	default:
		return []any{t}
	}
}

func parseFinding(d *document, x any) (*catalog.Finding, error) {
	fm, ok := x.(map[string]any)
	if !ok {
		return nil, invalid("is %s", jsonKind(x))
	}
	field := func(name string) string { return truncate(str(d.term(fm, name)), maxReportField) }
	f := &catalog.Finding{Kind: truncate(str(d.term(fm, "kind")), 40), Status: str(d.term(fm, "status")),
		Offer: field("offerKey"), Code: field("code"), Reason: field("reason"), Host: field("host"),
		Category: field("category"), Value: field("value"), Commitment: truncate(str(d.term(fm, "commitment")), 100)}
	if f.Kind == "" {
		return nil, invalid("no kind")
	}
	switch f.Status {
	case catalog.FindingOK, catalog.FindingProblem, catalog.FindingInfo:
	default:
		return nil, invalid("status %q is not ok, problem or info", truncate(f.Status, 40))
	}
	if u := idOf(d.term(fm, "subject")); u != "" {
		if absURL(u) == "" {
			return nil, invalid("subject is not an http(s) URL")
		}
		f.URL = truncate(u, 2000)
	}
	return f, nil
}
