package gen_test

import (
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/rolemodels/rolemodels/gen"
)

// genBytes reads fuzz input; once it is exhausted every read returns 0.
type genBytes []byte

func (b *genBytes) byte() byte {
	if len(*b) == 0 {
		return 0
	}
	v := (*b)[0]
	*b = (*b)[1:]
	return v
}

// raw returns the next 8 bytes as a little-endian uint64.
func (b *genBytes) raw() uint64 {
	var r [8]byte
	for i := range r {
		r[i] = b.byte()
	}
	return binary.LittleEndian.Uint64(r[:])
}

// int returns a small int in [-8, 119] when the mode byte is below 224,
// and otherwise any int64 (0, negative, 2^40, MaxInt64) from 8 bytes.
func (b *genBytes) int() int {
	if m := b.byte(); m < 224 {
		return int(m%128) - 8
	}
	return int(int64(b.raw()))
}

// float returns v/16 for a signed byte v when the mode byte is below 224,
// and otherwise any float64 (NaN, Inf, subnormal, huge) from 8 bytes.
func (b *genBytes) float() float64 {
	if b.byte() < 224 {
		return float64(int8(b.byte())) / 16
	}
	return math.Float64frombits(b.raw())
}

// fuzzMaxCheck bounds Dim()*Classes() of a distribution whose sampling and
// posterior the fuzz target exercises (every call allocates d and k
// values); larger ones are only checked for their shape.
const fuzzMaxCheck = 1 << 12

// FuzzConstructors decodes arbitrary bytes into a family and its parameters
// (dimensions, class counts and resolutions from small values to 2^40 and
// negative ones; floats including NaN, Inf, subnormals and 1e308) and
// checks that every constructor either returns a *ParamError or a usable
// distribution: 1 <= Dim(), 2 <= Classes() <= MaxClasses, a finite
// Lipschitz constant when ok, SampleX draws finite points, and Posterior is a
// probability vector at every finite x (drawn or wild) and NaN at a NaN x.
// Nothing may panic or exhaust memory.
//
//	go test ./gen -run='^$' -fuzz=FuzzConstructors -fuzztime=30s
func FuzzConstructors(f *testing.F) {
	big := func(v int64) []byte { // the 8-byte form of an int
		b := []byte{0xff, 0, 0, 0, 0, 0, 0, 0, 0}
		binary.LittleEndian.PutUint64(b[1:], uint64(v))
		return b
	}
	cat := func(parts ...[]byte) []byte {
		var out []byte
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	// The cases: RandomGrid(2, 2^40, 2^12, ...) and RandomGrid(1,
	// 2^40, 1, ...); then one valid case of each family.
	f.Add(cat([]byte{1, 10}, big(1<<40), big(1<<12), []byte{0, 8}))
	f.Add(cat([]byte{1, 9}, big(1<<40), []byte{9, 0, 8}))
	f.Add([]byte{0, 10, 11, 0, 8, 0, 16})
	f.Add([]byte{1, 10, 11, 12, 0, 4})
	f.Add([]byte{2, 10, 0, 16, 0, 240, 0, 8, 0, 16})
	f.Add([]byte{3, 10, 18, 13, 0, 3})
	f.Add([]byte{4, 2, 3, 0, 4, 0, 16, 0, 240, 0, 8, 0, 12, 0, 0, 0, 0, 4})
	f.Add([]byte{5, 9, 10, 2, 0, 4, 0, 12, 0, 8, 0, 8})
	f.Fuzz(func(t *testing.T, data []byte) {
		b := genBytes(data)
		var dist gen.Distribution
		var err error
		switch b.byte() % 6 {
		case 0:
			d, k := b.int(), b.int()
			strength, freq := b.float(), b.float()
			dist, err = gen.NewSmoothFreq(d, k, strength, freq)
		case 1:
			d, k, r := b.int(), b.int(), b.int()
			dist, err = gen.RandomGrid(d, k, r, b.float(), rand.New(rand.NewPCG(1, 2)))
		case 2:
			w := make([]float64, 1+int(b.byte()%4))
			for i := range w {
				w[i] = b.float()
			}
			dist, err = gen.NewHalfspace(w, b.float(), b.float())
		case 3:
			d, k, s := b.int(), b.int(), b.int()
			dist, err = gen.NewPairSwap(d, k, s, b.float())
		case 4:
			k, d := int(b.byte()%8), int(b.byte()%4)
			means := make([][]float64, k)
			for c := range means {
				means[c] = make([]float64, d)
				for i := range means[c] {
					means[c][i] = b.float()
				}
			}
			var weights []float64
			if b.byte()%2 == 1 {
				weights = make([]float64, k)
				for c := range weights {
					weights[c] = b.float()
				}
			}
			dist, err = gen.NewGaussianMixture(means, b.float(), weights)
		case 5:
			// NewGrid with posteriors from bytes: d, r small so the cells fit.
			d, r, k := 1+int(b.byte()%3), 1+int(b.byte()%3), int(b.byte()%5)
			n := 1
			for range d {
				n *= r
			}
			cells := make([][]float64, n)
			for i := range cells {
				cells[i] = make([]float64, k)
				for c := range cells[i] {
					cells[i][c] = b.float()
				}
			}
			dist, err = gen.NewGrid(d, r, cells)
		}
		if err != nil {
			var pe *gen.ParamError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *gen.ParamError", err)
			}
			return
		}
		d, k := dist.Dim(), dist.Classes()
		if d < 1 || k < 2 || k > gen.MaxClasses {
			t.Fatalf("%v: Dim %d, Classes %d", dist, d, k)
		}
		if l, ok := dist.Lipschitz(); ok && !(l >= 0 && l <= math.MaxFloat64) {
			t.Fatalf("%v: Lipschitz constant %v", dist, l)
		}
		if dist.String() == "" {
			t.Fatal("empty String()")
		}
		if d > fuzzMaxCheck/k {
			return
		}
		rng := rand.New(rand.NewPCG(3, 4))
		x := make([]float64, d)
		eta := make([]float64, k)
		wild := b.float()
		for j := range 4 {
			dist.SampleX(rng, x)
			if j == 3 {
				x[0] = wild // a point anywhere, often outside the support
			}
			dist.Posterior(x, eta)
			if !genFinite(x) {
				for _, v := range eta {
					if !math.IsNaN(v) {
						t.Fatalf("%v at %v: posterior %v, want NaN", dist, x, eta)
					}
				}
				continue
			}
			if err := gen.ValidatePosterior(eta); err != nil {
				t.Fatalf("%v at %v: %v", dist, x, err)
			}
		}
		x[0] = math.NaN()
		dist.Posterior(x, eta)
		if !math.IsNaN(eta[0]) {
			t.Fatalf("%v at NaN: posterior %v", dist, eta)
		}
	})
}

// genFinite reports whether every entry of x is finite.
func genFinite(x []float64) bool {
	for _, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}
