package gazetteer

import (
	"testing"
	"time"
)

// With ReleaseWhenIdle the data is dropped after a while without use and
// read again, with the same answers, on the next lookup.
func TestReleaseWhenIdle(t *testing.T) {
	ReleaseWhenIdle(20 * time.Millisecond)
	defer ReleaseWhenIdle(0)
	p1, err := Resolve("44600")
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		loadMu.Lock()
		gone := loaded == nil
		loadMu.Unlock()
		if gone {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("data not released")
		}
		time.Sleep(10 * time.Millisecond)
	}
	p2, err := Resolve("44600")
	if err != nil || p1 != p2 {
		t.Fatalf("after release: %+v, %v; want %+v", p2, err, p1)
	}
}
