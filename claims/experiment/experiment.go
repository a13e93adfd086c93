package experiment

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"

	"github.com/rolemodels/rolemodels/gen"
)

// Method identifies one learner of the experiment, a row of its table.
type Method int

// The methods, in the order of the table. All are measured by their
// accuracy on the clean labels of the split's test part.
const (
	// CleanNN is 1-NN on the clean training labels: the reference.
	CleanNN Method = iota
	// Teacher is 1-NN on the noisy training labels: the teacher.
	Teacher
	// Ensemble5 is the test-time majority of the first 5 pool teachers
	// (1-NN, each on a random half of the noisy training part).
	Ensemble5
	// Ensemble10 is the test-time majority of all 10 pool teachers.
	Ensemble10
	// StudentOne is the student fitted on the pool labeled by Teacher.
	StudentOne
	// StudentPool is the student fitted on the pool labeled by a teacher
	// drawn uniformly from the 10 pool teachers independently per point.
	StudentPool
	// StudentMajority is the student fitted on the pool labeled by the
	// majority of the 10 pool teachers.
	StudentMajority
	// StudentUnrestricted is 1-NN on the pool labeled by Teacher: one
	// teacher distilled into an unrestricted class.
	StudentUnrestricted
	// Direct is the student class fitted on the noisy training part itself,
	// with no teacher: it separates what the student class does alone from
	// what distillation adds.
	Direct
	// NumMethods is the number of methods.
	NumMethods
)

var methodNames = [NumMethods]string{
	CleanNN:             "1-NN on clean labels (reference)",
	Teacher:             "1-NN teacher on noisy labels",
	Ensemble5:           "test-time majority of 5 teachers",
	Ensemble10:          "test-time majority of 10 teachers",
	StudentOne:          "student from one teacher",
	StudentPool:         "student, random teacher per example (pool of 10)",
	StudentMajority:     "student from the majority of 10 teachers",
	StudentUnrestricted: "1-NN student from one teacher (unrestricted class)",
	Direct:              "student class on the noisy labels (no teacher)",
}

// String returns the method's name as printed in the table.
func (m Method) String() string {
	if m < 0 || m >= NumMethods {
		return fmt.Sprintf("Method(%d)", int(m))
	}
	return methodNames[m]
}

// Config sets the sizes and parameters of an experiment.
type Config struct {
	// Splits is the number S of random splits, S >= 2. Split s draws all
	// its randomness from rand.New(rand.NewPCG(Seed, s)).
	Splits int
	Seed   uint64
	// Train and Pool are the sizes of the labeled training part and of the
	// unlabeled pool; the remaining points form the clean test part, which
	// must keep at least one point.
	Train, Pool int
	// Noise is the noise rate rho in [0, 1): in each class c of the
	// training part, exactly round(rho n_c) points drawn uniformly get the
	// label (y + Shift) mod K.
	Noise float64
	Shift int
	// Teachers is the number of pool teachers (each 1-NN on a uniformly
	// random half of the noisy training part); Ks lists the ensemble and
	// pool sizes of the accuracy-vs-K curves, each in 1..Teachers.
	Teachers int
	Ks       []int
	// Bandwidths are the candidate Laplace bandwidths of the student, as
	// multiples of the median nearest-neighbour distance in the training
	// part; Ridges are the candidate ridges lambda of the system
	// (G + m lambda I) A = Y on m points. The pair whose fit on a random
	// half of the noisy training part best predicts the noisy labels of the
	// other half is used (first in grid order on ties).
	Bandwidths []float64
	Ridges     []float64
	// Standardize rescales each feature to mean 0 and variance 1 over all
	// points before splitting. It uses no labels and gives every method the
	// same features, so paired comparisons stay fair; it lets one distance
	// matrix serve all splits.
	Standardize bool
	// Workers is the number of goroutines over splits; results do not
	// depend on it. Zero means 2.
	Workers int
}

