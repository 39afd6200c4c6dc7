"""A student's Keras model as data: its configuration, judged by an allowlist, and its cost.

``model.to_json()`` comes from the student's kernel, so it is untrusted text. Handed to Keras's
deserialiser it could name any class or function Keras can import (a ``Lambda`` layer, a legacy
node without a ``module``, a custom object, a compile config that turns on ``run_eagerly``), and
its sizes could make the grader build a model of any size. So nothing of it reaches Keras: it is
read as plain JSON into a ``ModelSpec``, a chain of layers whose classes come from ``LAYERS`` (the
built-in layers a course CNN needs) with only the settings each may carry, checked by type and
range; activations by name only. Shapes, parameters and multiply-adds are computed here, from the
configuration alone, so that a model above the assignment's limits (``reference``) is refused
before anything is built. The grader's evaluator then builds the model from the ``ModelSpec``
(``keras.layers.<kind>(**settings)``), never from the student's text.

A model is a chain: a ``Sequential`` or a functional model in which every layer takes the output
of the one before, applied once (nested models are flattened into the chain). Branches, shared
layers and function nodes are refused with a message that says what to use instead.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

MAX_CONFIG_BYTES = 2**20  # a course CNN's configuration is a few KB
MAX_LAYERS = 64
MAX_NESTING = 4  # models inside models
MAX_INPUT_DIMENSION = 4096
MAX_SETTING = 2**31  # sizes in settings (filters, units): the arithmetic on them stays small
ACTIVATIONS = frozenset({
    "linear", "relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "silu", "swish", "sigmoid", "hard_sigmoid",
    "hard_silu", "hard_swish", "tanh", "softmax", "log_softmax", "softplus", "softsign", "mish", "exponential"})
MODEL_CLASSES = frozenset({"Sequential", "Functional", "Model"})
# keys any layer may carry that do not change what a trained layer computes: read, never used
_IGNORED = frozenset({"name", "trainable", "dtype", "seed", "build_config"})
_INITIALISED = ("kernel", "bias", "beta", "gamma", "moving_mean", "moving_variance", "depthwise", "pointwise")
_IGNORED_WEIGHT_SETTINGS = frozenset(
    f"{w}_{what}" for w in _INITIALISED for what in ("initializer", "regularizer", "constraint")) | {"activity_regularizer"}


class ModelProblem(AssertionError):
    """The model's configuration cannot be used: the message says why and what to do."""


# ---- what a setting may be ---------------------------------------------------------


def _integer(low, high):
    def check(value, what):
        if type(value) is not int or not low <= value <= high:
            raise ModelProblem(f"{what} must be a whole number from {low} to {high}, not {_show(value)}")
        return value
    return check


def _number(low=-1e6, high=1e6):
    def check(value, what):
        if type(value) not in (int, float) or not math.isfinite(value) or not low <= value <= high:
            raise ModelProblem(f"{what} must be a number from {low:g} to {high:g}, not {_show(value)}")
        return float(value)
    return check


def _pair(low, high):
    """An int or two ints (a kernel size, strides): always returned as a list of two."""
    one = _integer(low, high)

    def check(value, what):
        if type(value) is int:
            return [one(value, what)] * 2
        if type(value) is list and len(value) == 2:
            return [one(v, what) for v in value]
        raise ModelProblem(f"{what} must be a whole number or two of them, not {_show(value)}")
    return check


def _choice(*allowed):
    def check(value, what):
        if value not in allowed or type(value) not in (str, type(None)):
            raise ModelProblem(f"{what} must be one of {', '.join(repr(a) for a in allowed)}, not {_show(value)}")
        return value
    return check


def _boolean(value, what):
    if type(value) is not bool:
        raise ModelProblem(f"{what} must be true or false, not {_show(value)}")
    return value


def _activation(value, what):
    if type(value) is not str or value not in ACTIVATIONS:
        raise ModelProblem(
            f"{what} must be the name of a Keras activation (e.g. 'relu', 'softmax'), not {_show(value)}: the grader "
            "rebuilds your model from its configuration, so pass activations by name, not as Python functions")
    return value


