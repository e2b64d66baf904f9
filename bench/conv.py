"""Benchmark: Week 1 loop convolution vs utils.fastconv vs tf.nn.conv2d, forward and backward.

    .venv/bin/python bench/conv.py [--size small|medium] [--repeat N] [--loop-repeat N]

All three run in this one process on the same float64 inputs. Each time is the best of N runs
(time.perf_counter): fastconv and TF take turns in 5 rounds, each round starting with untimed
warm-up calls, so that a slow spell of a shared machine does not hit only one of them; the
loops, which take seconds, run without a warm-up.
NumPy's BLAS and TensorFlow both use all CPU threads (their defaults). The goals checked at the
end: the vectorised version is at least 100x faster than the loops and at most 2x slower than
TensorFlow.
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
from graders.sources import find_source, solution_functions  # noqa: E402

# the loop baseline is the Week 1 notebook's own solution (four nested loops over i, h, w, c)
_solution = solution_functions(find_source("week1_conv_step"))
conv_forward_loops, conv_backward_loops = _solution["conv_forward"], _solution["conv_backward"]

from utils.fastconv import conv_backward_fast, conv_forward_fast  # noqa: E402

SIZES = {  # m, n_H_prev, n_W_prev, n_C_prev, f, n_C, pad, stride
    "small": (2, 16, 16, 8, 3, 16, 1, 1),
    "medium": (8, 32, 32, 16, 3, 32, 1, 1),
}
SPEEDUP_GOAL = 100.0    # vectorised at least this many times faster than the loops
TF_RATIO_GOAL = 2.0     # vectorised time at most this multiple of TensorFlow's
LOOP_ROW = "loops (NumPy, 4 nested)"
FAST_ROW = "vectorised (fastconv)"
TF_ROW = "tf.nn.conv2d (+GradientTape)"


def best_times(groups, repeat, rounds=5):
    """{(group, name): best of about `repeat` timed calls of fn(), in seconds}.

    groups: {group: {name: fn}}, a group being one implementation. The groups take turns in
    `rounds` rounds, so that a slow spell of a shared machine does not hit only one of them.
    Each turn starts with one untimed call of each function, so that no timed call is the first
    after a switch (which wakes this library's threads while the other's may still be spinning).
    """
    per_round = max(1, -(-repeat // rounds))
    best = {(g, name): float("inf") for g, fns in groups.items() for name in fns}
    for _ in range(rounds):
        for g, fns in groups.items():
            for fn in fns.values():
                fn()
            for _ in range(per_round):
                for name, fn in fns.items():
                    start = time.perf_counter()
                    fn()
                    best[g, name] = min(best[g, name], time.perf_counter() - start)
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


def cpu_snapshot():
    """(busy CPU seconds of the whole machine, CPU seconds of this process, wall time), or None.

    Linux only (/proc/stat); lets the report say how busy *other* processes kept the CPUs.
    """
    try:
        with open("/proc/stat") as fh:
            fields = [int(x) for x in fh.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)          # idle + iowait
    own = os.times()
    return (sum(fields) - idle) / ticks, own.user + own.system, time.perf_counter()


def others_busy(start, end):
    """Average number of CPUs kept busy by other processes between two cpu_snapshot()s."""
    if start is None or end is None:
        return None
    return max(0.0, ((end[0] - start[0]) - (end[1] - start[1])) / (end[2] - start[2]))


def timed(fn, repeat, *args):
    """(first result of fn(*args), best time of `repeat` runs in seconds), without a warm-up."""
    best, result = float("inf"), None
    for _ in range(max(repeat, 1)):
        start = time.perf_counter()
        out = fn(*args)
        best = min(best, time.perf_counter() - start)
        result = out if result is None else result
    return result, best


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
    parser.add_argument("--repeat", type=int, default=50,
                        help="best of N timed runs for fastconv and TF (default 50)")
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
          f"best of {args.loop_repeat} (loops) / {args.repeat} (others, in 5 alternating rounds) runs")

    # the short timings first, the long loops last; watch what else keeps the CPUs busy
    snapshot = cpu_snapshot()
    groups = {FAST_ROW: {"forward": lambda: conv_forward_fast(A_prev, W, b, hp),
                         "backward": lambda: conv_backward_fast(dZ, cache)}}
    if tf is not None:
        tf_forward, tf_backward = tf_functions(tf, A_prev, W, b, dZ, pad, stride)
        groups[TF_ROW] = {"forward": tf_forward, "backward": tf_backward}
    best = best_times(groups, args.repeat)
    rows = {g: (best[g, "forward"], best[g, "backward"]) for g in groups}
    grads_fast = conv_backward_fast(dZ, cache)
    diffs = []
    if tf is not None:
        diffs += [max_diff(Z, tf_forward())] + [max_diff(g.reshape(h.shape), h)
                                                for g, h in zip(tf_backward(), grads_fast)]
    # the loops take seconds: no warm-up, and their first run's results are checked too
    (Z_loop, cache_loop), fwd_loop = timed(conv_forward_loops, args.loop_repeat, A_prev, W, b, hp)
    grads_loop, bwd_loop = timed(conv_backward_loops, args.loop_repeat, dZ, cache_loop)
    rows = {LOOP_ROW: (fwd_loop, bwd_loop), **rows}
    diffs += [max_diff(Z, Z_loop)] + [max_diff(g, h) for g, h in zip(grads_fast, grads_loop)]
    busy = others_busy(snapshot, cpu_snapshot())
    print(f"max |difference| between implementations: {max(diffs):.1e}")
    if busy is not None:
        print(f"other processes kept {busy:.2f} of {os.cpu_count()} CPUs busy while timing"
              + ("; the timings are noisy" if busy > 0.2 else ""))

    print()
    print(f"{'implementation':<30}{'forward ms':>12}{'backward ms':>13}")
    for name, (fwd, bwd) in rows.items():
        print(f"{name:<30}{fwd * 1e3:>12.3f}{bwd * 1e3:>13.3f}")
    loop, fast = rows[LOOP_ROW], rows[FAST_ROW]
    speedup = [lt / ft for lt, ft in zip(loop, fast)]
    print(f"{'speedup vectorised vs loops':<30}{speedup[0]:>11.0f}x{speedup[1]:>12.0f}x")
    if tf is not None:
        ratio = [ft / tt for ft, tt in zip(fast, rows[TF_ROW])]
        print(f"{'vectorised / TF time':<30}{ratio[0]:>11.2f}x{ratio[1]:>12.2f}x")

    print()
    met = lambda ok: "MET" if ok else "NOT MET"  # noqa: E731
    print(f"goal: vectorised >= {SPEEDUP_GOAL:.0f}x faster than loops: "
          f"forward {met(speedup[0] >= SPEEDUP_GOAL)}, backward {met(speedup[1] >= SPEEDUP_GOAL)}")
    if tf is not None:
        print(f"goal: vectorised within {TF_RATIO_GOAL:.0f}x of TF: forward "
              f"{met(ratio[0] <= TF_RATIO_GOAL)}, backward {met(ratio[1] <= TF_RATIO_GOAL)}")
    else:
        print("goal: vectorised within 2x of TF: not measured (TensorFlow not installed)")


if __name__ == "__main__":
    main()
