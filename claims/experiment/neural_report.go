package experiment

import (
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/rolemodels/rolemodels/claims/internal/figure"
	"github.com/rolemodels/rolemodels/learners"
)

// paperNeural holds the paper's CIFAR-10 numbers (ResNet-18 teachers, 20%
// noise y -> (y+5) mod 10) for the neural rows it reports.
var paperNeural = map[NeuralMethod]string{
	NeuralTeacher:  "81.3%",
	NeuralEnsemble: "87.8%",
}

// WriteNeuralReport runs the default neural experiment (DefaultNeuralConfig,
// base seed ReportSeed) on the digits at digitsPath and the breast-cancer
// data at cancerPath, and the 1-NN experiment on the digits for the
// comparison, and writes dir/neural.md (NeuralMarkdown),
// dir/neural_confusion.svg (NeuralConfusionPlot of the digits teacher) and
// dir/neural_accuracy_vs_k.svg (NeuralAccuracyVsKPlot). It creates dir if
// needed and returns an error if a file cannot be loaded or written or an
// experiment fails. It takes minutes: about 9 CPU-seconds per digits split.
func WriteNeuralReport(dir, digitsPath, cancerPath string) error {
	digits, err := LoadDigits(digitsPath)
	if err != nil {
		return err
	}
	cancer, err := LoadBreastCancer(cancerPath)
	if err != nil {
		return err
	}
	nn, err := Run(digits, DefaultConfig(digits, ReportSeed))
	if err != nil {
		return err
	}
	var results []*NeuralResult
	for _, d := range []Data{digits, cancer} {
		r, err := RunNeural(d, DefaultNeuralConfig(d, ReportSeed))
		if err != nil {
			return err
		}
		results = append(results, r)
	}
	return writeNeuralReport(dir, nn, results...)
}

// writeNeuralReport writes the files of WriteNeuralReport; nn is the 1-NN
// experiment on the data of results[0].
func writeNeuralReport(dir string, nn *Result, results ...*NeuralResult) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("experiment: %w", err)
	}
	md := "# Neural teachers, ensembles and students on real data\n\n" + NeuralMarkdown(results...)
	if err := os.WriteFile(filepath.Join(dir, "neural.md"), []byte(md), 0o644); err != nil {
		return fmt.Errorf("experiment: %w", err)
	}
	conf, err := NeuralConfusionPlot(results[0])
	if err != nil {
		return fmt.Errorf("experiment: neural confusion plot: %w", err)
	}
	if err := figure.Save(conf, 5.5*vg.Inch, 5*vg.Inch, filepath.Join(dir, "neural_confusion.svg")); err != nil {
		return fmt.Errorf("experiment: %w", err)
	}
	acc, err := NeuralAccuracyVsKPlot(nn, results[0])
	if err != nil {
		return fmt.Errorf("experiment: neural accuracy plot: %w", err)
	}
	if err := figure.Save(acc, 7*vg.Inch, 4.5*vg.Inch, filepath.Join(dir, "neural_accuracy_vs_k.svg")); err != nil {
		return fmt.Errorf("experiment: %w", err)
	}
	return nil
}

