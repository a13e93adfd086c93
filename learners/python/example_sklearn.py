"""Serve any scikit-learn classifier to rolemodels' learners.Command.

usage: python3 example_sklearn.py CLASS [PARAMS]

CLASS is the dotted path of an estimator class, for example
sklearn.neighbors.KNeighborsClassifier or sklearn.ensemble.RandomForestClassifier,
or the name of a class defined in this file (RandomNeighbourClassifier).
PARAMS is a JSON object of its keyword arguments, default {}. Each fit makes
a fresh CLASS(**PARAMS). Fix random_state in PARAMS for a reproducible fit:
the protocol sends seeds only to predict.

From Go:

    py := &learners.Command{Path: "/usr/bin/python3", Args: []string{
        "learners/python/example_sklearn.py",
        "sklearn.neighbors.KNeighborsClassifier", `{"n_neighbors": 1}`}}
    defer py.Close()
"""

import importlib
import json
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ beside the sources
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import rolemodels_bridge  # noqa: E402


class RandomNeighbourClassifier:
    """The random-neighbour sampler: the label of one of the k nearest
    training points, chosen uniformly per query from that query's seed
    (learners.RandomNeighbour in Go). Row i's choice is seeds[i] % k, whose
    bias from uniform is below k / 2**64."""

    def __init__(self, n_neighbors=5):
        self.n_neighbors = n_neighbors

    def __repr__(self):
        return "RandomNeighbourClassifier(n_neighbors=%d)" % self.n_neighbors

    def fit(self, X, y):
        from sklearn.neighbors import NearestNeighbors

        self.index_ = NearestNeighbors(n_neighbors=self.n_neighbors).fit(X)
        self.y_ = np.asarray(y)
        return self

    def predict(self, X, seeds):
        ind = self.index_.kneighbors(X, return_distance=False)
        j = (np.asarray(seeds, dtype=np.uint64) % np.uint64(self.n_neighbors)).astype(np.intp)
        return self.y_[ind[np.arange(len(ind)), j]]


def estimator_class(path):
    """Returns the class named by path: dotted, or defined in this file."""
    if "." not in path:
        return globals()[path]
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def main(argv):
    if len(argv) not in (2, 3):
        sys.stderr.write(__doc__)
        return 2
    cls = estimator_class(argv[1])
    params = json.loads(argv[2]) if len(argv) == 3 else {}
    return rolemodels_bridge.serve(lambda: cls(**params))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
