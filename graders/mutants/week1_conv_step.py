"""Realistic wrong implementations of the Week 1 "Convolution, step by step" functions.

Each ``source`` replaces the body of a ``# GRADED FUNCTION`` cell. Every one must lose its own
function's points and no other's (tests/test_grading.py); the outputs they produce are recorded
in graders/reference/week1_conv_step.json so that feedback can quote ``hint``.
"""
from graders.mutants import Mutant

ZERO_PAD = [
    Mutant("zero_pad", "pads_every_axis",
           "the batch and channel axes were padded too; give np.pad ((0, 0), (pad, pad), "
           "(pad, pad), (0, 0)) so only height and width grow.",
           """
def zero_pad(X, pad):
    return np.pad(X, pad, mode="constant", constant_values=0)
"""),
    Mutant("zero_pad", "one_side_only",
           "zeros were added on one side only; pad needs (pad, pad): pad before AND after.",
           """
def zero_pad(X, pad):
    return np.pad(X, ((0, 0), (0, pad), (0, pad), (0, 0)), mode="constant")
"""),
]

CONV_SINGLE_STEP = [
    Mutant("conv_single_step", "bias_every_element",
           "the bias was added to every element of the window before summing; add b once, "
           "after np.sum.",
           """
def conv_single_step(a_slice_prev, W, b):
    s = a_slice_prev * W + b
    return float(np.sum(s))
"""),
    Mutant("conv_single_step", "zero_d_array",
           "the result is a 0-d NumPy array; return a Python float: add b.item() (b has shape "
           "(1, 1, 1)) and wrap the sum in float(...), or call .item() on the result.",
           """
def conv_single_step(a_slice_prev, W, b):
    return np.squeeze(np.sum(a_slice_prev * W) + b)
"""),
    Mutant("conv_single_step", "forgot_bias",
           "the bias b is missing; add it once to the sum.",
           """
def conv_single_step(a_slice_prev, W, b):
    return float(np.sum(a_slice_prev * W))
"""),
]

CONV_FORWARD = [
    Mutant("conv_forward", "stride_missing",
           "the window corners ignore the stride: use vert_start = h * stride and "
           "horiz_start = w * stride.",
           """
def conv_forward(A_prev, W, b, hparameters):
    m, n_H_prev, n_W_prev, n_C_prev = A_prev.shape
    f, f, n_C_prev, n_C = W.shape
    stride, pad = hparameters["stride"], hparameters["pad"]
    n_H = (n_H_prev - f + 2 * pad) // stride + 1
    n_W = (n_W_prev - f + 2 * pad) // stride + 1
    Z = np.zeros((m, n_H, n_W, n_C))
    A_prev_pad = zero_pad(A_prev, pad)
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                window = A_prev_pad[i, h:h + f, w:w + f, :]
                for c in range(n_C):
                    Z[i, h, w, c] = conv_single_step(window, W[:, :, :, c], b[:, :, :, c])
    return Z, (A_prev, W, b, hparameters)
"""),
    Mutant("conv_forward", "no_floor_plus_one",
           "the output size is wrong: n_H = (n_H_prev - f + 2 * pad) // stride + 1 (floor, "
           "then add one).",
           """
def conv_forward(A_prev, W, b, hparameters):
    m, n_H_prev, n_W_prev, n_C_prev = A_prev.shape
    f, f, n_C_prev, n_C = W.shape
    stride, pad = hparameters["stride"], hparameters["pad"]
    n_H = (n_H_prev - f + 2 * pad) // stride
    n_W = (n_W_prev - f + 2 * pad) // stride
    Z = np.zeros((m, n_H, n_W, n_C))
    A_prev_pad = zero_pad(A_prev, pad)
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                window = A_prev_pad[i, h * stride:h * stride + f, w * stride:w * stride + f, :]
                for c in range(n_C):
                    Z[i, h, w, c] = conv_single_step(window, W[:, :, :, c], b[:, :, :, c])
    return Z, (A_prev, W, b, hparameters)
"""),
    Mutant("conv_forward", "filter_flipped",
           "the filter was flipped (true convolution); deep learning's convolution does not "
           "flip: use W[:, :, :, c] as it is.",
           """
def conv_forward(A_prev, W, b, hparameters):
    m, n_H_prev, n_W_prev, n_C_prev = A_prev.shape
    f, f, n_C_prev, n_C = W.shape
    stride, pad = hparameters["stride"], hparameters["pad"]
    n_H = (n_H_prev - f + 2 * pad) // stride + 1
    n_W = (n_W_prev - f + 2 * pad) // stride + 1
    Z = np.zeros((m, n_H, n_W, n_C))
    A_prev_pad = zero_pad(A_prev, pad)
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                window = A_prev_pad[i, h * stride:h * stride + f, w * stride:w * stride + f, :]
                for c in range(n_C):
                    Z[i, h, w, c] = conv_single_step(window, W[::-1, ::-1, :, c], b[:, :, :, c])
    return Z, (A_prev, W, b, hparameters)
"""),
]