// DefaultConfig returns the configuration used for the report and the
// tests: 20 splits (50 for data sets under 1000 points, whose test parts of
// under 200 points make per-split accuracies noisier) into thirds
// (training, pool, test); the paper's noise, 20% with shift K/2
// (y -> (y+5) mod 10 for ten classes, y -> 1-y for two); 10 pool teachers;
// K in {1, 2, 3, 5, 10}; bandwidth multiples {1, 2, 4, 8} and ridges
// {1e-3, 1e-2}; and features standardized for data whose columns have
// different units (everything but "digits", whose pixel counts share one
// scale).
func DefaultConfig(data Data, seed uint64) Config {
	n := data.Len()
	shift := data.K / 2
	splits := 20
	if n < 1000 {
		splits = 50
	}
	return Config{
		Splits:      splits,
		Seed:        seed,
		Train:       n / 3,
		Pool:        n / 3,
		Noise:       0.2,
		Shift:       shift,
		Teachers:    10,
		Ks:          []int{1, 2, 3, 5, 10},
		Bandwidths:  []float64{1, 2, 4, 8},
		Ridges:      []float64{1e-3, 1e-2},
		Standardize: data.Name != "digits",
		Workers:     2,
	}
}

// Result holds the per-split measurements of an experiment. Accuracies are
// fractions of the split's test points whose clean label the method
// predicts.
type Result struct {
	Data   string
	Size   int // number of points of the data set
	K      int
	Config Config
	// Acc[m][s] is the accuracy of method m on split s.
	Acc [NumMethods][]float64
	// EnsembleK[i][s] and PoolK[i][s] are the accuracies of the test-time
	// majority of the first Ks[i] pool teachers and of the student distilled
	// with a random teacher per example from the first Ks[i] teachers.
	EnsembleK, PoolK [][]float64
	// Confusion[c*K+p] counts test points with clean label c that the
	// noisy teacher labels p, summed over splits.
	Confusion []int
	// Errors[s] counts the teacher's errors on split s's test part and
	// ShiftErrors[s] those at (c, (c+Shift) mod K).
	Errors, ShiftErrors []int
	// Predicted[s] is the teacher's expected accuracy on split s over the
	// draw of the noise given the split: with NN(j) the nearest training
	// point of test point j, c its clean label and r_c = round(rho n_c)/n_c,
	//   (1/N) sum_j [(1 - r_c) 1{c = y_j} + r_c 1{(c + Shift) mod K = y_j}].
	// It is what a perfect sampler of the noisy labels at NN(j) scores.
	Predicted []float64
	// RoundGap[s] is max_c |r_c - rho| on split s: how far the exact
	// per-class flip counts round away from the rate.
	RoundGap []float64
	// Bandwidth[s] and Ridge[s] are the student's selected parameters
	// (bandwidth in the units of the features).
	Bandwidth, Ridge []float64
}

// Run runs the experiment of cfg on data. It returns an error if data or
// cfg is invalid, or if a kernel system does not factorize.
func Run(data Data, cfg Config) (*Result, error) {
	if err := checkConfig(data, cfg); err != nil {
		return nil, err
	}
	res := newResult(data, cfg)
	workers := cfg.Workers
	if workers <= 0 {
		workers = 2
	}
	_, dist := prepare(data, cfg, workers)
	confusion := make([][]int, cfg.Splits)
	errs := make([]error, cfg.Splits)
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := range next {
				confusion[s], errs[s] = runSplit(data, cfg, s, dist, res, nil)
			}
		}()
	}
	for s := range cfg.Splits {
		next <- s
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for _, c := range confusion {
		for i, v := range c {
			res.Confusion[i] += v
		}
	}
	return res, nil
}