def _fixed(*allowed):
    """A setting the grader only supports at these values (it must not change what the layer computes)."""
    def check(value, what):
        if not any(value == a and type(value) is type(a) for a in allowed):
            raise ModelProblem(f"{what} must be {' or '.join(_show(a) for a in allowed)} for the grader to rebuild "
                               f"your model, not {_show(value)}")
        return value
    return check


def _plain(value, what):
    """Any short plain value (settings of layers that do nothing at prediction time)."""
    if value is None or type(value) in (bool, int, str) or (type(value) is float and math.isfinite(value)):
        if type(value) is not str or len(value) <= 40:
            return value
    if type(value) is list and len(value) <= 4 and all(type(v) in (int, float) for v in value):
        return value
    raise ModelProblem(f"{what} must be a plain number or name, not {_show(value)}")


def _padding2d(value, what):
    """ZeroPadding2D's padding: n, (h, w) or ((top, bottom), (left, right)), as ((t, b), (l, r))."""
    one = _integer(0, 64)
    if type(value) is int:
        return [[one(value, what)] * 2] * 2
    if type(value) is list and len(value) == 2:
        if all(type(v) is int for v in value):
            return [[one(value[0], what)] * 2, [one(value[1], what)] * 2]
        if all(type(v) is list and len(v) == 2 for v in value):
            return [[one(v, what) for v in side] for side in value]
    raise ModelProblem(f"{what} must be a whole number, two, or two pairs of them, not {_show(value)}")


def _batch_shape(value, what) -> tuple:
    """A batch's shape, ``[null, d1, d2, ...]``, as the shape of one example."""
    if type(value) is not list or not 2 <= len(value) <= 5 or value[0] is not None or \
            not all(type(n) is int and 1 <= n <= MAX_INPUT_DIMENSION for n in value[1:]):
        raise ModelProblem(f"{what} must be a shape such as [null, 28, 28, 1], not {_show(value)}")
    return tuple(value[1:])


_CHANNELS_LAST = _choice("channels_last", None)
_PADDING = _choice("valid", "same")


@dataclass(frozen=True)
class LayerKind:
    """A layer class the grader accepts: what each of its settings may be, and which of them it rebuilds with."""

    settings: dict  # key -> check(value, what), returning the value to use
    rebuild: tuple = ()  # the settings passed to keras.layers.<kind>(...); the rest change nothing when predicting
    required: tuple = ()
    defaults: dict = field(default_factory=dict)
    # identity when predicting (dropout, noise, augmentation): counted and checked, not rebuilt
    inference_identity: bool = False


_NONE = _fixed(None)
_CONV = {"filters": _integer(1, MAX_SETTING), "kernel_size": _pair(1, 32), "strides": _pair(1, 32), "padding": _PADDING,
         "data_format": _CHANNELS_LAST, "dilation_rate": _pair(1, 8), "groups": _fixed(1),
         "activation": _activation, "use_bias": _boolean, "lora_rank": _NONE, "lora_alpha": _NONE,
         "quantization_config": _NONE}
_POOL = {"pool_size": _pair(1, 32), "strides": lambda v, what: None if v is None else _pair(1, 32)(v, what),
         "padding": _PADDING, "data_format": _CHANNELS_LAST}
_GLOBAL_POOL = LayerKind({"data_format": _CHANNELS_LAST, "keepdims": _boolean}, ("keepdims",),
                         defaults={"keepdims": False})
_AUGMENTATION = {"data_format": _CHANNELS_LAST, "height_factor": _plain, "width_factor": _plain, "factor": _plain,
                 "fill_mode": _plain, "interpolation": _plain, "fill_value": _plain, "mode": _plain,
                 "value_range": _plain}