POOL_FORWARD = [
    Mutant("pool_forward", "stride_missing",
           "the window corners ignore the stride: use vert_start = h * stride and "
           "horiz_start = w * stride.",
           """
def pool_forward(A_prev, hparameters, mode="max"):
    m, n_H_prev, n_W_prev, n_C = A_prev.shape
    f, stride = hparameters["f"], hparameters["stride"]
    n_H = (n_H_prev - f) // stride + 1
    n_W = (n_W_prev - f) // stride + 1
    A = np.zeros((m, n_H, n_W, n_C))
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    window = A_prev[i, h:h + f, w:w + f, c]
                    A[i, h, w, c] = np.max(window) if mode == "max" else np.mean(window)
    return A, (A_prev, hparameters)
"""),
    Mutant("pool_forward", "average_divides_by_f",
           "average pooling divided the window's sum by f instead of by f * f (the number of "
           "values in the window); np.mean does it for you.",
           """
def pool_forward(A_prev, hparameters, mode="max"):
    m, n_H_prev, n_W_prev, n_C = A_prev.shape
    f, stride = hparameters["f"], hparameters["stride"]
    n_H = (n_H_prev - f) // stride + 1
    n_W = (n_W_prev - f) // stride + 1
    A = np.zeros((m, n_H, n_W, n_C))
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    window = A_prev[i, h * stride:h * stride + f, w * stride:w * stride + f, c]
                    A[i, h, w, c] = np.max(window) if mode == "max" else np.sum(window) / f
    return A, (A_prev, hparameters)
"""),
    Mutant("pool_forward", "pools_across_channels",
           "the window included every channel; pool each channel on its own: "
           "A_prev[i, vert_start:vert_end, horiz_start:horiz_end, c].",
           """
def pool_forward(A_prev, hparameters, mode="max"):
    m, n_H_prev, n_W_prev, n_C = A_prev.shape
    f, stride = hparameters["f"], hparameters["stride"]
    n_H = (n_H_prev - f) // stride + 1
    n_W = (n_W_prev - f) // stride + 1
    A = np.zeros((m, n_H, n_W, n_C))
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    window = A_prev[i, h * stride:h * stride + f, w * stride:w * stride + f, :]
                    A[i, h, w, c] = np.max(window) if mode == "max" else np.mean(window)
    return A, (A_prev, hparameters)
"""),
]

_CONV_BACKWARD = """
def conv_backward(dZ, cache):
    A_prev, W, b, hparameters = cache
    m, n_H_prev, n_W_prev, n_C_prev = A_prev.shape
    f, f, n_C_prev, n_C = W.shape
    stride, pad = hparameters["stride"], hparameters["pad"]
    m, n_H, n_W, n_C = dZ.shape
    dA_prev = np.zeros(A_prev.shape)
    dW = np.zeros(W.shape)
    db = np.zeros((1, 1, 1, n_C))
    A_prev_pad = zero_pad(A_prev, pad)
    dA_prev_pad = zero_pad(dA_prev, pad)
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                vs, hs = {vs}, {hs}
                a_slice = A_prev_pad[i, vs:vs + f, hs:hs + f, :]
                for c in range(n_C):
                    dA_prev_pad[i, vs:vs + f, hs:hs + f, :] += W[:, :, :, c] * dZ[i, h, w, c]
                    dW[:, :, :, c] += a_slice * dZ[i, h, w, c]
                    db[:, :, :, c] {db_op} dZ[i, h, w, c]
        dA_prev[i] = {strip}
    return dA_prev, dW, db
"""

