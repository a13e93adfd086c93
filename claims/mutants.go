package claims

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/rolemodels/rolemodels/learners"
)

// This file is the catalogue of mutants: variants of the production
// learners and procedures that a bug could produce (a wrong loop bound, a
// dropped flag, a stray branch). The mutation matrix (REPORT.md) runs every
// claim with each of them substituted for its production implementation
// (implementations, production.go) and records which claims reject it; the
// edge falsifiers of the claims use the parameterised ones (flipAnswers,
// majorityOnShare, otherOnShare) at a strength between one and two
// certified MDDs.
//
// A mutant is equivalent when no claim should reject it: it is still what
// the claims say of the production learner (the second nearest neighbour is
// as much a sampler as the first). Its reason says why. A mutant with a
// gap is a real bug that no calibrated assertion is built to see at the
// default sizes: the report lists it as survived with the reason, so the
// gap is published, not hidden.

// mutant is one entry of the catalogue: a name, the implementation it
// replaces, what the bug is, why it is equivalent (empty if it is not) and
// the implementations with the mutant in place.
type mutant struct {
	name       string
	target     string // the implementations field it replaces
	bug        string
	equivalent string
	gap        string // why no calibrated assertion sees it (a known gap), if none does
	impl       implementations
}

// mutants returns the catalogue, in a fixed order.
func mutants() []mutant {
	with := func(name, target, bug, equivalent string, set func(*implementations)) mutant {
		im := production
		im.name = name
		set(&im)
		return mutant{name: name, target: target, bug: bug, equivalent: equivalent, impl: im}
	}
	knownGap := func(gap string, m mutant) mutant {
		m.gap = gap
		return m
	}
	return []mutant{
		with("knn-flip-5%", "knn", "the k-NN answer is replaced by a uniform random class on 5% of the queries", "",
			func(im *implementations) {
				im.knn = func(k int) learners.Learner { return flipAnswers(learners.KNN{K: k}, 0.05) }
			}),
		with("knn-5nn-majority-on-30%", "knn", "the k-NN answers the 5-NN majority on 30% of the queries (a stray branch)", "",
			func(im *implementations) {
				im.knn = func(k int) learners.Learner {
					return majorityOnShare(learners.KNN{K: k}, learners.KNN{K: max(5, k)}, 0.3)
				}
			}),
		with("knn-k-plus-2", "knn", "the vote runs over k+2 neighbours (an off-by-two bound)", "",
			func(im *implementations) {
				im.knn = func(k int) learners.Learner { return learners.KNN{K: k + 2} }
			}),
		with("knn-second-neighbour", "knn", "1-NN answers the label of the second nearest neighbour", "the second nearest neighbour's label is as much a draw from eta near x as the first: a sampler with a slightly larger boundary term (L3's random neighbour), so no sampler claim should reject it; the exact-conformance assertions against the first neighbour may",
			func(im *implementations) {
				im.knn = func(k int) learners.Learner {
					if k != 1 {
						return learners.KNN{K: k}
					}
					return secondNeighbour{}
				}
			}),
		with("random-neighbour-majority-on-30%", "randomNeighbour", "the random-neighbour sampler answers the majority of its k neighbours on 30% of the queries", "",
			func(im *implementations) {
				im.randomNeighbour = func(k int) learners.Learner {
					return majorityOnShare(learners.RandomNeighbour{K: k}, learners.KNN{K: k | 1}, 0.3)
				}
			}),
		with("random-neighbour-flip-5%", "randomNeighbour", "the random-neighbour sampler's answer is replaced by a uniform random class on 5% of the queries", "",
			func(im *implementations) {
				im.randomNeighbour = func(k int) learners.Learner { return flipAnswers(learners.RandomNeighbour{K: k}, 0.05) }
			}),
		knownGap("L4 draws h = s_min/c with c in {2, 4, 8}; at c = 8 the mutant's 4h = s_min/2 is still in the claimed regime (there it is equivalent), and at c = 2, 4 its 4h = 2 s_min or s_min leaves the regime, yet a ridgeless machine with a bandwidth of the order of the spacing still answers its nearest training label almost everywhere: the deviation from 1-NN's exact mean stayed below L4's MDD in the mutation runs, and S3's exact interpolation holds at 4h too", with("kernel-bandwidth-x4", "kernelMachine", "the kernel machine uses four times the bandwidth it was given (a unit bug)", "",
			func(im *implementations) {
				im.kernelMachine = func(km learners.KernelMachine) learners.Learner {
					km.Bandwidth *= 4
					return km
				}
			})),
		with("kernel-flip-5%", "kernelMachine", "the kernel machine's answer is replaced by a uniform random class on 5% of the queries", "",
			func(im *implementations) {
				im.kernelMachine = func(km learners.KernelMachine) learners.Learner { return flipAnswers(km, 0.05) }
			}),
		with("nadaraya-watson-shrunk-half", "nadarayaWatson", "the Nadaraya-Watson estimate is shrunk halfway to uniform, q' = (q + 1/k)/2", "",
			func(im *implementations) {
				im.nadarayaWatson = func(nw learners.NadarayaWatson) learners.Learner { return shrunkNadarayaWatson{nw} }
			}),
		with("nadaraya-watson-flip-5%", "nadarayaWatson", "the Nadaraya-Watson answer is replaced by a uniform random class on 5% of the queries", "",
			func(im *implementations) {
				im.nadarayaWatson = func(nw learners.NadarayaWatson) learners.Learner { return flipAnswers(nw, 0.05) }
			}),
		with("majority-first-member", "newMajority", "the test-time majority consults only the first member", "",
			func(im *implementations) {
				im.newMajority = func(ensemble []learners.Classifier) (learners.Classifier, error) {
					if len(ensemble) == 0 {
						return learners.NewMajority(ensemble)
					}
					return learners.NewMajority(ensemble[:1])
				}
			}),
		with("majority-first-half", "newMajority", "the test-time majority consults only the first half of the members (a halved loop bound)", "",
			func(im *implementations) {
				im.newMajority = func(ensemble []learners.Classifier) (learners.Classifier, error) {
					return learners.NewMajority(ensemble[:max(1, (len(ensemble)+1)/2)])
				}
			}),
		with("pool-always-first", "labelWithPool", "the pool labelling always asks the first teacher", "",
			func(im *implementations) {
				im.labelWithPool = func(pool []learners.Classifier, x []float64, rng *rand.Rand) ([]int, error) {
					if len(pool) == 0 {
						return learners.LabelWithPool(pool, x, rng)
					}
					return learners.LabelWithPool(pool[:1], x, rng)
				}
			}),
		with("pool-first-half", "labelWithPool", "the pool labelling draws its teacher from the first half of the pool only", "",
			func(im *implementations) {
				im.labelWithPool = func(pool []learners.Classifier, x []float64, rng *rand.Rand) ([]int, error) {
					return learners.LabelWithPool(pool[:max(1, (len(pool)+1)/2)], x, rng)
				}
			}),
		with("independent-nn-flip-5%", "labelIndependentNN", "the independent 1-NN teachers' labels are replaced by a uniform random class on 5% of the points", "",
			func(im *implementations) {
				im.labelIndependentNN = func(source learners.Source, m int, x []float64, d int, rng *rand.Rand, nearest []float64) ([]int, error) {
					y, err := learners.LabelIndependentNN(source, m, x, d, rng, nearest)
					if err != nil {
						return nil, err
					}
					k := 0
					for _, c := range y {
						k = max(k, c+1)
					}
					flipRows(y, x, d, max(2, k), 0.05)
					return y, nil
				}
			}),
		knownGap("the D claims compute the student's risk exactly from its cell table and so require the production histogram classifier: any wrapper, this mutant too, fails that exact check (E) before a calibrated assertion sees its labels; a calibrated check of a student given only as a black box would need its risk measured on evaluation points instead", with("histogram-second-label-in-10%-of-cells", "histogram", "the histogram student predicts its cell's second most frequent training label in 10% of the cells", "",
			func(im *implementations) {
				im.histogram = func(h learners.Histogram) learners.Learner { return secondLabelCells{h, 0.1} }
			})),
		with("nadaraya-watson-bandwidth-x2", "nadarayaWatson", "the Nadaraya-Watson classifier uses twice the bandwidth it was given (a unit bug); the Hilbert kernel ignores the bandwidth, so only the Gaussian and Laplace cases can see it", "",
			func(im *implementations) {
				im.nadarayaWatson = func(nw learners.NadarayaWatson) learners.Learner {
					nw.Bandwidth *= 2
					return nw
				}
			}),
	}
}