// newResult allocates the result of cfg's splits.
func newResult(data Data, cfg Config) *Result {
	res := &Result{Data: data.Name, Size: data.Len(), K: data.K, Config: cfg,
		EnsembleK: make([][]float64, len(cfg.Ks)), PoolK: make([][]float64, len(cfg.Ks)),
		Confusion: make([]int, data.K*data.K),
		Errors:    make([]int, cfg.Splits), ShiftErrors: make([]int, cfg.Splits),
		Predicted: make([]float64, cfg.Splits), RoundGap: make([]float64, cfg.Splits),
		Bandwidth: make([]float64, cfg.Splits), Ridge: make([]float64, cfg.Splits)}
	for m := range res.Acc {
		res.Acc[m] = make([]float64, cfg.Splits)
	}
	for i := range cfg.Ks {
		res.EnsembleK[i] = make([]float64, cfg.Splits)
		res.PoolK[i] = make([]float64, cfg.Splits)
	}
	return res
}

// prepare returns the features every method sees (standardized if
// cfg.Standardize) and their n x n distance matrix.
func prepare(data Data, cfg Config, workers int) (x, dist []float64) {
	n := data.Len()
	x = data.X
	if cfg.Standardize {
		all := make([]int, n)
		for i := range all {
			all[i] = i
		}
		x = standardized(x, data.D, all)
	}
	return x, distances(x, n, data.D, workers)
}

func checkConfig(data Data, cfg Config) error {
	if err := data.Dataset().Validate(); err != nil {
		return fmt.Errorf("experiment: %w", err)
	}
	switch {
	case cfg.Splits < 2:
		return fmt.Errorf("experiment: %d splits, want >= 2", cfg.Splits)
	case cfg.Train < 4 || cfg.Pool < 1 || cfg.Train+cfg.Pool >= data.Len():
		return fmt.Errorf("experiment: training part %d and pool %d of %d points leave no test part (want training >= 4, pool >= 1)", cfg.Train, cfg.Pool, data.Len())
	case !(cfg.Noise >= 0 && cfg.Noise < 1):
		return fmt.Errorf("experiment: noise rate %v outside [0, 1)", cfg.Noise)
	case cfg.Shift < 1 || cfg.Shift >= data.K:
		return fmt.Errorf("experiment: shift %d outside 1..%d", cfg.Shift, data.K-1)
	case cfg.Teachers < 1:
		return fmt.Errorf("experiment: %d pool teachers, want >= 1", cfg.Teachers)
	case len(cfg.Bandwidths) == 0 || len(cfg.Ridges) == 0:
		return errors.New("experiment: empty bandwidth or ridge grid")
	}
	if len(cfg.Ks) == 0 {
		return errors.New("experiment: empty list of ensemble sizes Ks")
	}
	for _, k := range cfg.Ks {
		if k < 1 || k > cfg.Teachers {
			return fmt.Errorf("experiment: K = %d outside 1..%d", k, cfg.Teachers)
		}
	}
	for _, h := range cfg.Bandwidths {
		if !(h > 0) || math.IsInf(h, 0) {
			return fmt.Errorf("experiment: bandwidth multiple %v, want finite > 0", h)
		}
	}
	for _, l := range cfg.Ridges {
		if !(l > 0) || math.IsInf(l, 0) {
			return fmt.Errorf("experiment: ridge %v, want finite > 0", l)
		}
	}
	return nil
}

// distances returns the n x n matrix of Euclidean distances between the
// rows of the row-major n x d matrix x, computed by the given number of
// goroutines over disjoint rows. The squares are summed directly, so integer
// data give exact squares and the square root keeps their ties.
func distances(x []float64, n, d, workers int) []float64 {
	out := make([]float64, n*n)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				xi := x[i*d : (i+1)*d]
				for j := i + 1; j < n; j++ {
					xj := x[j*d : (j+1)*d]
					var s float64
					for k, v := range xi {
						t := v - xj[k]
						s += t * t
					}
					out[i*n+j] = math.Sqrt(s)
					out[j*n+i] = out[i*n+j]
				}
			}
		}()
	}
	wg.Wait()
	return out
}