LAYERS: dict[str, LayerKind] = {
    "InputLayer": LayerKind({"batch_shape": _batch_shape, "batch_input_shape": _batch_shape, "sparse": _fixed(False),
                             "ragged": _fixed(False), "optional": _fixed(False)}),
    "Conv2D": LayerKind(_CONV, ("filters", "kernel_size", "strides", "padding", "dilation_rate", "activation",
                                "use_bias"), ("filters", "kernel_size"),
                        {"strides": [1, 1], "padding": "valid", "dilation_rate": [1, 1], "activation": "linear",
                         "use_bias": True}),
    "MaxPooling2D": LayerKind(_POOL, ("pool_size", "strides", "padding"), ("pool_size",), {"padding": "valid"}),
    "AveragePooling2D": LayerKind(_POOL, ("pool_size", "strides", "padding"), ("pool_size",), {"padding": "valid"}),
    "GlobalAveragePooling2D": _GLOBAL_POOL,
    "GlobalMaxPooling2D": _GLOBAL_POOL,
    "Flatten": LayerKind({"data_format": _CHANNELS_LAST}),
    "Dense": LayerKind({"units": _integer(1, MAX_SETTING), "activation": _activation, "use_bias": _boolean,
                        "lora_rank": _NONE, "lora_alpha": _NONE, "quantization_config": _NONE},
                       ("units", "activation", "use_bias"), ("units",), {"activation": "linear", "use_bias": True}),
    "BatchNormalization": LayerKind({"axis": _fixed(-1, 3, [3]), "momentum": _number(0, 1),
                                     "epsilon": _number(1e-12, 1), "center": _boolean, "scale": _boolean,
                                     "synchronized": _boolean, "renorm": _fixed(False), "renorm_clipping": _NONE,
                                     "renorm_momentum": _number(0, 1)},
                                    ("epsilon", "center", "scale"), defaults={"epsilon": 1e-3, "center": True,
                                                                              "scale": True}),
    "Activation": LayerKind({"activation": _activation}, ("activation",), ("activation",)),
    "ReLU": LayerKind({"max_value": lambda v, what: None if v is None else _number(0)(v, what),
                       "negative_slope": _number(0, 1e3), "threshold": _number()},
                      ("max_value", "negative_slope", "threshold")),
    "LeakyReLU": LayerKind({"negative_slope": _number(0, 1e3)}, ("negative_slope",)),
    "Softmax": LayerKind({"axis": _fixed(-1)}),
    "Rescaling": LayerKind({"scale": _number(), "offset": _number()}, ("scale", "offset"), ("scale",)),
    "ZeroPadding2D": LayerKind({"padding": _padding2d, "data_format": _CHANNELS_LAST}, ("padding",),
                               defaults={"padding": [[1, 1], [1, 1]]}),
    "Dropout": LayerKind({"rate": _number(0, 1), "noise_shape": _NONE}, inference_identity=True),
    "SpatialDropout2D": LayerKind({"rate": _number(0, 1), "data_format": _CHANNELS_LAST}, inference_identity=True),
    "GaussianNoise": LayerKind({"stddev": _number(0)}, inference_identity=True),
    **{kind: LayerKind(_AUGMENTATION, inference_identity=True)
       for kind in ("RandomFlip", "RandomRotation", "RandomTranslation", "RandomZoom", "RandomContrast")},
}


# ---- the parsed model ------------------------------------------------------------------


@dataclass
class LayerSpec:
    kind: str
    declared: dict  # every setting as checked, for checks that judge it (a dropout rate)
    input_shape: tuple
    output_shape: tuple
    weight_shapes: list  # in get_weights() order
    multiply_adds: int

    @property
    def settings(self) -> dict:
        """What the evaluator passes to keras.layers.<kind>(...): the declared settings that change a prediction."""
        return {k: self.declared[k] for k in LAYERS[self.kind].rebuild if k in self.declared}

    @property
    def parameters(self) -> int:
        return sum(math.prod(s) for s in self.weight_shapes)


