package chatonsinfos

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/federation/fetch"
)

// Getter reads one file. The HTTP one goes through the safe fetch client.
type Getter interface {
	Get(ctx context.Context, rawURL string) ([]byte, error)
}

// ErrRobots: the site's robots.txt forbids us this file.
var ErrRobots = errors.New("robots.txt forbids fetching it")

// HTTPGetter fetches through the SSRF-safe client (private addresses
// refused unless allowed, bounded time and size, same-origin redirects
// only, per-host limit) and honours robots.txt.
type HTTPGetter struct {
	Client *fetch.Client
}

// Get implements Getter.
func (g HTTPGetter) Get(ctx context.Context, rawURL string) ([]byte, error) {
	ok, err := g.Client.RobotsAllowed(ctx, rawURL)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrRobots
	}
	resp, err := g.Client.Get(ctx, rawURL, "text/plain, */*;q=0.5")
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

// FileGetter reads local paths (for "portee import chatonsinfos FILE") and
// hands URLs to Next.
type FileGetter struct {
	Next    Getter
	MaxSize int64
}

// Get implements Getter.
func (g FileGetter) Get(ctx context.Context, raw string) ([]byte, error) {
	if strings.HasPrefix(raw, "http://") || strings.HasPrefix(raw, "https://") {
		if g.Next == nil {
			return nil, fmt.Errorf("%s: no network access", raw)
		}
		return g.Next.Get(ctx, raw)
	}
	path := strings.TrimPrefix(raw, "file://")
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if g.MaxSize > 0 && st.Size() > g.MaxSize {
		return nil, fmt.Errorf("%w: %s is %d bytes, limit %d", fetch.ErrTooLarge, path, st.Size(), g.MaxSize)
	}
	return os.ReadFile(path)
}

// Options bound a crawl.
type Options struct {
	MaxOrganizations int // organisations read from a federation (default 1000)
	MaxFilesPerOrg   int // service files read per organisation (default 100)
	Concurrency      int // organisations read at once (default 4; the client still limits per host)
	Resolve          catalog.LocationResolver
	// Progress, when set, is called after each organisation with the
	// number done and the number known.
	Progress func(done, total int)
}