// ---------------------------------------------------------------------------
// The mutant wrappers. Their own randomness never touches the rng passed to
// Predict (the base classifier consumes it exactly as it would alone): it is
// a hash of the query's coordinates (positionHash), so it is independent of
// the training labels, fixed for a point, and looks independent across
// points.

// positionHash returns a hash of the row x and salt, uniform-looking on
// [0, 2^64): FNV-1a over the coordinates' bits, finished by SplitMix64's
// mixer.
func positionHash(x []float64, salt uint64) uint64 {
	h := uint64(14695981039346656037) ^ salt
	for _, v := range x {
		h ^= math.Float64bits(v)
		h *= 1099511628211
	}
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	return h
}

// unitHash maps positionHash to [0, 1).
func unitHash(x []float64, salt uint64) float64 {
	return float64(positionHash(x, salt)>>11) * 0x1p-53
}

// Salts of the mutants' hashes, so that two mutants do not pick the same
// points.
const (
	saltFlip uint64 = iota + 0x6d7574616e74
	saltFlipClass
	saltShare
	saltCells
)

// rowClassifier adapts a per-row answer function to learners.Classifier;
// the checks of the query are the base classifier's.
type rowClassifier struct {
	base learners.Classifier
	// batch answers the rows of x into dst (base already validated them).
	batch func(x []float64, dst []int, rng *rand.Rand) error
}

