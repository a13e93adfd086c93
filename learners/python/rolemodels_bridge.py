"""Serve a scikit-learn-style estimator to rolemodels' learners.Command.

rolemodels (a Go module) checks whether a learner is a conditional sampler
and a good teacher. learners.Command runs a model in another process and
talks to it over the rolemodels-bridge protocol (version 1) on the model's
standard input and output; this module is the Python side. A model script is

    import rolemodels_bridge
    from sklearn.neighbors import KNeighborsClassifier

    rolemodels_bridge.serve(lambda: KNeighborsClassifier(n_neighbors=1))

and the Go side runs it with

    py := &learners.Command{Path: "/usr/bin/python3", Args: []string{"model.py"}}
    defer py.Close()
    claims.CheckSampler(t, py)

It needs only the standard library and numpy. README.md beside this file
specifies the protocol.
"""

import inspect
import json
import os
import struct
import sys
import time
import traceback

import numpy as np

PROTOCOL = "rolemodels-bridge"
VERSION = 1

_HEADER = struct.Struct("<4sQ")
_U64 = struct.Struct("<Q")
_FIT_HEAD = struct.Struct("<4Q")  # id, n, d, k
_PRED_HEAD = struct.Struct("<4Q")  # id, seeded, n, d
_MAX_TEXT = 1 << 16


class ProtocolError(Exception):
    """The Go side sent something that is not a well-formed request."""


def serve(make_estimator, name=None):
    """Serve estimators made by make_estimator until the Go side quits.

    make_estimator is called once per fit and returns a fresh estimator with
    scikit-learn's interface: fit(X, y) with X a float64 array of shape
    (n, d) and y an int64 array of labels in [0, K), and predict(X) returning
    n integer labels in [0, K). If make_estimator accepts keyword arguments
    n_features or n_classes it gets d and K (a neural network needs them to
    build its layers; K counts classes absent from y too).

    A randomized model takes the Go side's randomness as seeds: if predict
    accepts a keyword argument seeds, it gets a uint64 array with one seed per
    row, and should draw row i's randomness from seeds[i] alone (for example
    seeds % k for a uniform choice among k, or np.random.default_rng(seed)
    per row), so that a batch gives the same labels as the rows predicted
    one at a time. A request without seeds (the Go side passed a nil
    *rand.Rand) then fails, as a randomized classifier must.

    name is the model's name in Go's error messages (default: the repr of an
    estimator from make_estimator).

    serve takes the process's standard input and output for the protocol: it
    points file descriptors 0 and 1 elsewhere (/dev/null and standard
    error), so that anything the estimator prints, from Python or from C,
    goes to standard error and cannot corrupt the protocol. An exception in
    fit or predict is answered with a FAIL frame (its traceback goes to
    standard error) and serving goes on. serve returns 0 when the Go side
    sends QUIT or closes the pipe; use it as sys.exit(serve(...)). A
    malformed request raises ProtocolError.
    """
    inp, out = _take_stdio()
    kwargs = _factory_kwargs(make_estimator)
    models = {}
    _hello(inp, out, name if name is not None else _model_name(make_estimator, kwargs))
    while True:
        head = _read(inp, _HEADER.size, eof_ok=True)
        if head is None:
            return 0
        tag, length = _HEADER.unpack(head)
        if tag == b"QUIT":
            return 0
        if tag not in (b"FITM", b"PRED", b"FREE"):
            raise ProtocolError("unknown request %r" % head)
        payload = _read(inp, length)
        try:
            if tag == b"FITM":
                reply = _fit(payload, make_estimator, kwargs, models)
            elif tag == b"PRED":
                reply = _predict(payload, models)
            else:
                reply = _free(payload, models)
        except ProtocolError:
            raise
        except Exception as e:  # the model's failure, not the protocol's
            traceback.print_exc(file=sys.stderr)
            sys.stderr.flush()
            reply = (b"FAIL", ("%s: %s" % (type(e).__name__, e)).encode()[:_MAX_TEXT])
        _write(out, *reply)


def _take_stdio():
    """Returns the protocol's input and output; points fds 0 and 1 away."""
    sys.stdout.flush()
    inp = os.fdopen(os.dup(0), "rb", buffering=1 << 16)
    out = os.fdopen(os.dup(1), "wb", buffering=1 << 16)
    os.dup2(2, 1)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    return inp, out