func (o Options) withDefaults() Options {
	if o.MaxOrganizations <= 0 {
		o.MaxOrganizations = 1000
	}
	if o.MaxFilesPerOrg <= 0 {
		o.MaxFilesPerOrg = 100
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	return o
}

// Organization is one crawled organisation: the hoster and offers it maps
// to, what was wrong in its files, and Err when its own file could not be
// read or used (then Hoster and Offers are empty).
type Organization struct {
	URL      string
	Hoster   catalog.Hoster
	Offers   []catalog.Offer
	Failed   []string // keys of offers whose file could not be read this time
	Problems []Problem
	Err      error
}

// Result is a whole crawl.
type Result struct {
	Source        string
	Organizations []*Organization
	Problems      []Problem // about the federation file itself
	Files         int       // files read successfully
}

// AllProblems lists the federation's and every organisation's problems.
func (r *Result) AllProblems() []Problem {
	out := append([]Problem{}, r.Problems...)
	for _, o := range r.Organizations {
		out = append(out, o.Problems...)
	}
	return out
}

// Services counts the offers found.
func (r *Result) Services() int {
	n := 0
	for _, o := range r.Organizations {
		n += len(o.Offers)
	}
	return n
}

// Crawl reads root (a federation or a single organisation file) and
// follows its subs: federation → organisations → services. One bad file
// costs that file only; Crawl returns an error only when root itself is
// unusable.
func Crawl(ctx context.Context, g Getter, root string, o Options) (*Result, error) {
	o = o.withDefaults()
	res := &Result{Source: root}
	f, err := getFile(ctx, g, root)
	if err != nil {
		return nil, err
	}
	res.Files++
	class := f.Class()
	if class == "" && f.Get("organization.name") != "" {
		class = "organization" // files without file.class exist; the keys say enough
	}
	if class == "" && f.Get("federation.name") != "" {
		class = "federation"
	}
	switch class {
	case "organization", "organisation":
		org := &Organization{URL: root}
		crawlOrganization(ctx, g, org, f, o)
		res.Files += len(org.Offers)
		res.Organizations = []*Organization{org}
		if o.Progress != nil {
			o.Progress(1, 1)
		}
		return res, nil
	case "federation":
		res.Problems = append(res.Problems, f.Problems...)
	default:
		return nil, Problem{Source: root, Line: f.Line("file.class"), Key: "file.class",
			Reason: fmt.Sprintf("%q is neither Federation nor Organization", printable(f.Get("file.class")))}
	}
	subs := subsOf(f, root, &res.Problems)
	if len(subs) > o.MaxOrganizations {
		res.Problems = append(res.Problems, Problem{Source: root, Reason: fmt.Sprintf("%d organisations listed: only the first %d are read", len(subs), o.MaxOrganizations)})
		subs = subs[:o.MaxOrganizations]
	}
	res.Organizations = make([]*Organization, len(subs))
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		done int
	)
	sem := make(chan struct{}, o.Concurrency)
	for i, s := range subs {
		org := &Organization{URL: s.url}
		res.Organizations[i] = org
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			defer func() {
				if r := recover(); r != nil {
					org.Err = fmt.Errorf("%s: panic on remote input: %v", org.URL, r)
				}
			}()
			of, err := getFile(ctx, g, org.URL)
			if err != nil {
				org.Err = err
				org.Problems = append(org.Problems, Problem{Source: org.URL, Reason: err.Error()})
			} else {
				crawlOrganization(ctx, g, org, of, o)
			}
			mu.Lock()
			done++
			res.Files += countFiles(org)
			if o.Progress != nil {
				o.Progress(done, len(subs))
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	return res, nil
}

func countFiles(org *Organization) int {
	if org.Err != nil {
		return 0
	}
	return 1 + len(org.Offers)
}

type sub struct{ id, url string }

// subsOf lists the subs of f with their URLs resolved against base,
// without duplicates; a non-http(s) URL is a problem.
func subsOf(f *File, base string, probs *[]Problem) []sub {
	var out []sub
	seen := map[string]bool{}
	bu, _ := url.Parse(base)
	for _, p := range f.WithPrefix("subs.") {
		id := p.Key[len("subs."):]
		u, err := url.Parse(strings.TrimSpace(p.Value))
		if err == nil && bu != nil {
			u = bu.ResolveReference(u)
		}
		local := bu == nil || (bu.Scheme != "http" && bu.Scheme != "https")
		if err != nil || u == nil || (!local && u.Scheme != "http" && u.Scheme != "https") || (local && u.Scheme != "" && u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "file") {
			*probs = append(*probs, Problem{Source: f.Source, Line: p.Line, Key: p.Key, Reason: fmt.Sprintf("%q is not an http(s) URL: skipped", printable(p.Value))})
			continue
		}
		s := u.String()
		if local && u.Scheme == "" {
			s = filepath.Clean(u.Path)
		}
		if seen[s] {
			*probs = append(*probs, Problem{Source: f.Source, Line: p.Line, Key: p.Key, Reason: "names a file already listed: skipped"})
			continue
		}
		seen[s] = true
		out = append(out, sub{id: id, url: s})
	}
	return out
}

func getFile(ctx context.Context, g Getter, u string) (*File, error) {
	b, err := g.Get(ctx, u)
	if err != nil {
		return nil, err
	}
	return Parse(u, b), nil
}

// crawlOrganization maps the organisation file f and reads its services.
func crawlOrganization(ctx context.Context, g Getter, org *Organization, f *File, o Options) {
	org.Problems = append(org.Problems, f.Problems...)
	if c := f.Class(); c != "organization" && c != "organisation" && c != "" {
		org.Err = Problem{Source: org.URL, Line: f.Line("file.class"), Key: "file.class", Reason: fmt.Sprintf("%q: an organisation file was expected", printable(f.Get("file.class")))}
		org.Problems = append(org.Problems, org.Err.(Problem))
		return
	}
	h, probs, err := ToHoster(f, o.Resolve)
	org.Problems = append(org.Problems, probs...)
	if err != nil {
		org.Err = err
		org.Problems = append(org.Problems, err.(Problem))
		return
	}
	org.Hoster = h
	subs := subsOf(f, org.URL, &org.Problems)
	if len(subs) > o.MaxFilesPerOrg {
		org.Problems = append(org.Problems, Problem{Source: org.URL, Reason: fmt.Sprintf("%d services listed: only the first %d are read", len(subs), o.MaxFilesPerOrg)})
		subs = subs[:o.MaxFilesPerOrg]
	}
	keys := map[string]bool{}
	for _, s := range subs {
		key := offerKey(s.id, keys)
		sf, err := getFile(ctx, g, s.url)
		if err != nil {
			org.Failed = append(org.Failed, key)
			org.Problems = append(org.Problems, Problem{Source: s.url, Reason: err.Error()})
			continue
		}
		org.Problems = append(org.Problems, sf.Problems...)
		if c := sf.Class(); c != "service" && c != "" {
			org.Problems = append(org.Problems, Problem{Source: s.url, Line: sf.Line("file.class"), Key: "file.class",
				Reason: fmt.Sprintf("%q: a service file was expected; skipped", printable(sf.Get("file.class")))})
			continue
		}
		off, probs, err := ToOffer(sf, key)
		org.Problems = append(org.Problems, probs...)
		if err != nil {
			var p Problem
			if errors.As(err, &p) {
				org.Problems = append(org.Problems, p)
			}
			continue
		}
		// Under the organisation's own URL: a service file listed by two
		// organisations gives each its own offer, and neither can touch the
		// other's.
		off.ObjectID = org.URL + "#" + key
		org.Offers = append(org.Offers, off)
	}
	sort.SliceStable(org.Offers, func(i, j int) bool { return org.Offers[i].Key < org.Offers[j].Key })
}

// offerKey makes a unique offer key from a sub id.
func offerKey(id string, used map[string]bool) string {
	base := Slug(id)
	if base == "" {
		base = "service"
	}
	key := base
	for n := 2; used[key]; n++ {
		key = fmt.Sprintf("%s-%d", base, n)
	}
	used[key] = true
	return key
}
