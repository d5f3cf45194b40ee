package frontend

import (
	"context"

	"codeberg.org/portee/portee/catalog"
)

// nodeObservation is one directory's latest report on the node dashboard:
// what its observatory saw and what contradicts the hoster's declaration.
type nodeObservation struct {
	Directory     string
	ObservedAt    string
	ReceivedAt    string
	Discrepancies []string
	Problems      []string
	Findings      []string
}

// nodeObservations turns the reports the directories sent the node into
// localized lines, so that the hoster hears of a discrepancy first.
func (s *Server) nodeObservations(ctx context.Context, l *Localizer, h *catalog.Hoster) ([]nodeObservation, error) {
	rs, err := s.store.ObservationReports(ctx, h.ID)
	if err != nil {
		return nil, err
	}
	titles := map[string]string{}
	for _, c := range catalog.DefaultCharter().Commitments {
		titles[c.ID] = pick(l, c.TitleFR, c.TitleEN)
	}
	out := make([]nodeObservation, 0, len(rs))
	for _, r := range rs {
		o := nodeObservation{Directory: r.DirectoryActor, ObservedAt: l.Date(r.ObservedAt), ReceivedAt: l.Date(r.ReceivedAt)}
		for _, d := range r.Discrepancies {
			t := titles[d.Commitment]
			if t == "" {
				t = d.Commitment
			}
			o.Discrepancies = append(o.Discrepancies, l.T("observatory.item", t, findingLine(l, d.Finding)))
		}
		for _, f := range r.Findings {
			if f.Status == catalog.FindingProblem {
				o.Problems = append(o.Problems, findingLine(l, f))
			} else {
				o.Findings = append(o.Findings, findingLine(l, f))
			}
		}
		out = append(out, o)
	}
	return out, nil
}
