package frontend

import (
	"fmt"
	"html/template"
	"math"
	"strings"
)

// Charts are drawn here as inline SVG: no script, no chart library, no
// request. Each page shows the same figures in a table next to the chart,
// so the SVG is hidden from screen readers (aria-hidden) and its colours
// are never the only way to tell series apart (the line series also differ
// by dash and marker).

// barItem is one bar of a horizontal bar chart.
type barItem struct {
	Label string
	N     int
}

// Horizontal bars: the label above its bar, so long labels never squeeze
// the bars and the chart stays legible at 320 px wide.
const (
	barW     = 400.0
	barRowH  = 38.0
	barH     = 14.0
	barLabel = 14.0
)

// barChart draws items as horizontal bars with their value at the end.
func barChart(l *Localizer, items []barItem) template.HTML {
	if len(items) == 0 {
		return ""
	}
	maxN := 1
	for _, it := range items {
		maxN = max(maxN, it.N)
	}
	h := float64(len(items))*barRowH + 4
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %s %s" aria-hidden="true" focusable="false">`, num(barW), num(h))
	const valueW = 48.0
	for i, it := range items {
		y := float64(i)*barRowH + barLabel
		w := (barW - valueW) * float64(it.N) / float64(maxN)
		if it.N > 0 {
			w = math.Max(w, 2)
		}
		fmt.Fprintf(&b, `<text x="0" y="%s" class="label">%s</text>`, num(y), template.HTMLEscapeString(it.Label))
		fmt.Fprintf(&b, `<rect x="0" y="%s" width="%s" height="%s" class="bar"/>`, num(y+5), num(w), num(barH))
		fmt.Fprintf(&b, `<text x="%s" y="%s" class="value">%s</text>`, num(w+4), num(y+5+barH-2), template.HTMLEscapeString(l.Int(it.N)))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// lineSeries is one line of a line chart.
type lineSeries struct {
	Name   string
	Class  string // "a" or "b": colour, dash and marker
	Values []int
}

// Line chart geometry.
const (
	lineW     = 400.0
	lineH     = 220.0
	linePadL  = 36.0
	linePadR  = 8.0
	linePadT  = 10.0
	linePadB  = 28.0
	lineTicks = 4
)

// lineChart draws series over labels (months), with a value axis from 0
// and a few x labels so that they never overlap.
func lineChart(l *Localizer, labels []string, series []lineSeries) template.HTML {
	if len(labels) == 0 {
		return ""
	}
	maxN := 1
	for _, s := range series {
		for _, v := range s.Values {
			maxN = max(maxN, v)
		}
	}
	top := niceCeil(maxN)
	plotW, plotH := lineW-linePadL-linePadR, lineH-linePadT-linePadB
	x := func(i int) float64 {
		if len(labels) == 1 {
			return linePadL + plotW/2
		}
		return linePadL + plotW*float64(i)/float64(len(labels)-1)
	}
	y := func(v int) float64 { return linePadT + plotH*(1-float64(v)/float64(top)) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %s %s" aria-hidden="true" focusable="false">`, num(lineW), num(lineH))
	for t := 0; t <= lineTicks; t++ {
		v := top * t / lineTicks
		fmt.Fprintf(&b, `<line x1="%s" x2="%s" y1="%s" y2="%s" class="grid"/>`, num(linePadL), num(lineW-linePadR), num(y(v)), num(y(v)))
		fmt.Fprintf(&b, `<text x="%s" y="%s" class="tick" text-anchor="end">%s</text>`, num(linePadL-4), num(y(v)+4), l.Int(v))
	}
	step := max(1, (len(labels)+5)/6)
	for i := 0; i < len(labels); i += step {
		fmt.Fprintf(&b, `<text x="%s" y="%s" class="tick" text-anchor="middle">%s</text>`, num(x(i)), num(lineH-8), template.HTMLEscapeString(labels[i]))
	}
	for _, s := range series {
		pts := make([]string, len(s.Values))
		for i, v := range s.Values {
			pts[i] = num(x(i)) + "," + num(y(v))
		}
		fmt.Fprintf(&b, `<polyline points="%s" class="line %s"/>`, strings.Join(pts, " "), s.Class)
		for i, v := range s.Values {
			if s.Class == "b" {
				fmt.Fprintf(&b, `<rect x="%s" y="%s" width="6" height="6" class="mark %s"/>`, num(x(i)-3), num(y(v)-3), s.Class)
			} else {
				fmt.Fprintf(&b, `<circle cx="%s" cy="%s" r="3" class="mark %s"/>`, num(x(i)), num(y(v)), s.Class)
			}
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// niceCeil rounds n up to 1, 2 or 5 × a power of ten, times the tick count,
// so that the value axis has round ticks.
func niceCeil(n int) int {
	if n <= lineTicks {
		return lineTicks
	}
	step := float64(n) / lineTicks
	p := math.Pow(10, math.Floor(math.Log10(step)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*p >= step {
			return int(math.Ceil(m*p)) * lineTicks
		}
	}
	return int(10*p) * lineTicks
}
