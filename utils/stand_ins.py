"""Stand-ins for whole residual blocks, for the test of the network built from them.

``ResNet50``'s test swaps ``identity_block`` and ``convolutional_block`` for these (through
``utils.checks.trusted_helpers``), so a bug in a block costs only that block's points. They
hold none of a block's computation: they record how the block was called and give an output of
the right shape. (Week 1's NumPy helpers get replaying stand-ins instead:
``utils.checks.StandIn``.)
"""


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
