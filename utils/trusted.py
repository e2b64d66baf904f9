"""Trusted stand-ins for the small helper functions that other graded functions call.

Tests use them through ``utils.checks.trusted_helpers`` so that, say, a bug in ``zero_pad``
costs only ``zero_pad``'s points and not also ``conv_forward``'s. Each one is the textbook
one-liner the lesson itself spells out.
"""
import numpy as np


def zero_pad(X, pad):
    """X: (m, n_H, n_W, n_C) -> (m, n_H + 2*pad, n_W + 2*pad, n_C), zeros on H and W only."""
    return np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="constant")


def conv_single_step(a_slice_prev, W, b):
    """a_slice_prev, W: (f, f, n_C_prev); b: (1, 1, 1) -> float sum(a * W) + b."""
    return float(np.sum(a_slice_prev * W) + np.asarray(b).item())


def create_mask_from_window(x):
    """x: (f, f) -> boolean (f, f), True where x equals its maximum."""
    return x == np.max(x)


def distribute_value(dz, shape):
    """dz: scalar, shape: (n_H, n_W) -> array of that shape, every entry dz / (n_H * n_W)."""
    n_H, n_W = shape
    return np.full((n_H, n_W), dz / (n_H * n_W))


# --------------------------------------------------------------------------- ResNet blocks
def _block_stand_in_class():
    import keras

    class BlockStandIn(keras.layers.Layer):
        """Takes the place of a whole residual block in a test of the network around it.

        It has no weights; it records how the block was called (``describe_settings``, read by
        ``utils.modelcheck``) and produces the block's output shape,
        (m, (n_H - 1) // s + 1, (n_W - 1) // s + 1, F3).
        """

        def __init__(self, kind, f, filters, s, stage, block, **kwargs):
            super().__init__(**kwargs)
            self.kind, self.f, self.filters, self.s = kind, int(f), [int(F) for F in filters], int(s)
            self.stage, self.block = stage, str(block)

        def call(self, X):
            from keras import ops

            strided = X[:, ::self.s, ::self.s, :]
            return ops.repeat(ops.mean(strided, axis=-1, keepdims=True), self.filters[-1], axis=-1)

        def describe_settings(self) -> dict:
            return {"block": self.kind, "f": self.f, "filters": self.filters, "s": self.s,
                    "stage": self.stage, "block_name": self.block}

    return BlockStandIn


def stand_in_identity_block(X, f, filters, stage, block, initializer=None):
    """Stand-in for ``identity_block``: records its arguments, keeps X's shape (F3 == n_C_prev)."""
    if len(filters) != 3:
        raise ValueError(f"identity_block takes filters=[F1, F2, F3], got {filters!r}")
    if int(filters[-1]) != X.shape[-1]:
        raise ValueError(f"identity_block(stage={stage}, block={block!r}) got F3={filters[-1]} "
                         f"for an input with {X.shape[-1]} channels; the shortcut needs them equal")
    return _block_stand_in_class()("identity_block", f, filters, 1, stage, block,
                                   name=f"identity_block_{stage}{block}")(X)


def stand_in_convolutional_block(X, f, filters, stage, block, s=2, initializer=None):
    """Stand-in for ``convolutional_block``: records its arguments, output shape as the real one."""
    if len(filters) != 3:
        raise ValueError(f"convolutional_block takes filters=[F1, F2, F3], got {filters!r}")
    return _block_stand_in_class()("convolutional_block", f, filters, s, stage, block,
                                   name=f"convolutional_block_{stage}{block}")(X)
