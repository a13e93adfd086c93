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
	"github.com/rolemodels/rolemodels/learners"
)

// The figures of the D claims. They illustrate, they do not test: each is
// one run from the rng the report passes (fixed seeds, so the committed
// copies regenerate bit for bit), on a binary grid of 4 x 4 cells with label
// noise 0.25 over a clean labeling (G - R* = 0.125).

// figureDistillationSizes are the numbers of unlabeled points of the
// distillation figure; each size is averaged over figureReps(n) runs.
var figureDistillationSizes = []int{100, 300, 1000, 3000, 10000, 30000}

// figureDistillationM is the training size of each independent teacher.
const figureDistillationM = 100

// figureDelta is the false-alarm probability of the bounds drawn.
const figureDelta = 1e-6

// figureReps returns how many runs are averaged at n unlabeled points.
func figureReps(n int) int { return max(1, min(10, (3000+n-1)/n)) }

// figureDistillation draws the figure of claims D1 and D2 into path (SVG):
// the exact risk of the ERM histogram student distilled from independent
// 1-NN teachers (one per unlabeled point, m = 100 fresh labels each) against
// the number n of unlabeled points (log axis), with the teachers' mean risk
// on the points they labeled (about G), D1's bound R* + 2 T^+ + 2 eps_H at
// delta = 1e-6 (dashed), and G and R* as horizontal lines. All data come
// from rng.
func figureDistillation(rng *rand.Rand, path string) error {
	grid, err := noisyCleanGrid(2, 4, 2, 0.25, rng)
	if err != nil {
		return err
	}
	tab := newGridTable(grid)
	src := tab.source(0)
	student := make(plotter.XYs, len(figureDistillationSizes))
	teacher := make(plotter.XYs, len(figureDistillationSizes))
	bound := make(plotter.XYs, len(figureDistillationSizes))
	for i, n := range figureDistillationSizes {
		reps := figureReps(n)
		var s, t, b float64
		for range reps {
			run, err := runIndependent(tab, src, n, figureDistillationM, rng.Uint64())
			if err != nil {
				return fmt.Errorf("n = %d: %w", n, err)
			}
			v := run.d1(figureDelta)
			s += run.student
			t += run.lossMean
			b += v.bound()
		}
		x := float64(n)
		student[i] = plotter.XY{X: x, Y: s / float64(reps)}
		teacher[i] = plotter.XY{X: x, Y: t / float64(reps)}
		bound[i] = plotter.XY{X: x, Y: b / float64(reps)}
	}

	p := figure.New(fmt.Sprintf("Distillation from independent 1-NN samplers\n%v, m = %d", grid, figureDistillationM), "unlabeled points n", "risk")
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	p.X.Min, p.X.Max = student[0].X, student[len(student)-1].X
	p.Add(plotter.NewGrid())
	if err := figureLevels(p, tab.sampler(), tab.bayes()); err != nil {
		return err
	}
	l, err := plotter.NewLine(bound)
	if err != nil {
		return err
	}
	l.LineStyle = draw.LineStyle{Color: color.RGBA{R: 70, G: 130, B: 180, A: 255}, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(4), vg.Points(3)}}
	p.Add(l)
	p.Legend.Add(fmt.Sprintf("D1 bound R* + 2 T+ + 2 eps_H, delta = %g", figureDelta), l)
	if err := figureCurve(p, "teachers' risk (one teacher per point)", teacher, color.RGBA{R: 200, G: 120, B: 20, A: 255}, draw.BoxGlyph{}); err != nil {
		return err
	}
	if err := figureCurve(p, "student's risk (ERM histogram, exact)", student, color.Black, draw.CircleGlyph{}); err != nil {
		return err
	}
	p.Y.Min, p.Y.Max = 0, 0.8 // the bound starts far above; the lines clip
	return figure.Save(p, 16*vg.Centimeter, 11*vg.Centimeter, path)
}

// figureEnsembleKs are the ensemble and pool sizes of the ensemble figure.
var figureEnsembleKs = []int{1, 3, 5, 9, 15, 25}

// Sizes of the ensemble figure: the test-time ensembles use strong teachers
// (m = 1000, about 60 labels per cell) so that their risk follows the
// majority-of-K-samplers limit R^_K; the pools use weak teachers (m = 48,
// 3 labels per cell), whose single-teacher students often get a cell wrong,
// and average the student's risk over figurePoolReps pools per K.
const (
	figureEnsembleM = 1000
	figurePoolM     = 48
	figurePoolN     = 10000
	figurePoolReps  = 8
)

