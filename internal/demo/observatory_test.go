package demo

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"codeberg.org/portee/portee/internal/testenv"
	"codeberg.org/portee/portee/observatory"
)

// TestDemoObservatory: soon after start (the time is logged; a benchmark,
// not this test, is the place for timing claims), with the browser mode on
// (Debian's Chromium), the observatory has observed every demo hoster and
// found each kind of discrepancy the demo sites carry; only our client ever
// reached the sites (the browser's requests were all answered by it or
// refused), and the public pages show the facts.
func TestDemoObservatory(t *testing.T) {
	chrome := testenv.Chromium(t)
	start := time.Now()
	d := startDemo(t, Options{ObservatoryBrowser: chrome})
	want := map[string]string{
		"chaton-nazairien": "",
		"erdre-libre":      "neutre-pistage third-party analytics",
		"canut-numerique":  "transparent-cgu document status-404",
		"faubourg-libre":   "ouvert-liste-logiciels software version-differs",
		"ti-chaton-pei":    "alternatif-alternatives tls expired",
	}
	got := map[string]string{}
	var reports map[string]observatory.Report
	for time.Since(start) < 3*time.Minute {
		reports = map[string]observatory.Report{}
		for _, n := range d.Nodes {
			resp, err := http.Get(d.DirectoryURL() + "/api/v1/hosters/" + n.Acct() + "/observations")
			if err != nil {
				t.Fatal(err)
			}
			var rep observatory.Report
			err = json.NewDecoder(resp.Body).Decode(&rep)
			resp.Body.Close()
			if err != nil || resp.StatusCode != http.StatusOK {
				continue
			}
			user := strings.SplitN(n.Acct(), "@", 2)[0]
			reports[user] = rep
			got[user] = summary(rep)
		}
		if matches(got, want) {
			break
		}
		time.Sleep(time.Second)
	}
	if !matches(got, want) {
		t.Fatalf("after %s, discrepancies by hoster:\n%v\nwant (at least):\n%v", time.Since(start).Round(time.Second), got, want)
	}
	t.Logf("every kind of finding after %s", time.Since(start).Round(time.Second))
	erdre := reports["erdre-libre"]
	hosts := map[string]string{}
	for _, f := range erdre.Findings {
		if f.Kind == "third-party" {
			hosts[f.Host] = f.Category
		}
	}
	if hosts["fonts.googleapis.com"] != "fonts" || hosts["www.googletagmanager.com"] != "analytics" || erdre.Method != "browser" {
		t.Errorf("erdre-libre third parties %v (method %s)", hosts, erdre.Method)
	}
	for agent := range d.Sites.UserAgents() {
		if !strings.HasPrefix(agent, "Portée-observatoire/") || !strings.HasSuffix(agent, "(+"+d.DirectoryURL()+"/a-propos#observatoire)") {
			t.Errorf("the demo sites answered a request from %q", agent)
		}
	}
	resp, err := http.Get(d.DirectoryURL() + "/hebergeurs/" + d.Nodes[1].Acct())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page, err := io.ReadAll(resp.Body)
	if err != nil || !strings.Contains(string(page), "www.googletagmanager.com") {
		t.Error("the hoster page does not show the observed third parties")
	}
	// The node of erdre-libre heard of its discrepancy from the directory.
	erdreNode := d.Nodes[1]
	if !strings.HasPrefix(erdreNode.Acct(), "erdre-libre@") {
		t.Fatalf("node 1 is %s", erdreNode.Acct())
	}
	hs, err := erdreNode.Store.LocalHosters(context.Background())
	if err != nil || len(hs) != 1 {
		t.Fatalf("erdre-libre's node hosters: %v %v", hs, err)
	}
	heard := false
	for deadline := time.Now().Add(time.Minute); !heard && time.Now().Before(deadline); time.Sleep(time.Second) {
		rs, err := erdreNode.Store.ObservationReports(context.Background(), hs[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			for _, x := range r.Discrepancies {
				heard = heard || (x.Commitment == "neutre-pistage" && x.Finding.Category == "analytics")
			}
		}
	}
	if !heard {
		t.Error("erdre-libre's node never received the report of its analytics discrepancy")
	}
}

// summary lists a report's discrepancies as "commitment kind reason".
func summary(rep observatory.Report) string {
	var out []string
	for _, d := range rep.Discrepancies {
		s := d.Commitment + " " + d.Finding.Kind + " "
		if d.Finding.Kind == "third-party" {
			s += d.Finding.Category
		} else {
			s += d.Finding.Reason
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return strings.Join(out, "; ")
}

// matches: each hoster's discrepancies include the wanted one, and the
// clean hoster has none.
func matches(got, want map[string]string) bool {
	for h, w := range want {
		g, ok := got[h]
		if !ok || (w == "" && g != "") || !strings.Contains(g, w) {
			return false
		}
	}
	return true
}