// standardized returns x with each column scaled to mean 0 and variance 1
// over the rows listed in rows (constant columns are only centred).
func standardized(x []float64, d int, rows []int) []float64 {
	mean := make([]float64, d)
	sd := make([]float64, d)
	for _, i := range rows {
		for k, v := range x[i*d : (i+1)*d] {
			mean[k] += v
		}
	}
	for k := range mean {
		mean[k] /= float64(len(rows))
	}
	for _, i := range rows {
		for k, v := range x[i*d : (i+1)*d] {
			sd[k] += (v - mean[k]) * (v - mean[k])
		}
	}
	for k := range sd {
		sd[k] = math.Sqrt(sd[k] / float64(len(rows)))
		if sd[k] == 0 {
			sd[k] = 1
		}
	}
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = (v - mean[i%d]) / sd[i%d]
	}
	return out
}

// nearest returns, for each query q (an index into the full data), the
// position in cand (indices into the full data) of its nearest candidate,
// ties to the lower position. dist is the full n x n distance matrix.
func nearest(dist []float64, n int, queries, cand []int) []int {
	out := make([]int, len(queries))
	for a, q := range queries {
		row := dist[q*n : (q+1)*n]
		best, bi := math.Inf(1), -1
		for b, c := range cand {
			if v := row[c]; v < best {
				best, bi = v, b
			}
		}
		out[a] = bi
	}
	return out
}

// majority returns the most frequent label among votes, ties to the lower
// class; count is scratch of length K.
func majority(votes []int, count []int) int {
	clear(count)
	best := 0
	for _, v := range votes {
		count[v]++
	}
	for c, n := range count {
		if n > count[best] {
			best = c
		}
	}
	return best
}

func accuracy(pred, truth []int) float64 {
	var ok int
	for i, p := range pred {
		if p == truth[i] {
			ok++
		}
	}
	return float64(ok) / float64(len(pred))
}

// splitDetail keeps the internals of one split for cross-checks against
// package learners.
type splitDetail struct {
	train, pool, test []int   // indices into the data
	noisy             []int   // noisy labels of the training part
	halves            [][]int // each pool teacher's training positions
	teacher           []int   // the teacher's labels of the test part
	ensemble          []int   // majority of all pool teachers on the test part
	majority          []int   // their majority labels of the pool
	one               []int   // the teacher's labels of the pool
	student           []int   // StudentOne's labels of the test part
	h, ridge          float64 // the student's bandwidth and ridge m lambda
	poolSeed          uint64  // seed of the random-teacher streams
	poolAll           []int   // random-teacher labels of the pool, all teachers
}

