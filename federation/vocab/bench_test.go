package vocab

import (
	"testing"
)

// BenchmarkParseActivity measures the vocabulary's share of a directory's
// ingest: an Update embedding a Service, then the Service itself.
func BenchmarkParseActivity(b *testing.B) {
	h := sampleHoster()
	svc, err := Offer(testPaths, h, sampleOffer(h))
	if err != nil {
		b.Fatal(err)
	}
	upd, err := Marshal(Activity{ID: testPaths.Activity("1"), Type: "Update", Actor: testPaths.Actor(h.Username),
		Object: svc, To: []string{Public}})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(upd)))
	b.ReportAllocs()
	for b.Loop() {
		p, err := ParseActivity(upd)
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := ParseOffer(p.Object); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMarshalUpdate measures what a node spends building one Update of
// an offer, before fan-out.
func BenchmarkMarshalUpdate(b *testing.B) {
	h := sampleHoster()
	o := sampleOffer(h)
	b.ReportAllocs()
	for b.Loop() {
		svc, err := Offer(testPaths, h, o)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Marshal(Activity{ID: testPaths.Activity("1"), Type: "Update", Actor: testPaths.Actor(h.Username),
			Object: svc, To: []string{Public}}); err != nil {
			b.Fatal(err)
		}
	}
}
