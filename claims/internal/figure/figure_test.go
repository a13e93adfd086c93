package figure_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/rolemodels/rolemodels/claims/internal/figure"
)

// newLinePlot returns a plot with one line from (0, 0) to (1, 1) and a
// legend entry for it.
func newLinePlot(t *testing.T, title, entry string) *plot.Plot {
	t.Helper()
	p := figure.New(title, "x label", "y label")
	l, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 1}})
	if err != nil {
		t.Fatal(err)
	}
	p.Add(l)
	p.Legend.Add(entry, l)
	return p
}

// textY returns the y attribute of the SVG text element holding s (the
// canvas is flipped: -y is the height above the bottom edge).
func textY(t *testing.T, svg, s string) float64 {
	t.Helper()
	m := regexp.MustCompile(`<text x="[^"]*" y="([^"]*)"[^>]*>\s*` + regexp.QuoteMeta(s) + `</text>`).FindStringSubmatch(svg)
	if m == nil {
		t.Fatalf("no text %q in the SVG", s)
	}
	y, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return y
}

// TestSave checks what Save promises: every text names FontFamily (none
// names a lone font), the legend is drawn below the x axis label (so below
// the data), and the y tick labels carry padding.
func TestSave(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.svg")
	if err := figure.Save(newLinePlot(t, "a title\nsecond line", "the legend entry"), 12*vg.Centimeter, 8*vg.Centimeter, path); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	svg := string(b)
	all := strings.Count(svg, "font-family:")
	if all == 0 || strings.Count(svg, "font-family:"+figure.FontFamily+";") != all {
		t.Errorf("%d texts, not all in %q", all, figure.FontFamily)
	}
	if legend, label := -textY(t, svg, "the legend entry"), -textY(t, svg, "x label"); !(legend < label) {
		t.Errorf("legend at %v pt above the bottom, x label at %v: want the legend below", legend, label)
	}
	if !regexp.MustCompile(`>[0-9.]+ +</text>`).MatchString(svg) {
		t.Error("no padded y tick label")
	}
}

// TestSaveRejectsText checks that Save returns an error, and writes no file,
// for a title line or a legend entry that would leave the canvas when set
// TextSlack times as wide.
func TestSaveRejectsText(t *testing.T) {
	long := strings.Repeat("wide text ", 12)
	for name, p := range map[string]*plot.Plot{
		"title":  newLinePlot(t, "short\n"+long, "entry"),
		"legend": newLinePlot(t, "title", long),
	} {
		path := filepath.Join(t.TempDir(), "f.svg")
		err := figure.Save(p, 10*vg.Centimeter, 8*vg.Centimeter, path)
		if err == nil || !strings.Contains(err.Error(), "wide text") {
			t.Errorf("%s: error %v, want one naming the long text", name, err)
		}
		if _, statErr := os.Stat(path); statErr == nil {
			t.Errorf("%s: a file was written", name)
		}
	}
}