func (r rowClassifier) Dim() int     { return r.base.Dim() }
func (r rowClassifier) Classes() int { return r.base.Classes() }

func (r rowClassifier) Predict(x []float64, rng *rand.Rand) (int, error) {
	y := []int{0}
	if err := r.PredictBatch(x, y, rng); err != nil {
		return 0, err
	}
	return y[0], nil
}

func (r rowClassifier) PredictBatch(x []float64, dst []int, rng *rand.Rand) error {
	return r.batch(x, dst, rng)
}

// flipAnswers returns the learner whose classifier answers as base's, except
// that on a share q of the queries (chosen by the query's hash) it answers a
// uniform random class (also from the hash). For a sampler q(.|x) becomes
// (1 - q) q(.|x) + q/k, a total-variation change of q TV(q(.|x), uniform).
func flipAnswers(base learners.Learner, q float64) learners.Learner {
	return learners.LearnerFunc(func(train learners.Dataset) (learners.Classifier, error) {
		h, err := base.Fit(train)
		if err != nil {
			return nil, err
		}
		return rowClassifier{base: h, batch: func(x []float64, dst []int, rng *rand.Rand) error {
			if err := h.PredictBatch(x, dst, rng); err != nil {
				return err
			}
			flipRows(dst, x, h.Dim(), h.Classes(), q)
			return nil
		}}, nil
	})
}

// flipRows replaces y_j by a uniform random class of k on the share q of
// the rows of x (dimension d) that positionHash picks.
func flipRows(y []int, x []float64, d, k int, q float64) {
	for j := range y {
		row := x[j*d : (j+1)*d]
		if unitHash(row, saltFlip) < q {
			y[j] = int(positionHash(row, saltFlipClass) % uint64(k))
		}
	}
}

