package learners_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/rolemodels/rolemodels/learners"
)

// fuzzValue maps a byte to a feature: mostly small multiples of 1/4 (so
// that ties and duplicates are common), sometimes an extreme or non-finite
// value.
func fuzzValue(b byte) float64 {
	switch b {
	case 255:
		return math.NaN()
	case 254:
		return math.Inf(1)
	case 253:
		return math.Inf(-1)
	case 252:
		return 1e308
	case 251:
		return -1e300
	case 250:
		return 5e-324
	case 249:
		return 1e154
	case 248:
		return learners.MaxNorm / 2 // pairs at the norm bound, distances up to 2^1021
	case 247:
		return -learners.MaxNorm / 2
	case 246:
		return 1e199 // the far point: squared distances overflow
	}
	return float64(b%16) / 4
}

// fuzzInput decodes the fuzzer's bytes into a k-NN problem:
//
//	byte 0: bit 0 selects RandomNeighbour, bits 1-3 give D in [-1, 6]
//	byte 1: K (signed)
//	byte 2: number of classes (signed)
//	byte 3: number of points n in [0, 31]
//	then n*D feature bytes, n label bytes (signed), and up to 128 query bytes.
//
// Missing bytes read as zero, so every input decodes.
type fuzzInput struct {
	sampler bool
	train   learners.Dataset
	neigh   int
	query   []float64
	seed    uint64
}

const maxFuzzQuery = 128

func decodeFuzz(data []byte) fuzzInput {
	at := func(i int) byte {
		if i < len(data) {
			return data[i]
		}
		return 0
	}
	var in fuzzInput
	in.sampler = at(0)&1 == 1
	d := int(at(0)>>1&7) - 1
	in.neigh = int(int8(at(1)))
	classes := int(int8(at(2)))
	n := int(at(3) & 31)
	pos := 4
	nf := 0
	if d > 0 {
		nf = n * d
	}
	// A short input gives ragged features.
	x := make([]float64, 0, nf)
	for i := 0; i < nf && pos < len(data); i++ {
		x = append(x, fuzzValue(data[pos]))
		pos++
	}
	y := make([]int, n)
	for i := range y {
		y[i] = int(int8(at(pos)))
		pos++
	}
	// At most maxFuzzQuery query values keep every execution cheap.
	var q []float64
	for ; pos < len(data) && len(q) < maxFuzzQuery; pos++ {
		q = append(q, fuzzValue(data[pos]))
	}
	in.train = learners.Dataset{X: x, D: d, Y: y, K: classes}
	in.query = q
	for _, b := range data {
		in.seed = in.seed*31 + uint64(b)
	}
	return in
}

