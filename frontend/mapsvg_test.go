package frontend

import (
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
	if vb, scale := g.view([][2]float64{{300, 300}}, true, 200); scale >= 1 || !strings.HasPrefix(vb, "200 ") {
		t.Errorf("one point view %q %v", vb, scale)
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
