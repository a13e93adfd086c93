package experiment

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"

	"github.com/rolemodels/rolemodels/learners"
)

// NeuralMethod identifies one row of the neural experiment's table.
type NeuralMethod int

// The methods of the neural experiment, in the order of its table; all
// are scored by their accuracy on the clean labels of the split's test
// part.
const (
	// NeuralClean is the teacher network trained on the clean training
	// labels: the reference.
	NeuralClean NeuralMethod = iota
	// NeuralTeacher is the teacher network trained to interpolation on the
	// noisy training labels (ensemble member 0).
	NeuralTeacher
	// NeuralEnsemble is the test-time majority of all Teachers networks,
	// which differ only by their seed (initialisation and batch order).
	NeuralEnsemble
	// NeuralStudentOne is the student fitted on the pool labeled by
	// NeuralTeacher.
	NeuralStudentOne
	// NeuralStudentPool is the student fitted on the pool labeled by a
	// teacher drawn uniformly from the Teachers networks independently per
	// point.
	NeuralStudentPool
	// NeuralStudentMajority is the student fitted on the pool labeled by
	// the majority of the Teachers networks.
	NeuralStudentMajority
	// NeuralDirect is the student configuration fitted on the noisy
	// training part itself, with no teacher.
	NeuralDirect
	// NeuralNN1Teacher is the 1-NN teacher on the same noisy training part
	// (the teacher of Run), for the paired comparison.
	NeuralNN1Teacher
	// NumNeuralMethods is the number of methods.
	NumNeuralMethods
)

var neuralNames = [NumNeuralMethods]string{
	NeuralClean:           "MLP on clean labels (reference)",
	NeuralTeacher:         "MLP teacher on noisy labels (interpolating)",
	NeuralEnsemble:        "test-time majority of the MLP teachers",
	NeuralStudentOne:      "MLP student from one teacher",
	NeuralStudentPool:     "MLP student, random teacher per example",
	NeuralStudentMajority: "MLP student from the majority of the teachers",
	NeuralDirect:          "MLP student configuration on the noisy labels (no teacher)",
	NeuralNN1Teacher:      "1-NN teacher on the same noisy labels",
}

// String returns the method's name as printed in the table.
func (m NeuralMethod) String() string {
	if m < 0 || m >= NumNeuralMethods {
		return fmt.Sprintf("NeuralMethod(%d)", int(m))
	}
	return neuralNames[m]
}

// NeuralConfig sets the sizes and learners of the neural experiment.
type NeuralConfig struct {
	// Splits, Seed, Train, Pool, Noise and Shift are as in Config: split s
	// draws the same permutation and the same noisy labels as split s of
	// Run with the same values, so the two experiments are paired.
	Splits      int
	Seed        uint64
	Train, Pool int
	Noise       float64
	Shift       int
	// Teachers is the number of teacher networks, each Teacher fitted on
	// the whole noisy training part with its own seed; Ks lists the
	// ensemble and pool sizes of the accuracy-vs-K curves, each in
	// 1..Teachers.
	Teachers int
	Ks       []int
	// Teacher is the interpolating configuration (no Holdout, no
	// WeightDecay expected) and Student the regularised one; their Seed
	// fields are replaced by seeds drawn from the split's stream.
	Teacher, Student learners.MLP
	// Standardize gives the 1-NN teacher row (NeuralNN1Teacher) the
	// standardized features, as Config.Standardize does for Run, so that
	// the row equals Run's teacher on the same split. The networks
	// standardise their inputs themselves.
	Standardize bool
	// Workers is the number of goroutines over splits; results do not
	// depend on it. Zero means 2.
	Workers int
}

