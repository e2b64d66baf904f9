"""utils.fastconv against the definitional loops, a numerical gradient, worked examples and TF."""
from __future__ import annotations

import itertools
import os

import numpy as np
import pytest

from utils.fastconv import conv_backward_fast, conv_forward_fast, correlate2d, pool_forward_fast
from utils.gradcheck import numerical_gradient


# ---------------------------------------------------------------- reference loops (definitions)

def conv_forward_loops(A_prev, W, b, hparameters):
    """Z[i,h,w,c] = b[c] + sum over kh,kw,k of A_pad[i, h*s+kh, w*s+kw, k] * W[kh,kw,k,c]."""
    s, p = hparameters["stride"], hparameters["pad"]
    m, H, Wd, _ = A_prev.shape
    f, _, _, n_C = W.shape
    A_pad = np.pad(A_prev, ((0, 0), (p, p), (p, p), (0, 0)))
    n_H, n_W = (H - f + 2 * p) // s + 1, (Wd - f + 2 * p) // s + 1
    Z = np.zeros((m, n_H, n_W, n_C))
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    window = A_pad[i, h * s:h * s + f, w * s:w * s + f, :]
                    Z[i, h, w, c] = np.sum(window * W[:, :, :, c]) + b[0, 0, 0, c]
    return Z


def conv_backward_loops(dZ, A_prev, W, hparameters):
    s, p = hparameters["stride"], hparameters["pad"]
    f = W.shape[0]
    A_pad = np.pad(A_prev, ((0, 0), (p, p), (p, p), (0, 0)))
    dA_pad = np.zeros_like(A_pad, dtype=float)
    dW = np.zeros_like(W, dtype=float)
    db = np.zeros((1, 1, 1, W.shape[3]))
    m, n_H, n_W, n_C = dZ.shape
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    hs, ws = h * s, w * s
                    dA_pad[i, hs:hs + f, ws:ws + f, :] += W[:, :, :, c] * dZ[i, h, w, c]
                    dW[:, :, :, c] += A_pad[i, hs:hs + f, ws:ws + f, :] * dZ[i, h, w, c]
                    db[:, :, :, c] += dZ[i, h, w, c]
    H, Wd = A_prev.shape[1:3]
    return dA_pad[:, p:p + H, p:p + Wd, :], dW, db


def pool_forward_loops(A_prev, hparameters, mode):
    f, s = hparameters["f"], hparameters["stride"]
    m, H, Wd, n_C = A_prev.shape
    n_H, n_W = (H - f) // s + 1, (Wd - f) // s + 1
    A = np.zeros((m, n_H, n_W, n_C))
    reduce = np.max if mode == "max" else np.mean
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    A[i, h, w, c] = reduce(A_prev[i, h * s:h * s + f, w * s:w * s + f, c])
    return A


# ---------------------------------------------------------------- random cases

def conv_case(f, stride, pad, seed):
    """Random non-square input with m in 1..3, large enough for an f x f filter."""
    rng = np.random.default_rng(seed)
    m = int(rng.integers(1, 4))
    H = int(rng.integers(max(f, 3), 9))
    Wd = H + int(rng.integers(1, 4))                  # never square
    n_C_prev, n_C = int(rng.integers(1, 4)), int(rng.integers(1, 5))
    A = rng.standard_normal((m, H, Wd, n_C_prev))
    W = rng.standard_normal((f, f, n_C_prev, n_C))
    b = rng.standard_normal((1, 1, 1, n_C))
    return A, W, b, {"pad": pad, "stride": stride}


CONV_GRID = list(itertools.product([1, 2, 3, 4], [1, 2, 3], [0, 1, 2]))   # f, stride, pad


@pytest.mark.parametrize("f,stride,pad", CONV_GRID)
def test_forward_matches_loops(f, stride, pad):
    A, W, b, hp = conv_case(f, stride, pad, seed=100 * f + 10 * stride + pad)
    Z, cache = conv_forward_fast(A, W, b, hp)
    expected = conv_forward_loops(A, W, b, hp)
    assert Z.shape == expected.shape
    np.testing.assert_allclose(Z, expected, rtol=1e-10, atol=1e-12)
    assert cache[0] is A and cache[1] is W and cache[2] is b and cache[3] is hp