// runSplit runs split s and stores its measurements in res (each split
// writes only its own entries). It returns the teacher's confusion counts.
func runSplit(data Data, cfg Config, s int, dist []float64, res *Result, keep *splitDetail) ([]int, error) {
	rng := rand.New(rand.NewPCG(cfg.Seed, uint64(s)))
	n, k := data.Len(), data.K
	perm := rng.Perm(n)
	train := perm[:cfg.Train]
	pool := perm[cfg.Train : cfg.Train+cfg.Pool]
	test := perm[cfg.Train+cfg.Pool:]

	// The paper's noise, exactly round(rho n_c) flips in each class c.
	clean := make([]int, len(train))
	for i, p := range train {
		clean[i] = data.Y[p]
	}
	noisy := slices.Clone(clean)
	flipRate := make([]float64, k)
	for c := range k {
		var members []int
		for i, y := range clean {
			if y == c {
				members = append(members, i)
			}
		}
		m := int(math.Round(cfg.Noise * float64(len(members))))
		for j := range m { // partial Fisher-Yates: the first m of a random order
			r := j + rng.IntN(len(members)-j)
			members[j], members[r] = members[r], members[j]
			noisy[members[j]] = (c + cfg.Shift) % k
		}
		if len(members) > 0 {
			flipRate[c] = float64(m) / float64(len(members))
			res.RoundGap[s] = math.Max(res.RoundGap[s], math.Abs(flipRate[c]-cfg.Noise))
		}
	}
	testY := make([]int, len(test))
	for j, p := range test {
		testY[j] = data.Y[p]
	}

	// Clean 1-NN and the teacher share the neighbour; only labels differ.
	nnTest := nearest(dist, n, test, train)
	nnPool := nearest(dist, n, pool, train)
	pred := make([]int, len(test))
	for j, i := range nnTest {
		pred[j] = clean[i]
	}
	res.Acc[CleanNN][s] = accuracy(pred, testY)
	confusion := make([]int, k*k)
	var expect float64
	for j, i := range nnTest {
		pred[j] = noisy[i]
		y, c := testY[j], clean[i]
		confusion[y*k+pred[j]]++
		if pred[j] != y {
			res.Errors[s]++
			if pred[j] == (y+cfg.Shift)%k {
				res.ShiftErrors[s]++
			}
		}
		if c == y {
			expect += 1 - flipRate[c]
		}
		if (c+cfg.Shift)%k == y {
			expect += flipRate[c]
		}
	}
	res.Acc[Teacher][s] = accuracy(pred, testY)
	if keep != nil {
		keep.train, keep.pool, keep.test = train, pool, test
		keep.noisy, keep.teacher = noisy, slices.Clone(pred)
	}
	res.Predicted[s] = expect / float64(len(test))
	teacherPool := make([]int, len(pool))
	for j, i := range nnPool {
		teacherPool[j] = noisy[i]
	}

	// Pool teachers: 1-NN on random halves (positions sorted, so ties still
	// go to the lower training position).
	half := len(train) / 2
	tTest := make([][]int, cfg.Teachers) // tTest[t][j]: teacher t's label of test point j
	tPool := make([][]int, cfg.Teachers)
	for t := range cfg.Teachers {
		sub := rng.Perm(len(train))[:half]
		slices.Sort(sub)
		if keep != nil {
			keep.halves = append(keep.halves, sub)
		}
		cand := make([]int, half)
		for b, i := range sub {
			cand[b] = train[i]
		}
		tTest[t] = make([]int, len(test))
		for j, b := range nearest(dist, n, test, cand) {
			tTest[t][j] = noisy[sub[b]]
		}
		tPool[t] = make([]int, len(pool))
		for j, b := range nearest(dist, n, pool, cand) {
			tPool[t][j] = noisy[sub[b]]
		}
	}
	votes := make([]int, cfg.Teachers)
	count := make([]int, k)
	vote := func(labels [][]int, kk, j int) int {
		for t := range kk {
			votes[t] = labels[t][j]
		}
		return majority(votes[:kk], count)
	}
	ens := make([]int, len(test))
	for i, kk := range cfg.Ks {
		for j := range test {
			ens[j] = vote(tTest, kk, j)
		}
		res.EnsembleK[i][s] = accuracy(ens, testY)
	}
	for _, e := range []struct {
		m  Method
		kk int
	}{{Ensemble5, 5}, {Ensemble10, 10}} {
		kk := min(e.kk, cfg.Teachers)
		for j := range test {
			ens[j] = vote(tTest, kk, j)
		}
		res.Acc[e.m][s] = accuracy(ens, testY)
		if keep != nil && e.m == Ensemble10 {
			keep.ensemble = slices.Clone(ens)
		}
	}

	// Pool labelings: one teacher, a random teacher per point from the
	// first K, the majority of all teachers.
	// A random teacher per point from the first K draws from its own stream,
	// rand.NewPCG(poolSeed, K), exactly as learners.LabelWithPool does
	// (t = IntN(K) per row, no draw for K = 1).
	poolSeed := rng.Uint64()
	randomTeacher := func(kk int) []int {
		lr := rand.New(rand.NewPCG(poolSeed, uint64(kk)))
		l := make([]int, len(pool))
		for j := range pool {
			t := 0
			if kk > 1 {
				t = lr.IntN(kk)
			}
			l[j] = tPool[t][j]
		}
		return l
	}
	labelings := [][]int{teacherPool}
	for _, kk := range cfg.Ks {
		labelings = append(labelings, randomTeacher(kk))
	}
	poolAll := labelings[len(labelings)-1]
	if cfg.Ks[len(cfg.Ks)-1] != cfg.Teachers {
		poolAll = randomTeacher(cfg.Teachers)
	}
	maj := make([]int, len(pool))
	for j := range pool {
		maj[j] = vote(tPool, cfg.Teachers, j)
	}
	labelings = append(labelings, maj)

	// The unrestricted student: 1-NN among pool points labeled by the teacher.
	for j, b := range nearest(dist, n, test, pool) {
		pred[j] = teacherPool[b]
	}
	res.Acc[StudentUnrestricted][s] = accuracy(pred, testY)

	// The student class: Laplace kernel ridge, parameters chosen on the
	// noisy training part.
	scale := medianNN(dist, n, train)
	vperm := rng.Perm(len(train))
	nfit := len(train) / 2
	fit, val := make([]int, nfit), make([]int, len(train)-nfit)
	fitY, valY := make([]int, nfit), make([]int, len(train)-nfit)
	for a, i := range vperm {
		if a < nfit {
			fit[a], fitY[a] = train[i], noisy[i]
		} else {
			val[a-nfit], valY[a-nfit] = train[i], noisy[i]
		}
	}
	bestAcc := -1.0
	for _, hm := range cfg.Bandwidths {
		sys := newKernelSystem(dist, n, fit, val, hm*scale)
		for _, l := range cfg.Ridges {
			preds, err := sys.solve([][]int{fitY}, k, l)
			if err != nil {
				return nil, fmt.Errorf("experiment: %s split %d: %w", data.Name, s, err)
			}
			if a := accuracy(preds[0], valY); a > bestAcc {
				bestAcc, res.Bandwidth[s], res.Ridge[s] = a, hm*scale, l
			}
		}
	}
	h, lambda := res.Bandwidth[s], res.Ridge[s]
	preds, err := kernelRidge(dist, n, pool, labelings, test, k, h, lambda)
	if err != nil {
		return nil, fmt.Errorf("experiment: %s split %d: %w", data.Name, s, err)
	}
	res.Acc[StudentOne][s] = accuracy(preds[0], testY)
	if keep != nil {
		keep.majority, keep.one, keep.student = maj, teacherPool, preds[0]
		keep.poolSeed, keep.poolAll = poolSeed, poolAll
		keep.h, keep.ridge = h, lambda*float64(len(pool))
	}
	for i := range cfg.Ks {
		res.PoolK[i][s] = accuracy(preds[1+i], testY)
	}
	res.Acc[StudentMajority][s] = accuracy(preds[1+len(cfg.Ks)], testY)
	if cfg.Ks[len(cfg.Ks)-1] == cfg.Teachers {
		res.Acc[StudentPool][s] = res.PoolK[len(cfg.Ks)-1][s]
	} else {
		pp, err := kernelRidge(dist, n, pool, [][]int{poolAll}, test, k, h, lambda)
		if err != nil {
			return nil, fmt.Errorf("experiment: %s split %d: %w", data.Name, s, err)
		}
		res.Acc[StudentPool][s] = accuracy(pp[0], testY)
	}
	direct, err := kernelRidge(dist, n, train, [][]int{noisy}, test, k, h, lambda)
	if err != nil {
		return nil, fmt.Errorf("experiment: %s split %d: %w", data.Name, s, err)
	}
	res.Acc[Direct][s] = accuracy(direct[0], testY)
	return confusion, nil
}