// DefaultNeuralConfig returns the configuration of the neural report:
// the splits, noise and seeds of DefaultConfig (so each split is paired
// with the 1-NN experiment's), 10 teachers, K in {1, 2, 3, 5, 10}; the
// teacher is one hidden ReLU layer of width 256 trained with Adam (rate
// 3e-3, batches of 32) until it interpolates, at most 500 epochs; the
// student has the same architecture, rate 1e-3, weight decay 1e-4, and
// early stopping on 20% of its (teacher-labeled) points with patience 10,
// at most 300 epochs. No clean label is used to choose anything but the
// reference row.
func DefaultNeuralConfig(data Data, seed uint64) NeuralConfig {
	c := DefaultConfig(data, seed)
	return NeuralConfig{
		Splits: c.Splits, Seed: seed, Train: c.Train, Pool: c.Pool, Noise: c.Noise, Shift: c.Shift,
		Teachers: 10, Ks: []int{1, 2, 3, 5, 10},
		Teacher:     learners.MLP{Width: 256, LearningRate: 3e-3, Batch: 32, MaxEpochs: 500},
		Student:     learners.MLP{Width: 256, LearningRate: 1e-3, Batch: 32, MaxEpochs: 300, WeightDecay: 1e-4, Holdout: 0.2, Patience: 10},
		Standardize: c.Standardize,
		Workers:     2,
	}
}

// NeuralResult holds the per-split measurements of the neural experiment.
type NeuralResult struct {
	Data   string
	Size   int
	K      int
	Config NeuralConfig
	// Acc[m][s] is the clean test accuracy of method m on split s.
	Acc [NumNeuralMethods][]float64
	// EnsembleK[i][s] and PoolK[i][s]: the test-time majority of the first
	// Ks[i] teachers and the student distilled with a random teacher per
	// example from the first Ks[i].
	EnsembleK, PoolK [][]float64
	// Confusion[c*K+p] counts test points of clean label c that the
	// teacher network labels p, summed over splits.
	Confusion []int
	// Errors[s] and ShiftErrors[s] count the teacher's test errors and
	// those at (c, (c+Shift) mod K).
	Errors, ShiftErrors []int
	// Interpolating[s] counts the interpolating fits of split s (the
	// Teachers networks and the clean one) that reached zero training
	// error; MaxEpochs[s] is the most epochs any of them ran.
	Interpolating, MaxEpochs []int
	// StudentEpochs[s] is the best epoch of NeuralStudentOne.
	StudentEpochs []int
}

// ShiftFractions returns, per split, the share of the teacher network's
// test errors at (c, (c+Shift) mod K) (1 for a split with no errors).
func (r *NeuralResult) ShiftFractions() []float64 {
	f := make([]float64, len(r.Errors))
	for s, e := range r.Errors {
		f[s] = 1
		if e > 0 {
			f[s] = float64(r.ShiftErrors[s]) / float64(e)
		}
	}
	return f
}

// ConfusionRates returns the teacher network's confusion matrix normalized
// by row (see Result.ConfusionRates).
func (r *NeuralResult) ConfusionRates() []float64 {
	return rowRates(r.Confusion, r.K)
}