// majorityOnShare returns the learner that answers as base, except on a
// share q of the queries (by hash), where it answers as other (fitted on the
// same training set).
func majorityOnShare(base, other learners.Learner, q float64) learners.Learner {
	return learners.LearnerFunc(func(train learners.Dataset) (learners.Classifier, error) {
		h, err := base.Fit(train)
		if err != nil {
			return nil, err
		}
		o, err := other.Fit(train)
		if err != nil {
			return nil, err
		}
		return rowClassifier{base: h, batch: func(x []float64, dst []int, rng *rand.Rand) error {
			if err := h.PredictBatch(x, dst, rng); err != nil {
				return err
			}
			alt := make([]int, len(dst))
			if err := o.PredictBatch(x, alt, nil); err != nil {
				return err
			}
			d := h.Dim()
			for j := range dst {
				if unitHash(x[j*d:(j+1)*d], saltShare) < q {
					dst[j] = alt[j]
				}
			}
			return nil
		}}, nil
	})
}

// otherOnShare returns the learner that answers as base, except on a share
// q of the queries (by hash, as majorityOnShare), where it answers a class
// other than base's answer, uniform among the k - 1 others and drawn from
// the rng after base's answers. For a sampler with class law m at x the
// answer law there becomes (1 - m_c)/(k - 1). Its classifier returns an
// error for a nil rng (and for one class it answers as base).
func otherOnShare(base learners.Learner, q float64) learners.Learner {
	return learners.LearnerFunc(func(train learners.Dataset) (learners.Classifier, error) {
		h, err := base.Fit(train)
		if err != nil {
			return nil, err
		}
		return rowClassifier{base: h, batch: func(x []float64, dst []int, rng *rand.Rand) error {
			if rng == nil {
				return errors.New("claims: otherOnShare needs an rng")
			}
			if err := h.PredictBatch(x, dst, rng); err != nil {
				return err
			}
			d, k := h.Dim(), h.Classes()
			for j := range dst {
				if k > 1 && unitHash(x[j*d:(j+1)*d], saltShare) < q {
					dst[j] = (dst[j] + 1 + rng.IntN(k-1)) % k
				}
			}
			return nil
		}}, nil
	})
}

// secondNeighbour is 1-NN answering the label of the second nearest training
// point (ties to the lower index), the nearest one when there is only one.
type secondNeighbour struct{}

func (secondNeighbour) Fit(train learners.Dataset) (learners.Classifier, error) {
	if err := train.Validate(); err != nil {
		return nil, err
	}
	idx, err := learners.NewIndex(train.X, train.D)
	if err != nil {
		return nil, err
	}
	base, err := learners.KNN{K: 1}.Fit(train)
	if err != nil {
		return nil, err
	}
	k := min(2, train.Len())
	y := append([]int(nil), train.Y...)
	return rowClassifier{base: base, batch: func(x []float64, dst []int, _ *rand.Rand) error {
		if err := learners.CheckPoints(x, train.D); err != nil {
			return err
		}
		n := len(x) / train.D
		if n != len(dst) {
			return fmt.Errorf("claims: %d query rows but len(dst) = %d", n, len(dst))
		}
		ind := make([]int, n*k)
		dist := make([]float64, n*k)
		if err := idx.SearchBatch(x, k, ind, dist); err != nil {
			return err
		}
		for j := range dst {
			dst[j] = y[ind[j*k+k-1]]
		}
		return nil
	}}, nil
}

// shrunkNadarayaWatson is the Nadaraya-Watson mutant whose estimate is shrunk
// halfway to uniform: the plug-in is unchanged (the argmax of (q + 1/k)/2 is
// that of q), and the randomized classifier is shrinkAnswers(nw, 1/2).
type shrunkNadarayaWatson struct{ nw learners.NadarayaWatson }

func (s shrunkNadarayaWatson) Fit(train learners.Dataset) (learners.Classifier, error) {
	if !s.nw.Randomized {
		return s.nw.Fit(train)
	}
	return shrinkAnswers(s.nw, 0.5).Fit(train)
}

