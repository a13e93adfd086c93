#!/usr/bin/python3
"""Peer side of rolemodels' side-by-side benchmark (bench/peers).

Run by `go run ./bench/peers`, which writes the data sets and a manifest
(manifest.json) into a folder and calls

    /usr/bin/python3 peers.py DIR

This script times scikit-learn's KNeighborsClassifier.predict and scipy's
dense Cholesky (cho_factor + cho_solve) on exactly those data sets, writes the
predictions, neighbour indices and kernel coefficients next to them as raw
little-endian files, and the times in DIR/peers.json. The Go program compares
and prints the table. Use Debian's system python3 (python3-sklearn,
python3-scipy, python3-threadpoolctl), not a pyenv interpreter.

Files: *.f64 are float64 little-endian, *.i64 int64 little-endian, row-major,
shapes given in the manifest.
"""

import json
import os
import platform
import sys
import time

import numpy as np
import scipy
import scipy.linalg
import scipy.spatial.distance
import sklearn
from sklearn.neighbors import KNeighborsClassifier


def load(folder, name, dtype, shape):
    a = np.fromfile(os.path.join(folder, name), dtype=dtype)
    return a.reshape(shape)


def save(folder, name, a, dtype):
    np.ascontiguousarray(a, dtype=dtype).tofile(os.path.join(folder, name))


# A variant whose first run is this many times slower than the best time of
# another variant of the same case is not repeated: it cannot be the best
# (sklearn's kd_tree at d = 50 takes 20-50 s per predict, brute about 1 s).
PRUNE_FACTOR = 3.0


def best_of(reps, fn, give_up=float("inf")):
    """Minimum wall time of reps calls of fn, the result of the first call,
    and the number of calls made (1 if the first took more than give_up)."""
    best, first = float("inf"), None
    for r in range(reps):
        t0 = time.perf_counter()
        out = fn()
        t = time.perf_counter() - t0
        best = min(best, t)
        if r == 0:
            first = out
            if t > give_up:
                return best, first, 1
    return best, first, reps


def threads():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown (threadpoolctl missing: apt-get install -y python3-threadpoolctl)"
    out = []
    for lib in threadpool_info():
        s = "%s %s threads=%s" % (lib.get("internal_api"), lib.get("version") or "", lib.get("num_threads"))
        if lib.get("architecture"):
            s += " kernel=%s" % lib["architecture"]
        out.append(s)
    return "; ".join(out)


def stem(name):
    """A file-name stem for a case name such as knn/k=1,d=2."""
    return name.replace("/", "_").replace(",", "_").replace("=", "")


def knn_case(folder, c, reps, log):
    m, q, d, k = c["m"], c["q"], c["d"], c["k"]
    x = load(folder, c["xtrain"], "<f8", (m, d))
    y = load(folder, c["ytrain"], "<i8", (m,))
    xq = load(folder, c["xquery"], "<f8", (q, d))
    variants = []
    for algo in ("brute", "kd_tree"):
        for n_jobs in (None, -1):
            clf = KNeighborsClassifier(n_neighbors=k, algorithm=algo, n_jobs=n_jobs)
            clf.fit(x, y)  # not timed, as on the Go side
            fastest = min([v["seconds"] for v in variants], default=float("inf"))
            t, pred, runs = best_of(reps, lambda: clf.predict(xq), PRUNE_FACTOR * fastest)
            name = "%s n_jobs=%s" % (algo, "-1" if n_jobs == -1 else "1")
            pfile = "%s.peer.%s.%s.pred.i64" % (stem(c["name"]), algo, "par" if n_jobs else "seq")
            save(folder, pfile, pred, "<i8")
            entry = {"variant": name, "seconds": t, "runs": runs, "pred": pfile}
            if n_jobs is None:
                # Neighbour indices, not timed; n_jobs does not change them.
                ind = clf.kneighbors(xq, return_distance=False)
                ifile = "%s.peer.%s.ind.i64" % (stem(c["name"]), algo)
                save(folder, ifile, ind, "<i8")
                entry["ind"] = ifile
            else:
                entry["ind"] = variants[-1]["ind"]
            variants.append(entry)
            log("%s %-18s %.4f s (min of %d)" % (c["name"], name, t, runs))
    return {"name": c["name"], "variants": variants}


def gram(x, kernel, h, ridge, cutoff):
    """G~ + ridge I as rolemodels builds it: entries with score > cutoff cut to 0."""
    r = scipy.spatial.distance.cdist(x, x)
    if kernel == "gaussian":
        u = r / h
        a = 0.5 * u * u
    else:
        a = r / h
    g = np.exp(-a)
    g[a > cutoff] = 0.0
    np.fill_diagonal(g, 1.0 + ridge)
    return g


def kernel_case(folder, c, reps, log):
    n, d, k = c["n"], c["d"], c["k"]
    x = load(folder, c["x"], "<f8", (n, d))
    y = load(folder, c["y"], "<f8", (n, k))
    h, ridge, cutoff = c["bandwidth"], c["ridge"], c["cutoff"]

    def fit():
        g = gram(x, c["kernel"], h, ridge, cutoff)
        cf = scipy.linalg.cho_factor(g, lower=False, overwrite_a=True, check_finite=False)
        return scipy.linalg.cho_solve(cf, y, check_finite=False)

    def solve_only(g):
        cf = scipy.linalg.cho_factor(g, lower=False, overwrite_a=False, check_finite=False)
        return cf, scipy.linalg.cho_solve(cf, y, check_finite=False)

    t, a, _ = best_of(reps, fit)
    g = gram(x, c["kernel"], h, ridge, cutoff)
    t_solve, (cf, _), _ = best_of(reps, lambda: solve_only(g))
    res = np.linalg.norm(g @ a - y) / np.linalg.norm(y)
    # LAPACK's 1-norm condition estimate from the factor (not timed): two
    # backward-stable solves may differ by about cond * eps relative.
    rcond, info = scipy.linalg.lapack.dpocon(cf[0], np.linalg.norm(g, 1), uplo="U")
    cond = 1.0 / rcond if info == 0 and rcond > 0 else float("inf")
    afile = "%s.peer.coef.f64" % stem(c["name"])
    save(folder, afile, a, "<f8")
    log("%s gram+cho_factor+cho_solve %.4f s (factor+solve %.4f s), residual %.3g, cond %.3g" % (c["name"], t, t_solve, res, cond))
    return {"name": c["name"], "seconds": t, "solve_seconds": t_solve, "residual": float(res), "cond": float(cond), "coef": afile}


def main():
    folder = sys.argv[1]
    with open(os.path.join(folder, "manifest.json")) as f:
        man = json.load(f)
    reps = man["reps"]
    only = set(sys.argv[2:])

    def log(s):
        print("peers.py: " + s, file=sys.stderr, flush=True)

    out = {
        "python": "%s %s" % (sys.executable, platform.python_version()),
        "versions": "scikit-learn %s, scipy %s, numpy %s" % (sklearn.__version__, scipy.__version__, np.__version__),
        "env": {v: os.environ.get(v, "<unset>") for v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")},
        "knn": [],
        "kernel": [],
    }
    for c in man.get("knn") or []:
        if not only or c["name"] in only:
            out["knn"].append(knn_case(folder, c, reps, log))
    for c in man.get("kernel") or []:
        if not only or c["name"] in only:
            out["kernel"].append(kernel_case(folder, c, reps, log))
    # After the work, so that every library (OpenBLAS, OpenMP) is loaded.
    out["threads"] = threads()
    with open(os.path.join(folder, "peers.json"), "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
