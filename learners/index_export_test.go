package learners

// NewBruteForceTiles is NewBruteForce with a chosen tile shape, so that tests
// cross tile boundaries with small data.
func NewBruteForceTiles(x []float64, d, queryTile, pointTile int) (*Index, error) {
	if err := checkIndexData(x, d); err != nil {
		return nil, err
	}
	return &Index{n: len(x) / d, d: d, bf: newBruteForce(x, d, queryTile, pointTile)}, nil
}

// KDLeafSize exposes the k-d tree bucket size to tests.
const KDLeafSize = kdLeafSize
