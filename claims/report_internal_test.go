package claims

import (
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/rolemodels/rolemodels/claims/experiment"
)

var reportDir = flag.String("claims.report", "", "write REPORT.md and the figures into this directory (relative paths are taken from the module root)")

// TestMain runs the tests and then, when -claims.report=DIR is given,
// writes DIR/REPORT.md from the records of the claims and falsifiers that
// ran (the same draws: `go test ./claims -claims.report=DIR` runs everything
// once), the figures, and the real-data experiment's report.
func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if *reportDir != "" {
		if err := writeReportDir(*reportDir); err != nil {
			fmt.Fprintf(os.Stderr, "claims report: %v\n", err)
			code = max(code, 1)
		}
	}
	os.Exit(code)
}

// writeReportDir writes REPORT.md, the figures and the experiment's report
// into dir (relative to the module root).
func writeReportDir(dir string) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(root, dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var md strings.Builder
	note := fmt.Sprintf("Checks per claim: its default (the Checks field) unless -rapid.checks is set; short mode: %v.", testing.Short())
	if err := writeReport(&md, reportRows(), note); err != nil {
		return err
	}
	writeExtraSections(&md)

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
	var errs []error
	for i, f := range figures {
		if err := f.draw(rand.New(rand.NewPCG(2022, uint64(i))), filepath.Join(dir, f.file)); err != nil {
			errs = append(errs, fmt.Errorf("figure %s: %w", f.file, err))
			continue
		}
		fmt.Fprintf(&md, "![%s](%s)\n\n%s.\n\n", f.caption, f.file, f.caption)
	}

	err = experiment.WriteReport(dir, filepath.Join(root, "testdata", "digits.csv.gz"), filepath.Join(root, "testdata", "breast_cancer.csv.gz"))
	if err != nil {
		errs = append(errs, fmt.Errorf("real-data experiment: %w", err))
	} else {
		md.WriteString("## The experiment in miniature on real data\n\nSee [experiment.md](experiment.md), [confusion.svg](confusion.svg) and [accuracy_vs_k.svg](accuracy_vs_k.svg).\n")
	}
	if err := os.WriteFile(filepath.Join(dir, "REPORT.md"), []byte(md.String()), 0o644); err != nil {
		return err
	}
	fmt.Printf("claims report: wrote %s\n", filepath.Join(dir, "REPORT.md"))
	return errors.Join(errs...)
}

// extraSections are sections of REPORT.md that other tests of this run add
// (the mutation matrix, the table of learners against the checks), in the
// order they were added.
var (
	extraMu       sync.Mutex
	extraSections []string
)

// addReportSection adds a markdown section to REPORT.md when the report is
// written.
func addReportSection(md string) {
	extraMu.Lock()
	defer extraMu.Unlock()
	extraSections = append(extraSections, md)
}

func writeExtraSections(b *strings.Builder) {
	extraMu.Lock()
	defer extraMu.Unlock()
	for _, s := range extraSections {
		b.WriteString("\n")
		b.WriteString(s)
	}
}

// reportRequested reports whether this run writes the report (then tests
// that only feed it, such as the mutation matrix, run).
func reportRequested() bool { return *reportDir != "" }

// moduleRoot returns the directory holding go.mod, above the package dir
// where go test runs.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the test directory")
		}
		dir = parent
	}
}