CONV_BACKWARD = [
    Mutant("conv_backward", "pad_minus_pad_slice",
           "the padding is stripped with [pad:-pad], which selects nothing when pad = 0; "
           "slice pad:pad + n_H_prev and pad:pad + n_W_prev instead.",
           _CONV_BACKWARD.format(vs="h * stride", hs="w * stride", db_op="+=",
                                 strip="dA_prev_pad[i, pad:-pad, pad:-pad, :]")),
    Mutant("conv_backward", "stride_missing",
           "the window corners ignore the stride: use vert_start = h * stride and "
           "horiz_start = w * stride, as in the forward pass.",
           _CONV_BACKWARD.format(vs="h", hs="w", db_op="+=",
                                 strip="dA_prev_pad[i, pad:pad + n_H_prev, pad:pad + n_W_prev, :]")),
    Mutant("conv_backward", "db_overwritten",
           "db keeps only the last gradient; accumulate with db[:, :, :, c] += dZ[i, h, w, c].",
           _CONV_BACKWARD.format(vs="h * stride", hs="w * stride", db_op="=",
                                 strip="dA_prev_pad[i, pad:pad + n_H_prev, pad:pad + n_W_prev, :]")),
]

CREATE_MASK = [
    Mutant("create_mask_from_window", "first_max_only",
           "only the first maximum is marked; mark every position equal to the maximum "
           "(x == np.max(x)).",
           """
def create_mask_from_window(x):
    mask = np.zeros(x.shape, dtype=bool)
    mask[np.unravel_index(np.argmax(x), x.shape)] = True
    return mask
"""),
    Mutant("create_mask_from_window", "integer_mask",
           "the mask should be boolean (True/False), not 0/1 numbers: x == np.max(x) already "
           "is one.",
           """
def create_mask_from_window(x):
    return (x == np.max(x)).astype(int)
"""),
    Mutant("create_mask_from_window", "marks_minimum",
           "the mask marks the minimum; max pooling passes the gradient to the maximum.",
           """
def create_mask_from_window(x):
    return x == np.min(x)
"""),
]

DISTRIBUTE_VALUE = [
    Mutant("distribute_value", "square_window_assumed",
           "the value was divided by n_H * n_H; windows need not be square: divide by "
           "n_H * n_W.",
           """
def distribute_value(dz, shape):
    n_H, n_W = shape
    return np.ones(shape) * dz / (n_H * n_H)
"""),
    Mutant("distribute_value", "not_divided",
           "every entry got the whole dz; share it: each entry is dz / (n_H * n_W).",
           """
def distribute_value(dz, shape):
    return np.ones(shape) * dz
"""),
]

_POOL_BACKWARD = """
def pool_backward(dA, cache, mode="max"):
    A_prev, hparameters = cache
    stride, f = hparameters["stride"], hparameters["f"]
    m, n_H, n_W, n_C = dA.shape
    dA_prev = np.zeros(A_prev.shape)
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                vs, hs = {vs}, {hs}
                for c in range(n_C):
                    if mode == "max":
                        mask = create_mask_from_window(A_prev[i, vs:vs + f, hs:hs + f, c])
                        dA_prev[i, vs:vs + f, hs:hs + f, c] {op} mask * dA[i, h, w, c]
                    else:
                        dA_prev[i, vs:vs + f, hs:hs + f, c] {op} {average}
    return dA_prev
"""

POOL_BACKWARD = [
    Mutant("pool_backward", "stride_missing",
           "the window corners ignore the stride: use vert_start = h * stride and "
           "horiz_start = w * stride.",
           _POOL_BACKWARD.format(vs="h", hs="w", op="+=",
                                 average="distribute_value(dA[i, h, w, c], (f, f))")),
    Mutant("pool_backward", "overwrites_instead_of_adding",
           "gradients of overlapping windows overwrite each other; accumulate with += .",
           _POOL_BACKWARD.format(vs="h * stride", hs="w * stride", op="=",
                                 average="distribute_value(dA[i, h, w, c], (f, f))")),
    Mutant("pool_backward", "average_not_distributed",
           "average pooling passed the whole gradient to every entry; use "
           "distribute_value(dA[i, h, w, c], (f, f)).",
           _POOL_BACKWARD.format(vs="h * stride", hs="w * stride", op="+=",
                                 average="dA[i, h, w, c]")),
]

MUTANTS = (ZERO_PAD + CONV_SINGLE_STEP + CONV_FORWARD + POOL_FORWARD + CONV_BACKWARD
           + CREATE_MASK + DISTRIBUTE_VALUE + POOL_BACKWARD)
