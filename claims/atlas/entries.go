package atlas

import (
	"fmt"

	"github.com/rolemodels/rolemodels/gen"
	"github.com/rolemodels/rolemodels/learners"
)

// slowM is the largest training size of the learners whose fit or
// prediction costs O(m^2) or O(m N) (the kernel machine's Gram matrix, the
// Nadaraya-Watson sums over all training points).
const slowM = 4000

// rfM is the largest training size of the random-features entry: its width
// W = 2000 is twice it, the width at which claim S3 certifies interpolation
// (D >= 2), and the fit costs O(m^2 W).
const rfM = 1000

// mlpM and mlpEpochs bound the MLP entry's cost: full training (about
// mlpEpochs passes of Adam over m points) of each pool member and of the
// sampler check's learner at m <= mlpM.
const (
	mlpM      = 1000
	mlpEpochs = 300
)

// GoLearners returns the project's learners as atlas entries. Add a learner
// with one line.
//
// The kernel machine is ridgeless with the Laplace kernel at bandwidth
// 0.005 and Nadaraya-Watson uses the Gaussian kernel at bandwidth 0.02, as
// in REPORT.md's "Checking a learner" table; the histogram has 4 cells per
// axis. The tree, the forests (50 trees), random features and the MLP are
// the bad models of issue 12: interpolating (or nearly so) learners whose
// sampler verdict the paper conjectures or proves.
func GoLearners() []Entry {
	nw := learners.NadarayaWatson{Kernel: learners.Gaussian, Bandwidth: 0.02}
	nwr := nw
	nwr.Randomized = true
	return []Entry{
		{Name: "1-NN", Learner: learners.KNN{K: 1}, Interpolates: true},
		{Name: "25-NN majority", Learner: learners.KNN{K: 25}},
		{Name: "101-NN majority", Learner: learners.KNN{K: 101}},
		{Name: "random neighbour k=5", Learner: learners.RandomNeighbour{K: 5}},
		{Name: "kernel machine (Laplace h=0.005, ridgeless)", Learner: learners.KernelMachine{Kernel: learners.Laplace, Bandwidth: 0.005}, Interpolates: true, MaxM: slowM},
		{Name: "Nadaraya-Watson randomized (Gauss h=0.02)", Learner: nwr, MaxM: slowM},
		{Name: "Nadaraya-Watson plug-in (Gauss h=0.02)", Learner: nw, MaxM: slowM},
		{Name: "histogram r=4", Learner: learners.Histogram{Resolution: 4}},
		{Name: "CART tree (grown to purity)", Learner: learners.Tree{}, Interpolates: true},
		{Name: "random forest B=50 majority", Learner: learners.Forest{Trees: 50, Seed: 1}},
		{Name: "random-tree sampler B=50", Learner: learners.ForestSampler{Trees: 50, Seed: 1}},
		{Name: "random features W=2000 (min-norm)", Learner: learners.RandomFeatures{Width: 2000, Seed: 1}, MaxM: rfM},
		{Name: "MLP W=128 (300 epochs of Adam, no early stop)", Learner: learners.MLP{Width: 128, MaxEpochs: mlpEpochs, Seed: 1}, MaxM: mlpM},
	}
}

// Families returns the atlas's distributions: three with d <= 2 and one in
// d = 4, strength 0.8 (a noisy but structured posterior). The grids are
// drawn from seed (gen.RandomGrid) and serve the good-teacher check too.
func Families(seed uint64) ([]Family, error) {
	rng := gen.NewStream(seed, 0x66616d) // "fam"
	grid := func(d, k, r int) (Family, error) {
		g, err := gen.RandomGrid(d, k, r, 0.8, rng)
		if err != nil {
			return Family{}, err
		}
		return Family{Name: fmt.Sprintf("Grid d=%d r=%d k=%d", d, r, k), Dist: g, Grid: g}, nil
	}
	var fams []Family
	for _, s := range [][3]int{{1, 2, 8}, {2, 3, 4}} {
		f, err := grid(s[0], s[1], s[2])
		if err != nil {
			return nil, err
		}
		fams = append(fams, f)
	}
	sm, err := gen.NewSmooth(2, 2, 0.8)
	if err != nil {
		return nil, err
	}
	fams = append(fams, Family{Name: "Smooth d=2 k=2", Dist: sm})
	f, err := grid(4, 2, 3)
	if err != nil {
		return nil, err
	}
	return append(fams, f), nil
}