@dataclass
class ModelSpec:
    """A student's model as the grader understands it: a chain of allowlisted layers, on images of one shape."""

    input_shape: tuple  # one image, e.g. (28, 28, 1)
    layers: list  # LayerSpec, in order; nested models flattened
    compiled: bool  # build_cnn compiled it (its compile config is never used)

    @property
    def output_shape(self) -> tuple:
        return self.layers[-1].output_shape if self.layers else self.input_shape

    @property
    def parameters(self) -> int:
        return sum(layer.parameters for layer in self.layers)

    @property
    def multiply_adds(self) -> int:
        """Multiply-adds to predict one image (convolutions and dense layers)."""
        return sum(layer.multiply_adds for layer in self.layers)

    @property
    def largest_activation(self) -> int:
        """Values per image in the largest of the model's input and layer outputs."""
        return max([math.prod(self.input_shape)] + [math.prod(layer.output_shape) for layer in self.layers])

    @property
    def kinds(self) -> list[str]:
        return [layer.kind for layer in self.layers]

    @property
    def weight_shapes(self) -> list[tuple]:
        return [shape for layer in self.layers for shape in layer.weight_shapes]

    def rebuilt_layers(self) -> list[list]:
        """``[kind, settings]`` of every layer that computes something at prediction time: what the evaluator builds."""
        return [[layer.kind, layer.settings] for layer in self.layers if not LAYERS[layer.kind].inference_identity]


def parse(text, input_rank: int = 3) -> ModelSpec:
    """The model described by ``text`` (``model.to_json()``), or ModelProblem saying what cannot be used.
    ``input_rank``: 3 for a CNN's images (height, width, channels), 1 for a network on vectors of features."""
    if type(text) is not str:
        raise ModelProblem("model.to_json() did not return text (a model configuration)")
    if len(text) > MAX_CONFIG_BYTES:
        raise ModelProblem(f"model.to_json() returned {len(text):,} characters, more than a course CNN's "
                           f"configuration can need ({MAX_CONFIG_BYTES:,})")
    try:
        config = json.loads(text)
    except (ValueError, RecursionError):
        raise ModelProblem("model.to_json() did not return a model configuration (not JSON)") from None
    if type(config) is not dict or config.get("class_name") not in MODEL_CLASSES:
        raise ModelProblem("model.to_json() did not return the configuration of a Keras Sequential or functional "
                           "model")
    compile_config = config.get("compile_config")
    layers = _chain(config, depth=0)
    input_shape = _input_shape(config, layers, input_rank)
    specs, shape = [], input_shape
    for position, node in enumerate(layers, 1):
        kind = node["class_name"]
        if kind == "InputLayer":
            settings = _settings(kind, node["config"], f"layer {position} (InputLayer)")
            if settings.get("batch_shape", settings.get("batch_input_shape")) != shape:
                raise ModelProblem(f"layer {position} is a second input whose shape does not match the model's")
            continue
        spec = _layer(kind, node["config"], shape, f"layer {position} ({kind})")
        specs.append(spec)
        shape = spec.output_shape
    return ModelSpec(input_shape, specs, compiled=type(compile_config) is dict and bool(compile_config))


def _chain(config: dict, depth: int) -> list[dict]:
    """The model's layer nodes in the order they are applied, nested models flattened."""
    if depth > MAX_NESTING:
        raise ModelProblem(f"the model nests models more than {MAX_NESTING} deep")
    inner = config.get("config")
    if type(inner) is not dict or type(inner.get("layers")) is not list:
        raise ModelProblem("the model's configuration has no list of layers")
    nodes = inner["layers"]
    if len(nodes) > MAX_LAYERS:
        raise ModelProblem(f"the model has {len(nodes)} layers; the grader accepts at most {MAX_LAYERS}")
    for node in nodes:
        if type(node) is not dict or type(node.get("class_name")) is not str or type(node.get("config")) is not dict:
            raise ModelProblem("the model's configuration holds a layer that is not a Keras layer configuration")
        if node["class_name"] not in LAYERS and node["class_name"] not in MODEL_CLASSES:
            raise ModelProblem(_not_allowed(node["class_name"]))
    if config["class_name"] != "Sequential":
        nodes = _functional_order(nodes, inner)
    flat = []
    for node in nodes:
        kind = node["class_name"]
        if kind in MODEL_CLASSES:
            flat += [n for n in _chain(node, depth + 1) if not (flat and n["class_name"] == "InputLayer")]
        else:
            flat.append(node)
        if len(flat) > MAX_LAYERS:
            raise ModelProblem(f"the model has more than {MAX_LAYERS} layers; the grader accepts at most {MAX_LAYERS}")
    return flat