@pytest.mark.parametrize("f,stride,pad", CONV_GRID)
def test_backward_matches_loops(f, stride, pad):
    A, W, b, hp = conv_case(f, stride, pad, seed=1000 + 100 * f + 10 * stride + pad)
    Z, cache = conv_forward_fast(A, W, b, hp)
    dZ = np.random.default_rng(7).standard_normal(Z.shape)
    dA, dW, db = conv_backward_fast(dZ, cache)
    eA, eW, eb = conv_backward_loops(dZ, A, W, hp)
    assert dA.shape == A.shape and dW.shape == W.shape and db.shape == (1, 1, 1, W.shape[3])
    np.testing.assert_allclose(dA, eA, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dW, eW, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(db, eb, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("stride,pad", [(1, 1), (2, 0), (2, 2)])
def test_backward_matches_numerical_gradient(stride, pad):
    """Gradient of loss = sum(Z * G) for a fixed random G, by centred differences."""
    rng = np.random.default_rng(42 + stride + pad)
    A = rng.standard_normal((2, 5, 4, 2))
    W = rng.standard_normal((3, 3, 2, 3))
    b = rng.standard_normal((1, 1, 1, 3))
    hp = {"pad": pad, "stride": stride}
    Z, cache = conv_forward_fast(A, W, b, hp)
    G = rng.standard_normal(Z.shape)

    def loss():
        return float(np.sum(conv_forward_fast(A, W, b, hp)[0] * G))

    dA, dW, db = conv_backward_fast(G, cache)
    for analytic, x in ((dA, A), (dW, W), (db, b)):
        numeric = numerical_gradient(loss, x, h=1e-6)
        scale = max(np.max(np.abs(analytic) + np.abs(numeric)), 1e-12)
        err = np.max(np.abs(analytic - numeric)) / scale
        assert err < 1e-7, err


@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize("f,stride", [(1, 1), (2, 2), (3, 1), (3, 2), (2, 3), (4, 1)])
def test_pool_matches_loops(mode, f, stride):
    rng = np.random.default_rng(10 * f + stride)
    A = rng.standard_normal((int(rng.integers(1, 4)), 7, 9, 3))
    hp = {"f": f, "stride": stride}
    out, cache = pool_forward_fast(A, hp, mode=mode)
    expected = pool_forward_loops(A, hp, mode)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
    assert cache[0] is A and cache[1] is hp
    assert not np.shares_memory(out, A)


# ---------------------------------------------------------------- worked examples from the lessons

def as_batch(image):
    """(H, W) -> (1, H, W, 1)"""
    return np.asarray(image, dtype=float)[None, :, :, None]


def as_filter(kernel):
    """(f, f) -> (f, f, 1, 1)"""
    return np.asarray(kernel, dtype=float)[:, :, None, None]


ZERO_BIAS = np.zeros((1, 1, 1, 1))

IMAGE_6x6 = [[3, 0, 1, 2, 7, 4], [1, 5, 8, 9, 3, 1], [2, 7, 2, 5, 1, 3],
             [0, 1, 3, 1, 7, 8], [4, 2, 1, 6, 2, 8], [2, 4, 5, 2, 3, 9]]
VERTICAL = [[1, 0, -1]] * 3


def test_vertical_edge_example():
    Z, _ = conv_forward_fast(as_batch(IMAGE_6x6), as_filter(VERTICAL), ZERO_BIAS,
                             {"pad": 0, "stride": 1})
    expected = [[-5, -4, 0, 8], [-10, -2, 2, 3], [0, -2, -4, -7], [-3, -2, -3, -16]]
    np.testing.assert_array_equal(Z[0, :, :, 0], expected)
    np.testing.assert_array_equal(correlate2d(IMAGE_6x6, np.array(VERTICAL)), expected)


def test_stride_two_example():
    image = [[2, 3, 7, 4, 6, 2, 9], [6, 6, 9, 8, 7, 4, 3], [3, 4, 8, 3, 8, 9, 7],
             [7, 8, 3, 6, 6, 3, 4], [4, 2, 1, 8, 3, 4, 6], [3, 2, 4, 1, 9, 8, 3],
             [0, 1, 3, 9, 2, 1, 4]]
    kernel = [[3, 4, 4], [1, 0, 2], [-1, 0, 3]]
    Z, _ = conv_forward_fast(as_batch(image), as_filter(kernel), ZERO_BIAS, {"pad": 0, "stride": 2})
    np.testing.assert_array_equal(Z[0, :, :, 0], [[91, 100, 88], [69, 91, 117], [44, 72, 74]])


def test_integer_inputs_keep_exact_values():
    A = np.array(IMAGE_6x6)[None, :, :, None]
    W = np.array(VERTICAL)[:, :, None, None]
    Z, _ = conv_forward_fast(A, W, np.zeros((1, 1, 1, 1), dtype=int), {"pad": 0, "stride": 1})
    assert Z[0, 0, 0, 0] == -5 and Z[0, 3, 3, 0] == -16
    Z, _ = conv_forward_fast(A, W, np.full((1, 1, 1, 1), 0.5), {"pad": 0, "stride": 1})
    assert Z[0, 0, 0, 0] == -4.5


POOL_4x4 = [[1, 3, 2, 1], [2, 9, 1, 1], [1, 4, 2, 3], [5, 6, 1, 2]]


@pytest.mark.parametrize("mode,expected", [("max", [[9, 2], [6, 3]]),
                                           ("average", [[3.75, 1.25], [4, 2]])])
def test_pool_4x4_example(mode, expected):
    A, _ = pool_forward_fast(as_batch(POOL_4x4), {"f": 2, "stride": 2}, mode=mode)
    np.testing.assert_array_equal(A[0, :, :, 0], expected)


def test_pool_5x5_example():
    image = [[1, 3, 2, 1, 3], [2, 9, 1, 1, 5], [1, 3, 2, 3, 2], [8, 3, 5, 1, 0], [5, 6, 1, 2, 9]]
    A, _ = pool_forward_fast(as_batch(image), {"f": 3, "stride": 1}, mode="max")
    np.testing.assert_array_equal(A[0, :, :, 0], [[9, 9, 5], [9, 9, 5], [8, 6, 9]])


def test_pool_average_of_integers_is_float():
    A, _ = pool_forward_fast(np.array(POOL_4x4)[None, :, :, None], {"f": 2, "stride": 2}, "average")
    assert A[0, 0, 0, 0] == 3.75


# ---------------------------------------------------------------- errors

def test_unknown_pool_mode():
    with pytest.raises(ValueError, match="mode must be 'max' or 'average'"):
        pool_forward_fast(np.zeros((1, 4, 4, 1)), {"f": 2, "stride": 2}, mode="min")


@pytest.mark.parametrize("A_shape,W_shape,b_shape,match", [
    ((1, 5, 5, 3), (3, 3, 2, 4), (1, 1, 1, 4), "3 channels but W expects 2"),
    ((5, 5, 3), (3, 3, 3, 4), (1, 1, 1, 4), "4-D"),
    ((1, 5, 5, 3), (3, 2, 3, 4), (1, 1, 1, 4), "square"),
    ((1, 5, 5, 3), (3, 3, 3, 4), (1, 1, 1, 3), "one bias per filter"),
    ((1, 2, 2, 3), (5, 5, 3, 4), (1, 1, 1, 4), "exceeds the padded input"),
])
def test_conv_bad_shapes(A_shape, W_shape, b_shape, match):
    with pytest.raises(ValueError, match=match):
        conv_forward_fast(np.zeros(A_shape), np.zeros(W_shape), np.zeros(b_shape),
                          {"pad": 0, "stride": 1})


@pytest.mark.parametrize("hp,match", [({"pad": 0}, "missing"), ({"pad": -1, "stride": 1}, "pad"),
                                      ({"pad": 0, "stride": 0}, "stride"),
                                      ({"pad": 0.5, "stride": 1}, "int")])
def test_conv_bad_hparameters(hp, match):
    with pytest.raises(ValueError, match=match):
        conv_forward_fast(np.zeros((1, 4, 4, 1)), np.zeros((2, 2, 1, 1)), np.zeros((1, 1, 1, 1)),
                          hp)


def test_conv_backward_rejects_wrong_dZ():
    _, cache = conv_forward_fast(np.zeros((1, 4, 4, 1)), np.zeros((2, 2, 1, 1)),
                                 np.zeros((1, 1, 1, 1)), {"pad": 0, "stride": 1})
    with pytest.raises(ValueError, match="dZ has shape"):
        conv_backward_fast(np.zeros((1, 4, 4, 1)), cache)


@pytest.mark.parametrize("shape,f", [((4, 4, 1), 2), ((1, 4, 4, 1), 5), ((1, 4, 4, 1), 0)])
def test_pool_bad_shapes(shape, f):
    with pytest.raises(ValueError):
        pool_forward_fast(np.zeros(shape), {"f": f, "stride": 1})


# ---------------------------------------------------------------- TensorFlow

def test_matches_tensorflow():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    tf = pytest.importorskip("tensorflow")
    rng = np.random.default_rng(3)
    A = rng.standard_normal((2, 9, 7, 3))
    W = rng.standard_normal((3, 3, 3, 4))
    b = rng.standard_normal((1, 1, 1, 4))
    pad, stride = 2, 2
    Z, _ = conv_forward_fast(A, W, b, {"pad": pad, "stride": stride})
    A_pad = np.pad(A, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    expected = tf.nn.conv2d(A_pad, W, strides=stride, padding="VALID").numpy() + b
    np.testing.assert_allclose(Z, expected, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("block_bytes", [1, 2000, 8000])
def test_blocked_im2col_matches_loops(monkeypatch, block_bytes):
    """Small blocks: one output row, bands of 2 rows, groups of 2 examples (last one short)."""
    import utils.fastconv as fastconv
    monkeypatch.setattr(fastconv, "_BLOCK_BYTES", block_bytes)
    A, W, b, hp = conv_case(3, 2, 1, seed=5)
    A = np.concatenate([A] * 3)[:5]                   # m = 3..5 so examples can be grouped
    Z, cache = conv_forward_fast(A, W, b, hp)
    np.testing.assert_allclose(Z, conv_forward_loops(A, W, b, hp), rtol=1e-10, atol=1e-12)
    dZ = np.random.default_rng(8).standard_normal(Z.shape)
    for got, expected in zip(conv_backward_fast(dZ, cache), conv_backward_loops(dZ, A, W, hp)):
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)
