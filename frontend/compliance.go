package frontend

import (
	"context"
	"errors"
	"math"
	"net/url"
	"regexp"
	"strconv"
	"sync"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/search/gazetteer"
)

// The compliance and statistics pages register their templates here, next
// to the code that renders them.
func init() {
	pageNames = append(pageNames, "compliance", "statistics")
}

// complianceReport is the compliance table as every format shows it: the
// counts now and a year before, for one charter version and one filter.
type complianceReport struct {
	Filter catalog.ComplianceFilter
	Now    *catalog.Compliance
	Before *catalog.Compliance // the same date a year before
	Axes   []complianceAxis
}

// complianceAxis groups the rows of one axis with their summary: counts
// summed over the axis's commitments (answers, not hosters).
type complianceAxis struct {
	ID, TitleFR, TitleEN string
	Rows                 []complianceRow
	Summary              complianceRow
}

type complianceRow struct {
	ID, TitleFR, TitleEN string
	Required             bool
	Declared, Audited    map[string]int
	Total                int // what Declared adds up to
	YesShare             float64
	ConformeShare        float64 // among audited answers; NaN when none
	YesChange            float64 // points since a year before; NaN when unknown
	ConformeChange       float64
}

var (
	departementParamRe = regexp.MustCompile(`^(?:[0-9]{2}|2[AB]|97[1-6])$`)
	versionParamRe     = regexp.MustCompile(`^[\pL\pN._-]{1,40}$`)
)

// complianceFilter reads the filters shared by the page, the CSV and the
// API. A bad value is a 400 naming the parameter.
func complianceFilter(q url.Values) (catalog.ComplianceFilter, string) {
	f := catalog.ComplianceFilter{CharterVersion: q.Get("charter_version"), Region: q.Get("region"),
		Departement: q.Get("departement"), Membership: q.Get("membership")}
	if f.CharterVersion != "" && !versionParamRe.MatchString(f.CharterVersion) {
		return f, "charter_version"
	}
	if f.Departement != "" && !departementParamRe.MatchString(f.Departement) {
		return f, "departement"
	}
	if len([]rune(f.Region)) > 80 {
		return f, "region"
	}
	switch f.Membership {
	case "", catalog.MembershipMember, catalog.MembershipOther:
	default:
		return f, "membership"
	}
	return f, ""
}

// errUnknownCharterVersion: the filter names a version that is not loaded.
var errUnknownCharterVersion = errors.New("frontend: unknown charter version")

// complianceCache keeps the latest reports per filter. A report is reused
// while the change feed has not moved (every write to hosters and
// declarations appends to it) and the day is the same (the year-before
// column compares with a date). Counting 1,000 declarations twice costs
// tens of milliseconds; checking the feed costs one indexed MAX.
type complianceCache struct {
	mu      sync.Mutex
	entries map[catalog.ComplianceFilter]complianceCached
}

type complianceCached struct {
	stamp string
	r     *complianceReport
}

// complianceCacheMax bounds the cache: filters come from visitors.
const complianceCacheMax = 128

// complianceReport counts the table now and a year before, or returns the
// cached count when nothing changed since.
func (s *Server) complianceReport(ctx context.Context, f catalog.ComplianceFilter) (*complianceReport, error) {
	stamp, err := s.complianceStamp(ctx)
	if err != nil {
		return nil, err
	}
	s.complianceCache.mu.Lock()
	cached, ok := s.complianceCache.entries[f]
	s.complianceCache.mu.Unlock()
	if ok && cached.stamp == stamp {
		return cached.r, nil
	}
	r, err := s.countCompliance(ctx, f)
	if err != nil {
		return nil, err
	}
	s.complianceCache.mu.Lock()
	if s.complianceCache.entries == nil || len(s.complianceCache.entries) >= complianceCacheMax {
		s.complianceCache.entries = map[catalog.ComplianceFilter]complianceCached{}
	}
	s.complianceCache.entries[f] = complianceCached{stamp: stamp, r: r}
	s.complianceCache.mu.Unlock()
	return r, nil
}

// complianceStamp changes whenever a count could: a write to the catalog,
// or a new day.
func (s *Server) complianceStamp(ctx context.Context) (string, error) {
	seq, err := s.store.LastSeq(ctx)
	if err != nil {
		return "", err
	}
	return strconv.FormatInt(seq, 10) + "/" + s.now().UTC().Format(time.DateOnly), nil
}

