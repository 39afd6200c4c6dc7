"""A student's model configuration is data: the allowlist and the cost rules, as pure functions over JSON.

The configurations in ``tests/corpus/cnn_configs/`` are Keras's own ``to_json()`` of a Sequential and a
functional CNN; every attack is one of them, edited as a student's kernel could edit the text it returns.
Nothing here builds a model: the point is that nothing needs to be built to refuse one.
"""

import copy
import json

import pytest

from autograders.assignments.cnn import model_config, reference
from autograders.assignments.cnn.model_config import ModelProblem
from notebooks import CORPUS

CONFIGS = CORPUS / "cnn_configs"


def config(name):
    return json.loads((CONFIGS / f"{name}.json").read_text())


def parse(value):
    return model_config.parse(json.dumps(value))


def layer(class_name, **settings):
    return {"module": "keras.layers", "class_name": class_name, "config": {"name": class_name.lower(), **settings},
            "registered_name": None}


def tensor_from(name, index=0):
    return {"args": [{"class_name": "__keras_tensor__", "config": {"shape": [None, 8], "dtype": "float32",
                                                                   "keras_history": [name, index, 0]}}], "kwargs": {}}


ATTACKS = []


def refused(base, phrase):
    """Registers an attack: an edit of Keras's own ``base`` configuration that the allowlist refuses, its message
    matching ``phrase``."""
    def register(attack):
        ATTACKS.append(pytest.param(attack, base, phrase, id=attack.__name__))
        return attack
    return register


def test_keras_own_configurations_give_the_shapes_parameters_and_cost_keras_gives():
    sequential, functional = parse(config("sequential")), parse(config("functional"))
    # Keras's own count_params() and get_weights() of these two models
    assert sequential.parameters == 24810 and functional.parameters == 13066
    assert sequential.weight_shapes == [(4, 4, 1, 32), (32,), (3, 3, 32, 64), (64,), (576, 10), (10,)]
    assert functional.weight_shapes == [(5, 5, 1, 16), (16,), (3, 3, 16, 32), (32,), (800, 10), (10,)]
    assert sequential.input_shape == (28, 28, 1) and sequential.output_shape == (10,) and sequential.compiled
    assert sequential.multiply_adds == 13 * 13 * 32 * 16 + 6 * 6 * 64 * 288 + 576 * 10
    assert functional.kinds == ["Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D", "Flatten", "Dropout", "Dense",
                                "Activation"]
    # what the evaluator builds: no augmentation or dropout, settings checked and complete
    assert [kind for kind, _ in sequential.rebuilt_layers()] == ["Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D",
                                                                 "Flatten", "Dense"]
    assert sequential.rebuilt_layers()[0][1] == {"filters": 32, "kernel_size": [4, 4], "strides": [2, 2],
                                                 "padding": "valid", "dilation_rate": [1, 1], "activation": "relu",
                                                 "use_bias": True}
    reference.expect_within_limits(sequential)


@refused("functional", "uses 'Lambda', which is not one of the Keras layers the grader rebuilds")
def lambda_without_module(cfg):
    """A functional model's layer node without "module" (Keras's legacy path) that is a Lambda calling a Keras
    helper which writes a file, on an argument the configuration supplies."""
    cfg["config"]["layers"].insert(1, {
        "class_name": "Lambda", "name": "pwn", "inbound_nodes": [{"args": ["/tmp/dlcourse-pwned.png"], "kwargs": {}}],
        "config": {"name": "pwn", "function": {"module": "keras.utils", "class_name": "function",
                                               "config": "save_img", "registered_name": "function"},
                   "arguments": {"x": [[[0.5]]]}}})
    return cfg


@refused("sequential", "uses 'Lambda', which is not one of the Keras layers the grader rebuilds")
def lambda_in_sequential(cfg):
    """The same in a Sequential model, with the function as marshalled bytecode (Keras 2's format)."""
    cfg["config"]["layers"].insert(2, {"class_name": "Lambda", "config": {
        "name": "pwn", "function": ["4wEAAAAAAAAAAAAAAAEAAAADAAAA8w==", None, None], "function_type": "lambda"}})
    return cfg


@refused("sequential", "uses 'Lambda'")
def lambda_with_module(cfg):
    cfg["config"]["layers"].insert(2, layer("Lambda", function={"class_name": "__lambda__", "config": {}}))
    return cfg


