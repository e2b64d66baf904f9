"""Describe a Keras model layer by layer, in terms that survive Keras releases.

Tests compare a learner's model with the reference through :func:`describe`, which turns every
layer into plain data: a canonical kind ("Conv2D", "MaxPool2D", "ReLU", ...), the settings that
define it (filters, kernel size, strides, padding, units, axis, ...), its output shape and its
parameter count. Kinds come from ``isinstance`` checks against public Keras classes, never from
class-name strings, and output shapes from the symbolic tensors, not Keras 2's ``output_shape``.

An activation is its own step: ``Conv2D(8, 4, activation="relu")`` describes as a Conv2D step
followed by a ReLU step, exactly like ``Conv2D(8, 4)`` followed by ``ReLU()`` or
``Activation("relu")``, so equivalent ways of writing a model compare equal.
"""
from __future__ import annotations


def _keras():
    import keras

    return keras


def _activation_name(fn) -> str | None:
    """'relu', 'sigmoid', 'softmax', ... for an activation function; None for linear."""
    keras = _keras()
    if fn is None:
        return None
    name = keras.activations.serialize(fn)
    if isinstance(name, dict):
        name = name.get("config", {}).get("name") or name.get("class_name")
    name = str(name).lower()
    return None if name == "linear" else name


# activation names whose step kind is not just the name capitalised
_ACTIVATION_KINDS = {"relu": "ReLU", "relu6": "ReLU6"}


def _pair(value) -> list[int]:
    return [int(v) for v in value] if isinstance(value, (tuple, list)) else [int(value)] * 2


def _plain(value):
    """A layer setting as JSON-friendly data: tuples become lists, numbers floats."""
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return value


def _shape(tensor) -> list:
    return [None if d is None else int(d) for d in tensor.shape]


def _step(kind: str, shape: list, params: int = 0, **settings) -> dict:
    return {"kind": kind, **settings, "output_shape": shape, "params": int(params)}


def describe_layer(layer) -> list[dict]:
    """The steps (usually one, two with a fused activation) one Keras layer performs."""
    keras = _keras()
    L = keras.layers
    out = _shape(layer.output)
    params = layer.count_params()
    activation = None
    if isinstance(layer, L.InputLayer):
        return []
    if isinstance(layer, L.DepthwiseConv2D):
        step = _step("DepthwiseConv2D", out, params, kernel_size=_pair(layer.kernel_size),
                     strides=_pair(layer.strides), padding=layer.padding,
                     depth_multiplier=int(layer.depth_multiplier), use_bias=bool(layer.use_bias))
        activation = layer.activation
    elif isinstance(layer, L.Conv2D):
        step = _step("Conv2D", out, params, filters=int(layer.filters),
                     kernel_size=_pair(layer.kernel_size), strides=_pair(layer.strides),
                     padding=layer.padding, use_bias=bool(layer.use_bias))
        activation = layer.activation
    elif isinstance(layer, L.Dense):
        step = _step("Dense", out, params, units=int(layer.units), use_bias=bool(layer.use_bias))
        activation = layer.activation
    elif isinstance(layer, (L.MaxPooling2D, L.AveragePooling2D)):
        kind = "MaxPool2D" if isinstance(layer, L.MaxPooling2D) else "AveragePool2D"
        step = _step(kind, out, params, pool_size=_pair(layer.pool_size),
                     strides=_pair(layer.strides), padding=layer.padding)
    elif isinstance(layer, (L.GlobalAveragePooling2D, L.GlobalMaxPooling2D)):
        kind = "GlobalAveragePool2D" if isinstance(layer, L.GlobalAveragePooling2D) else "GlobalMaxPool2D"
        step = _step(kind, out, params)
    elif isinstance(layer, L.ZeroPadding2D):
        step = _step("ZeroPadding2D", out, params,
                     padding=[[int(a) for a in side] for side in layer.padding])
    elif isinstance(layer, L.BatchNormalization):
        axis = layer.axis
        axis = int(axis[0] if isinstance(axis, (list, tuple)) else axis)
        rank = len(out)
        step = _step("BatchNormalization", out, params, axis=axis % rank if axis < 0 else axis)
    elif isinstance(layer, L.Flatten):
        step = _step("Flatten", out, params)
    elif isinstance(layer, L.ReLU):
        # ReLU(max_value=6) is MobileNet's ReLU6, the same step as Activation("relu6")
        max_value = getattr(layer, "max_value", None)
        if max_value is not None and float(max_value) == 6.0 and not float(layer.negative_slope) \
                and not float(layer.threshold):
            step = _step("ReLU6", out, params)
        elif max_value is not None:
            step = _step("ReLU", out, params, max_value=float(max_value))
        else:
            step = _step("ReLU", out, params)
    elif isinstance(layer, L.Softmax):
        step = _step("Softmax", out, params)
    elif isinstance(layer, L.Activation):
        name = _activation_name(layer.activation)
        return [_step(_ACTIVATION_KINDS.get(name, name.capitalize()), out)] if name else []
    elif isinstance(layer, L.Add):
        step = _step("Add", out, params)
    elif isinstance(layer, L.Concatenate):
        rank = len(out)
        axis = int(layer.axis)
        step = _step("Concatenate", out, params, axis=axis % rank if axis < 0 else axis)
    elif isinstance(layer, (L.RandomFlip, L.RandomRotation, L.RandomTranslation, L.RandomZoom,
                            L.RandomContrast, L.RandomBrightness)):
        # augmentation: the settings that say what it draws (not its seed or fill details)
        config = layer.get_config()
        keep = ("mode", "factor", "height_factor", "width_factor", "value_range")
        step = _step(type(layer).__name__, out, params,
                     **{key: _plain(config[key]) for key in keep if key in config})
    elif isinstance(layer, L.Dropout):
        step = _step("Dropout", out, params, rate=float(layer.rate))
    elif hasattr(layer, "describe_settings"):   # e.g. utils.stand_ins's block stand-ins
        step = _step(type(layer).__name__, out, params, **layer.describe_settings())
    else:
        step = _step(type(layer).__name__, out, params)
    steps = [step]
    name = _activation_name(activation)
    if name:
        steps.append(_step(_ACTIVATION_KINDS.get(name, name.capitalize()), out))
    return steps


