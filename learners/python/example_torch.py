"""Serve a small PyTorch network to rolemodels' learners.Command.

usage: python3 example_torch.py [--sample] [--hidden 64] [--epochs 300]

Each fit trains a fresh two-hidden-layer perceptron with full-batch Adam on
the cross-entropy, from a fixed torch seed (so a fit is reproducible). By
default it predicts the most probable class; with --sample it predicts a
class drawn from its softmax output, row i from the seed the Go side sends
for row i: "is my network, sampled, a sampler of the noisy labels?"

From Go:

    net := &learners.Command{Path: "/usr/bin/python3", Args: []string{
        "learners/python/example_torch.py", "--sample"}}
    defer net.Close()
    claims.CheckSampler(t, net)

Needs torch (Debian: apt-get install python3-torch) besides numpy.
"""

import argparse
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ beside the sources
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import rolemodels_bridge  # noqa: E402


class TorchClassifier:
    """A perceptron with scikit-learn's fit/predict interface."""

    def __init__(self, n_features, n_classes, hidden=64, epochs=300, lr=1e-2):
        self.n_features, self.n_classes = n_features, n_classes
        self.hidden, self.epochs, self.lr = hidden, epochs, lr

    def __repr__(self):
        return "%s(hidden=%d, epochs=%d)" % (type(self).__name__, self.hidden, self.epochs)

    def fit(self, X, y):
        torch.manual_seed(0)
        self.net = torch.nn.Sequential(
            torch.nn.Linear(self.n_features, self.hidden),
            torch.nn.ReLU(),
            torch.nn.Linear(self.hidden, self.hidden),
            torch.nn.ReLU(),
            torch.nn.Linear(self.hidden, self.n_classes),
        )
        opt = torch.optim.Adam(self.net.parameters(), lr=self.lr)
        xt = torch.from_numpy(np.asarray(X, dtype=np.float32))
        yt = torch.from_numpy(np.asarray(y, dtype=np.int64))
        for _ in range(self.epochs):
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(self.net(xt), yt)
            loss.backward()
            opt.step()
        return self

    def probabilities(self, X):
        with torch.no_grad():
            logits = self.net(torch.from_numpy(np.asarray(X, dtype=np.float32)))
            return torch.softmax(logits.double(), dim=1).numpy()

    def predict(self, X):
        return self.probabilities(X).argmax(axis=1)


class TorchSampler(TorchClassifier):
    """Draws each row's class from the network's softmax output by inverting
    its cumulative distribution at u_i = (seeds[i] >> 11) / 2**53, uniform on
    [0, 1) from row i's seed alone."""

    def predict(self, X, seeds):
        p = self.probabilities(X)
        u = (np.asarray(seeds, dtype=np.uint64) >> np.uint64(11)).astype(np.float64) * 2.0**-53
        c = (np.cumsum(p, axis=1) <= u[:, None]).sum(axis=1)
        return np.minimum(c, self.n_classes - 1)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sample", action="store_true", help="sample from the softmax instead of its argmax")
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--epochs", type=int, default=300)
    args = ap.parse_args(argv[1:])
    cls = TorchSampler if args.sample else TorchClassifier

    def make(n_features, n_classes):
        return cls(n_features, n_classes, hidden=args.hidden, epochs=args.epochs)

    return rolemodels_bridge.serve(make, name=cls.__name__)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
