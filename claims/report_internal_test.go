package claims

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rolemodels/rolemodels/claims/experiment"
)

var reportDir = flag.String("claims.report", "", "write REPORT.md and the figures into this directory (relative paths are taken from the module root)")

// TestReport runs every claim and falsifier and writes DIR/REPORT.md and the
// SVG figures when -claims.report=DIR is given; otherwise it is skipped.
func TestReport(t *testing.T) {
	if *reportDir == "" {
		t.Skip("no -claims.report=DIR given")
	}
	dir := *reportDir
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(moduleRoot(t), dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}

	var rows []reportRow
	for _, c := range All() {
		row := reportRow{claim: c}
		t.Run("claim/"+c.ID, func(t *testing.T) {
			row.record = c.Run(t)
			row.claimFail = t.Failed()
		})
		for _, f := range c.Falsifiers {
			ok := t.Run("falsifier/"+c.ID+"/"+f.Name, func(t *testing.T) { c.RunFalsifier(t, f) })
			if ok {
				row.rejected = append(row.rejected, f.Name)
			} else {
				row.escaped = append(row.escaped, f.Name)
			}
		}
		rows = append(rows, row)
	}
	var md strings.Builder
	note := fmt.Sprintf("Checks per claim: its default (the Checks field) unless -rapid.checks is set; short mode: %v.", testing.Short())
	if err := writeReport(&md, rows, note); err != nil {
		t.Fatal(err)
	}

	// The figures use fixed seeds so the committed copies regenerate bit for
	// bit; the claims above use fresh seeds every run.
	figures := []struct {
		file, caption string
		draw          func(*rand.Rand, string) error
	}{
		{"nn_risk_vs_m.svg", "1-NN risk against m, with G, R* and the L1 band", figureNNRisk},
		{"distillation_vs_n.svg", "Student risk against n for distillation from independent 1-NN samplers", figureDistillation},
		{"ensembles_vs_k.svg", "Test-time ensemble and random-teacher-pool student risk against K", figureEnsembles},
	}
	md.WriteString("\n## Figures\n\n")
	for i, f := range figures {
		if err := f.draw(rand.New(rand.NewPCG(2022, uint64(i))), filepath.Join(dir, f.file)); err != nil {
			t.Errorf("figure %s: %v", f.file, err)
			continue
		}
		fmt.Fprintf(&md, "![%s](%s)\n\n%s.\n\n", f.caption, f.file, f.caption)
	}

	root := moduleRoot(t)
	err := experiment.WriteReport(dir, filepath.Join(root, "testdata", "digits.csv.gz"), filepath.Join(root, "testdata", "breast_cancer.csv.gz"))
	if err != nil {
		t.Errorf("real-data experiment: %v", err)
	} else {
		md.WriteString("## The experiment in miniature on real data\n\nSee [experiment.md](experiment.md), [confusion.svg](confusion.svg) and [accuracy_vs_k.svg](accuracy_vs_k.svg).\n")
	}
	if err := os.WriteFile(filepath.Join(dir, "REPORT.md"), []byte(md.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", filepath.Join(dir, "REPORT.md"))
}

// moduleRoot returns the directory holding go.mod, above the package dir
// where go test runs.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test directory")
		}
		dir = parent
	}
}
