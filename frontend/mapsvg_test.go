package frontend

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

func TestMapGeometry(t *testing.T) {
	g, err := newMapGeometry()
	if err != nil {
		t.Fatal(err)
	}
	if len(g.deps) != 96 {
		t.Errorf("%d metropolitan départements", len(g.deps))
	}
	for _, in := range g.insets {
		if !strings.HasPrefix(in.D, "M") {
			t.Errorf("inset %s has no outline", in.Code)
		}
	}
	inBox := func(x, y, x0, y0, w, h float64) bool { return x >= x0 && x <= x0+w && y >= y0 && y <= y0+h }
	// Saint-Nazaire west of Nantes, Strasbourg east of Paris, all in the
	// metropolitan frame.
	sn, _, ok1 := g.Project(47.2768, -2.2392)
	nantes, _, ok2 := g.Project(47.2184, -1.5536)
	_, parisY, ok3 := g.Project(48.8589, 2.347)
	_, marseilleY, ok4 := g.Project(43.2965, 5.3698)
	if !ok1 || !ok2 || !ok3 || !ok4 || sn >= nantes || parisY >= marseilleY || sn < metroX0 {
		t.Errorf("metropole projection: %v %v %v %v", sn, nantes, parisY, marseilleY)
	}
	// Overseas points land in their inset.
	for i, p := range [][2]float64{{16.24, -61.53}, {14.60, -61.07}, {4.93, -52.33}, {-20.88, 55.45}, {-12.78, 45.23}} {
		x, y, ok := g.Project(p[0], p[1])
		in := g.insets[i]
		if !ok || !inBox(x, y, in.X, in.Y, in.W, in.H) {
			t.Errorf("%s: (%v,%v) outside its inset %+v", in.Code, x, y, in)
		}
	}
	if _, _, ok := g.Project(-17.53, -149.57); ok {
		t.Error("Tahiti has no inset")
	}
	svg := string(g.baseSVG())
	if len(svg) > 60000 || !strings.HasPrefix(svg, "<svg") || strings.Count(svg, "<path") != 96+5 {
		t.Errorf("base map: %d bytes, %d paths", len(svg), strings.Count(svg, "<path"))
	}
	if vb, _ := g.view(nil, true, 200); vb != "0 0 980 800" {
		t.Errorf("empty view %q", vb)
	}
	if vb, vw := g.view([][2]float64{{300, 300}}, true, 200); vw >= mapWidth || !strings.HasPrefix(vb, "200 ") {
		t.Errorf("one point view %q %v", vb, vw)
	}
}

// TestMapViewNeverCutsAnInset: a frame holding an overseas point holds its
// whole inset, and any inset it touches is whole too (the results map once
// zoomed onto an empty Guyane box with Réunion cut off).
func TestMapViewNeverCutsAnInset(t *testing.T) {
	g, err := newMapGeometry()
	if err != nil {
		t.Fatal(err)
	}
	at := func(lat, lon float64) [2]float64 {
		x, y, ok := g.Project(lat, lon)
		if !ok {
			t.Fatalf("(%v,%v) off the map", lat, lon)
		}
		return [2]float64{x, y}
	}
	reunion, guadeloupe, mayotte := at(-20.88, 55.45), at(16.24, -61.53), at(-12.78, 45.23)
	nantes, brest, ajaccio := at(47.2184, -1.5536), at(48.39, -4.49), at(41.92, 8.74)
	for name, pts := range map[string][][2]float64{
		"réunion": {reunion}, "guadeloupe": {guadeloupe}, "mayotte": {mayotte},
		"réunion and nantes": {reunion, nantes}, "brest": {brest}, "ajaccio": {ajaccio}, "nantes": {nantes},
		"guadeloupe and mayotte": {guadeloupe, mayotte},
	} {
		vb, vw := g.view(pts, true, 220)
		var x, y, w, h float64
		if _, err := fmt.Sscanf(vb, "%g %g %g %g", &x, &y, &w, &h); err != nil {
			t.Fatalf("%s: viewBox %q", name, vb)
		}
		if math.Abs(w-vw) > 0.1 || math.Abs(w/h-mapAspect) > 0.01 {
			t.Errorf("%s: viewBox %q, width %v", name, vb, vw)
		}
		for _, in := range g.insets {
			touches := in.X < x+w && in.X+in.W > x && in.Y < y+h && in.Y+in.H > y
			inside := in.X >= x-0.1 && in.X+in.W <= x+w+0.1 && in.Y >= y-0.1 && in.Y+in.H <= y+h+0.1
			if touches && !inside {
				t.Errorf("%s: viewBox %q cuts inset %s", name, vb, in.Code)
			}
		}
		pad := dotMinPx / 2 * vw / mapMinPx
		for _, p := range pts {
			if p[0]-pad < x || p[0]+pad > x+w || p[1]-pad < y || p[1]+pad > y+h {
				t.Errorf("%s: dot at %v not whole in %q", name, p, vb)
			}
		}
		if name == "nantes" || name == "brest" || name == "réunion" {
			if vw > 400 {
				t.Errorf("%s: frame %q is not zoomed", name, vb)
			}
		}
	}
}

func TestSimplify(t *testing.T) {
	flat := [][2]float64{{0, 0}, {1, 0.1}, {2, -0.1}, {3, 0}, {4, 0.2}, {5, 0}}
	if got := simplify(flat, 0.5); len(got) != 2 || got[1] != [2]float64{5, 0} {
		t.Errorf("noise under the tolerance kept: %v", got)
	}
	spike := [][2]float64{{0, 0}, {1, 1.6}, {2, 3}, {3, 1.4}, {4, 0}}
	if got := simplify(spike, 0.5); len(got) != 3 || got[1] != [2]float64{2, 3} {
		t.Errorf("spike lost: %v", got)
	}
}
