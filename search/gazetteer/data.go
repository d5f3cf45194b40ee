package gazetteer

import (
	"bytes"
	"compress/gzip"
	"embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

//go:embed data/*.csv.gz
var files embed.FS

// commune is one commune as kept in memory: the CSV has one row per
// (commune, postal code), folded here into one entry with its postal codes.
type commune struct {
	name, insee, norm string
	postal            []string // sorted; postal[0] is shown when none was asked
	dep               int      // index in data.deps
	lat, lon          float64
	rows              int // rows of the commune in the CSV, for Weight
}

type regionInfo struct {
	Region
	lat, lon float64 // mean of its communes' centres
	communes int
}

type depInfo struct {
	Dep
	norm string
}

// data is the loaded gazetteer; read-only once built, so safe for
// concurrent use.
type data struct {
	communes     []commune
	deps         []depInfo // sorted by code
	regions      []Region
	regionInfo   []regionInfo   // as regions, with their centres
	regionByNorm map[string]int // normalised name, and without its article
	depByCode    map[string]int
	depByNorm    map[string]int
	depByAlt     map[string]int     // name without its article: "reunion"
	byName       map[string][]int32 // normalised official name → communes
	byAlt        map[string][]int32 // name without article or parenthesis → communes
	byPostal     map[string][]int32
	postalCodes  []string // sorted, for suggestions on an unknown code
	names        []string // distinct keys of byName in source order, for suggestions
}

var (
	loadMu       sync.Mutex
	loaded       *data
	errLoading   error
	releaseAfter time.Duration // 0: keep the data for the life of the process
	releaseTimer *time.Timer
)

// load reads the embedded data on first use: a process that never
// resolves a place pays nothing. With ReleaseWhenIdle, the data is dropped
// after a while without use and read again when needed.
func load() (*data, error) {
	loadMu.Lock()
	defer loadMu.Unlock()
	if loaded == nil && errLoading == nil {
		loaded, errLoading = loadData()
	}
	if releaseAfter > 0 && loaded != nil {
		if releaseTimer == nil {
			releaseTimer = time.AfterFunc(releaseAfter, release)
		} else {
			releaseTimer.Reset(releaseAfter)
		}
	}
	return loaded, errLoading
}

// ReleaseWhenIdle makes the gazetteer drop its data (about 11 MB of heap)
// d after its last use; the next lookup reads it again (a few hundred
// milliseconds). A node resolves only its own address, when its hoster
// changes, and runs on small machines; a directory resolves at every
// search and keeps the default, d = 0: never released. Callers that hold
// the data while it is released keep using it safely: it is read-only.
func ReleaseWhenIdle(d time.Duration) {
	loadMu.Lock()
	defer loadMu.Unlock()
	releaseAfter = d
}

// release drops the data and hands the memory back to the system at
// once: an idle process allocates too little for a collection to come
// soon by itself.
func release() {
	loadMu.Lock()
	dropped := releaseAfter > 0 && loaded != nil
	if dropped {
		loaded = nil
		releaseTimer = nil
	}
	loadMu.Unlock()
	if dropped {
		debug.FreeOSMemory()
	}
}

func openCSV(name string, header []string) (*csv.Reader, func() error, error) {
	raw, err := files.ReadFile("data/" + name)
	if err != nil {
		return nil, nil, fmt.Errorf("gazetteer: read %s: %w", name, err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, nil, fmt.Errorf("gazetteer: gunzip %s: %w", name, err)
	}
	r := csv.NewReader(zr)
	r.FieldsPerRecord = len(header)
	r.ReuseRecord = true
	got, err := r.Read()
	if err != nil {
		return nil, nil, fmt.Errorf("gazetteer: read %s header: %w", name, err)
	}
	// The column order is checked because the source lists longitude
	// before latitude: a silent swap would put Saint-Nazaire in Somalia.
	if !slices.Equal(got, header) {
		return nil, nil, fmt.Errorf("gazetteer: %s: unexpected columns %q", name, got)
	}
	return r, zr.Close, nil
}

func loadData() (*data, error) {
	d := &data{
		depByCode: make(map[string]int, 128),
		depByNorm: make(map[string]int, 128),
		depByAlt:  make(map[string]int, 128),
	}

	r, done, err := openCSV("regions-fr.csv.gz", []string{"nom", "code"})
	if err != nil {
		return nil, err
	}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("gazetteer: read regions: %w", err)
		}
		d.regions = append(d.regions, Region{Code: rec[1], Name: rec[0]})
	}
	if err := done(); err != nil {
		return nil, fmt.Errorf("gazetteer: read regions: %w", err)
	}

	r, done, err = openCSV("departements-fr.csv.gz", []string{"nom", "code", "region_nom", "region_code"})
	if err != nil {
		return nil, err
	}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("gazetteer: read départements: %w", err)
		}
		if !slices.ContainsFunc(d.regions, func(g Region) bool { return g.Code == rec[3] }) {
			return nil, fmt.Errorf("gazetteer: département %s: unknown region %s", rec[1], rec[3])
		}
		d.deps = append(d.deps, depInfo{
			Dep:  Dep{Code: rec[1], Name: rec[0], Region: rec[2], RegionCode: rec[3]},
			norm: Normalize(rec[0]),
		})
	}
	if err := done(); err != nil {
		return nil, fmt.Errorf("gazetteer: read départements: %w", err)
	}
	slices.SortFunc(d.deps, func(a, b depInfo) int { return strings.Compare(a.Code, b.Code) })
	for i, dep := range d.deps {
		d.depByCode[dep.Code] = i
		d.depByNorm[dep.norm] = i
		d.depByAlt[stripArticle(dep.norm)] = i
	}

	r, done, err = openCSV("communes-fr.csv.gz", []string{
		"nom", "code", "code_postal", "region_nom", "region_code",
		"department_nom", "departement_code", "longitude", "latitude",
	})
	if err != nil {
		return nil, err
	}
	d.communes = make([]commune, 0, 35000)
	d.byPostal = make(map[string][]int32, 6200)
	byINSEE := make(map[string]int32, 35000)
	line := 1
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line++
		if err != nil {
			return nil, fmt.Errorf("gazetteer: read communes: %w", err)
		}
		insee, postal := rec[1], rec[2]
		i, seen := byINSEE[insee]
		if !seen {
			dep, ok := d.depByCode[rec[6]]
			if !ok {
				return nil, fmt.Errorf("gazetteer: communes line %d: unknown département %q", line, rec[6])
			}
			lon, err1 := strconv.ParseFloat(rec[7], 64)
			lat, err2 := strconv.ParseFloat(rec[8], 64)
			if err := errors.Join(err1, err2); err != nil || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
				return nil, fmt.Errorf("gazetteer: communes line %d: bad coordinates %q,%q: %v", line, rec[7], rec[8], err)
			}
			name := strings.Clone(rec[0])
			i = int32(len(d.communes))
			byINSEE[strings.Clone(insee)] = i
			d.communes = append(d.communes, commune{
				name: name, insee: strings.Clone(insee), norm: Normalize(name),
				dep: dep, lat: lat, lon: lon,
			})
		}
		c := &d.communes[i]
		c.rows++
		if !slices.Contains(c.postal, postal) {
			postal = strings.Clone(postal)
			c.postal = append(c.postal, postal)
			d.byPostal[postal] = append(d.byPostal[postal], i)
		}
	}
	if err := done(); err != nil {
		return nil, fmt.Errorf("gazetteer: read communes: %w", err)
	}
	if len(d.communes) == 0 {
		return nil, errors.New("gazetteer: no commune in the embedded data")
	}

	d.byName = make(map[string][]int32, len(d.communes))
	d.byAlt = make(map[string][]int32, 4096)
	d.names = make([]string, 0, len(d.communes))
	sums := make([]struct{ lat, lon float64 }, len(d.deps))
	for i := range d.communes {
		c := &d.communes[i]
		slices.Sort(c.postal)
		if _, seen := d.byName[c.norm]; !seen {
			d.names = append(d.names, c.norm)
		}
		d.byName[c.norm] = append(d.byName[c.norm], int32(i))
		alt := c.norm
		if p := strings.IndexByte(c.name, '('); p > 0 {
			alt = Normalize(c.name[:p])
		}
		if alt = stripArticle(alt); alt != c.norm {
			d.byAlt[alt] = append(d.byAlt[alt], int32(i))
		}
		sums[c.dep].lat += c.lat
		sums[c.dep].lon += c.lon
		d.deps[c.dep].Communes++
	}
	for i := range d.deps {
		if n := float64(d.deps[i].Communes); n > 0 {
			d.deps[i].Lat, d.deps[i].Lon = sums[i].lat/n, sums[i].lon/n
		}
	}
	d.regionByNorm = make(map[string]int, 2*len(d.regions))
	for i, r := range d.regions {
		d.regionInfo = append(d.regionInfo, regionInfo{Region: r})
		n := Normalize(r.Name)
		d.regionByNorm[n] = i
		d.regionByNorm[stripArticle(n)] = i
	}
	for i := range d.communes {
		c := &d.communes[i]
		code := d.deps[c.dep].RegionCode
		for j := range d.regionInfo {
			if r := &d.regionInfo[j]; r.Code == code {
				r.lat += c.lat
				r.lon += c.lon
				r.communes++
			}
		}
	}
	for j := range d.regionInfo {
		if r := &d.regionInfo[j]; r.communes > 0 {
			r.lat, r.lon = r.lat/float64(r.communes), r.lon/float64(r.communes)
		}
	}
	d.postalCodes = make([]string, 0, len(d.byPostal))
	for pc := range d.byPostal {
		d.postalCodes = append(d.postalCodes, pc)
	}
	slices.Sort(d.postalCodes)
	return d, nil
}