// RunNeural runs the neural experiment of cfg on data. It returns an
// error if data or cfg is invalid or a network fit fails.
func RunNeural(data Data, cfg NeuralConfig) (*NeuralResult, error) {
	base := Config{Splits: cfg.Splits, Seed: cfg.Seed, Train: cfg.Train, Pool: cfg.Pool, Noise: cfg.Noise, Shift: cfg.Shift,
		Teachers: cfg.Teachers, Ks: cfg.Ks, Bandwidths: []float64{1}, Ridges: []float64{1}}
	if err := checkConfig(data, base); err != nil {
		return nil, err
	}
	res := &NeuralResult{Data: data.Name, Size: data.Len(), K: data.K, Config: cfg,
		EnsembleK: make([][]float64, len(cfg.Ks)), PoolK: make([][]float64, len(cfg.Ks)),
		Confusion: make([]int, data.K*data.K),
		Errors:    make([]int, cfg.Splits), ShiftErrors: make([]int, cfg.Splits),
		Interpolating: make([]int, cfg.Splits), MaxEpochs: make([]int, cfg.Splits),
		StudentEpochs: make([]int, cfg.Splits)}
	for m := range res.Acc {
		res.Acc[m] = make([]float64, cfg.Splits)
	}
	for i := range cfg.Ks {
		res.EnsembleK[i] = make([]float64, cfg.Splits)
		res.PoolK[i] = make([]float64, cfg.Splits)
	}
	workers := cfg.Workers
	if workers <= 0 {
		workers = 2
	}
	confusion := make([][]int, cfg.Splits)
	errs := make([]error, cfg.Splits)
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := range next {
				confusion[s], errs[s] = runNeuralSplit(data, cfg, s, res)
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

// noisySplit draws split s exactly as runSplit does: the permutation into
// training part, pool and test part, then exactly round(rho n_c) flips
// c -> (c + shift) mod K in each class c of the training part. It returns
// the three parts, the clean and noisy training labels and the stream,
// positioned after the noise.
func noisySplit(data Data, seed uint64, s, nTrain, nPool int, noise float64, shift int) (train, pool, test, clean, noisy []int, rng *rand.Rand) {
	rng = rand.New(rand.NewPCG(seed, uint64(s)))
	n, k := data.Len(), data.K
	perm := rng.Perm(n)
	train, pool, test = perm[:nTrain], perm[nTrain:nTrain+nPool], perm[nTrain+nPool:]
	clean = make([]int, len(train))
	for i, p := range train {
		clean[i] = data.Y[p]
	}
	noisy = slices.Clone(clean)
	for c := range k {
		var members []int
		for i, y := range clean {
			if y == c {
				members = append(members, i)
			}
		}
		m := int(math.Round(noise * float64(len(members))))
		for j := range m {
			r := j + rng.IntN(len(members)-j)
			members[j], members[r] = members[r], members[j]
			noisy[members[j]] = (c + shift) % k
		}
	}
	return train, pool, test, clean, noisy, rng
}

// subset returns the points idx of data with the given labels as a
// learners.Dataset (copied features).
func subset(data Data, idx, labels []int) learners.Dataset {
	ds := learners.Dataset{X: make([]float64, 0, len(idx)*data.D), D: data.D, Y: labels, K: data.K}
	for _, p := range idx {
		ds.X = append(ds.X, data.X[p*data.D:(p+1)*data.D]...)
	}
	return ds
}

// runNeuralSplit runs split s of the neural experiment and stores its
// measurements in res (each split writes only its own entries). It returns
// the teacher network's confusion counts.
func runNeuralSplit(data Data, cfg NeuralConfig, s int, res *NeuralResult) ([]int, error) {
	k := data.K
	train, pool, test, clean, noisy, rng := noisySplit(data, cfg.Seed, s, cfg.Train, cfg.Pool, cfg.Noise, cfg.Shift)
	// Seeds of every fit, drawn up front so that adding a method later
	// does not move the others.
	teacherSeeds := make([]uint64, cfg.Teachers)
	for t := range teacherSeeds {
		teacherSeeds[t] = rng.Uint64()
	}
	cleanSeed, poolSeed, studentSeed := rng.Uint64(), rng.Uint64(), rng.Uint64()
	wrap := func(err error) error { return fmt.Errorf("experiment: %s neural split %d: %w", data.Name, s, err) }

	testY := make([]int, len(test))
	for j, p := range test {
		testY[j] = data.Y[p]
	}
	testX := subset(data, test, testY).X
	poolX := subset(data, pool, make([]int, len(pool))).X
	noisyDS := subset(data, train, noisy)
	cleanDS := learners.Dataset{X: noisyDS.X, D: data.D, Y: clean, K: k}
	pred := make([]int, len(test))

	// The 1-NN teacher on the same labels and features as Run's, for the
	// paired comparison.
	nnData := data
	if cfg.Standardize {
		all := make([]int, data.Len())
		for i := range all {
			all[i] = i
		}
		nnData.X = standardized(data.X, data.D, all)
	}
	nn, err := learners.KNN{K: 1}.Fit(subset(nnData, train, noisy))
	if err != nil {
		return nil, wrap(err)
	}
	if err := nn.PredictBatch(subset(nnData, test, testY).X, pred, nil); err != nil {
		return nil, wrap(err)
	}
	res.Acc[NeuralNN1Teacher][s] = accuracy(pred, testY)

	interp := func(ds learners.Dataset, seed uint64) (*learners.MLPClassifier, error) {
		l := cfg.Teacher
		l.Seed = seed
		h, err := l.Fit(ds)
		if err != nil {
			return nil, err
		}
		c := h.(*learners.MLPClassifier)
		if c.Interpolated() {
			res.Interpolating[s]++
		}
		res.MaxEpochs[s] = max(res.MaxEpochs[s], c.Epochs())
		return c, nil
	}
	cn, err := interp(cleanDS, cleanSeed)
	if err != nil {
		return nil, wrap(err)
	}
	if err := cn.PredictBatch(testX, pred, nil); err != nil {
		return nil, wrap(err)
	}
	res.Acc[NeuralClean][s] = accuracy(pred, testY)

	tTest := make([][]int, cfg.Teachers)
	tPool := make([][]int, cfg.Teachers)
	for t := range cfg.Teachers {
		c, err := interp(noisyDS, teacherSeeds[t])
		if err != nil {
			return nil, wrap(err)
		}
		tTest[t], tPool[t] = make([]int, len(test)), make([]int, len(pool))
		if err := c.PredictBatch(testX, tTest[t], nil); err != nil {
			return nil, wrap(err)
		}
		if err := c.PredictBatch(poolX, tPool[t], nil); err != nil {
			return nil, wrap(err)
		}
	}
	res.Acc[NeuralTeacher][s] = accuracy(tTest[0], testY)
	confusion := make([]int, k*k)
	for j, p := range tTest[0] {
		y := testY[j]
		confusion[y*k+p]++
		if p != y {
			res.Errors[s]++
			if p == (y+cfg.Shift)%k {
				res.ShiftErrors[s]++
			}
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
	for i, kk := range cfg.Ks {
		for j := range test {
			pred[j] = vote(tTest, kk, j)
		}
		res.EnsembleK[i][s] = accuracy(pred, testY)
	}
	for j := range test {
		pred[j] = vote(tTest, cfg.Teachers, j)
	}
	res.Acc[NeuralEnsemble][s] = accuracy(pred, testY)

	// Students: a random teacher per pool point from the first K, drawn
	// from rand.NewPCG(poolSeed, K) as learners.LabelWithPool does (no draw
	// for K = 1).
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
	student := func(ds learners.Dataset) (float64, int, error) {
		l := cfg.Student
		l.Seed = studentSeed
		h, err := l.Fit(ds)
		if err != nil {
			return 0, 0, err
		}
		if err := h.PredictBatch(testX, pred, nil); err != nil {
			return 0, 0, err
		}
		return accuracy(pred, testY), h.(*learners.MLPClassifier).BestEpoch(), nil
	}
	poolDS := func(labels []int) learners.Dataset {
		return learners.Dataset{X: poolX, D: data.D, Y: labels, K: k}
	}
	if res.Acc[NeuralStudentOne][s], res.StudentEpochs[s], err = student(poolDS(tPool[0])); err != nil {
		return nil, wrap(err)
	}
	for i, kk := range cfg.Ks {
		if kk == 1 { // the first teacher alone: the one-teacher student
			res.PoolK[i][s] = res.Acc[NeuralStudentOne][s]
			if kk == cfg.Teachers {
				res.Acc[NeuralStudentPool][s] = res.PoolK[i][s]
			}
			continue
		}
		if res.PoolK[i][s], _, err = student(poolDS(randomTeacher(kk))); err != nil {
			return nil, wrap(err)
		}
		if kk == cfg.Teachers {
			res.Acc[NeuralStudentPool][s] = res.PoolK[i][s]
		}
	}
	if !slices.Contains(cfg.Ks, cfg.Teachers) {
		if res.Acc[NeuralStudentPool][s], _, err = student(poolDS(randomTeacher(cfg.Teachers))); err != nil {
			return nil, wrap(err)
		}
	}
	maj := make([]int, len(pool))
	for j := range pool {
		maj[j] = vote(tPool, cfg.Teachers, j)
	}
	if res.Acc[NeuralStudentMajority][s], _, err = student(poolDS(maj)); err != nil {
		return nil, wrap(err)
	}
	if res.Acc[NeuralDirect][s], _, err = student(noisyDS); err != nil {
		return nil, wrap(err)
	}
	return confusion, nil
}