// shrinkAnswers returns the learner that answers as base (fitted on the
// same data, consuming rng as base does) and then, with probability s from
// one more rng.Float64(), replaces the answer by a uniform class
// (rng.IntN): the law of a randomized classifier of q becomes (1 - s) q +
// s/k, the estimate shrunk toward uniform by s (s = 1/2 is the catalogue's
// nadaraya-watson-shrunk-half).
func shrinkAnswers(base learners.Learner, s float64) learners.Learner {
	return learners.LearnerFunc(func(train learners.Dataset) (learners.Classifier, error) {
		h, err := base.Fit(train)
		if err != nil {
			return nil, err
		}
		return rowClassifier{base: h, batch: func(x []float64, dst []int, rng *rand.Rand) error {
			if rng == nil {
				return fmt.Errorf("claims: the shrunk sampler needs a non-nil *rand.Rand")
			}
			d := h.Dim()
			for j := range dst {
				a, err := h.Predict(x[j*d:(j+1)*d], rng)
				if err != nil {
					return err
				}
				if rng.Float64() < s {
					a = rng.IntN(h.Classes())
				}
				dst[j] = a
			}
			return nil
		}}, nil
	})
}

// secondLabelCells is the histogram mutant that, in a share q of the cells
// (by the hash of the cell's index), predicts the label that wins when the
// cell's most frequent training label is removed (the second most frequent,
// ties to the lower class; the most frequent itself if the cell holds one
// label only).
type secondLabelCells struct {
	h learners.Histogram
	q float64
}

func (s secondLabelCells) Fit(train learners.Dataset) (learners.Classifier, error) {
	c, err := s.h.Fit(train)
	if err != nil {
		return nil, err
	}
	hc, ok := c.(*learners.HistogramClassifier)
	if !ok {
		return nil, fmt.Errorf("claims: histogram fitted a %T", c)
	}
	cells := len(hc.Labels())
	counts := make([]int, cells*train.K)
	for i := range train.Len() {
		counts[hc.Cell(train.Row(i))*train.K+train.Y[i]]++
	}
	second := hc.Labels()
	for b := range second {
		if unitHash([]float64{float64(b)}, saltCells) >= s.q {
			continue
		}
		best, bestN := -1, 0
		for k, n := range counts[b*train.K : (b+1)*train.K] {
			if k != second[b] && n > bestN {
				best, bestN = k, n
			}
		}
		if best >= 0 {
			second[b] = best
		}
	}
	return rowClassifier{base: hc, batch: func(x []float64, dst []int, _ *rand.Rand) error {
		if err := hc.PredictBatch(x, dst, nil); err != nil {
			return err
		}
		d := hc.Dim()
		for j := range dst {
			dst[j] = second[hc.Cell(x[j*d:(j+1)*d])]
		}
		return nil
	}}, nil
}

// saltClassShare is the salt of classOnShare's hash.
const saltClassShare uint64 = 0x6d7574616e74 + 0x100

// classOnShare returns the learner that answers as base, except on a share q
// of the queries (by hash) where it answers class: a teacher biased toward
// one class, whose label law becomes (1 - q) q(.|x) + q onehot(class). With
// q = 0.4 and class 0 it moves a binary cell's plurality wherever eta_0 >
// 1/6; with q = 0.2 toward class 1 it adds 0.2 (1 - eta_1), about 0.1 near
// the decision boundary.
func classOnShare(base learners.Learner, class int, q float64) learners.Learner {
	return learners.LearnerFunc(func(train learners.Dataset) (learners.Classifier, error) {
		h, err := base.Fit(train)
		if err != nil {
			return nil, err
		}
		return rowClassifier{base: h, batch: func(x []float64, dst []int, rng *rand.Rand) error {
			if err := h.PredictBatch(x, dst, rng); err != nil {
				return err
			}
			d := h.Dim()
			for j := range dst {
				if unitHash(x[j*d:(j+1)*d], saltClassShare) < q {
					dst[j] = class
				}
			}
			return nil
		}}, nil
	})
}
