#!/usr/bin/python3
"""PyTorch side of the MLP rows of rolemodels' side-by-side benchmark.

Run by `go run ./bench/peers -cases mlp`, which writes the data sets and
DIR/mlp_manifest.json and calls

    /usr/bin/python3 mlp_peer.py DIR

For each case it trains the network of learners.MLP on exactly those points,
with the same architecture and algorithm: features standardised as the Go
side does (divide by the largest magnitude, centre, divide by the population
standard deviation), one hidden ReLU layer of the case's width, He-normal
weights (variance 2/fan-in) and zero biases, softmax cross-entropy, Adam
(lr 1e-3, betas 0.9/0.999, eps 1e-8), batches of 32 from one shuffle per
epoch, the case's number of epochs, and after each epoch the training error
over all points (the Go fit's interpolation check). It writes the minimum
wall time of the repetitions, the training error and the test accuracy to
DIR/mlp_peer.json. Only Debian's python3-torch is needed.
"""

import json
import os
import platform
import sys
import time

import numpy as np
import torch


def load(folder, name, dtype, shape):
    return np.fromfile(os.path.join(folder, name), dtype=dtype).reshape(shape)


def standardise(x):
    a = np.abs(x).max(axis=0)
    a[a == 0] = 1
    z = x / a
    mean = z.mean(axis=0)
    sd = np.sqrt(((z - mean) ** 2).mean(axis=0))
    sd[sd == 0] = 1
    return (z - mean) / sd, (a, mean, sd)


def fit(x, y, width, k, epochs, batch, seed, dtype):
    z, scale = standardise(x)
    zt = torch.from_numpy(z).to(dtype)
    yt = torch.from_numpy(y)
    torch.manual_seed(seed)
    d = x.shape[1]
    net = torch.nn.Sequential(torch.nn.Linear(d, width), torch.nn.ReLU(), torch.nn.Linear(width, k)).to(dtype)
    for layer in (net[0], net[2]):
        torch.nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
        torch.nn.init.zeros_(layer.bias)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    loss_fn = torch.nn.CrossEntropyLoss()
    n = len(y)
    err = 1.0
    ran = 0
    for _ in range(epochs):
        perm = torch.randperm(n)
        for s in range(0, n, batch):
            idx = perm[s:s + batch]
            opt.zero_grad()
            loss = loss_fn(net(zt[idx]), yt[idx])
            loss.backward()
            opt.step()
        ran += 1
        with torch.no_grad():
            err = (net(zt).argmax(dim=1) != yt).double().mean().item()
        if err == 0:
            break
    return net, scale, err, ran


def main():
    folder = sys.argv[1]
    with open(os.path.join(folder, "mlp_manifest.json")) as f:
        man = json.load(f)
    torch.set_num_threads(man["threads"])
    out = {"python": "%s %s" % (sys.executable, platform.python_version()),
           "versions": "torch %s, numpy %s" % (torch.__version__, np.__version__),
           "threads": torch.get_num_threads(), "mlp": []}
    for c in man["cases"]:
        m, q, d = c["m"], c["q"], c["d"]
        x = load(folder, c["xtrain"], "<f8", (m, d))
        y = load(folder, c["ytrain"], "<i8", (m,))
        xt = load(folder, c["xtest"], "<f8", (q, d))
        yt = load(folder, c["ytest"], "<i8", (q,))
        res = {"name": c["name"]}
        for label, dtype in (("float64", torch.float64), ("float32", torch.float32)):
            best = float("inf")
            for r in range(man["reps"]):
                t0 = time.perf_counter()
                net, (a, mean, sd), err, ran = fit(x, y, c["width"], c["k"], c["epochs"], c["batch"], r + 1, dtype)
                best = min(best, time.perf_counter() - t0)
            with torch.no_grad():
                zt = torch.from_numpy((xt / a - mean) / sd).to(dtype)
                acc = (net(zt).argmax(dim=1).numpy() == yt).mean()
            res[label] = {"seconds": best, "train_error": err, "test_accuracy": float(acc), "epochs": ran}
            print("mlp_peer.py: %s %s %.4f s, training error %.4f, test accuracy %.4f" % (c["name"], label, best, err, acc), file=sys.stderr, flush=True)
        out["mlp"].append(res)
    with open(os.path.join(folder, "mlp_peer.json"), "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
