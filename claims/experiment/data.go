package experiment

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/rolemodels/rolemodels/learners"
)

// Data is a labeled real data set in row-major layout: point i is
// X[i*D : (i+1)*D] and its label is Y[i] in [0, K).
type Data struct {
	Name    string    // short name used in reports, e.g. "digits"
	X       []float64 // features, len(X) == len(Y)*D
	D       int       // input dimension
	Y       []int     // labels in [0, K)
	K       int       // number of classes
	Classes []string  // class names, len(Classes) == K
}

// Len returns the number of points.
func (d Data) Len() int { return len(d.Y) }

// Dataset returns d as a learners.Dataset sharing d's slices.
func (d Data) Dataset() learners.Dataset {
	return learners.Dataset{X: d.X, D: d.D, Y: d.Y, K: d.K}
}

// Sizes of the two data sets as shipped by scikit-learn.
const (
	digitsRows    = 1797
	digitsDim     = 64 // 8x8 images, row-major
	digitsSide    = 8
	digitsMaxPix  = 16
	digitsClasses = 10

	cancerRows    = 569
	cancerDim     = 30
	cancerClasses = 2
)

// LoadDigits reads the UCI optical-recognition digits as shipped by
// scikit-learn (sklearn/datasets/data/digits.csv.gz): a gzipped CSV with no
// header and exactly 1797 lines of 65 comma-separated integers, the 64 pixel
// counts of an 8x8 image (row-major, each in 0..16) followed by the digit
// 0..9.
//
// LoadDigits returns an error naming the file, the line and the problem if
// the file cannot be opened, is not gzip, has a line with the wrong number
// of fields, a field that is not an integer, a pixel outside 0..16, a label
// outside 0..9, or a number of lines other than 1797.
func LoadDigits(path string) (Data, error) {
	rows, err := readGzipLines(path)
	if err != nil {
		return Data{}, err
	}
	data := Data{Name: "digits", D: digitsDim, K: digitsClasses,
		Classes: []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}}
	data.X = make([]float64, 0, digitsRows*digitsDim)
	data.Y = make([]int, 0, digitsRows)
	for _, r := range rows {
		if len(r.fields) != digitsDim+1 {
			return Data{}, fmt.Errorf("experiment: %s line %d: %d fields, want %d (64 pixels and a label)", path, r.line, len(r.fields), digitsDim+1)
		}
		for j, f := range r.fields {
			v, err := parseInt(f)
			if err != nil {
				return Data{}, fmt.Errorf("experiment: %s line %d field %d: %q is not an integer", path, r.line, j+1, f)
			}
			if j < digitsDim {
				if v < 0 || v > digitsMaxPix {
					return Data{}, fmt.Errorf("experiment: %s line %d field %d: pixel %d outside 0..%d", path, r.line, j+1, v, digitsMaxPix)
				}
				data.X = append(data.X, float64(v))
				continue
			}
			if v < 0 || v >= digitsClasses {
				return Data{}, fmt.Errorf("experiment: %s line %d field %d: label %d outside 0..%d", path, r.line, j+1, v, digitsClasses-1)
			}
			data.Y = append(data.Y, v)
		}
	}
	if len(data.Y) != digitsRows {
		return Data{}, fmt.Errorf("experiment: %s: %d rows, want %d", path, len(data.Y), digitsRows)
	}
	return data, nil
}