def _functional_order(nodes: list[dict], inner: dict) -> list[dict]:
    """A functional model's nodes as a chain: each layer applied once, to the output of the layer before."""
    names = [node.get("name") for node in nodes]
    if not all(type(n) is str for n in names) or len(set(names)) != len(names):
        raise ModelProblem("the model's layers do not have distinct names")
    previous = None
    for node in nodes:
        inbound = node.get("inbound_nodes")
        if type(inbound) is not list:
            raise ModelProblem(f"layer {_show(node['name'])} has no record of what it is applied to")
        if previous is None:
            if inbound:
                raise ModelProblem("the model's first layer must be its Input")
        else:
            if len(inbound) != 1:
                raise ModelProblem(
                    f"layer {_show(node['name'])} is applied {len(inbound)} times: the grader accepts models in which "
                    "each layer is used once, one after the other (a Sequential model, or a functional one without "
                    "shared layers or branches)")
            if _single_input(inbound[0]) != previous:
                raise ModelProblem(
                    f"layer {_show(node['name'])} does not take the output of the layer before it: the grader accepts "
                    "models whose layers form a single chain (no branches, skips or extra inputs)")
        previous = node["name"]
    ends = [inner.get("input_layers"), inner.get("output_layers")]
    if not names or ends not in ([[names[0], 0, 0], [names[-1], 0, 0]], [[[names[0], 0, 0]], [[names[-1], 0, 0]]]):
        raise ModelProblem("the model's input and output must be its first and last layers")
    return nodes


def _single_input(call) -> str | None:
    """The name of the layer whose output a functional node's call takes, if it takes exactly one and nothing else."""
    kwargs = call.get("kwargs") if type(call) is dict else None
    # Keras records training=False for dropout-like layers; nothing else may go with the input
    if kwargs is not None and (type(kwargs) is not dict or any(
            k not in ("training", "mask") or v not in (None, True, False) for k, v in kwargs.items())):
        return None
    if type(call) is not dict or type(call.get("args")) is not list:
        return None
    if len(call["args"]) != 1 or type(call["args"][0]) is not dict:
        return None
    tensor = call["args"][0]
    history = tensor.get("config", {}).get("keras_history") if type(tensor.get("config")) is dict else None
    if tensor.get("class_name") != "__keras_tensor__" or type(history) is not list or len(history) != 3:
        return None
    if history[1:] != [0, 0] or type(history[0]) is not str:
        return None
    return history[0]


def _input_shape(config, layers, rank) -> tuple:
    if layers and layers[0]["class_name"] == "InputLayer":
        settings = _settings("InputLayer", layers[0]["config"], "the model's Input")
        shape = settings.get("batch_shape", settings.get("batch_input_shape"))
    elif config["config"].get("build_input_shape") is not None:
        shape = _batch_shape(config["config"]["build_input_shape"], "the model's input shape")
    else:
        shape = None
    if shape is None:
        raise ModelProblem("the model does not say what shape of inputs it takes: start it with "
                           "keras.Input(shape=...)")
    if len(shape) != rank:
        takes = "a CNN takes images (height, width, channels)" if rank == 3 else "it must take vectors of features"
        raise ModelProblem(f"the model takes inputs of shape {shape}; {takes}")
    return shape


def _not_allowed(kind) -> str:
    return (f"the model uses {_show(kind)}, which is not one of the Keras layers the grader rebuilds; the grader "
            "rebuilds your model from its configuration, so use built-in layers (" + ", ".join(sorted(LAYERS)) +
            ") in a Sequential or functional model")


# ---- one layer: settings, shapes, weights, cost -------------------------------------------------


