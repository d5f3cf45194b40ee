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

// mapMinPx is the narrowest a page map is ever drawn (CSS keeps it so: a
// 320 px phone leaves 288 px); dots and labels are sized for it, so that a
// dot is a touch target of at least 24 px on every screen.
const (
	mapMinPx    = 280.0
	dotMinPx    = 24.0
	mapLabelPx  = 13.0
	mapAspect   = float64(mapWidth) / float64(mapHeight)
	pointPadPx  = 16.0 // room around a dot inside the frame
	fitMaxSteps = 6
)

// mapDot is one link on a page map: a numbered dot when Num is set (the
// number of the result or list line it stands for).
type mapDot struct {
	X, Y  string
	Href  string
	Label string
	R     string
	Num   string
	FontY string // baseline of the number
	Font  string
}

// mapHere marks the searched place.
type mapHere struct {
	X, Y, R, Font, LabelX, LabelY string
	Label, Anchor                 string
}

// mapView is what the templates draw: a viewBox on the base map, dots and
// the searched place.
type mapView struct {
	ViewBox string
	Dots    []mapDot
	Here    *mapHere
	Label   string
	Base    string // URL of the base map
	W, H    int
	unit    float64 // map units per CSS pixel at the narrowest drawing
	right   float64 // right edge of the frame, in map units
}

// newMapView frames points (nil: the whole map) and returns a view ready
// for dots.
func (g *mapGeometry) newMapView(points [][2]float64, minW float64, base, label string) *mapView {
	vb, vw := g.view(points, len(points) > 0, minW)
	var vx float64
	fmt.Sscanf(vb, "%g", &vx)
	return &mapView{ViewBox: vb, Base: base, W: mapWidth, H: mapHeight, Label: label, unit: vw / mapMinPx, right: vx + vw}
}

// dot adds a link at (x, y); num is shown inside the dot ("" for none).
func (m *mapView) dot(x, y float64, href, label, num string) {
	r := dotMinPx / 2 * m.unit
	font := mapLabelPx * m.unit
	if len(num) > 2 {
		font *= 0.8
	}
	m.Dots = append(m.Dots, mapDot{X: num2(x), Y: num2(y), R: num2(r), Href: href, Label: label, Num: num,
		FontY: num2(y + font*0.36), Font: num2(font)})
}

// here marks the searched place with a labelled ring.
func (m *mapView) here(x, y float64, label string) {
	r := dotMinPx / 2 * m.unit
	font := mapLabelPx * m.unit
	m.Here = &mapHere{X: num2(x), Y: num2(y), R: num2(r * 0.75), Font: num2(font), Label: label,
		LabelX: num2(x + r), LabelY: num2(y - r*0.9), Anchor: "start"}
	// A label that would run off the frame's right edge goes to the left.
	if x+r+0.6*font*float64(len([]rune(label))) > m.right {
		m.Here.LabelX, m.Here.Anchor = num2(x-r), "end"
	}
}

func num2(f float64) string { return strconv.FormatFloat(math.Round(f*100)/100, 'f', -1, 64) }

// view frames the given points: the whole map when zoom is false or there
// is nothing to frame, else their bounding box with room for the dots, at
// least minW wide and in the map's proportions. An overseas inset is never
// cut: an inset holding a point is framed whole, and an inset the frame
// touches is taken in whole too. vw is the frame's width in map units.
func (g *mapGeometry) view(points [][2]float64, zoom bool, minW float64) (vb string, vw float64) {
	full := fmt.Sprintf("0 0 %d %d", mapWidth, mapHeight)
	if !zoom || len(points) == 0 {
		return full, mapWidth
	}
	type box struct{ x0, y0, x1, y1 float64 }
	union := func(a, b box) box {
		return box{math.Min(a.x0, b.x0), math.Min(a.y0, b.y0), math.Max(a.x1, b.x1), math.Max(a.y1, b.y1)}
	}
	frame := func(in insetPath) box { return box{in.X, in.Y, in.X + in.W, in.Y + in.H} }
	var need box
	for i, p := range points {
		b := box{p[0], p[1], p[0], p[1]}
		for _, in := range g.insets {
			if f := frame(in); p[0] >= f.x0 && p[0] <= f.x1 && p[1] >= f.y0 && p[1] <= f.y1 {
				b = f
			}
		}
		if i == 0 {
			need = b
		} else {
			need = union(need, b)
		}
	}
	var vx, vy, vh float64
	// Limits that keep the frame off the insets it does not need: it
	// slides right of the inset column, or stops above or below an inset.
	left, top, bottom := 0.0, 0.0, float64(mapHeight)
	for range fitMaxSteps {
		w, h := need.x1-need.x0, need.y1-need.y0
		least := math.Max(w, h*mapAspect)
		vw = math.Max(least, minW)
		pad := pointPadPx * vw / mapMinPx
		vw = math.Max(math.Max(w+2*pad, (h+2*pad)*mapAspect), minW)
		if limit := math.Min(float64(mapWidth)-left, (bottom-top)*mapAspect); vw > limit {
			vw = math.Max(limit, least)
		}
		if vw >= mapWidth {
			return full, mapWidth
		}
		vh = vw / mapAspect
		if vh > bottom-top+0.01 || vw > float64(mapWidth)-left+0.01 {
			top, bottom, left = 0, float64(mapHeight), 0 // the limits cannot hold: take the insets in
		}
		vx = math.Max(left, math.Min((need.x0+need.x1)/2-vw/2, float64(mapWidth)-vw))
		vy = math.Max(top, math.Min((need.y0+need.y1)/2-vh/2, bottom-vh))
		grown := false
		for _, in := range g.insets {
			f := frame(in)
			touches := f.x0 < vx+vw && f.x1 > vx && f.y0 < vy+vh && f.y1 > vy
			inside := f.x0 >= vx && f.x1 <= vx+vw && f.y0 >= vy && f.y1 <= vy+vh
			if !touches || inside || (f.x0 >= need.x0 && f.x1 <= need.x1 && f.y0 >= need.y0 && f.y1 <= need.y1) {
				continue
			}
			grown = true
			switch {
			case need.x0 >= f.x1+1 && f.x1+1+vw <= mapWidth && left == 0:
				left = f.x1 + 1
			case f.y1 <= need.y0 && top == 0:
				top = f.y1 + 0.5
			case f.y0 >= need.y1 && bottom == mapHeight:
				bottom = f.y0 - 0.5
			default:
				need = union(need, f)
			}
		}
		if !grown {
			break
		}
	}
	return fmt.Sprintf("%s %s %s %s", num(vx), num(vy), num(vw), num(vh)), vw
}