def _factory_kwargs(make_estimator):
    """Returns which of n_features and n_classes make_estimator accepts."""
    try:
        params = inspect.signature(make_estimator).parameters
    except (TypeError, ValueError):
        return set()
    return {k for k in ("n_features", "n_classes") if k in params}


def _model_name(make_estimator, kwargs):
    if kwargs:
        return getattr(make_estimator, "__name__", repr(make_estimator))
    return repr(make_estimator())


def _read(f, n, eof_ok=False):
    """Reads exactly n bytes into a writable buffer (numpy views it)."""
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        k = f.readinto(view[got:])
        if not k:
            if eof_ok and got == 0:
                return None
            raise ProtocolError("standard input ended inside a frame (%d of %d bytes)" % (got, n))
        got += k
    return buf


def _write(f, tag, payload):
    f.write(_HEADER.pack(tag, len(payload)))
    f.write(payload)
    f.flush()


def _hello(inp, out, name):
    head = _read(inp, _HEADER.size)
    tag, length = _HEADER.unpack(head)
    if tag != b"HELO" or length > _MAX_TEXT:
        raise ProtocolError("expected a HELO frame, got %r" % head)
    hello = json.loads(bytes(_read(inp, length)))
    if hello.get("protocol") != PROTOCOL or hello.get("version") != VERSION:
        msg = "rolemodels_bridge.py speaks %s version %d, not %r" % (PROTOCOL, VERSION, hello)
        _write(out, b"FAIL", msg.encode())
        raise ProtocolError(msg)
    reply = {"protocol": PROTOCOL, "version": VERSION, "model": name}
    _write(out, b"HELO", json.dumps(reply).encode())


def _fit(payload, make_estimator, kwargs, models):
    ident, n, d, k = _FIT_HEAD.unpack_from(payload)
    if len(payload) != _FIT_HEAD.size + 8 * n * d + 8 * n:
        raise ProtocolError("FITM frame of %d bytes for n = %d, d = %d" % (len(payload), n, d))
    x = np.frombuffer(payload, "<f8", n * d, _FIT_HEAD.size).reshape(n, d)
    y = np.frombuffer(payload, "<i8", n, _FIT_HEAD.size + 8 * n * d)
    args = {"n_features": d, "n_classes": k}
    est = make_estimator(**{key: args[key] for key in kwargs})
    start = time.perf_counter_ns()
    est.fit(x, y)
    spent = time.perf_counter_ns() - start
    try:
        seeded = "seeds" in inspect.signature(est.predict).parameters
    except (TypeError, ValueError):
        seeded = False
    models[ident] = (est, seeded)
    return b"DONE", _U64.pack(spent)


def _predict(payload, models):
    ident, seeded, n, d = _PRED_HEAD.unpack_from(payload)
    off = _PRED_HEAD.size + 8 * n * seeded
    if seeded > 1 or len(payload) != off + 8 * n * d:
        raise ProtocolError("PRED frame of %d bytes for seeded = %d, n = %d, d = %d" % (len(payload), seeded, n, d))
    if ident not in models:
        raise KeyError("no fitted model with id %d" % ident)
    est, wants_seeds = models[ident]
    x = np.frombuffer(payload, "<f8", n * d, off).reshape(n, d)
    start = time.perf_counter_ns()
    if wants_seeds:
        if not seeded:
            raise ValueError("the model is randomized: it needs seeds, so the Go side must pass a non-nil *rand.Rand")
        seeds = np.frombuffer(payload, "<u8", n, _PRED_HEAD.size)
        labels = est.predict(x, seeds=seeds)
    else:
        labels = est.predict(x)
    spent = time.perf_counter_ns() - start
    labels = np.asarray(labels)
    if labels.shape != (n,):
        raise ValueError("predict returned an array of shape %s for %d points" % (labels.shape, n))
    if not (np.issubdtype(labels.dtype, np.integer) or labels.dtype == np.bool_):
        raise ValueError("predict returned %s labels, want integers in [0, K)" % labels.dtype)
    return b"LABL", _U64.pack(spent) + labels.astype("<i8").tobytes()


def _free(payload, models):
    (count,) = _U64.unpack_from(payload)
    if len(payload) != 8 + 8 * count:
        raise ProtocolError("FREE frame of %d bytes for %d ids" % (len(payload), count))
    for ident in np.frombuffer(payload, "<u8", count, 8).tolist():
        models.pop(ident, None)
    return b"DONE", _U64.pack(0)