// medianNN returns the median over the points of rows of the distance to
// their nearest other point of rows.
func medianNN(dist []float64, n int, rows []int) float64 {
	d := make([]float64, len(rows))
	for a, p := range rows {
		best := math.Inf(1)
		for b, q := range rows {
			if a != b && dist[p*n+q] < best {
				best = dist[p*n+q]
			}
		}
		d[a] = best
	}
	slices.Sort(d)
	m := d[len(d)/2]
	if m == 0 {
		m = 1
	}
	return m
}

// kernelRidge fits one-vs-rest Laplace kernel ridge regression on the
// points fit (indices into the data) once per labeling in labels, sharing
// one factorization, and returns each fit's labels of the points query:
// with G_ab = exp(-||x_a - x_b|| / h) and Y the m x K one-hot matrix of a
// labeling of the m points,
//
//	A = (G + m lambda I)^{-1} Y,   label(x) = argmax_c sum_a exp(-||x - x_a|| / h) A_ac
//
// (ties to the lower class). This is learners.KernelMachine{Kernel:
// learners.Laplace, Bandwidth: h, Ridge: m lambda}: its +-1 targets add the
// same function to every class score, which leaves the argmax unchanged.
// It returns an error if G + m lambda I does not factorize.
func kernelRidge(dist []float64, n int, fit []int, labels [][]int, query []int, k int, h, lambda float64) ([][]int, error) {
	return newKernelSystem(dist, n, fit, query, h).solve(labels, k, lambda)
}