// NeuralMarkdown returns the neural experiment's table (clean test
// accuracy, mean over splits with 95% Student t-intervals, one column per
// result, the paper's CIFAR-10 numbers beside), the accuracy against the
// number of teachers K, and per result the paired 99.9% Student
// t-intervals over splits (TInterval of the per-split differences; with S
// splits the t quantile has S-1 degrees of freedom, which assumes the
// per-split values are independent draws, true of the seeded splits up to
// the reuse of the same 1797 points) of the comparisons that matter.
func NeuralMarkdown(results ...*NeuralResult) string {
	var b strings.Builder
	r0 := results[0]
	fmt.Fprintf(&b, "Clean test accuracy, mean over seeded splits with 95%% t-intervals; %.0f%% of each class of the training part relabeled y -> (y+K/2) mod K, as in the 1-NN experiment and on the same splits. ", 100*r0.Config.Noise)
	fmt.Fprintf(&b, "Teachers: %s; students: %s.\n\n", mlpString(r0.Config.Teacher), mlpString(r0.Config.Student))
	b.WriteString("| method |")
	for _, r := range results {
		fmt.Fprintf(&b, " %s (%d splits) |", r.Data, r.Config.Splits)
	}
	b.WriteString(" CIFAR-10, paper (ResNet-18) |\n|---|")
	for range results {
		b.WriteString("---|")
	}
	b.WriteString("---|\n")
	for m := range NumNeuralMethods {
		name := m.String()
		if m == NeuralEnsemble {
			name = fmt.Sprintf("test-time majority of %d MLP teachers", r0.Config.Teachers)
		}
		fmt.Fprintf(&b, "| %s |", name)
		for _, r := range results {
			fmt.Fprintf(&b, " %s |", pct(r.Acc[m]))
		}
		paper := paperNeural[m]
		if paper == "" {
			paper = "-"
		}
		fmt.Fprintf(&b, " %s |\n", paper)
	}
	b.WriteString("\nAccuracy against the number of MLP teachers K:\n\n| K |")
	for _, r := range results {
		fmt.Fprintf(&b, " %s: test-time majority | %s: student, random teacher from K |", r.Data, r.Data)
	}
	b.WriteString("\n|---|")
	for range results {
		b.WriteString("---|---|")
	}
	b.WriteString("\n")
	for i, k := range r0.Config.Ks {
		fmt.Fprintf(&b, "| %d |", k)
		for _, r := range results {
			if i < len(r.Config.Ks) {
				fmt.Fprintf(&b, " %s | %s |", pct(r.EnsembleK[i]), pct(r.PoolK[i]))
			}
		}
		b.WriteString("\n")
	}
	for _, r := range results {
		b.WriteString("\n" + NeuralDetails(r))
	}
	return b.String()
}

// NeuralDetails returns the paired 99.9% t-intervals over splits of one
// neural result (see NeuralMarkdown) as a markdown list.
func NeuralDetails(r *NeuralResult) string {
	var b strings.Builder
	cfg := r.Config
	fits, interp := 0, 0
	for s := range r.Interpolating {
		fits += cfg.Teachers + 1
		interp += r.Interpolating[s]
	}
	maxEp := 0
	for _, e := range r.MaxEpochs {
		maxEp = max(maxEp, e)
	}
	fmt.Fprintf(&b, "%s: %d points split into %d training, %d pool and %d test points, %d splits, base seed %d; %d of %d interpolating fits reached zero training error (at most %d epochs); student best epoch: median %g.\n\n",
		r.Data, r.Size, cfg.Train, cfg.Pool, r.Size-cfg.Train-cfg.Pool, cfg.Splits, cfg.Seed, interp, fits, maxEp, median(intsToFloats(r.StudentEpochs)))
	fmt.Fprintf(&b, "- teacher errors at (c, c+%d): %s of all its errors\n", cfg.Shift, fmtIv(TInterval(r.ShiftFractions(), level999)))
	fmt.Fprintf(&b, "- teacher - %.1f x clean MLP: %s\n", 1-cfg.Noise, fmtIv(TInterval(Diff(r.Acc[NeuralTeacher], Scaled(1-cfg.Noise, r.Acc[NeuralClean])), level999)))
	fmt.Fprintf(&b, "- MLP teacher - 1-NN teacher: %s\n", fmtIv(TInterval(Diff(r.Acc[NeuralTeacher], r.Acc[NeuralNN1Teacher]), level999)))
	for _, m := range []NeuralMethod{NeuralEnsemble, NeuralStudentOne, NeuralStudentPool, NeuralStudentMajority, NeuralDirect} {
		fmt.Fprintf(&b, "- %s - teacher: %s\n", m, fmtIv(TInterval(Diff(r.Acc[m], r.Acc[NeuralTeacher]), level999)))
	}
	return b.String()
}

func intsToFloats(v []int) []float64 {
	f := make([]float64, len(v))
	for i, x := range v {
		f[i] = float64(x)
	}
	return f
}

