package federation

import (
	"context"
	"slices"
	"testing"
	"time"
)

// BenchmarkPublishToNode measures the delay between an auditor publishing
// an audit on the directory and the hoster's node storing it: the change
// feed, the audit outbox, the signed delivery over loopback HTTP, the
// node's checks and its write. The issue asks for 2 s at most.
func BenchmarkPublishToNode(b *testing.B) {
	ctx := context.Background()
	nodeStore, dirStore := openSQLite(b), openSQLite(b)
	nln, nbase := listen(b)
	dln, dbase := listen(b)
	h := localHoster(b, nodeStore, nbase, "nazairien")
	startNode(b, nodeStore, nln, nbase)
	d, dr := startDirectory(b, dirStore, dln, dbase)
	if err := d.Follow(ctx, h.ActorID); err != nil {
		b.Fatal(err)
	}
	eventually(b, 10*time.Second, "the Accept", func() bool {
		st, _ := d.FollowState(ctx, h.ActorID)
		return st == followAccepted
	})
	var times []time.Duration
	for b.Loop() {
		start := time.Now()
		pub := publishAudit(b, dirStore, dr.Base, h.ActorID)
		for {
			if _, err := nodeStore.AuditByObjectID(ctx, pub.ObjectID); err == nil {
				break
			}
			if time.Since(start) > 10*time.Second {
				b.Fatal("the audit never reached the node")
			}
			time.Sleep(time.Millisecond)
		}
		times = append(times, time.Since(start))
	}
	slices.Sort(times)
	pct := func(p float64) float64 {
		return float64(times[min(len(times)-1, int(p*float64(len(times))))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "ms-p50")
	b.ReportMetric(pct(0.99), "ms-p99")
}