def _size(shape) -> int:
    size = 1
    for d in shape:
        size *= int(d)
    return size


def describe(model) -> dict:
    """``{"input_shape", "steps": [...], "params", "trainable_params"}`` of a built Keras model."""
    keras = _keras()
    if not isinstance(model, keras.Model):
        raise TypeError(f"expected a keras.Model, got {type(model).__name__} "
                        "(did you forget to return the model?)")
    steps = [step for layer in model.layers for step in describe_layer(layer)]
    # from the shapes: copying the values out (w.numpy()) would hold a second copy of every
    # weight, 553 MB for VGG-16
    trainable = sum(_size(w.shape) for w in model.trainable_weights)
    return {"input_shape": _shape(model.inputs[0]), "steps": steps,
            "params": int(model.count_params()), "trainable_params": trainable}


def _fmt(step: dict) -> str:
    settings = ", ".join(f"{k}={v}" for k, v in step.items() if k not in ("kind",))
    return f"{step['kind']}({settings})"


def compare(got: dict, expected: dict, reveal: bool = True) -> str | None:
    """None if the two descriptions match, else a sentence naming the first difference.

    With ``reveal=False`` (hidden tests) the sentence says where, not what was expected.
    """
    if not reveal:
        problem = compare(got, expected)
        if problem is None:
            return None
        if got["input_shape"] != expected["input_shape"]:
            return f"the model's input shape {got['input_shape']} is not the one it was asked for"
        for i, (g, e) in enumerate(zip(got["steps"], expected["steps"])):
            if g != e:
                return f"step {i + 1} of your model ({_fmt(g)}) is not what this case expects"
        return (f"your model has {len(got['steps'])} steps and {got['params']:,} parameters, "
                "which is not what this case expects")
    if got["input_shape"] != expected["input_shape"]:
        return f"the model's input shape is {got['input_shape']}, expected {expected['input_shape']}"
    for i, (g, e) in enumerate(zip(got["steps"], expected["steps"])):
        if g != e:
            if g["kind"] != e["kind"]:
                return f"step {i + 1} is {_fmt(g)}, expected {_fmt(e)}"
            diffs = [f"{k}={g.get(k)} (expected {e.get(k)})" for k in e if g.get(k) != e.get(k)]
            return f"step {i + 1} ({e['kind']}) differs: " + ", ".join(diffs)
    if len(got["steps"]) != len(expected["steps"]):
        if len(got["steps"]) < len(expected["steps"]):
            missing = expected["steps"][len(got["steps"])]
            return (f"the model has {len(got['steps'])} steps, expected {len(expected['steps'])}; "
                    f"the first missing one is {_fmt(missing)}")
        extra = got["steps"][len(expected["steps"])]
        return (f"the model has {len(got['steps'])} steps, expected {len(expected['steps'])}; "
                f"the first extra one is {_fmt(extra)}")
    if got["params"] != expected["params"]:
        return f"the model has {got['params']:,} parameters, expected {expected['params']:,}"
    if got["trainable_params"] != expected["trainable_params"]:
        return (f"the model has {got['trainable_params']:,} trainable parameters, "
                f"expected {expected['trainable_params']:,}")
    return None


def summary_table(description: dict) -> str:
    """A plain-text table of the steps (what ``check`` prints for a visible case)."""
    lines = [f"{'#':>3}  {'step':<22} {'output shape':<22} {'params':>9}  settings"]
    for i, step in enumerate(description["steps"], 1):
        settings = ", ".join(f"{k}={v}" for k, v in step.items()
                             if k not in ("kind", "output_shape", "params"))
        lines.append(f"{i:>3}  {step['kind']:<22} {str(tuple(step['output_shape'])):<22} "
                     f"{step['params']:>9,}  {settings}")
    lines.append(f"     total parameters: {description['params']:,}")
    return "\n".join(lines)


def seeded_output(model, seed: int, batch: int = 2) -> "np.ndarray":
    """The model's output (inference mode) on a NumPy-seeded input, with NumPy-seeded weights.

    Every weight is overwritten with small values from ``np.random.default_rng(seed)`` (variances
    kept positive), so the result depends only on what the model computes, not on Keras's own
    random initialisers. Returns a float64 array of shape ``(batch, *output_shape[1:])``.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    for weight in model.weights:
        values = rng.normal(0.0, 0.2, size=tuple(weight.shape))
        if "variance" in weight.name:
            values = 0.5 + np.abs(values)
        weight.assign(values.astype(weight.dtype))
    x = rng.uniform(0.0, 1.0, size=(batch, *model.inputs[0].shape[1:])).astype("float32")
    return np.asarray(model(x, training=False), dtype=np.float64)
