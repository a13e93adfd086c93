package experiment

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gonum.org/v1/plot/vg"

	"github.com/rolemodels/rolemodels/claims/internal/figure"
)

// ReportSeed is the base seed of the published report.
const ReportSeed = 1

// paperCIFAR holds the paper's CIFAR-10 numbers (ResNet-18, 20% noise
// y -> (y+5) mod 10) for the methods it reports a number for.
var paperCIFAR = map[Method]string{
	Teacher:    "81.3%",
	Ensemble10: "87.8% (ensemble)",
}

// WriteReport runs the default experiment (base seed ReportSeed) on the
// digits at digitsPath and the breast-cancer data at cancerPath and writes
// dir/experiment.md (the table and the asserted intervals),
// dir/confusion.svg (ConfusionPlot of the digits teacher) and
// dir/accuracy_vs_k.svg (AccuracyVsKPlot of both). It creates dir if
// needed and returns an error if a file cannot be loaded or written or the
// experiment fails.
func WriteReport(dir, digitsPath, cancerPath string) error {
	digits, err := LoadDigits(digitsPath)
	if err != nil {
		return err
	}
	cancer, err := LoadBreastCancer(cancerPath)
	if err != nil {
		return err
	}
	dr, err := Run(digits, DefaultConfig(digits, ReportSeed))
	if err != nil {
		return err
	}
	cr, err := Run(cancer, DefaultConfig(cancer, ReportSeed))
	if err != nil {
		return err
	}
	return writeReport(dir, dr, cr)
}

func writeReport(dir string, digits, cancer *Result) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("experiment: %w", err)
	}
	md := "# Noisy teachers, ensembles and distilled students on real data\n\n" +
		Markdown(digits, cancer) + "\n" + Details(digits) + "\n" + Details(cancer)
	if err := os.WriteFile(filepath.Join(dir, "experiment.md"), []byte(md), 0o644); err != nil {
		return fmt.Errorf("experiment: %w", err)
	}
	conf, err := ConfusionPlot(digits)
	if err != nil {
		return fmt.Errorf("experiment: confusion plot: %w", err)
	}
	if err := figure.Save(conf, 5.5*vg.Inch, 5*vg.Inch, filepath.Join(dir, "confusion.svg")); err != nil {
		return fmt.Errorf("experiment: %w", err)
	}
	acc, err := AccuracyVsKPlot(digits, cancer)
	if err != nil {
		return fmt.Errorf("experiment: accuracy plot: %w", err)
	}
	if err := figure.Save(acc, 7*vg.Inch, 4.5*vg.Inch, filepath.Join(dir, "accuracy_vs_k.svg")); err != nil {
		return fmt.Errorf("experiment: %w", err)
	}
	return nil
}

// pct formats a 95% t-interval over splits as "mean% [lo, hi]".
func pct(v []float64) string {
	iv := TInterval(v, 0.95)
	return fmt.Sprintf("%.1f%% [%.1f, %.1f]", 100*iv.Mean, 100*iv.Lo, 100*iv.Hi)
}

// Markdown returns the table in the paper's layout: one row per method, the
// clean test accuracy (mean over splits and 95% t-interval) on the two data
// sets, and the paper's CIFAR-10 number where it gives one; then the
// accuracy against the number of teachers K.
func Markdown(digits, cancer *Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Clean test accuracy, mean over %d (digits) and %d (breast cancer) seeded splits with 95%% t-intervals; ", digits.Config.Splits, cancer.Config.Splits)
	fmt.Fprintf(&b, "%.0f%% of each class of the training part relabeled y -> (y+%d) mod %d (digits) and y -> 1-y (breast cancer).\n\n", 100*digits.Config.Noise, digits.Config.Shift, digits.K)
	b.WriteString("| method | digits (10 classes) | breast cancer (2 classes) | CIFAR-10, paper |\n|---|---|---|---|\n")
	for m := range NumMethods {
		paper := paperCIFAR[m]
		if paper == "" {
			paper = "-"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", m, pct(digits.Acc[m]), pct(cancer.Acc[m]), paper)
	}
	b.WriteString("\nAccuracy against the number of teachers K (1-NN teachers, each on a random half of the noisy training part):\n\n")
	b.WriteString("| K | digits: test-time majority | digits: student, random teacher from K | breast cancer: test-time majority | breast cancer: student, random teacher from K |\n|---|---|---|---|---|\n")
	for i, k := range digits.Config.Ks {
		fmt.Fprintf(&b, "| %d | %s | %s | %s | %s |\n", k, pct(digits.EnsembleK[i]), pct(digits.PoolK[i]), pct(cancer.EnsembleK[i]), pct(cancer.PoolK[i]))
	}
	return b.String()
}

// Details returns the quantities the tests assert for one result, as a
// markdown list of 99.9% paired t-intervals over splits.
func Details(r *Result) string {
	var b strings.Builder
	cfg := r.Config
	chosen := make([]string, len(cfg.Ridges))
	for i, l := range cfg.Ridges {
		var c int
		for _, v := range r.Ridge {
			if v == l {
				c++
			}
		}
		chosen[i] = fmt.Sprintf("%g in %d", l, c)
	}
	fmt.Fprintf(&b, "%s: %d points split into %d training, %d pool and %d test points, %d splits, base seed %d; selected student bandwidth: median %.3g (feature units); ridge lambda of G + m lambda I: %s of the splits.\n\n",
		r.Data, r.Size, cfg.Train, cfg.Pool, testSize(r), cfg.Splits, cfg.Seed, median(r.Bandwidth), strings.Join(chosen, ", "))
	fmt.Fprintf(&b, "- teacher errors at (c, c+%d): %s of all its errors\n", cfg.Shift, fmtIv(TInterval(r.ShiftFractions(), level999)))
	fmt.Fprintf(&b, "- teacher - exact sampler prediction: %s\n", fmtIv(TInterval(Diff(r.Acc[Teacher], r.Predicted), level999)))
	fmt.Fprintf(&b, "- teacher - %.1f x clean 1-NN: %s (approximation tolerance %.4f)\n", 1-cfg.Noise, fmtIv(TInterval(Diff(r.Acc[Teacher], Scaled(1-cfg.Noise, r.Acc[CleanNN])), level999)), r.SamplerTolerance())
	for _, m := range []Method{Ensemble5, Ensemble10, StudentOne, StudentPool, StudentMajority, StudentUnrestricted, Direct} {
		fmt.Fprintf(&b, "- %s - teacher: %s\n", m, fmtIv(TInterval(Diff(r.Acc[m], r.Acc[Teacher]), level999)))
	}
	return b.String()
}

const level999 = 0.999

func fmtIv(iv Interval) string {
	return fmt.Sprintf("%.4f, 99.9%% interval [%.4f, %.4f]", iv.Mean, iv.Lo, iv.Hi)
}

func testSize(r *Result) int {
	return r.Size - r.Config.Train - r.Config.Pool
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}
