package experiment

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var reportFlag = flag.String("experiment.report", "", "directory to write the report to (default: a temporary directory)")

func TestWriteReport(t *testing.T) {
	dir := *reportFlag
	if dir == "" {
		dir = t.TempDir()
	}
	digits := result(t, "digits", ReportSeed)
	cancer := result(t, "breast cancer", ReportSeed)
	if err := writeReport(dir, digits, cancer); err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(dir, "experiment.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| 1-NN teacher on noisy labels |", "81.3%", "87.8%", "| 10 |"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("experiment.md lacks %q", want)
		}
	}
	for _, f := range []string{"confusion.svg", "accuracy_vs_k.svg"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "<svg") || len(b) < 1000 {
			t.Errorf("%s is not an SVG figure (%d bytes)", f, len(b))
		}
	}
}

func TestWriteReportErrors(t *testing.T) {
	dir := t.TempDir()
	if err := WriteReport(dir, filepath.Join(dir, "missing.csv.gz"), cancerPath); err == nil {
		t.Error("missing digits file: no error")
	}
	if err := WriteReport(dir, digitsPath, filepath.Join(dir, "missing.csv.gz")); err == nil {
		t.Error("missing breast-cancer file: no error")
	}
}