// figureEnsembles draws the figure of claims D3 and D4 into path (SVG):
// against K (log axis), the risk on 4000 evaluation points of the majority
// vote of K 1-NN teachers on disjoint samples (learners.NewMajority), its
// frozen-eta limit R^_K (dashed), and the exact risk of the ERM histogram
// student distilled from 10000 points each labeled by a random teacher of a
// pool of K weak 1-NN teachers (learners.LabelWithPool; mean of 8 pools),
// with G and R* as horizontal lines. All data come from rng.
func figureEnsembles(rng *rand.Rand, path string) error {
	grid, err := noisyCleanGrid(2, 4, 2, 0.25, rng)
	if err != nil {
		return err
	}
	tab := newGridTable(grid)
	eval := drawPoints(grid, rng, 4000)
	kMax := figureEnsembleKs[len(figureEnsembleKs)-1]
	strong, err := newNNTeachers(tab, kMax, figureEnsembleM, eval, rng, nil)
	if err != nil {
		return err
	}
	if err := strong.draw(rng, nil); err != nil {
		return err
	}
	checks := analyseEnsembles(strong, figureEnsembleKs, figureDelta)
	if _, err := measureEnsembles(strong, checks, learners.NewMajority); err != nil {
		return err
	}
	x := drawPoints(grid, rng, figurePoolN).x
	pool := make(plotter.XYs, len(checks))
	for range figurePoolReps {
		weak, err := newNNTeachers(tab, kMax, figurePoolM, eval, rng, nil)
		if err != nil {
			return err
		}
		if err := weak.draw(rng, nil); err != nil {
			return err
		}
		for i, e := range checks {
			y, err := learners.LabelWithPool(weak.fit[:e.K], x, rng)
			if err != nil {
				return err
			}
			h, err := learners.Distill(learners.Histogram{Resolution: tab.r}, x, tab.d, y, tab.k)
			if err != nil {
				return err
			}
			risk, err := tab.histogramRisk(h)
			if err != nil {
				return err
			}
			pool[i].X = float64(e.K)
			pool[i].Y += risk / figurePoolReps
		}
	}
	ensemble := make(plotter.XYs, len(checks))
	limit := make(plotter.XYs, len(checks))
	for i, e := range checks {
		ensemble[i] = plotter.XY{X: float64(e.K), Y: e.measured}
		limit[i] = plotter.XY{X: float64(e.K), Y: e.ideal}
	}

	p := figure.New(fmt.Sprintf("Ensembles and pools of K 1-NN teachers\n%v", grid), "number of teachers K", "risk")
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	p.X.Min, p.X.Max = 1, float64(kMax)
	p.Add(plotter.NewGrid())
	if err := figureLevels(p, tab.sampler(), tab.bayes()); err != nil {
		return err
	}
	l, err := plotter.NewLine(limit)
	if err != nil {
		return err
	}
	l.LineStyle = draw.LineStyle{Color: color.RGBA{R: 70, G: 130, B: 180, A: 255}, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(4), vg.Points(3)}}
	p.Add(l)
	p.Legend.Add("R^_K (majority of K perfect samplers)", l)
	if err := figureCurve(p, fmt.Sprintf("test-time majority of K teachers (m = %d)", figureEnsembleM), ensemble, color.RGBA{R: 200, G: 120, B: 20, A: 255}, draw.BoxGlyph{}); err != nil {
		return err
	}
	if err := figureCurve(p, fmt.Sprintf("student of a random teacher per point, pool of K (m = %d)", figurePoolM), pool, color.Black, draw.CircleGlyph{}); err != nil {
		return err
	}
	p.Y.Min, p.Y.Max = 0, 0.5
	return figure.Save(p, 16*vg.Centimeter, 11*vg.Centimeter, path)
}

// figureLevels adds G and R* as horizontal lines across p's x range.
func figureLevels(p *plot.Plot, g, r float64) error {
	for _, h := range []struct {
		name  string
		value float64
		color color.Color
	}{
		{"G (sampler risk)", g, color.RGBA{R: 200, G: 60, B: 40, A: 255}},
		{"R* (Bayes risk)", r, color.RGBA{G: 140, B: 60, A: 255}},
	} {
		l, err := plotter.NewLine(plotter.XYs{{X: p.X.Min, Y: h.value}, {X: p.X.Max, Y: h.value}})
		if err != nil {
			return err
		}
		l.LineStyle.Color = h.color
		l.LineStyle.Width = vg.Points(1.5)
		p.Add(l)
		p.Legend.Add(h.name, l)
	}
	return nil
}

// figureCurve adds a line with points.
func figureCurve(p *plot.Plot, name string, xys plotter.XYs, c color.Color, glyph draw.GlyphDrawer) error {
	line, pts, err := plotter.NewLinePoints(xys)
	if err != nil {
		return err
	}
	line.LineStyle.Width = vg.Points(1.5)
	line.LineStyle.Color = c
	pts.Shape = glyph
	pts.Color = c
	p.Add(line, pts)
	p.Legend.Add(name, line, pts)
	return nil
}
