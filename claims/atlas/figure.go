package atlas

import (
	"fmt"
	"image/color"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/rolemodels/rolemodels/claims/internal/figure"
)

// palette are the curves' colours (Okabe-Ito, distinguishable in colour
// blindness), cycled with dash patterns when there are more learners.
var palette = []color.RGBA{
	{R: 0, G: 114, B: 178, A: 255}, {R: 213, G: 94, B: 0, A: 255}, {R: 0, G: 158, B: 115, A: 255},
	{R: 204, G: 121, B: 167, A: 255}, {R: 86, G: 180, B: 233, A: 255}, {R: 230, G: 159, B: 0, A: 255},
	{R: 0, G: 0, B: 0, A: 255}, {R: 150, G: 150, B: 150, A: 255},
}

// excess is the sampler check's margin read as a gap: the calibration gap
// minus the 1-NN tolerance at the deciding level (the level closest to
// rejecting), positive exactly when the learner is rejected.
func excess(r Row) float64 { return r.Sampler.Gap - r.Sampler.Tolerance }

// SamplerGapFigure draws the sampler gap against m into path (SVG): for
// each learner, the mean over the families (y axis "gap - 1-NN tolerance")
// of its excess gap (the
// calibration gap minus the 1-NN tolerance at the deciding level of the
// hidden partition), with the rejection line at 0 dashed. A curve above 0
// at some m means the learner was rejected on some family there (on
// average over the families); a curve that falls with m, like 1-NN's, is a
// sampler whose tolerance and gap shrink together. Rows with an error or a
// broken contract are left out. It returns an error if there is nothing to
// draw or the figure cannot be saved.
func SamplerGapFigure(rows []Row, title, path string) error {
	type key struct {
		learner string
		m       int
	}
	sum, n := map[key]float64{}, map[key]int{}
	var names []string
	for _, r := range rows {
		if r.Err != "" || r.Sampler.Contract != "" {
			continue
		}
		if !slices.Contains(names, r.Learner) {
			names = append(names, r.Learner)
		}
		k := key{r.Learner, r.M}
		sum[k] += excess(r)
		n[k]++
	}
	if len(names) == 0 {
		return fmt.Errorf("atlas: no rows to draw in %s", path)
	}
	p := figure.New(title, "training size m", "gap - 1-NN tolerance")
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	p.Add(plotter.NewGrid())
	var ms []int
	for k := range n {
		if !slices.Contains(ms, k.m) {
			ms = append(ms, k.m)
		}
	}
	slices.Sort(ms)
	zero, err := plotter.NewLine(plotter.XYs{{X: float64(ms[0]), Y: 0}, {X: float64(ms[len(ms)-1]), Y: 0}})
	if err != nil {
		return err
	}
	zero.LineStyle = draw.LineStyle{Color: color.Black, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(4), vg.Points(3)}}
	p.Add(zero)
	p.Legend.Add("rejected above", zero)
	for i, name := range names {
		var pts plotter.XYs
		for _, m := range ms {
			if c := n[key{name, m}]; c > 0 {
				pts = append(pts, plotter.XY{X: float64(m), Y: sum[key{name, m}] / float64(c)})
			}
		}
		l, s, err := plotter.NewLinePoints(pts)
		if err != nil {
			return err
		}
		col := palette[i%len(palette)]
		l.LineStyle = draw.LineStyle{Color: col, Width: vg.Points(1.5)}
		if i >= len(palette) {
			l.LineStyle.Dashes = []vg.Length{vg.Points(2), vg.Points(2)}
		}
		s.Color = col
		s.Shape = draw.CircleGlyph{}
		s.Radius = vg.Points(2.5)
		p.Add(l, s)
		p.Legend.Add(name, l, s)
	}
	if ms[0] == ms[len(ms)-1] {
		p.X.Scale = plot.LinearScale{}
		p.X.Tick.Marker = plot.DefaultTicks{}
	}
	return figure.Save(p, 6*vg.Inch, 4.5*vg.Inch, path)
}
