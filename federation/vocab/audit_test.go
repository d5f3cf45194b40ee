package vocab

import (
	"strings"
	"testing"
	"time"

	"codeberg.org/portee/portee/catalog"
)

func sampleAudit() *catalog.Audit {
	pub := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	upd := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	return &catalog.Audit{ObjectID: "https://annuaire.example/hebergeurs/a@n.example/audits/3", PublisherActor: "https://annuaire.example/actor",
		HosterActor: "https://n.example/hosters/a", CharterID: "chatons", CharterVersion: "2023", PublishedAt: &pub,
		DueAt: pub.AddDate(1, 0, 0), DeclarationUpdated: &upd, Declaration: catalog.DeclarationSnapshot{ObjectID: "https://n.example/hosters/a/charter"},
		Verdicts: []catalog.Verdict{
			{Commitment: "hebergeur-controle", Verdict: catalog.VerdictConforme, Evidence: catalog.StringList{"https://n.example/infra"}, PublicComment: "ok", PrivateNote: "SECRET"},
			{Commitment: "ouvert-logiciels-libres", Verdict: catalog.VerdictPartiel},
			{Commitment: "open-draft-left-empty"},
		}}
}

func TestAuditRoundTrip(t *testing.T) {
	a := sampleAudit()
	b, err := AuditDoc(a, "https://annuaire.example/hebergeurs/a@n.example/audits/1")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if strings.Contains(s, "SECRET") || strings.Contains(s, "open-draft-left-empty") || !strings.Contains(s, `"type":"Audit"`) || !strings.Contains(s, `"Audit":"portee:Audit"`) {
		t.Fatalf("document: %s", s)
	}
	got, sup, err := ParseAudit(b)
	if err != nil {
		t.Fatal(err)
	}
	if sup != "https://annuaire.example/hebergeurs/a@n.example/audits/1" || got.ObjectID != a.ObjectID || got.PublisherActor != a.PublisherActor ||
		got.HosterActor != a.HosterActor || !got.PublishedAt.Equal(*a.PublishedAt) || !got.DueAt.Equal(a.DueAt) ||
		!got.DeclarationUpdated.Equal(*a.DeclarationUpdated) || got.Declaration.ObjectID != a.Declaration.ObjectID ||
		len(got.Verdicts) != 2 || got.Verdicts[0].Evidence[0] != "https://n.example/infra" || got.Verdicts[0].PublicComment != "ok" {
		t.Fatalf("round trip: %+v", got)
	}
}

func TestParseAuditRefuses(t *testing.T) {
	b, _ := AuditDoc(sampleAudit(), "")
	good := string(b)
	cases := map[string]string{
		"bad verdict":     strings.Replace(good, `"conforme"`, `"parfait"`, 1),
		"not an audit":    strings.Replace(good, `"type":"Audit"`, `"type":"Note"`, 1),
		"javascript link": strings.Replace(good, `https://n.example/infra`, `javascript:alert(1)`, 1),
		"no hoster":       strings.Replace(good, `"portee:auditedHoster":"https://n.example/hosters/a"`, `"portee:other":"x"`, 1),
		"no date":         strings.Replace(good, `"published"`, `"when"`, 1),
		"repeated":        strings.Replace(good, `"ouvert-logiciels-libres"`, `"hebergeur-controle"`, 1),
	}
	for name, doc := range cases {
		if _, _, err := ParseAudit([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func FuzzParseAudit(f *testing.F) {
	fuzzSeeds(f)
	if b, err := AuditDoc(sampleAudit(), ""); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		a, _, err := ParseAudit(b)
		if err != nil {
			return
		}
		if a.ObjectID == "" || a.PublisherActor == "" || a.HosterActor == "" || a.PublishedAt == nil {
			t.Fatalf("accepted an audit without identity: %+v", a)
		}
		for _, v := range a.Verdicts {
			if !catalog.ValidVerdict(v.Verdict) || v.Verdict == "" {
				t.Fatalf("accepted verdict %q", v.Verdict)
			}
		}
	})
}
