package observatory

import (
	"context"
	"hash/fnv"
	"time"

	"codeberg.org/portee/portee/catalog"
)

// jitter spreads the hosters over the period: each hoster gets its own
// offset in [-Every/12, +Every/12], stable across restarts.
func (ob *Observatory) jitter(h *catalog.Hoster) time.Duration {
	f := fnv.New64a()
	f.Write([]byte(h.ActorID))
	span := int64(ob.o.Every / 6)
	if span <= 0 {
		return 0
	}
	return time.Duration(int64(f.Sum64()%uint64(span)) - span/2)
}

// Trigger asks for a hoster to be observed soon (the dashboard's "observe
// now"); it never blocks.
func (ob *Observatory) Trigger(hosterID int64) bool {
	select {
	case ob.trigger <- hosterID:
		return true
	default:
		return false
	}
}

// Run observes every discoverable hoster every Every (with jitter), a
// hoster whose catalog data changed after its last observation once it is
// older than Settle, and triggered hosters at once; a hoster whose data
// changed less than Quiet ago waits for the rest of the burst, with Workers hosters at
// a time; old raw details are pruned once a day. It returns when ctx ends.
func (ob *Observatory) Run(ctx context.Context) error {
	queue := make(chan int64)
	done := make(chan int64, ob.o.Workers)
	for range ob.o.Workers {
		go func() {
			for {
				select {
				case <-ctx.Done():
					return
				case id := <-queue:
					if _, err := ob.ObserveHoster(ctx, id); err != nil && ctx.Err() == nil {
						ob.log.Warn("observation failed", "hoster", id, "err", err)
					}
					select {
					case done <- id:
					case <-ctx.Done():
						return
					}
				}
			}
		}()
	}
	var pending []int64
	queued := map[int64]bool{}
	enqueue := func(id int64) {
		if !queued[id] {
			queued[id] = true
			pending = append(pending, id)
		}
	}
	var cursor int64
	changedAt := map[int64]time.Time{}
	lastPrune := time.Time{}
	tick := time.NewTicker(ob.o.Tick)
	defer tick.Stop()
	plan := func() {
		changes, err := ob.store.Changes(ctx, cursor, 10000)
		if err == nil {
			for _, c := range changes {
				cursor = c.Seq
				if c.Kind == catalog.ChangeObservation {
					continue // our own observations are not a hoster changing
				}
				changedAt[c.HosterID] = c.At
			}
		}
		for _, id := range ob.due(ctx, changedAt) {
			enqueue(id)
		}
		if now := ob.now(); now.Sub(lastPrune) > 24*time.Hour {
			lastPrune = now
			if n, err := ob.store.PruneObservations(ctx, now.Add(-ob.o.KeepDetails)); err != nil {
				ob.log.Warn("prune observations", "err", err)
			} else if n > 0 {
				ob.log.Info("pruned old observation details", "observations", n)
			}
		}
	}
	plan()
	for {
		var out chan int64
		var next int64
		if len(pending) > 0 {
			out, next = queue, pending[0]
		}
		select {
		case <-ctx.Done():
			return nil
		case out <- next:
			pending = pending[1:]
		case id := <-done:
			delete(queued, id)
		case id := <-ob.trigger:
			enqueue(id)
		case <-tick.C:
			plan()
		}
	}
}

// due lists the hosters to observe now.
func (ob *Observatory) due(ctx context.Context, changedAt map[int64]time.Time) []int64 {
	hosters, err := ob.store.ListHosters(ctx, catalog.HosterFilter{})
	if err != nil {
		ob.log.Warn("observatory schedule", "err", err)
		return nil
	}
	times, err := ob.store.ObservedTimes(ctx)
	if err != nil {
		ob.log.Warn("observatory schedule", "err", err)
		return nil
	}
	now := ob.now()
	var out []int64
	for i := range hosters {
		h := &hosters[i]
		if !h.Discoverable || h.Status == catalog.HosterGone || h.Local {
			continue
		}
		if now.Sub(changedAt[h.ID]) < ob.o.Quiet {
			continue // still arriving: observe the whole of it
		}
		last, seen := times[h.ID]
		switch {
		case !seen:
			out = append(out, h.ID)
		case now.Sub(last) >= ob.o.Every+ob.jitter(h):
			out = append(out, h.ID)
		case changedAt[h.ID].After(last) && now.Sub(last) >= ob.o.Settle:
			out = append(out, h.ID)
		}
	}
	return out
}

// ObserveAll observes every discoverable hoster now, Workers at a time (a
// full round: the benchmark, and "observe all" on demand).
func (ob *Observatory) ObserveAll(ctx context.Context) error {
	hosters, err := ob.store.ListHosters(ctx, catalog.HosterFilter{})
	if err != nil {
		return err
	}
	ids := make(chan int64)
	errs := make(chan error, ob.o.Workers)
	for range ob.o.Workers {
		go func() {
			var first error
			for id := range ids {
				if _, err := ob.ObserveHoster(ctx, id); err != nil && first == nil {
					first = err
				}
			}
			errs <- first
		}()
	}
	for i := range hosters {
		if h := &hosters[i]; h.Discoverable && !h.Local && h.Status != catalog.HosterGone {
			ids <- h.ID
		}
	}
	close(ids)
	var first error
	for range ob.o.Workers {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}
