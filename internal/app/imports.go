package app

import (
	"context"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/federation/chatonsinfos"
	"codeberg.org/portee/portee/federation/fetch"
	"codeberg.org/portee/portee/federation/librehosters"
)

// ImportClient is the fetch client of ChatonsInfos and Librehosters
// imports: unsigned (these are plain files), 1 MiB per file, two requests
// at a time per host, robots.txt honoured by the getter.
func ImportClient(allowPrivate bool, version string) *fetch.Client {
	return fetch.New(fetch.Options{AllowPrivate: allowPrivate, Timeout: 10 * time.Second, MaxBody: 1 << 20, PerHost: 2,
		UserAgent: "Portée/" + version + " (ChatonsInfos import; +https://codeberg.org/portee/portee)"})
}

// NewImporter builds the importer of kind (catalog.SourceChatonsInfos or
// catalog.SourceLibrehosters) for a directory's store.
func NewImporter(store *catalog.Store, kind string, client *fetch.Client, o chatonsinfos.Options) *chatonsinfos.Importer {
	im := &chatonsinfos.Importer{Store: store, Kind: kind, Getter: chatonsinfos.HTTPGetter{Client: client}, Options: o}
	if kind == catalog.SourceLibrehosters {
		im.Crawl = librehosters.Crawl
	}
	return im
}

// runImports imports every ChatonsInfos federation and Librehosters
// directory now, then again on the refresh schedule, until ctx is done.
func (d *Directory) runImports(ctx context.Context, o DirectoryOptions) error {
	if len(o.ChatonsInfos)+len(o.Librehosters) == 0 {
		return nil
	}
	client := ImportClient(o.AllowPrivate, o.Version)
	opts := chatonsinfos.Options{Resolve: ResolveLocation}
	every := o.RefreshEvery
	if every <= 0 {
		every = 6 * time.Hour
	}
	type job struct {
		im  *chatonsinfos.Importer
		url string
	}
	var jobs []job
	for _, u := range o.ChatonsInfos {
		im := NewImporter(d.Store, catalog.SourceChatonsInfos, client, opts)
		im.Log = d.log
		jobs = append(jobs, job{im, u})
	}
	for _, u := range o.Librehosters {
		im := NewImporter(d.Store, catalog.SourceLibrehosters, client, opts)
		im.Log = d.log
		jobs = append(jobs, job{im, u})
	}
	for {
		for _, j := range jobs {
			if _, err := j.im.Import(ctx, j.url); err != nil && ctx.Err() == nil {
				d.log.Warn("import failed", "source", j.url, "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(every):
		}
	}
}
