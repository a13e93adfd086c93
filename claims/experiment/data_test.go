package experiment

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	digitsPath = "../../testdata/digits.csv.gz"
	cancerPath = "../../testdata/breast_cancer.csv.gz"
)

func TestLoadRealFiles(t *testing.T) {
	d, err := LoadDigits(digitsPath)
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 1797 || d.D != 64 || d.K != 10 || len(d.X) != 1797*64 {
		t.Fatalf("digits: got %d rows, D=%d, K=%d, %d features", d.Len(), d.D, d.K, len(d.X))
	}
	if err := d.Dataset().Validate(); err != nil {
		t.Fatal(err)
	}
	// The first image of sklearn's digits is a 0 whose first row is 0,0,5,13,9,1,0,0.
	if d.Y[0] != 0 || d.X[2] != 5 || d.X[3] != 13 {
		t.Errorf("digits: first row starts %v with label %d", d.X[:8], d.Y[0])
	}
	count := make([]int, 10)
	for _, y := range d.Y {
		count[y]++
	}
	for c, n := range count {
		if n < 170 || n > 190 {
			t.Errorf("digits: class %d has %d images, want about 180", c, n)
		}
	}

	b, err := LoadBreastCancer(cancerPath)
	if err != nil {
		t.Fatal(err)
	}
	if b.Len() != 569 || b.D != 30 || b.K != 2 || len(b.X) != 569*30 {
		t.Fatalf("breast cancer: got %d rows, D=%d, K=%d", b.Len(), b.D, b.K)
	}
	if err := b.Dataset().Validate(); err != nil {
		t.Fatal(err)
	}
	if b.Classes[0] != "malignant" || b.Classes[1] != "benign" {
		t.Errorf("breast cancer: class names %q", b.Classes)
	}
	var benign int
	for _, y := range b.Y {
		benign += y
	}
	if benign != 357 {
		t.Errorf("breast cancer: %d benign, want 357 (212 malignant)", benign)
	}
}

// writeGzip writes text gzipped to a file in dir and returns its path.
func writeGzip(t *testing.T, dir, name, text string) string {
	t.Helper()
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zw.Write([]byte(text)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// realLines returns the lines of a gzipped file in testdata.
func realLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(zr); err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimRight(buf.String(), "\n"), "\n")
}

// replaceField returns line with its i-th comma-separated field set to v.
func replaceField(line string, i int, v string) string {
	f := strings.Split(line, ",")
	f[i] = v
	return strings.Join(f, ",")
}

func TestLoadMalformed(t *testing.T) {
	dir := t.TempDir()
	digits := realLines(t, digitsPath)
	cancer := realLines(t, cancerPath)
	join := func(lines []string) string { return strings.Join(lines, "\n") + "\n" }
	with := func(lines []string, i int, line string) []string {
		out := append([]string(nil), lines...)
		out[i] = line
		return out
	}
	// Sanity: the unmodified lines load, so each failure below is the edit's.
	if _, err := LoadDigits(writeGzip(t, dir, "ok_digits.csv.gz", join(digits))); err != nil {
		t.Fatalf("rewritten digits: %v", err)
	}
	if _, err := LoadBreastCancer(writeGzip(t, dir, "ok_cancer.csv.gz", join(cancer))); err != nil {
		t.Fatalf("rewritten breast cancer: %v", err)
	}
	notGzip := filepath.Join(dir, "plain.csv.gz")
	if err := os.WriteFile(notGzip, []byte(join(digits[:3])), 0o644); err != nil {
		t.Fatal(err)
	}
	last := strings.Split(digits[10], ",")
	short := strings.Join(last[:40], ",")
	for _, tc := range []struct {
		name, text, want string
	}{
		{"truncated row", join(with(digits, 10, short)), "line 11: 40 fields"},
		{"pixel 17", join(with(digits, 4, replaceField(digits[4], 7, "17"))), "line 5 field 8: pixel 17"},
		{"negative pixel", join(with(digits, 4, replaceField(digits[4], 0, "-1"))), "line 5 field 1: pixel -1"},
		{"label 10", join(with(digits, 0, replaceField(digits[0], 64, "10"))), "line 1 field 65: label 10"},
		{"not a number", join(with(digits, 99, replaceField(digits[99], 3, "x"))), "line 100 field 4"},
		{"fractional pixel", join(with(digits, 99, replaceField(digits[99], 3, "2.5"))), "line 100 field 4"},
		{"too few rows", join(digits[:1796]), "1796 rows, want 1797"},
		{"too many rows", join(append(digits, digits[0])), "1798 rows, want 1797"},
		{"blank line", join(with(digits, 50, "")), "line 51: empty line"},
		{"empty", "", "0 rows"},
	} {
		p := writeGzip(t, dir, strings.ReplaceAll(tc.name, " ", "_")+".csv.gz", tc.text)
		_, err := LoadDigits(p)
		if err == nil {
			t.Errorf("digits %s: no error", tc.name)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("digits %s: error %q does not contain %q", tc.name, err, tc.want)
		}
	}
	if _, err := LoadDigits(notGzip); err == nil || !strings.Contains(err.Error(), "not a gzip file") {
		t.Errorf("digits not gzip: error %v", err)
	}
	if _, err := LoadDigits(filepath.Join(dir, "missing.csv.gz")); err == nil {
		t.Errorf("digits missing file: no error")
	}
	// A gzip stream cut short is an error, not a short file.
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(join(digits)))
	zw.Close()
	cut := filepath.Join(dir, "cut.csv.gz")
	if err := os.WriteFile(cut, buf.Bytes()[:buf.Len()/2], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadDigits(cut); err == nil {
		t.Errorf("digits cut gzip stream: no error")
	}

	for _, tc := range []struct {
		name, text, want string
	}{
		{"truncated row", join(with(cancer, 7, strings.Join(strings.Split(cancer[7], ",")[:20], ","))), "line 8: 20 fields"},
		{"label 2", join(with(cancer, 3, replaceField(cancer[3], 30, "2"))), "line 4 field 31: label 2"},
		{"not a number", join(with(cancer, 3, replaceField(cancer[3], 5, "abc"))), "line 4 field 6"},
		{"NaN feature", join(with(cancer, 3, replaceField(cancer[3], 5, "NaN"))), "line 4 field 6"},
		{"Inf feature", join(with(cancer, 3, replaceField(cancer[3], 5, "+Inf"))), "line 4 field 6"},
		{"too few rows", join(cancer[:569]), "568 data rows, want 569"},
		{"bad header count", join(with(cancer, 0, "570,30,malignant,benign")), "header row count"},
		{"bad header dim", join(with(cancer, 0, "569,29,malignant,benign")), "header feature count"},
		{"short header", join(with(cancer, 0, "569,30")), "header has 2 fields"},
		{"empty", "", "empty file"},
	} {
		p := writeGzip(t, dir, "bc_"+strings.ReplaceAll(tc.name, " ", "_")+".csv.gz", tc.text)
		_, err := LoadBreastCancer(p)
		if err == nil {
			t.Errorf("breast cancer %s: no error", tc.name)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("breast cancer %s: error %q does not contain %q", tc.name, err, tc.want)
		}
	}
	if _, err := LoadBreastCancer(notGzip); err == nil || !strings.Contains(err.Error(), "not a gzip file") {
		t.Errorf("breast cancer not gzip: error %v", err)
	}
}
