package frontend

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/observatory"
)

// observedFacts is the hoster page's account of what the observatory saw,
// told neutrally and dated: facts, not verdicts.
type observedFacts struct {
	Never    bool // not observed yet
	OptedOut bool
	Date     string
	Method   string
	Lines    []observedLine
}

type observedLine struct {
	Label string
	Text  string
	Items []string
}

// observatoryKeys are the translation keys the observed facts build at run
// time: one per category and per reason the observatory gives.
func observatoryKeys() []string {
	var keys []string
	for _, c := range observatory.Categories {
		keys = append(keys, "observatory.category."+c)
	}
	for _, r := range observedReasons {
		keys = append(keys, "observatory.reason."+r)
	}
	return keys
}

// observedReasons are the reasons with a translation; others show as given.
var observedReasons = []string{"timeout", "refused", "dns", "unreachable", "redirect-loop", "too-many-redirects", "robots",
	"private-address", "expired", "not-yet-valid", "self-signed", "unknown-authority", "name-mismatch", "invalid-certificate",
	"not-tls", "handshake-failed", "old-protocol", "parked", "error-page", "default-page", "not-html-or-pdf", "not-a-pdf",
	"version-differs", "name-differs", "invalid-url", "no-redirect", "plain-http"}

func reasonText(l *Localizer, r string) string {
	if strings.HasPrefix(r, "status-") {
		return l.T("observatory.reason.status", strings.TrimPrefix(r, "status-"))
	}
	k := "observatory.reason." + r
	if t := l.T(k); t != k {
		return t
	}
	return r
}