// kernelSystem holds the Laplace kernel matrices of a fit and a query set
// at one bandwidth, so that several ridges and labelings reuse them.
type kernelSystem struct {
	m, nq int
	h     float64
	gram  []float64 // m x m, upper triangle
	kq    []float64 // nq x m
}

func newKernelSystem(dist []float64, n int, fit, query []int, h float64) *kernelSystem {
	m := len(fit)
	ks := &kernelSystem{m: m, nq: len(query), h: h, gram: make([]float64, m*m), kq: make([]float64, len(query)*m)}
	for a, p := range fit {
		row := ks.gram[a*m : (a+1)*m]
		drow := dist[p*n : (p+1)*n]
		for b := a; b < m; b++ {
			row[b] = math.Exp(-drow[fit[b]] / h)
		}
	}
	for j, q := range query {
		row := ks.kq[j*m : (j+1)*m]
		drow := dist[q*n : (q+1)*n]
		for a, p := range fit {
			row[a] = math.Exp(-drow[p] / h)
		}
	}
	return ks
}

// solve factorizes G + m lambda I and returns the query labels of each
// labeling (see kernelRidge).
func (ks *kernelSystem) solve(labels [][]int, k int, lambda float64) ([][]int, error) {
	m, w := ks.m, k*len(labels)
	g := blas64.Symmetric{N: m, Stride: m, Uplo: blas.Upper, Data: slices.Clone(ks.gram)}
	for a := range m {
		g.Data[a*m+a] += float64(m) * lambda
	}
	tri, ok := lapack64.Potrf(g)
	if !ok {
		return nil, fmt.Errorf("kernel system of %d points (bandwidth %.3g, ridge %.3g) is not positive definite", m, ks.h, lambda)
	}
	coef := blas64.General{Rows: m, Cols: w, Stride: w, Data: make([]float64, m*w)}
	for l, lab := range labels {
		for a, c := range lab {
			coef.Data[a*w+l*k+c] = 1
		}
	}
	lapack64.Potrs(tri, coef)
	kq := blas64.General{Rows: ks.nq, Cols: m, Stride: m, Data: ks.kq}
	score := blas64.General{Rows: ks.nq, Cols: w, Stride: w, Data: make([]float64, ks.nq*w)}
	blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, kq, coef, 0, score)
	out := make([][]int, len(labels))
	for l := range labels {
		out[l] = make([]int, ks.nq)
		for j := range out[l] {
			out[l][j] = gen.BayesLabel(score.Data[j*w+l*k : j*w+(l+1)*k])
		}
	}
	return out, nil
}