@refused("sequential", "uses 'EvilConv'")
def custom_layer(cfg):
    cfg["config"]["layers"].insert(2, {"module": "keras.layers", "class_name": "Conv2D", "registered_name": "Evil>Conv",
                                       "config": {"name": "c", "filters": 1, "kernel_size": 1}})
    cfg["config"]["layers"][2]["class_name"] = "EvilConv"
    return cfg


@refused("sequential", "pass activations by name")
def activation_function_object(cfg):
    cfg["config"]["layers"][2]["config"]["activation"] = {"module": "keras.src.utils.file_utils",
                                                         "class_name": "function", "config": "rmtree"}
    return cfg


@refused("sequential", "has the setting 'kernel_initializer_function'")
def unknown_setting(cfg):
    cfg["config"]["layers"][2]["config"]["kernel_initializer_function"] = "rm -rf /"
    return cfg


@refused("functional", "is applied 2 times")
def shared_layer(cfg):
    """One Conv2D applied twice: the functional format records a second inbound node."""
    conv = cfg["config"]["layers"][1]
    conv["inbound_nodes"].append(tensor_from(conv["name"]))
    return cfg


@refused("functional", "does not take the output of the layer before it")
def branch(cfg):
    """The output layer takes the input of the model instead of the layer before it (a skip)."""
    cfg["config"]["layers"][-1]["inbound_nodes"] = [tensor_from(cfg["config"]["layers"][0]["name"])]
    return cfg


@refused("functional", "does not take the output of the layer before it")
def extra_call_arguments(cfg):
    cfg["config"]["layers"][1]["inbound_nodes"][0]["kwargs"] = {"mask": {"class_name": "__lambda__"}}
    return cfg


@refused("sequential", "not return the configuration of a Keras Sequential or functional model")
def not_a_model(cfg):
    return {"class_name": "Lambda", "config": cfg}


@refused("sequential", "nests models more than")
def deep_nesting(cfg):
    for _ in range(model_config.MAX_NESTING + 2):
        cfg = {"class_name": "Sequential", "config": {"layers": [cfg]}}
    return cfg


@refused("sequential", "the grader accepts at most 64")
def too_many_layers(cfg):
    cfg["config"]["layers"] += [layer("ReLU")] * model_config.MAX_LAYERS
    return cfg


@refused("sequential", "does not say what shape of inputs it takes")
def no_input(cfg):
    del cfg["config"]["layers"][0], cfg["config"]["build_input_shape"]
    return cfg


@pytest.mark.parametrize("attack, base, phrase", ATTACKS)
def test_what_is_not_a_plain_chain_of_built_in_layers_is_refused_with_a_message(attack, base, phrase):
    with pytest.raises(ModelProblem, match=phrase):
        parse(attack(config(base)))


def dense(units, cfg):
    cfg["config"]["layers"][-1]["config"]["units"] = units
    return cfg


def one_conv_applied_many_times(times):
    """As a student would write it: a functional model that applies one shared Conv2D ``times`` times."""
    cfg = config("functional")
    conv = copy.deepcopy(cfg["config"]["layers"][1])
    conv["config"].update(filters=1, kernel_size=[3, 3], padding="same")
    conv["inbound_nodes"] = [tensor_from("input_layer")] + [tensor_from(conv["name"], i) for i in range(times - 1)]
    cfg["config"]["layers"] = [cfg["config"]["layers"][0], conv]
    cfg["config"]["output_layers"] = [conv["name"], times - 1, 0]
    return cfg


def test_a_model_over_the_limits_is_refused_before_anything_is_built():
    spec = parse(dense(250_000, config("sequential")))  # 144 million parameters in its Dense layer
    with pytest.raises(ModelProblem, match="has 144,269,040 parameters, more than 100,000: use fewer"):
        reference.expect_within_limits(spec)
    with pytest.raises(ModelProblem, match="is applied 5000 times"):
        parse(one_conv_applied_many_times(5000))
    # the same cost as a plain chain: 64 convolutions of 256 filters on 28x28 images
    chain = config("sequential")
    chain["config"]["layers"][2:2] = [layer("Conv2D", filters=256, kernel_size=3, padding="same")] * 60
    with pytest.raises(ModelProblem, match="the grader accepts at most 64"):
        parse(chain)
    costly = config("sequential")
    costly["config"]["layers"][2:2] = [layer("Conv2D", filters=32, kernel_size=3, padding="same")] * 4  # 69k parameters
    with pytest.raises(ModelProblem, match="multiply-adds per image, more than 20,000,000"):
        reference.expect_within_limits(parse(costly))
    padded = config("sequential")  # no parameters, no multiply-adds, 1,308 x 1,308 values per image
    padded["config"]["layers"][1:] = [layer("ZeroPadding2D", padding=64)] * 10 + [
        layer("GlobalMaxPooling2D"), layer("Dense", units=10, activation="softmax")]
    with pytest.raises(ModelProblem, match="outputs 1,710,864 values per image, more than 1,000,000"):
        reference.expect_within_limits(parse(padded))


