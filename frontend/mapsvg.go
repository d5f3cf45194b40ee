package frontend

import (
	"bytes"
	"compress/gzip"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

//go:embed geo/*.geojson.gz
var geoFS embed.FS

// The base map is drawn in a fixed coordinate space: metropolitan France on
// the right, the five overseas départements as insets in a column on the
// left (as French maps usually do). Every position on a page is projected
// into the same space, so the base map is one cached static SVG and a page
// only adds its dots (and a viewBox to zoom).
const (
	mapWidth   = 980
	mapHeight  = 800
	metroScale = 75.0 // map units per degree of latitude
	metroLat0  = 46.5 // latitude whose scale is kept by the projection
	metroLonW  = -5.3
	metroLatN  = 51.2
	metroX0    = 170.0
	insetW     = 150.0
	insetH     = 148.0
	insetGap   = 8.0
	simplifyTo = 1.2 // Douglas–Peucker tolerance in map units
)

// region is a part of the map with its own projection: the metropole or an
// overseas inset. Bounds select which outline rings and points belong to it.
type region struct {
	code                   string // département code of an inset, "" for the metropole
	lonMin, lonMax         float64
	latMin, latMax         float64
	x0, y0, scale, cosLat0 float64
}

func (r *region) contains(lat, lon float64) bool {
	return lat >= r.latMin && lat <= r.latMax && lon >= r.lonMin && lon <= r.lonMax
}

func (r *region) project(lat, lon float64) (x, y float64) {
	return r.x0 + (lon-r.lonMin)*r.cosLat0*r.scale, r.y0 + (r.latMax-lat)*r.scale
}

// Insets: box order top to bottom; bounds a little larger than the islands.
var insetBounds = []struct {
	code                           string
	lonMin, lonMax, latMin, latMax float64
}{
	{"971", -61.9, -60.9, 15.8, 16.6},
	{"972", -61.3, -60.75, 14.35, 14.95},
	{"973", -54.7, -51.5, 2.0, 5.9},
	{"974", 55.15, 55.9, -21.45, -20.8},
	{"976", 44.95, 45.35, -13.05, -12.6},
}

// mapGeometry is the projected, simplified base map.
type mapGeometry struct {
	regions []region
	metro   *region
	deps    []depPath // metropolitan départements
	insets  []insetPath
}

type depPath struct{ Code, Name, D string }

type insetPath struct {
	Code          string
	X, Y, W, H, L float64 // frame and label baseline
	D             string
}

func newMapGeometry() (*mapGeometry, error) {
	g := &mapGeometry{}
	metro := region{lonMin: metroLonW, lonMax: 10, latMin: 41, latMax: metroLatN,
		x0: metroX0, y0: 4, scale: metroScale, cosLat0: math.Cos(metroLat0 * math.Pi / 180)}
	g.regions = append(g.regions, metro)
	for i, b := range insetBounds {
		cos := math.Cos((b.latMin + b.latMax) / 2 * math.Pi / 180)
		w := (b.lonMax - b.lonMin) * cos
		h := b.latMax - b.latMin
		scale := math.Min((insetW-12)/w, (insetH-30)/h)
		y := 6 + float64(i)*(insetH+insetGap)
		r := region{code: b.code, lonMin: b.lonMin, lonMax: b.lonMax, latMin: b.latMin, latMax: b.latMax,
			scale: scale, cosLat0: cos}
		// Centre the island in its frame, below the label line.
		r.x0 = 6 + (insetW-w*scale)/2
		r.y0 = y + 22 + (insetH-26-h*scale)/2
		g.regions = append(g.regions, r)
		g.insets = append(g.insets, insetPath{Code: b.code, X: 6, Y: y, W: insetW, H: insetH, L: y + 16})
	}
	g.metro = &g.regions[0]

	var deps struct {
		Features []struct {
			Properties struct{ Code, Nom string }
			Geometry   geometry
		}
	}
	if err := readGeoJSON("geo/departements-fr-simplified.geojson.gz", &deps); err != nil {
		return nil, err
	}
	for _, f := range deps.Features {
		var b strings.Builder
		for _, poly := range f.Geometry.polygons() {
			for _, ring := range poly {
				g.ringPath(&b, g.metro, ring)
			}
		}
		g.deps = append(g.deps, depPath{Code: f.Properties.Code, Name: f.Properties.Nom, D: b.String()})
	}
	var outline struct {
		Features []struct{ Geometry geometry }
	}
	if err := readGeoJSON("geo/france-outline.geojson.gz", &outline); err != nil {
		return nil, err
	}
	paths := make([]strings.Builder, len(g.insets))
	for _, f := range outline.Features {
		for _, poly := range f.Geometry.polygons() {
			for _, ring := range poly {
				if len(ring) == 0 {
					continue
				}
				for i := range g.insets {
					r := &g.regions[i+1]
					if r.contains(ring[0][1], ring[0][0]) {
						g.ringPath(&paths[i], r, ring)
					}
				}
			}
		}
	}
	for i := range g.insets {
		g.insets[i].D = paths[i].String()
	}
	return g, nil
}

// geometry is a GeoJSON Polygon or MultiPolygon.
type geometry struct {
	Type        string
	Coordinates json.RawMessage
}

func (g geometry) polygons() [][][][2]float64 {
	switch g.Type {
	case "Polygon":
		var p [][][2]float64
		if json.Unmarshal(g.Coordinates, &p) == nil {
			return [][][][2]float64{p}
		}
	case "MultiPolygon":
		var m [][][][2]float64
		if json.Unmarshal(g.Coordinates, &m) == nil {
			return m
		}
	}
	return nil
}

func readGeoJSON(name string, v any) error {
	f, err := geoFS.Open(name)
	if err != nil {
		return fmt.Errorf("frontend: map: %w", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return fmt.Errorf("frontend: map %s: %w", name, err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		return fmt.Errorf("frontend: map %s: %w", name, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("frontend: map %s: %w", name, err)
	}
	return nil
}

// ringPath projects, simplifies and appends one closed ring as a compact
// path: integer coordinates, relative moves.
func (g *mapGeometry) ringPath(b *strings.Builder, r *region, ring [][2]float64) {
	pts := make([][2]float64, len(ring))
	for i, c := range ring {
		x, y := r.project(c[1], c[0])
		pts[i] = [2]float64{x, y}
	}
	pts = simplify(pts, simplifyTo)
	var prev [2]int
	n := 0
	for i, p := range pts {
		q := [2]int{int(math.Round(p[0])), int(math.Round(p[1]))}
		if i > 0 && q == prev {
			continue
		}
		switch n {
		case 0:
			fmt.Fprintf(b, "M%d %d", q[0], q[1])
		case 1:
			fmt.Fprintf(b, "l%d %d", q[0]-prev[0], q[1]-prev[1])
		default:
			fmt.Fprintf(b, " %d %d", q[0]-prev[0], q[1]-prev[1])
		}
		prev = q
		n++
	}
	if n > 0 {
		b.WriteString("z")
	}
}

// simplify is Douglas–Peucker: keep the points that stray more than tol
// from the chord of their neighbours.
func simplify(pts [][2]float64, tol float64) [][2]float64 {
	if len(pts) < 4 {
		return pts
	}
	keep := make([]bool, len(pts))
	keep[0], keep[len(pts)-1] = true, true
	type span struct{ a, b int }
	stack := []span{{0, len(pts) - 1}}
	for len(stack) > 0 {
		s := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		best, at := 0.0, -1
		for i := s.a + 1; i < s.b; i++ {
			if d := segDist(pts[i], pts[s.a], pts[s.b]); d > best {
				best, at = d, i
			}
		}
		if at >= 0 && best > tol {
			keep[at] = true
			stack = append(stack, span{s.a, at}, span{at, s.b})
		}
	}
	out := pts[:0:0]
	for i, k := range keep {
		if k {
			out = append(out, pts[i])
		}
	}
	return out
}

func segDist(p, a, b [2]float64) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	l2 := dx*dx + dy*dy
	if l2 == 0 {
		return math.Hypot(p[0]-a[0], p[1]-a[1])
	}
	t := math.Max(0, math.Min(1, ((p[0]-a[0])*dx+(p[1]-a[1])*dy)/l2))
	return math.Hypot(p[0]-a[0]-t*dx, p[1]-a[1]-t*dy)
}

// Project places a WGS84 point on the map; ok is false outside every region
// (a hoster abroad or in an overseas collectivity without an inset).
func (g *mapGeometry) Project(lat, lon float64) (x, y float64, ok bool) {
	for i := range g.regions {
		if g.regions[i].contains(lat, lon) {
			x, y = g.regions[i].project(lat, lon)
			return x, y, true
		}
	}
	return 0, 0, false
}

// baseSVG is the static base map (served with a content-hashed URL and
// cached for a year); labels of the insets are in both languages' common
// form (département numbers), so one file serves every language.
func (g *mapGeometry) baseSVG() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d">`, mapWidth, mapHeight)
	b.WriteString(`<g fill="#e4ece4" stroke="#fff" stroke-width="1.2" stroke-linejoin="round">`)
	for _, d := range g.deps {
		fmt.Fprintf(&b, `<path d="%s"/>`, d.D)
	}
	b.WriteString(`</g><g fill="#e4ece4" stroke="#8a9a8a" stroke-width="1">`)
	for _, in := range g.insets {
		fmt.Fprintf(&b, `<rect x="%s" y="%s" width="%s" height="%s" fill="#f7faf7"/><path d="%s"/>`,
			num(in.X), num(in.Y), num(in.W), num(in.H), in.D)
	}
	b.WriteString(`</g><g font-family="sans-serif" font-size="14" fill="#3c4a3c">`)
	for _, in := range g.insets {
		fmt.Fprintf(&b, `<text x="%s" y="%s">%s</text>`, num(in.X+6), num(in.L), in.Code)
	}
	b.WriteString(`</g></svg>`)
	return b.Bytes()
}

func num(f float64) string { return strconv.FormatFloat(math.Round(f*10)/10, 'f', -1, 64) }

// mapDot is one link on a page map.
type mapDot struct {
	X, Y  string
	Href  string
	Label string
	R     string
}

// mapView is what the templates draw: a viewBox on the base map and dots.
type mapView struct {
	ViewBox string
	Dots    []mapDot
	Label   string
	Base    string // URL of the base map
	W, H    int
}

// view frames the given points: the whole map when zoom is false or there
// is nothing to frame, else their bounding box with a margin and a minimum
// size, so a single hoster is shown with its surroundings.
func (g *mapGeometry) view(points [][2]float64, zoom bool, minW float64) (vb string, scale float64) {
	if !zoom || len(points) == 0 {
		return fmt.Sprintf("0 0 %d %d", mapWidth, mapHeight), 1
	}
	x0, y0, x1, y1 := points[0][0], points[0][1], points[0][0], points[0][1]
	for _, p := range points[1:] {
		x0, x1 = math.Min(x0, p[0]), math.Max(x1, p[0])
		y0, y1 = math.Min(y0, p[1]), math.Max(y1, p[1])
	}
	w, h := x1-x0, y1-y0
	side := math.Max(math.Max(w, h)*1.3, minW)
	cx, cy := (x0+x1)/2, (y0+y1)/2
	ratio := float64(mapHeight) / float64(mapWidth)
	vw, vh := side, side*ratio
	if h*1.3 > vh {
		vh = h * 1.3
		vw = vh / ratio
	}
	vx := math.Max(0, math.Min(cx-vw/2, float64(mapWidth)-vw))
	vy := math.Max(0, math.Min(cy-vh/2, float64(mapHeight)-vh))
	if vw >= mapWidth {
		return fmt.Sprintf("0 0 %d %d", mapWidth, mapHeight), 1
	}
	return fmt.Sprintf("%s %s %s %s", num(vx), num(vy), num(vw), num(vh)), vw / mapWidth
}
