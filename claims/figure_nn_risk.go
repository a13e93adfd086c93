package claims

import (
	"fmt"
	"image/color"
	"math/rand/v2"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/rolemodels/rolemodels/claims/internal/figure"
	"github.com/rolemodels/rolemodels/gen"
	"github.com/rolemodels/rolemodels/learners"
)

// figureNNSizes are the training sizes of the 1-NN risk figure (nested
// prefixes of one sample of the largest size).
var figureNNSizes = []int{50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000}

// figureNNDelta is the false-alarm probability of the band drawn in the
// figure (one band per size; the figure is an illustration, not a test).
const figureNNDelta = 1e-6

// figureNNRisk draws the figure of claims L1 and L2 into path (SVG): the
// 1-NN risk on N = 20000 evaluation points against m (log axis, 50 to
// 20000, nested training sets) for the binary Smooth distribution in d = 2
// with strength 0.8, the sampler risk G^ and the Bayes risk R^* on the same
// points as horizontal lines, and the L1 band G^ +- (A^ + r) at delta = 1e-6
// shaded with dashed edges. All data come from rng.
func figureNNRisk(rng *rand.Rand, path string) error {
	dist, err := gen.NewSmooth(2, 2, 0.8)
	if err != nil {
		return err
	}
	mMax := figureNNSizes[len(figureNNSizes)-1]
	train := drawPoints(dist, rng, mMax)
	eval := drawPoints(dist, rng, 20000)
	y := train.drawLabels(rng)

	risk := make(plotter.XYs, len(figureNNSizes))
	upper := make(plotter.XYs, len(figureNNSizes))
	lower := make(plotter.XYs, len(figureNNSizes))
	var g, r float64
	for i, m := range figureNNSizes {
		sub := train.prefix(m)
		a, err := analyseNN(sub, eval)
		if err != nil {
			return err
		}
		b, err := checkNNSampler(learners.KNN{K: 1}, sub, y[:m], eval, a, 0, figureNNDelta, nil)
		if err != nil {
			return fmt.Errorf("m = %d: %w", m, err)
		}
		x := float64(m)
		risk[i] = plotter.XY{X: x, Y: b.risk}
		upper[i] = plotter.XY{X: x, Y: b.sampler + b.width()}
		lower[i] = plotter.XY{X: x, Y: max(0, b.sampler-b.width())}
		g, r = b.sampler, b.bayes
	}

	p := figure.New(fmt.Sprintf("1-NN risk vs m\n%v, N = %d", dist, eval.len()), "training size m", "risk on the evaluation points")
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	p.X.Min, p.X.Max = float64(figureNNSizes[0]), float64(mMax)
	p.Y.Min = 0
	p.Add(plotter.NewGrid())

	ring := append(append(plotter.XYs{}, upper...), reversed(lower)...)
	shade, err := plotter.NewPolygon(ring)
	if err != nil {
		return err
	}
	shade.Color = color.NRGBA{R: 70, G: 130, B: 180, A: 60}
	shade.LineStyle.Width = 0
	p.Add(shade)

	dashed := draw.LineStyle{Color: color.RGBA{R: 70, G: 130, B: 180, A: 255}, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(4), vg.Points(3)}}
	for i, edge := range []plotter.XYs{upper, lower} {
		l, err := plotter.NewLine(edge)
		if err != nil {
			return err
		}
		l.LineStyle = dashed
		p.Add(l)
		if i == 0 {
			p.Legend.Add(fmt.Sprintf("L1 band G^ +- (A^ + r), delta = %g", figureNNDelta), l)
		}
	}

	if err := figureLevels(p, g, r); err != nil {
		return err
	}

	line, pts, err := plotter.NewLinePoints(risk)
	if err != nil {
		return err
	}
	line.LineStyle.Width = vg.Points(1.5)
	pts.Shape = draw.CircleGlyph{}
	p.Add(line, pts)
	p.Legend.Add("1-NN risk L^", line, pts)

	return figure.Save(p, 16*vg.Centimeter, 11*vg.Centimeter, path)
}

// reversed returns a reversed copy of xys.
func reversed(xys plotter.XYs) plotter.XYs {
	out := make(plotter.XYs, len(xys))
	for i, v := range xys {
		out[len(xys)-1-i] = v
	}
	return out
}