@pytest.mark.parametrize("text", ["", "[]", "null", '"text"', "{" * 100_000, '{"class_name": "Sequential"}',
                                  '{"class_name": "Sequential", "config": {"layers": {"a": 1}}}',
                                  '{"class_name": "Sequential", "config": {"layers": [1, 2]}}',
                                  "x" * (model_config.MAX_CONFIG_BYTES + 1)])
def test_text_that_is_not_a_model_configuration_is_refused(text):
    with pytest.raises(ModelProblem, match="model.to_json()|layers|configuration"):
        model_config.parse(text)


@pytest.mark.parametrize("key, value, phrase", [
    ("filters", 0, "from 1 to"), ("filters", "32", "from 1 to"), ("filters", True, "from 1 to"),
    ("filters", 2**100, "from 1 to"), ("kernel_size", [3, 3, 3], "two of them"), ("strides", [0, 1], "from 1 to"),
    ("padding", "causal", "one of 'valid', 'same'"), ("groups", 2, "must be 1"),
    ("data_format", "channels_first", "one of 'channels_last'"), ("activation", None, "name of a Keras activation"),
    ("use_bias", 1, "true or false")])
def test_every_setting_is_checked_by_type_and_range(key, value, phrase):
    cfg = config("sequential")
    cfg["config"]["layers"][2]["config"][key] = value
    with pytest.raises(ModelProblem, match=phrase):
        parse(cfg)


def test_settings_that_do_not_change_predictions_are_read_but_never_used():
    cfg = config("sequential")
    conv = cfg["config"]["layers"][2]["config"]
    conv["kernel_initializer"] = {"module": "evil", "class_name": "RunMe", "config": {"cmd": "rm -rf /"}}
    conv["kernel_regularizer"] = [1, {"x": None}]
    cfg["compile_config"] = {"run_eagerly": True, "loss": {"module": "evil", "class_name": "Loss"}}
    spec = parse(cfg)
    assert spec.compiled and "kernel_initializer" not in spec.rebuilt_layers()[0][1]


def mlp_config():
    """The TensorFlow assignment's network, as Keras's to_json() gives it: features in, Dense-Dropout-Dense."""
    cfg = config("sequential")
    inputs = copy.deepcopy(cfg["config"]["layers"][0])
    inputs["config"]["batch_shape"] = [None, 2]
    cfg["config"]["layers"] = [inputs, layer("Dense", units=64, activation="relu"), layer("Dropout", rate=0.2),
                               layer("Dense", units=3, activation="softmax")]
    return cfg


def test_a_network_on_features_is_read_by_the_same_allowlist():
    from autograders.assignments.tensorflow_basics import reference as tf_reference

    spec = tf_reference.network(json.dumps(mlp_config()))
    assert spec.input_shape == (2,) and spec.output_shape == (3,) and spec.kinds == ["Dense", "Dropout", "Dense"]
    assert [layer.declared.get("rate") for layer in spec.layers] == [None, 0.2, None]
    assert spec.layers[0].settings == {"units": 64, "activation": "relu", "use_bias": True}
    assert [kind for kind, _ in spec.rebuilt_layers()] == ["Dense", "Dense"]  # dropout is not rebuilt
    with pytest.raises(ModelProblem, match="it must take vectors of features"):
        tf_reference.network(json.dumps(config("sequential")))
    with pytest.raises(ModelProblem, match="a CNN takes images"):
        parse(mlp_config())
    evil = mlp_config()
    evil["config"]["layers"].insert(2, {"class_name": "Lambda", "config": {"name": "pwn", "function": "os.system"}})
    with pytest.raises(ModelProblem, match="uses 'Lambda'"):
        tf_reference.network(json.dumps(evil))
    with pytest.raises(ModelProblem, match="parameters, more than 100,000"):
        tf_reference.network(json.dumps(dense(250_000, mlp_config())))
