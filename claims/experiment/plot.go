package experiment

import (
	"fmt"
	"image/color"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/rolemodels/rolemodels/claims/internal/figure"
)

// confusionGrid is the teacher's confusion matrix normalized by row, as a
// plotter.GridXYZ: column = predicted label, row = clean label, with row 0
// drawn at the top.
type confusionGrid struct {
	k    int
	rate []float64 // rate[c*k+p] = P(prediction p | clean label c)
}

func (g confusionGrid) Dims() (c, r int)   { return g.k, g.k }
func (g confusionGrid) Z(c, r int) float64 { return g.rate[(g.k-1-r)*g.k+c] }
func (g confusionGrid) X(c int) float64    { return float64(c) }
func (g confusionGrid) Y(r int) float64    { return float64(r) }

// ConfusionRates returns the teacher's confusion matrix normalized by row:
// rate[c*K+p] is the fraction of test points of clean class c that the
// noisy teacher labels p, pooled over the splits.
func (r *Result) ConfusionRates() []float64 {
	return rowRates(r.Confusion, r.K)
}

// rowRates normalizes the k x k count matrix confusion by row (a row with
// no counts stays 0).
func rowRates(confusion []int, k int) []float64 {
	rate := make([]float64, len(confusion))
	for c := range k {
		var n int
		for p := range k {
			n += confusion[c*k+p]
		}
		for p := range k {
			if n > 0 {
				rate[c*k+p] = float64(confusion[c*k+p]) / float64(n)
			}
		}
	}
	return rate
}

// ConfusionPlot returns the noisy teacher's row-normalized confusion matrix
// (clean label x prediction, pooled over splits) as a heat map with the
// rates printed in the cells: the paper's Figure 1, left. Under the
// sampler hypothesis the diagonal is about 1 - rho and the cells
// (c, c + Shift) about rho.
func ConfusionPlot(r *Result) (*plot.Plot, error) {
	return confusionHeatMap(fmt.Sprintf("1-NN teacher on %s\n%.0f%% noise y -> (y+%d) mod %d", r.Data, 100*r.Config.Noise, r.Config.Shift, r.K), r.K, r.ConfusionRates())
}

// confusionHeatMap draws the row-normalized k x k confusion rates as a
// heat map titled title, with the rates printed in the cells.
func confusionHeatMap(title string, k int, rates []float64) (*plot.Plot, error) {
	grid := confusionGrid{k: k, rate: rates}
	cmap := palette.Reverse(moreland.BlackBody())
	cmap.SetMin(0)
	cmap.SetMax(1)
	heat := plotter.NewHeatMap(grid, cmap.Palette(64))
	heat.Min, heat.Max = 0, 1

	p := figure.New(title, "teacher's prediction", "clean label")
	p.Add(heat)

	var xt, yt []plot.Tick
	for c := range k {
		xt = append(xt, plot.Tick{Value: float64(c), Label: strconv.Itoa(c)})
		yt = append(yt, plot.Tick{Value: float64(k - 1 - c), Label: strconv.Itoa(c)})
	}
	p.X.Tick.Marker = plot.ConstantTicks(xt)
	p.Y.Tick.Marker = plot.ConstantTicks(yt)

	var cells plotter.XYLabels
	var dark []bool
	for c := range k {
		for q := range k {
			v := grid.rate[c*k+q]
			if v < 0.005 {
				continue
			}
			cells.XYs = append(cells.XYs, plotter.XY{X: float64(q), Y: float64(k - 1 - c)})
			cells.Labels = append(cells.Labels, fmt.Sprintf("%.2f", v))
			dark = append(dark, v > 0.5)
		}
	}
	if len(cells.XYs) > 0 {
		labels, err := plotter.NewLabels(cells)
		if err != nil {
			return nil, err
		}
		for i := range labels.TextStyle {
			labels.TextStyle[i].XAlign = draw.XCenter
			labels.TextStyle[i].YAlign = draw.YCenter
			labels.TextStyle[i].Font = figure.Font(7)
			if dark[i] {
				labels.TextStyle[i].Color = color.White
			}
		}
		p.Add(labels)
	}
	return p, nil
}

// errPoints are points with vertical error bars.
type errPoints struct {
	plotter.XYs
	plotter.YErrors
}

// AccuracyVsKPlot returns the clean test accuracy (mean over splits with
// 95% t-intervals) of the test-time majority of the first K pool teachers
// and of the student distilled with a random teacher per example from the
// first K, against K, for each result (one color per method, one dash
// pattern per data set), with the single noisy teacher's mean as a
// horizontal reference: the paper's Figure 1, right.
func AccuracyVsKPlot(results ...*Result) (*plot.Plot, error) {
	p := figure.New("Accuracy vs number of teachers K", "K", "clean test accuracy")
	colors := []color.Color{
		color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}, // ensemble
		color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}, // pool student
		color.Gray{Y: 0x70},                            // teacher
	}
	dashes := [][]vg.Length{nil, {vg.Points(5), vg.Points(3)}, {vg.Points(1), vg.Points(2)}}
	var ticks []plot.Tick
	for di, r := range results {
		if di == 0 {
			for _, k := range r.Config.Ks {
				ticks = append(ticks, plot.Tick{Value: float64(k), Label: strconv.Itoa(k)})
			}
		}
		dash := dashes[di%len(dashes)]
		for mi, series := range [][][]float64{r.EnsembleK, r.PoolK} {
			var pts errPoints
			for i, k := range r.Config.Ks {
				iv := TInterval(series[i], 0.95)
				pts.XYs = append(pts.XYs, plotter.XY{X: float64(k), Y: iv.Mean})
				pts.YErrors = append(pts.YErrors, struct{ Low, High float64 }{iv.Mean - iv.Lo, iv.Hi - iv.Mean})
			}
			line, marks, err := plotter.NewLinePoints(pts.XYs)
			if err != nil {
				return nil, err
			}
			line.Color, marks.Color = colors[mi], colors[mi]
			line.Dashes = dash
			bars, err := plotter.NewYErrorBars(pts)
			if err != nil {
				return nil, err
			}
			bars.Color = colors[mi]
			p.Add(line, marks, bars)
			name := "test-time majority"
			if mi == 1 {
				name = "student, random teacher from K"
			}
			p.Legend.Add(fmt.Sprintf("%s (%s)", name, r.Data), line, marks)
		}
		tm := TInterval(r.Acc[Teacher], 0.95).Mean
		ks := r.Config.Ks
		ref, err := plotter.NewLine(plotter.XYs{{X: float64(ks[0]), Y: tm}, {X: float64(ks[len(ks)-1]), Y: tm}})
		if err != nil {
			return nil, err
		}
		ref.Color = colors[2]
		ref.Dashes = dash
		p.Add(ref)
		p.Legend.Add(fmt.Sprintf("single 1-NN teacher (%s)", r.Data), ref)
	}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	p.Add(plotter.NewGrid())
	p.X.Padding = vg.Points(10)
	return p, nil
}
