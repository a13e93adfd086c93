// Package bench holds the benchmarks of rolemodels' hot loops (the exact
// nearest-neighbour index behind the k-NN teachers, the kernel solves) and
// their side-by-side comparisons with peer implementations such as gonum's
// k-d tree and naive double loops.
//
// Every benchmark checks its results against a brute-force oracle before
// timing, names its sub-benchmarks by shape (for example
// BenchmarkNearest/kdtree/m=20000,q=5000,d=2,k=1) and reports throughput with
// b.ReportMetric. Run them with
//
//	go test -run='^$' -bench=. ./bench/
//
// and smoke-run them with -benchtime=1x.
package bench