def _settings(kind, config, what) -> dict:
    """The layer's settings, each checked; unknown ones refused."""
    allowed = LAYERS[kind]
    settings = dict(allowed.defaults)
    for key, value in config.items():
        if key in _IGNORED or key in _IGNORED_WEIGHT_SETTINGS:
            continue
        check = allowed.settings.get(key)
        if check is None:
            raise ModelProblem(f"{what} has the setting {_show(key)}, which the grader does not accept for {kind}")
        settings[key] = check(value, f"{what}: {key}")
    missing = [key for key in allowed.required if key not in settings]
    if missing:
        raise ModelProblem(f"{what} needs {' and '.join(missing)}")
    return settings


def _layer(kind, config, shape, what) -> LayerSpec:
    settings = _settings(kind, config, what)
    out, weights, macs = _SHAPES[kind](settings, shape, what)
    return LayerSpec(kind, settings, shape, out, weights, macs)


def _conv(s, shape, what):
    h, w, c = _image(shape, what)
    (kh, kw), (sh, sw), (dh, dw) = s["kernel_size"], s["strides"], s["dilation_rate"]
    out_h, out_w = _window_out(h, (kh - 1) * dh + 1, sh, s["padding"], what), \
        _window_out(w, (kw - 1) * dw + 1, sw, s["padding"], what)
    weights = [(kh, kw, c, s["filters"])] + ([(s["filters"],)] if s["use_bias"] else [])
    return (out_h, out_w, s["filters"]), weights, out_h * out_w * s["filters"] * kh * kw * c


def _pool(s, shape, what):
    h, w, c = _image(shape, what)
    s["strides"] = s.get("strides") or s["pool_size"]  # Keras's default: windows side by side
    (ph, pw), (sh, sw) = s["pool_size"], s["strides"]
    return (_window_out(h, ph, sh, s["padding"], what), _window_out(w, pw, sw, s["padding"], what), c), [], 0


def _global_pool(s, shape, what):
    h, w, c = _image(shape, what)
    return ((1, 1, c) if s["keepdims"] else (c,)), [], 0


def _flatten(s, shape, what):
    return (math.prod(shape),), [], 0


def _dense(s, shape, what):
    units, inputs = s["units"], shape[-1]
    weights = [(inputs, units)] + ([(units,)] if s["use_bias"] else [])
    return (*shape[:-1], units), weights, math.prod(shape[:-1]) * inputs * units


def _batch_norm(s, shape, what):
    c = shape[-1]
    weights = ([(c,)] if s["scale"] else []) + ([(c,)] if s["center"] else []) + [(c,), (c,)]
    return shape, weights, 0


def _zero_padding(s, shape, what):
    h, w, c = _image(shape, what)
    (top, bottom), (left, right) = s["padding"]
    return (h + top + bottom, w + left + right, c), [], 0


def _same_shape(s, shape, what):
    return shape, [], 0


def _image(shape, what):
    if len(shape) != 3:
        raise ModelProblem(f"{what} takes images (height, width, channels), but it comes after a layer whose output "
                           f"has the shape {shape}")
    return shape


def _window_out(size, window, stride, padding, what):
    out = -(-size // stride) if padding == "same" else (size - window) // stride + 1
    if out < 1:
        raise ModelProblem(f"{what}: a window of {window} does not fit into its input of size {size}; pool less or "
                           "use padding='same'")
    return out


_SHAPES = {"Conv2D": _conv, "MaxPooling2D": _pool, "AveragePooling2D": _pool, "GlobalAveragePooling2D": _global_pool,
           "GlobalMaxPooling2D": _global_pool, "Flatten": _flatten, "Dense": _dense,
           "BatchNormalization": _batch_norm, "ZeroPadding2D": _zero_padding,
           **{kind: _same_shape for kind in ("Activation", "ReLU", "LeakyReLU", "Softmax", "Rescaling", "Dropout",
                                            "SpatialDropout2D", "GaussianNoise", "RandomFlip", "RandomRotation",
                                            "RandomTranslation", "RandomZoom", "RandomContrast")}}


def _show(value) -> str:
    """A value from the configuration, short and safe to put in a message."""
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