// LoadBreastCancer reads the Wisconsin diagnostic breast-cancer data as
// shipped by scikit-learn (sklearn/datasets/data/breast_cancer.csv, here
// gzipped): a header line "569,30,malignant,benign" (rows, features, the
// names of classes 0 and 1), then 569 lines of 30 finite real features and
// a label 0 (malignant) or 1 (benign).
//
// LoadBreastCancer returns an error naming the file, the line and the
// problem if the file cannot be opened, is not gzip, has a header other
// than 569 rows of 30 features with two class names, a line with the wrong
// number of fields, a feature that is not a finite number, a label other
// than 0 or 1, or a number of data lines other than 569.
func LoadBreastCancer(path string) (Data, error) {
	rows, err := readGzipLines(path)
	if err != nil {
		return Data{}, err
	}
	if len(rows) == 0 {
		return Data{}, fmt.Errorf("experiment: %s: empty file, want a header line", path)
	}
	h := rows[0]
	if len(h.fields) != 2+cancerClasses {
		return Data{}, fmt.Errorf("experiment: %s line %d: header has %d fields, want 4 (rows, features, two class names)", path, h.line, len(h.fields))
	}
	if n, err := parseInt(h.fields[0]); err != nil || n != cancerRows {
		return Data{}, fmt.Errorf("experiment: %s line %d: header row count %q, want %d", path, h.line, h.fields[0], cancerRows)
	}
	if d, err := parseInt(h.fields[1]); err != nil || d != cancerDim {
		return Data{}, fmt.Errorf("experiment: %s line %d: header feature count %q, want %d", path, h.line, h.fields[1], cancerDim)
	}
	data := Data{Name: "breast cancer", D: cancerDim, K: cancerClasses,
		Classes: []string{strings.TrimSpace(h.fields[2]), strings.TrimSpace(h.fields[3])}}
	data.X = make([]float64, 0, cancerRows*cancerDim)
	data.Y = make([]int, 0, cancerRows)
	for _, r := range rows[1:] {
		if len(r.fields) != cancerDim+1 {
			return Data{}, fmt.Errorf("experiment: %s line %d: %d fields, want %d (30 features and a label)", path, r.line, len(r.fields), cancerDim+1)
		}
		for j, f := range r.fields[:cancerDim] {
			v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return Data{}, fmt.Errorf("experiment: %s line %d field %d: %q is not a finite number", path, r.line, j+1, f)
			}
			data.X = append(data.X, v)
		}
		f := r.fields[cancerDim]
		v, err := parseInt(f)
		if err != nil {
			return Data{}, fmt.Errorf("experiment: %s line %d field %d: label %q is not an integer", path, r.line, cancerDim+1, f)
		}
		if v != 0 && v != 1 {
			return Data{}, fmt.Errorf("experiment: %s line %d field %d: label %d, want 0 or 1", path, r.line, cancerDim+1, v)
		}
		data.Y = append(data.Y, v)
	}
	if len(data.Y) != cancerRows {
		return Data{}, fmt.Errorf("experiment: %s: %d data rows, want %d", path, len(data.Y), cancerRows)
	}
	return data, nil
}

// csvLine is one non-empty line of a CSV file split on commas, with its
// 1-based line number.
type csvLine struct {
	line   int
	fields []string
}

// readGzipLines reads the gzipped text file at path and splits each line on
// commas. An empty line before the end of the file is an error.
func readGzipLines(path string) ([]csvLine, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("experiment: %w", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("experiment: %s is not a gzip file: %w", path, err)
	}
	defer zr.Close()
	return splitLines(path, zr)
}

func splitLines(path string, r io.Reader) ([]csvLine, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	var (
		rows  []csvLine
		blank int // line number of the first blank line, 0 if none
	)
	for n := 1; sc.Scan(); n++ {
		s := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(s) == "" {
			if blank == 0 {
				blank = n
			}
			continue
		}
		if blank != 0 {
			return nil, fmt.Errorf("experiment: %s line %d: empty line inside the data", path, blank)
		}
		rows = append(rows, csvLine{line: n, fields: strings.Split(s, ",")})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("experiment: reading %s: %w", path, err)
	}
	return rows, nil
}

// parseInt parses a decimal integer, allowing surrounding spaces and an
// integral float spelling such as "3.0".
func parseInt(s string) (int, error) {
	s = strings.TrimSpace(s)
	if v, err := strconv.Atoi(s); err == nil {
		return v, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v != math.Trunc(v) || math.Abs(v) > 1<<31 {
		return 0, fmt.Errorf("not an integer: %q", s)
	}
	return int(v), nil
}
