package learners_test

import (
	"fmt"
	"os"

	"github.com/rolemodels/rolemodels/learners"
)

// A model in another process, fitted and asked for labels like any Learner.
// Here the process is this test binary serving learners.KNN{K: 1} with
// learners.ServeCommand (see TestMain), so that the example runs without
// Python; a scikit-learn model is the same Command with
//
//	Path: "/usr/bin/python3",
//	Args: []string{"learners/python/example_sklearn.py", "sklearn.neighbors.KNeighborsClassifier", `{"n_neighbors": 1}`}
func ExampleCommand() {
	exe, err := os.Executable()
	if err != nil {
		fmt.Println(err)
		return
	}
	model := &learners.Command{Path: exe, Env: append(os.Environ(), "ROLEMODELS_TEST_MODEL=knn1")}
	defer model.Close()
	train := learners.Dataset{X: []float64{0, 1, 2, 3, 10, 11}, D: 1, Y: []int{0, 0, 1, 0, 1, 1}, K: 2}
	h, err := model.Fit(train)
	if err != nil {
		fmt.Println(err)
		return
	}
	labels := make([]int, 3)
	if err := h.PredictBatch([]float64{2.2, 3.1, 9}, labels, nil); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(labels, model.Stats().Starts, "process")
	// Output:
	// [1 0 1] 1 process
}