func fuzzFinite(x []float64) bool {
	for _, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// fuzzNear reports whether the row-major x of dimension d >= 1 is valid
// input of the learners built on distances: finite, and every row of norm at
// most learners.MaxNorm (squared norm summed in coordinate order, as the
// learners do).
func fuzzNear(x []float64, d int) bool {
	if !fuzzFinite(x) {
		return false
	}
	for i := 0; i+d <= len(x); i += d {
		var s float64
		for _, v := range x[i : i+d] {
			s += v * v
		}
		if !(s <= learners.MaxNorm*learners.MaxNorm) {
			return false
		}
	}
	return true
}

// FuzzKNN feeds arbitrary bytes into KNN and RandomNeighbour Fit, Predict and
// PredictBatch and into the index constructors and searches. It asserts that
// nothing panics, that Fit fails exactly on invalid data or K, that every
// prediction is an error or a training label, that valid queries do not
// fail, that batch equals singles, and that the k-d tree and brute force
// return identical neighbours.
func FuzzKNN(f *testing.F) {
	f.Add([]byte{0x04, 1, 2, 4, 0, 0, 4, 4, 8, 8, 12, 12, 0, 1, 1, 0, 3, 3, 9, 9})
	f.Add([]byte{0x05, 3, 3, 6, 1, 1, 1, 1, 1, 1, 2, 2, 2, 0, 1, 2, 0, 1, 2, 1, 1})
	f.Add([]byte{0x02, 0, 2, 3, 1, 2, 3, 0, 1, 0})
	f.Add([]byte{0x08, 2, 2, 2, 255, 0, 0, 1, 2, 3, 0, 1, 0, 0, 0})
	f.Add([]byte{0x06, 5, 2, 5, 249, 252, 251, 250, 0, 1, 2, 3, 4, 5, 0, 1, 0, 1, 0, 252, 249, 0})
	f.Add([]byte{0x0d, 1, 0x7f, 2, 1, 2, 3, 4, 5, 6, 7, 8, 0, 9})
	// The overflow: 1-NN on (0, 0) and (1e199, 0), rejected; and
	// points at the norm bound, accepted, queried from the far side.
	f.Add([]byte{0x04, 1, 2, 2, 0, 0, 246, 0, 0, 1, 246, 0})
	f.Add([]byte{0x04, 1, 2, 3, 248, 0, 247, 0, 0, 248, 0, 1, 0, 247, 0, 248, 0, 0, 247})
	f.Fuzz(func(t *testing.T, data []byte) {
		in := decodeFuzz(data)
		tr := in.train
		var l learners.Learner = learners.KNN{K: in.neigh}
		if in.sampler {
			l = learners.RandomNeighbour{K: in.neigh}
		}
		h, err := l.Fit(tr)
		valid := tr.Validate() == nil && fuzzNear(tr.X, tr.D) && in.neigh >= 1 && in.neigh <= tr.Len()
		if (err == nil) != valid {
			t.Fatalf("Fit error %v, but data valid = %v", err, valid)
		}
		fuzzIndex(t, tr.X, tr.D, in.neigh, in.query)
		if err != nil {
			return
		}
		d := tr.D
		isLabel := func(c int) bool { return slices.Contains(tr.Y, c) }

		rng := rand.New(rand.NewPCG(in.seed, 1))
		q1 := in.query[:min(len(in.query), d)]
		c, err := h.Predict(q1, rng)
		switch {
		case err != nil && len(q1) == d && fuzzNear(q1, d):
			t.Fatalf("Predict on a valid query: %v", err)
		case err == nil && (len(q1) != d || !fuzzNear(q1, d)):
			t.Fatalf("Predict on an invalid query %v: no error", q1)
		case err == nil && !isLabel(c):
			t.Fatalf("Predict = %d, not a training label", c)
		}

		rows := len(in.query) / d
		dst := make([]int, rows)
		err = h.PredictBatch(in.query, dst, rand.New(rand.NewPCG(in.seed, 2)))
		validBatch := rows > 0 && len(in.query)%d == 0 && fuzzNear(in.query, d)
		if (err == nil) != validBatch {
			t.Fatalf("PredictBatch error %v, but batch valid = %v", err, validBatch)
		}
		if err != nil {
			return
		}
		singles := rand.New(rand.NewPCG(in.seed, 2))
		for r, c := range dst {
			s, err := h.Predict(in.query[r*d:(r+1)*d], singles)
			if err != nil {
				t.Fatalf("Predict row %d: %v", r, err)
			}
			if c != s || !isLabel(c) {
				t.Fatalf("row %d: batch %d, single %d", r, c, s)
			}
		}
	})
}

// fuzzIndex builds both index kinds on x and checks that they build exactly
// on valid data (finite, norms within learners.MaxNorm), that their
// searches agree exactly or fail together, and that a successful search
// returns the oracle's neighbours at finite distances.
func fuzzIndex(t *testing.T, x []float64, d, k int, q []float64) {
	kd, errKD := learners.NewKDTree(x, d)
	bf, errBF := learners.NewBruteForce(x, d)
	if (errKD == nil) != (errBF == nil) {
		t.Fatalf("NewKDTree error %v, NewBruteForce error %v", errKD, errBF)
	}
	valid := d >= 1 && len(x) > 0 && len(x)%d == 0 && fuzzNear(x, d)
	if (errKD == nil) != valid {
		t.Fatalf("NewKDTree error %v, but index data valid = %v", errKD, valid)
	}
	if errKD != nil {
		return
	}
	if d < 1 {
		t.Fatalf("index built with dimension %d", d)
	}
	rows := len(q) / d
	n := max(0, rows*k)
	if k > 1<<10 || n > 1<<16 {
		return
	}
	ia, ib := make([]int, n), make([]int, n)
	da, db := make([]float64, n), make([]float64, n)
	errA := kd.SearchBatch(q, k, ia, da)
	errB := bf.SearchBatch(q, k, ib, db)
	if (errA == nil) != (errB == nil) {
		t.Fatalf("SearchBatch errors differ: %v, %v", errA, errB)
	}
	if errA != nil {
		return
	}
	for j := range ia {
		if ia[j] != ib[j] || da[j] != db[j] {
			t.Fatalf("neighbour %d: kdtree (%d, %v), brute (%d, %v)", j, ia[j], da[j], ib[j], db[j])
		}
	}
	wantInd, wantDist := naiveBatch(x, d, q, k)
	for j := range ia {
		if ia[j] != wantInd[j] || da[j] != wantDist[j] || math.IsInf(da[j], 0) {
			t.Fatalf("neighbour %d: index (%d, %v), oracle (%d, %v)", j, ia[j], da[j], wantInd[j], wantDist[j])
		}
	}
}
