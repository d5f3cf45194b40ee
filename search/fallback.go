package search

import (
	"context"
	"errors"
)

// Fallback searches a primary index (Meilisearch) and, while it is
// unavailable, a secondary one (the embedded index). Writes go to both;
// in a directory each backend also has its own Indexer and change-feed
// cursor, so the primary catches up by itself when it is back.
type Fallback struct {
	Primary, Secondary Index
}

// NewFallback wraps primary and secondary.
func NewFallback(primary, secondary Index) *Fallback {
	return &Fallback{Primary: primary, Secondary: secondary}
}

// Name implements Index: the backend that answers when all is well.
func (f *Fallback) Name() string { return f.Primary.Name() }

// Search implements Index.
func (f *Fallback) Search(ctx context.Context, q Query) (Result, error) {
	r, err := f.Primary.Search(ctx, q)
	if errors.Is(err, ErrUnavailable) {
		return f.Secondary.Search(ctx, q)
	}
	return r, err
}

// IDs implements Index.
func (f *Fallback) IDs(ctx context.Context) (map[string]int64, error) {
	ids, err := f.Primary.IDs(ctx)
	if errors.Is(err, ErrUnavailable) {
		return f.Secondary.IDs(ctx)
	}
	return ids, err
}

// Configure implements Index. An unreachable primary is not an error: it is
// configured on its first use.
func (f *Fallback) Configure(ctx context.Context) error {
	return f.both(func(i Index) error { return i.Configure(ctx) }, true)
}

// Upsert implements Index.
func (f *Fallback) Upsert(ctx context.Context, docs []Document) error {
	return f.both(func(i Index) error { return i.Upsert(ctx, docs) }, false)
}

// Delete implements Index.
func (f *Fallback) Delete(ctx context.Context, ids []string) error {
	return f.both(func(i Index) error { return i.Delete(ctx, ids) }, false)
}

// Clear implements Index.
func (f *Fallback) Clear(ctx context.Context) error {
	return f.both(func(i Index) error { return i.Clear(ctx) }, false)
}

// Close implements Index.
func (f *Fallback) Close() error {
	return errors.Join(f.Primary.Close(), f.Secondary.Close())
}

// both runs op on the secondary then the primary, so that the fallback is
// up to date even when the primary fails.
func (f *Fallback) both(op func(Index) error, tolerateUnavailable bool) error {
	errS := op(f.Secondary)
	errP := op(f.Primary)
	if tolerateUnavailable && errors.Is(errP, ErrUnavailable) {
		errP = nil
	}
	return errors.Join(errS, errP)
}

var _ Index = (*Fallback)(nil)
