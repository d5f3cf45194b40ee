package demo

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func getBody(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// checkDemoChatonsInfos: the directory imported the demo's own ChatonsInfos
// federation (three styles of file, and a demo node's own export, merged
// into that node), shows those hosters with their source, and every node
// serves its ChatonsInfos and librehost.json files.
func checkDemoChatonsInfos(t *testing.T, d *Demo) {
	t.Helper()
	type hoster struct {
		Name, Acct, Source string
		Lat                *float64
	}
	var hosters []hoster
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, body := getBody(t, d.DirectoryURL()+"/api/v1/hosters")
		var r struct{ Hosters []hoster }
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			t.Fatalf("hosters API: %v", err)
		}
		hosters = r.Hosters
		n := 0
		for _, h := range hosters {
			if h.Source == "chatonsinfos" {
				n++
			}
		}
		if n >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the ChatonsInfos federation was not imported: %+v", hosters)
		}
		time.Sleep(100 * time.Millisecond)
	}
	names := map[string][]string{}
	for _, h := range hosters {
		names[h.Name] = append(names[h.Name], h.Source)
		if h.Source == "chatonsinfos" && h.Lat == nil {
			t.Errorf("%s has no place on the map", h.Name)
		}
	}
	for name, want := range map[string]string{"Chaton des Marais": "chatonsinfos", "Ti Chaton Breizh": "chatonsinfos",
		"Chaton de la Forêt": "chatonsinfos", "Chaton Nazairien": "portee"} {
		if got := names[name]; len(got) != 1 || got[0] != want {
			t.Errorf("%s listed as %v, want once as %s", name, got, want)
		}
	}
	_, body := getBody(t, d.DirectoryURL()+"/api/v1/search?q=hedgedoc")
	if !strings.Contains(body, `"source":"chatonsinfos"`) || !strings.Contains(body, "Ti Chaton Breizh") {
		t.Errorf("search for hedgedoc: %s", body)
	}
	if _, page := getBody(t, d.DirectoryURL()+"/carte"); !strings.Contains(page, "Chaton des Marais") || !strings.Contains(page, "fiche ChatonsInfos, non signée") {
		t.Errorf("the map does not show the imported hosters with their source")
	}
	for _, n := range d.Nodes {
		if code, body := getBody(t, n.URL+"/.well-known/chatonsinfos/"+n.Username+".properties"); code != 200 || !strings.Contains(body, "file.class = Organization") {
			t.Errorf("%s ChatonsInfos: %d\n%s", n.Username, code, body)
		}
		if code, body := getBody(t, n.URL+"/librehost.json"); code != 200 || !strings.Contains(body, "schema.org") {
			t.Errorf("%s librehost.json: %d\n%s", n.Username, code, body)
		}
	}
	if code, body := getBody(t, d.DirectoryURL()+"/.well-known/chatonsinfos/federation.properties"); code != 200 || strings.Count(body, "subs.") < len(d.Nodes)+3 {
		t.Errorf("directory federation file: %d\n%s", code, body)
	}
}