// observedFor builds the facts of the hoster's latest observation, or nil
// on a node (nodes do not observe).
func (s *Server) observedFor(ctx context.Context, l *Localizer, h *catalog.Hoster) (*observedFacts, error) {
	if s.cfg.Role != "directory" {
		return nil, nil
	}
	rep, err := observatory.Latest(ctx, s.store, h, s.now())
	if err != nil {
		return nil, err
	}
	f := &observedFacts{}
	if rep.ObservedAt == nil {
		f.Never = true
		return f, nil
	}
	f.Date = l.Date(*rep.ObservedAt)
	if rep.OptedOut {
		f.OptedOut = true
		return f, nil
	}
	f.Method = l.T("observatory.method." + rep.Method)
	by := map[string][]catalog.Finding{}
	for _, x := range rep.Findings {
		by[x.Kind] = append(by[x.Kind], x)
	}
	where := func(x catalog.Finding) string {
		if x.Offer == "" {
			return l.T("observatory.website")
		}
		return x.Offer
	}

	// Reachability and availability.
	reach := observedLine{Label: l.T("observatory.reachability")}
	answered, total := 0, 0
	for _, x := range by[catalog.KindReachability] {
		if x.Reason == "truncated" {
			continue
		}
		total++
		if x.Status == catalog.FindingOK {
			answered++
		} else {
			reach.Items = append(reach.Items, l.T("observatory.item", where(x), reasonText(l, x.Reason)))
		}
	}
	reach.Text = l.T("observatory.pages_answer", answered, total)
	if rep.Availability != nil {
		reach.Text += " " + l.T("observatory.availability", l.Percent(*rep.Availability), l.Int(rep.Checks))
	}
	f.Lines = append(f.Lines, reach)

	// Transport.
	tlsLine := observedLine{Label: l.T("observatory.tls")}
	versions := map[string]bool{}
	for _, x := range by[catalog.KindTLS] {
		if x.Status == catalog.FindingProblem {
			why := reasonText(l, x.Reason)
			if n, err := strconv.Atoi(x.Value); err == nil && x.Reason == "expired" {
				why += " " + l.T("observatory.expired_days", l.Int(-n))
			}
			t := l.T("observatory.item", where(x), why)
			tlsLine.Items = append(tlsLine.Items, t)
		} else if x.Code != "" {
			versions[x.Code] = true
		}
	}
	hsts := 0
	for _, x := range by[catalog.KindHSTS] {
		if x.Status == catalog.FindingOK {
			hsts++
		}
	}
	if len(by[catalog.KindTLS]) > 0 {
		if len(tlsLine.Items) == 0 {
			tlsLine.Text = l.T("observatory.tls_valid", strings.Join(sortedKeys(versions), ", "))
		} else {
			tlsLine.Text = l.T("observatory.tls_problems")
		}
		tlsLine.Text += " " + l.T("observatory.hsts", hsts, len(by[catalog.KindHSTS]))
		f.Lines = append(f.Lines, tlsLine)
	}

	// Third parties, by category.
	third := observedLine{Label: l.T("observatory.third_parties")}
	cats := map[string]map[string]bool{}
	for _, x := range by[catalog.KindThirdParty] {
		if cats[x.Category] == nil {
			cats[x.Category] = map[string]bool{}
		}
		cats[x.Category][x.Host] = true
	}
	if len(cats) == 0 {
		third.Text = l.T("observatory.no_third_party", f.Date)
	} else {
		third.Text = l.T("observatory.third_party_seen", f.Date)
		for _, c := range observatory.Categories {
			if hosts := cats[c]; hosts != nil {
				third.Items = append(third.Items, l.T("observatory.item", l.T("observatory.category."+c), strings.Join(sortedKeys(hosts), ", ")))
			}
		}
	}
	f.Lines = append(f.Lines, third)

	// Cookies set on the first visit.
	first, thirdC := map[string]bool{}, map[string]bool{}
	for _, x := range by[catalog.KindCookie] {
		if x.Code == "third-party" {
			thirdC[x.Host+" "+x.Value] = true
		} else {
			first[x.Host+" "+x.Value] = true
		}
	}
	f.Lines = append(f.Lines, observedLine{Label: l.T("observatory.cookies"), Text: l.T("observatory.cookies_count", len(first), len(thirdC))})

	// Software identified.
	if sw := by[catalog.KindSoftware]; len(sw) > 0 {
		line := observedLine{Label: l.T("observatory.software")}
		for _, x := range sw {
			if x.Value == "" {
				line.Items = append(line.Items, l.T("observatory.item", where(x), l.T("observatory.not_identified", x.Declared)))
				continue
			}
			line.Items = append(line.Items, l.T("observatory.item", where(x), l.T("observatory.software_seen", x.Value, x.Declared)))
		}
		f.Lines = append(f.Lines, line)
	}

	// Documents.
	if docs := by[catalog.KindDocument]; len(docs) > 0 {
		line := observedLine{Label: l.T("observatory.documents")}
		for _, x := range docs {
			name := l.T("observatory.legal_notice")
			if x.Code == "evidence" {
				name = l.T("observatory.evidence", x.Commitment)
			}
			if x.Status == catalog.FindingOK {
				line.Items = append(line.Items, l.T("observatory.item", name, l.T("observatory.doc_ok")))
			} else {
				line.Items = append(line.Items, l.T("observatory.item", name, reasonText(l, x.Reason)))
			}
		}
		f.Lines = append(f.Lines, line)
	}
	if len(by[catalog.KindChatonsInfos]) > 0 {
		f.Lines = append(f.Lines, observedLine{Label: "ChatonsInfos", Text: l.T("observatory.chatonsinfos")})
	}
	return f, nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// findingLine tells one finding in a sentence, with where it was seen and
// how: for the audit form and the dashboard's overview.
func findingLine(l *Localizer, x catalog.Finding) string {
	where := x.Offer
	if where == "" {
		where = l.T("observatory.website")
	}
	var what string
	switch x.Kind {
	case catalog.KindThirdParty:
		what = l.T("observatory.line.third_party", x.Host, l.T("observatory.category."+x.Category))
	case catalog.KindCookie:
		what = l.T("observatory.line.cookie", x.Value, x.Host)
	case catalog.KindDocument:
		name := l.T("observatory.legal_notice")
		if x.Code == "evidence" {
			name = l.T("observatory.evidence", x.Commitment)
		}
		where = name
		what = l.T("observatory.doc_ok")
		if x.Status != catalog.FindingOK {
			what = reasonText(l, x.Reason)
		}
		what += " (" + x.URL + ")"
	case catalog.KindSoftware:
		if x.Value == "" {
			what = l.T("observatory.not_identified", x.Declared)
		} else {
			what = l.T("observatory.software_seen", x.Value, x.Declared)
		}
	case catalog.KindReachability:
		what = l.T("observatory.line.answers", x.Value, x.Millis)
		if x.Status == catalog.FindingProblem {
			what = reasonText(l, x.Reason)
		}
	case catalog.KindTLS:
		what = l.T("observatory.line.tls_ok", x.Code, x.Value)
		if x.Status == catalog.FindingProblem {
			what = reasonText(l, x.Reason)
		}
	default:
		what = x.Kind
		if x.Reason != "" {
			what += " " + reasonText(l, x.Reason)
		}
	}
	return l.T("observatory.item", where, what) + " — " + l.T("observatory.method."+x.Method)
}

// auditObservation is one finding beside a commitment in the audit form.
type auditObservation struct {
	Text        string
	Discrepancy bool
}

// auditObservations is what the audit form shows of the latest observation.
type auditObservations struct {
	Date     string
	OptedOut bool
	By       map[string][]auditObservation // by commitment
}

// observationsForAudit groups the hoster's latest findings by the
// commitments they inform, discrepancies marked; nil when never observed.
func (s *Server) observationsForAudit(ctx context.Context, l *Localizer, h *catalog.Hoster) (*auditObservations, error) {
	rep, err := observatory.Latest(ctx, s.store, h, s.now())
	if err != nil || rep.ObservedAt == nil {
		return nil, err
	}
	out := &auditObservations{Date: l.Date(*rep.ObservedAt), OptedOut: rep.OptedOut, By: map[string][]auditObservation{}}
	contradicts := map[string]bool{}
	for _, d := range rep.Discrepancies {
		contradicts[d.Commitment+"\x00"+d.Finding.Kind+"\x00"+d.Finding.Subject()] = true
	}
	for c, fs := range observatory.ByCommitment(rep) {
		for _, x := range fs {
			out.By[c] = append(out.By[c], auditObservation{Text: findingLine(l, x), Discrepancy: contradicts[c+"\x00"+x.Kind+"\x00"+x.Subject()]})
		}
		sort.SliceStable(out.By[c], func(i, j int) bool { return out.By[c][i].Discrepancy && !out.By[c][j].Discrepancy })
	}
	return out, nil
}

// overviewDiscrepancy is one hoster's discrepancies in the dashboard's
// overview: the auditors' to-do list.
type overviewDiscrepancy struct {
	Hoster     catalog.Hoster
	ObservedAt time.Time
	Items      []string
}

// discrepanciesForOverview lists the hosters whose latest observation
// contradicts their declaration, most discrepancies first.
func (s *Server) discrepanciesForOverview(ctx context.Context, l *Localizer, ch *catalog.Charter) ([]overviewDiscrepancy, error) {
	all, err := observatory.Overview(ctx, s.store)
	if err != nil {
		return nil, err
	}
	titles := map[string]string{}
	if ch != nil {
		for _, c := range ch.Commitments {
			titles[c.ID] = pick(l, c.TitleFR, c.TitleEN)
		}
	}
	var out []overviewDiscrepancy
	for _, hd := range all {
		if len(hd.Discrepancies) == 0 {
			continue
		}
		od := overviewDiscrepancy{Hoster: hd.Hoster, ObservedAt: hd.ObservedAt}
		for _, d := range hd.Discrepancies {
			t := titles[d.Commitment]
			if t == "" {
				t = d.Commitment
			}
			od.Items = append(od.Items, l.T("observatory.item", t, findingLine(l, d.Finding)))
		}
		out = append(out, od)
	}
	return out, nil
}
