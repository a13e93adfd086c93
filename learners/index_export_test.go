package learners

// NewBruteForceTiles is NewBruteForce with a chosen tile shape, so that tests
// cross tile boundaries with small data.
func NewBruteForceTiles(x []float64, d, queryTile, pointTile int) (*Index, error) {
	if err := checkIndexData(x, d); err != nil {
		return nil, err
	}
	return &Index{n: len(x) / d, d: d, bf: newBruteForce(x, d, queryTile, pointTile)}, nil
}

// Bytes returns the size of the index's retained slices in bytes, excluding
// per-goroutine search scratch.
func (ix *Index) Bytes() int {
	if ix.kd != nil {
		t := ix.kd
		return 8*cap(t.pts) + 4*cap(t.idx) + 4*cap(t.leafStart) + 16*cap(t.nodes)
	}
	return 8*cap(ix.bf.x) + 8*cap(ix.bf.xn)
}
