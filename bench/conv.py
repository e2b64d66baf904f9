"""Benchmark: Week 1 loop convolution vs utils.fastconv vs tf.nn.conv2d, forward and backward.

    .venv/bin/python bench/conv.py [--size small|medium] [--repeat N] [--loop-repeat N]

All three run in this one process on the same float64 inputs; each time is the best of N runs
(time.perf_counter) after one untimed warm-up run. NumPy's BLAS and TensorFlow both use all
CPU threads (their defaults). The goals checked at the end: the vectorised version is at least
100x faster than the loops and at most 2x slower than TensorFlow.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")    # before TensorFlow is imported anywhere

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]
from _loops import conv_backward_loops, conv_forward_loops  # noqa: E402

from utils.fastconv import conv_backward_fast, conv_forward_fast  # noqa: E402

SIZES = {  # m, n_H_prev, n_W_prev, n_C_prev, f, n_C, pad, stride
    "small": (2, 16, 16, 8, 3, 16, 1, 1),
    "medium": (8, 32, 32, 16, 3, 32, 1, 1),
}
SPEEDUP_GOAL = 100.0    # vectorised at least this many times faster than the loops
TF_RATIO_GOAL = 2.0     # vectorised time at most this multiple of TensorFlow's


def best_time(fn, repeat):
    """Best of `repeat` timed calls of fn(), in seconds, after one untimed warm-up call."""
    fn()
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def load_tensorflow():
    try:
        import tensorflow as tf
    except ImportError:
        return None
    threads = os.cpu_count() or 1
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    return tf


def tf_functions(tf, A_prev, W, b, dZ, pad, stride):
    """Forward and backward closures for tf.nn.conv2d (+ bias) on the same arrays, as tensors."""
    A_t, W_t, b_t, dZ_t = (tf.constant(x) for x in (A_prev, W, b.reshape(-1), dZ))
    padding = [[0, 0], [pad, pad], [pad, pad], [0, 0]]

    def conv(A, Wt, bt):
        return tf.nn.bias_add(tf.nn.conv2d(A, Wt, strides=stride, padding=padding), bt)

    def forward():
        return conv(A_t, W_t, b_t).numpy()

    with tf.GradientTape(persistent=True) as tape:     # record the forward pass once
        tape.watch([A_t, W_t, b_t])
        Z_t = conv(A_t, W_t, b_t)

    def backward():                                    # then time only the gradient computation
        grads = tape.gradient(Z_t, [A_t, W_t, b_t], output_gradients=dZ_t)
        return [g.numpy() for g in grads]

    return forward, backward


def max_diff(a, b):
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b))))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="medium")
    parser.add_argument("--repeat", type=int, default=20,
                        help="best of N timed runs for fastconv and TF (default 20)")
    parser.add_argument("--loop-repeat", type=int, default=1,
                        help="best of N timed runs for the (slow) loops (default 1)")
    args = parser.parse_args(argv)

    m, n_H_prev, n_W_prev, n_C_prev, f, n_C, pad, stride = SIZES[args.size]
    rng = np.random.default_rng(0)
    A_prev = rng.standard_normal((m, n_H_prev, n_W_prev, n_C_prev))
    W = rng.standard_normal((f, f, n_C_prev, n_C))
    b = rng.standard_normal((1, 1, 1, n_C))
    hp = {"pad": pad, "stride": stride}
    Z, cache = conv_forward_fast(A_prev, W, b, hp)
    dZ = rng.standard_normal(Z.shape)

    tf = load_tensorflow()
    print(f"conv {args.size}: A_prev {A_prev.shape}, W {W.shape}, pad {pad}, stride {stride}, "
          f"float64, {os.cpu_count()} CPU threads")
    print(f"numpy {np.__version__}, tensorflow {tf.__version__ if tf else 'not installed'}; "
          f"best of {args.loop_repeat} (loops) / {args.repeat} (others) after a warm-up")

    # correctness first: every implementation on the same inputs
    Z_loop, cache_loop = conv_forward_loops(A_prev, W, b, hp)
    grads_loop = conv_backward_loops(dZ, cache_loop)
    grads_fast = conv_backward_fast(dZ, cache)
    diffs = [max_diff(Z, Z_loop)] + [max_diff(g, h) for g, h in zip(grads_fast, grads_loop)]
    rows = {
        "loops (NumPy, 4 nested)": (
            best_time(lambda: conv_forward_loops(A_prev, W, b, hp), args.loop_repeat),
            best_time(lambda: conv_backward_loops(dZ, cache_loop), args.loop_repeat)),
        "vectorised (fastconv)": (
            best_time(lambda: conv_forward_fast(A_prev, W, b, hp), args.repeat),
            best_time(lambda: conv_backward_fast(dZ, cache), args.repeat)),
    }
    if tf is not None:
        tf_forward, tf_backward = tf_functions(tf, A_prev, W, b, dZ, pad, stride)
        diffs += [max_diff(Z, tf_forward())] + [max_diff(g.reshape(h.shape), h)
                                                for g, h in zip(tf_backward(), grads_fast)]
        rows["tf.nn.conv2d (+GradientTape)"] = (best_time(tf_forward, args.repeat),
                                                best_time(tf_backward, args.repeat))
    print(f"max |difference| between implementations: {max(diffs):.1e}")

    print()
    print(f"{'implementation':<30}{'forward ms':>12}{'backward ms':>13}")
    for name, (fwd, bwd) in rows.items():
        print(f"{name:<30}{fwd * 1e3:>12.3f}{bwd * 1e3:>13.3f}")
    loop, fast = rows["loops (NumPy, 4 nested)"], rows["vectorised (fastconv)"]
    speedup = [lt / ft for lt, ft in zip(loop, fast)]
    print(f"{'speedup vectorised vs loops':<30}{speedup[0]:>11.0f}x{speedup[1]:>12.0f}x")
    if tf is not None:
        ratio = [ft / tt for ft, tt in zip(fast, rows["tf.nn.conv2d (+GradientTape)"])]
        print(f"{'vectorised / TF time':<30}{ratio[0]:>11.2f}x{ratio[1]:>12.2f}x")

    print()
    met = lambda ok: "MET" if ok else "NOT MET"  # noqa: E731
    print(f"goal: vectorised >= {SPEEDUP_GOAL:.0f}x faster than loops: "
          f"forward {met(speedup[0] >= SPEEDUP_GOAL)}, backward {met(speedup[1] >= SPEEDUP_GOAL)}")
    if tf is not None:
        print(f"goal: vectorised within {TF_RATIO_GOAL:.0f}x of TF: "
              f"forward {met(ratio[0] <= TF_RATIO_GOAL)}, backward {met(ratio[1] <= TF_RATIO_GOAL)}")
    else:
        print("goal: vectorised within 2x of TF: not measured (TensorFlow not installed)")


if __name__ == "__main__":
    main()