// mlpString describes an MLP configuration in words for the report.
func mlpString(l learners.MLP) string {
	layers := max(l.Layers, 1)
	s := fmt.Sprintf("%d hidden ReLU layer(s) of width %d, %v with rate %g, batches of %d, at most %d epochs", layers, l.Width, l.Optimizer, l.LearningRate, l.Batch, l.MaxEpochs)
	if l.WeightDecay > 0 {
		s += fmt.Sprintf(", weight decay %g", l.WeightDecay)
	}
	if l.Holdout > 0 {
		s += fmt.Sprintf(", early stopping on %.0f%% of its points (patience %d)", 100*l.Holdout, l.Patience)
	} else {
		s += ", until zero training error"
	}
	return s
}

// NeuralConfusionPlot returns the teacher network's row-normalized
// confusion matrix (clean label x prediction, pooled over splits) as a heat
// map, the neural counterpart of ConfusionPlot.
func NeuralConfusionPlot(r *NeuralResult) (*plot.Plot, error) {
	title := fmt.Sprintf("MLP teacher (interpolating) on %s\n%.0f%% noise y -> (y+%d) mod %d", r.Data, 100*r.Config.Noise, r.Config.Shift, r.K)
	return confusionHeatMap(title, r.K, r.ConfusionRates())
}

// NeuralAccuracyVsKPlot returns the clean test accuracy (mean over splits
// with 95% t-intervals) of the test-time majority of K teachers and of the
// student distilled with a random teacher per example from K, against K,
// for the 1-NN teachers of nn (dashed; each on a random half of the noisy
// training part, with Run's kernel-ridge student) and the MLP teachers of r
// (solid, with the MLP student),
// with each single teacher's mean as a horizontal reference.
func NeuralAccuracyVsKPlot(nn *Result, r *NeuralResult) (*plot.Plot, error) {
	p := figure.New(fmt.Sprintf("Accuracy vs number of teachers K (%s)", r.Data), "K", "clean test accuracy")
	colors := []color.Color{
		color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}, // ensemble
		color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}, // pool student
		color.Gray{Y: 0x70},                            // teacher
	}
	kinds := []struct {
		name, student  string
		ks             []int
		ensemble, pool [][]float64
		teacher        []float64
		dash           []vg.Length
	}{
		{"MLP", "MLP student", r.Config.Ks, r.EnsembleK, r.PoolK, r.Acc[NeuralTeacher], nil},
		{"1-NN", "kernel-ridge student", nn.Config.Ks, nn.EnsembleK, nn.PoolK, nn.Acc[Teacher], []vg.Length{vg.Points(5), vg.Points(3)}},
	}
	var ticks []plot.Tick
	for _, k := range r.Config.Ks {
		ticks = append(ticks, plot.Tick{Value: float64(k), Label: strconv.Itoa(k)})
	}
	for _, kind := range kinds {
		for mi, series := range [][][]float64{kind.ensemble, kind.pool} {
			var pts errPoints
			for i, k := range kind.ks {
				iv := TInterval(series[i], 0.95)
				pts.XYs = append(pts.XYs, plotter.XY{X: float64(k), Y: iv.Mean})
				pts.YErrors = append(pts.YErrors, struct{ Low, High float64 }{iv.Mean - iv.Lo, iv.Hi - iv.Mean})
			}
			line, marks, err := plotter.NewLinePoints(pts.XYs)
			if err != nil {
				return nil, err
			}
			line.Color, marks.Color = colors[mi], colors[mi]
			line.Dashes = kind.dash
			bars, err := plotter.NewYErrorBars(pts)
			if err != nil {
				return nil, err
			}
			bars.Color = colors[mi]
			p.Add(line, marks, bars)
			name := "test-time majority"
			if mi == 1 {
				name = kind.student + ", random teacher from K"
			}
			p.Legend.Add(fmt.Sprintf("%s (%s teachers)", name, kind.name), line, marks)
		}
		tm := TInterval(kind.teacher, 0.95).Mean
		ref, err := plotter.NewLine(plotter.XYs{{X: float64(kind.ks[0]), Y: tm}, {X: float64(kind.ks[len(kind.ks)-1]), Y: tm}})
		if err != nil {
			return nil, err
		}
		ref.Color = colors[2]
		ref.Dashes = kind.dash
		p.Add(ref)
		p.Legend.Add(fmt.Sprintf("single %s teacher", kind.name), ref)
	}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	p.Add(plotter.NewGrid())
	p.X.Padding = vg.Points(10)
	p.Legend.Top = false
	return p, nil
}