// countCompliance counts the table now and at the start of the same date a
// year before.
func (s *Server) countCompliance(ctx context.Context, f catalog.ComplianceFilter) (*complianceReport, error) {
	ch, err := s.store.ComplianceCharter(ctx, f)
	if errors.Is(err, catalog.ErrNotFound) {
		return nil, errUnknownCharterVersion
	}
	if err != nil {
		return nil, err
	}
	day := s.now().UTC().Truncate(24 * time.Hour)
	r := &complianceReport{Filter: f}
	if r.Now, err = s.store.ComplianceAt(ctx, ch, f, time.Time{}); err != nil {
		return nil, err
	}
	if r.Before, err = s.store.ComplianceAt(ctx, ch, f, day.AddDate(-1, 0, 0)); err != nil {
		return nil, err
	}
	before := map[string]catalog.CommitmentCompliance{}
	for _, cc := range r.Before.Commitments {
		before[cc.ID] = cc
	}
	titles := map[string]catalog.Commitment{}
	for _, cm := range ch.Commitments {
		titles[cm.ID] = cm
	}
	axisIndex := map[string]int{}
	for _, ax := range ch.Axes {
		axisIndex[ax.ID] = len(r.Axes)
		r.Axes = append(r.Axes, complianceAxis{ID: ax.ID, TitleFR: ax.TitleFR, TitleEN: ax.TitleEN,
			Summary: complianceRow{ID: ax.ID, TitleFR: ax.TitleFR, TitleEN: ax.TitleEN,
				Declared: map[string]int{}, Audited: map[string]int{}}})
	}
	for _, cc := range r.Now.Commitments {
		i, ok := axisIndex[cc.Axis]
		if !ok {
			continue
		}
		cm := titles[cc.ID]
		row := complianceRow{ID: cc.ID, TitleFR: cm.TitleFR, TitleEN: cm.TitleEN, Required: cm.Required,
			Declared: cc.Declared, Audited: cc.Audited, Total: r.Now.Hosters}
		row.shares(before[cc.ID].Declared, before[cc.ID].Audited, r.Before.Hosters)
		ax := &r.Axes[i]
		ax.Rows = append(ax.Rows, row)
		for k, n := range cc.Declared {
			ax.Summary.Declared[k] += n
		}
		for k, n := range cc.Audited {
			ax.Summary.Audited[k] += n
		}
		ax.Summary.Total += r.Now.Hosters
	}
	for i := range r.Axes {
		ax := &r.Axes[i]
		pastDeclared, pastAudited := map[string]int{}, map[string]int{}
		for _, row := range ax.Rows {
			for k, n := range before[row.ID].Declared {
				pastDeclared[k] += n
			}
			for k, n := range before[row.ID].Audited {
				pastAudited[k] += n
			}
		}
		ax.Summary.shares(pastDeclared, pastAudited, r.Before.Hosters*len(ax.Rows))
	}
	return r, nil
}

// shares fills the yes and conforme shares and their change since the
// past counts (pastTotal answers); a change is NaN when there was nothing
// to compare with.
func (row *complianceRow) shares(pastDeclared, pastAudited map[string]int, pastTotal int) {
	row.YesShare = share(row.Declared[catalog.AnswerYes], row.Total)
	row.ConformeShare = share(row.Audited["conforme"], row.Total-row.Audited[catalog.ComplianceNone])
	row.YesChange, row.ConformeChange = math.NaN(), math.NaN()
	if pastTotal > 0 {
		row.YesChange = 100 * (row.YesShare - share(pastDeclared[catalog.AnswerYes], pastTotal))
	}
	pastAuditedN := pastTotal - pastAudited[catalog.ComplianceNone]
	if pastTotal > 0 && pastAuditedN > 0 && !math.IsNaN(row.ConformeShare) {
		row.ConformeChange = 100 * (row.ConformeShare - share(pastAudited["conforme"], pastAuditedN))
	}
}

// share is n/total, NaN when total is 0.
func share(n, total int) float64 {
	if total <= 0 {
		return math.NaN()
	}
	return float64(n) / float64(total)
}

// departementLabel is "44 Loire-Atlantique", or the code alone.
func departementLabel(code string) string {
	if name, _, ok := gazetteer.Departement(code); ok {
		return code + " " + name
	}
	return code
}
