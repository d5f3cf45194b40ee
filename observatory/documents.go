package observatory

import (
	"bytes"
	"context"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"codeberg.org/portee/portee/catalog"
)

// docResult is the check of one document URL, shared by the commitments
// that give the same link.
type docResult struct {
	status, reason, value, detail string
}

// document checks that a declared link (legal notice, evidence) answers
// 200 with an HTML or PDF page that is not an error or parked page.
func (r *round) document(ctx context.Context, code, commitment, raw string) {
	res, ok := r.docs[raw]
	if !ok {
		res = r.checkDocument(ctx, raw)
		r.docs[raw] = res
	}
	kind := catalog.KindDocument
	if res.reason == "robots" {
		kind = catalog.KindRobots
	}
	r.add(catalog.Finding{Kind: kind, URL: raw, Method: catalog.MethodHTTP, Status: res.status, Code: code,
		Commitment: commitment, Reason: res.reason, Value: res.value, Detail: res.detail})
}

func (r *round) checkDocument(ctx context.Context, raw string) docResult {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return docResult{status: catalog.FindingProblem, reason: "invalid-url"}
	}
	ok, err := r.ob.client.RobotsAllowed(ctx, raw)
	if err == nil && !ok {
		return docResult{status: catalog.FindingInfo, reason: "robots"}
	}
	if err != nil {
		return docResult{status: catalog.FindingProblem, reason: failReason(err, r.ob.now()), detail: err.Error()}
	}
	hops, err := r.follow(ctx, raw, "text/html,application/xhtml+xml,application/pdf;q=0.9,*/*;q=0.5")
	if err != nil {
		return docResult{status: catalog.FindingProblem, reason: failReason(err, r.ob.now()), detail: err.Error()}
	}
	p := hops[len(hops)-1]
	if p.StatusCode != http.StatusOK {
		return docResult{status: catalog.FindingProblem, reason: "status-" + strconv.Itoa(p.StatusCode), value: strconv.Itoa(p.StatusCode)}
	}
	mt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
	switch {
	case mt == "application/pdf" || (mt == "" || mt == "application/octet-stream") && bytes.HasPrefix(p.Body, []byte("%PDF-")):
		if !bytes.HasPrefix(p.Body, []byte("%PDF-")) {
			return docResult{status: catalog.FindingProblem, reason: "not-a-pdf", value: mt}
		}
		return docResult{status: catalog.FindingOK, value: "pdf"}
	case mt == "text/html" || mt == "application/xhtml+xml" || mt == "":
		base, _ := url.Parse(p.URL)
		page := ParseHTML(p.Body, base)
		if reason := badPage(page.Title, p.Body); reason != "" {
			return docResult{status: catalog.FindingProblem, reason: reason, value: "html", detail: page.Title}
		}
		return docResult{status: catalog.FindingOK, value: "html"}
	}
	return docResult{status: catalog.FindingProblem, reason: "not-html-or-pdf", value: mt}
}

// Words that give away an error page, a parked domain or a server's
// default page (lower case, matched in the title, or anywhere in a short
// page).
var (
	errorWords  = []string{"404", "not found", "introuvable", "non trouvée", "n'existe pas", "erreur", "error", "forbidden", "interdit"}
	parkedWords = []string{"domain is for sale", "domain for sale", "domaine est à vendre", "domaine à vendre", "buy this domain",
		"parked", "parking", "sedoparking", "this domain may be for sale"}
	defaultWords = []string{"welcome to nginx", "apache2 debian default page", "apache2 ubuntu default page", "it works!", "test page for the"}
)

// badPage tells an error, parked or default page from a document: it
// answers 200 but is not what the link promised.
func badPage(title string, body []byte) string {
	t := strings.ToLower(title)
	head := strings.ToLower(string(body[:min(len(body), 8192)]))
	for _, w := range parkedWords {
		if strings.Contains(t, w) || strings.Contains(head, w) {
			return "parked"
		}
	}
	for _, w := range defaultWords {
		if strings.Contains(t, w) {
			return "default-page"
		}
	}
	for _, w := range errorWords {
		if strings.Contains(t, w) {
			return "error-page"
		}
	}
	return ""
}
