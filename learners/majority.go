package learners

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
)

// NewMajority returns the test-time majority ensemble of the given
// classifiers:
//
//	h(x) = argmax_c #{t : h_t(x) = c},  ties to the lower class.
//
// For each point the members are asked in order, each drawing its own
// randomness (if any) from the rng passed to Predict; PredictBatch does this
// row by row, so it equals the sequence of single predictions. When rng is
// nil every member must be deterministic, and PredictBatch then asks each
// member for the whole batch at once (same labels, faster).
//
// The returned Classifier keeps a copy of the slice (not of the members).
// NewMajority returns an error if the ensemble is empty, has a nil member, or
// its members disagree on Dim or Classes.
func NewMajority(ensemble []Classifier) (Classifier, error) {
	if len(ensemble) == 0 {
		return nil, errors.New("learners: majority of an empty ensemble")
	}
	for t, h := range ensemble {
		if h == nil {
			return nil, fmt.Errorf("learners: ensemble member %d is nil", t)
		}
	}
	d, k := ensemble[0].Dim(), ensemble[0].Classes()
	for t, h := range ensemble[1:] {
		if h.Dim() != d || h.Classes() != k {
			return nil, fmt.Errorf("learners: ensemble member %d has dimension %d and %d classes, member 0 has %d and %d", t+1, h.Dim(), h.Classes(), d, k)
		}
	}
	if k < 1 || k > MaxClasses {
		return nil, fmt.Errorf("learners: ensemble members have %d classes, want 1 to MaxClasses = %d", k, MaxClasses)
	}
	return &majority{members: slices.Clone(ensemble), d: d, k: k}, nil
}

// majority is the classifier returned by NewMajority.
type majority struct {
	members []Classifier
	d, k    int
}

func (m *majority) Dim() int     { return m.d }
func (m *majority) Classes() int { return m.k }

// vote asks every member about x, drawing from rng, using counts (len k,
// zeroed on return) as scratch.
func (m *majority) vote(x []float64, rng *rand.Rand, counts []int) (int, error) {
	defer clear(counts)
	for t, h := range m.members {
		c, err := h.Predict(x, rng)
		if err != nil {
			return 0, fmt.Errorf("learners: ensemble member %d: %w", t, err)
		}
		if c < 0 || c >= m.k {
			return 0, fmt.Errorf("learners: ensemble member %d predicted class %d outside [0, %d)", t, c, m.k)
		}
		counts[c]++
	}
	label, _ := argmaxLow(counts)
	return label, nil
}

func (m *majority) Predict(x []float64, rng *rand.Rand) (int, error) {
	if err := checkQuery(x, m.d); err != nil {
		return 0, err
	}
	return m.vote(x, rng, make([]int, m.k))
}

func (m *majority) PredictBatch(x []float64, dst []int, rng *rand.Rand) error {
	if err := checkBatch(x, m.d, dst); err != nil {
		return err
	}
	n := len(dst)
	if rng != nil {
		counts := make([]int, m.k)
		for i := range n {
			c, err := m.vote(x[i*m.d:(i+1)*m.d], rng, counts)
			if err != nil {
				return err
			}
			dst[i] = c
		}
		return nil
	}
	// Deterministic members: one batch per member, then count.
	votes := make([]int32, n*m.k)
	pred := make([]int, n)
	for t, h := range m.members {
		if err := h.PredictBatch(x, pred, nil); err != nil {
			return fmt.Errorf("learners: ensemble member %d: %w", t, err)
		}
		for i, c := range pred {
			if c < 0 || c >= m.k {
				return fmt.Errorf("learners: ensemble member %d predicted class %d outside [0, %d)", t, c, m.k)
			}
			votes[i*m.k+c]++
		}
	}
	for i := range n {
		dst[i], _ = argmaxLow(votes[i*m.k : (i+1)*m.k])
	}
	return nil
}
