# build_cnn returns a real model whose to_json() describes a Lambda layer that would write a file on the
# grader's machine if the grader deserialised it (a legacy layer node without "module" in a functional
# model; bytecode in a Sequential one for the 32x32x3 model). The grader reads the configuration as data:
# the Lambda is refused with a message, the model is neither trained nor built, and no file appears.
# expect: test_build_cnn loses points, feedback says "uses 'Lambda', which is not one of the Keras layers"
# expect: test_train_cnn loses points, feedback says "uses 'Lambda', which is not one of the Keras layers"
# base: ../cnn/brief_training
# %% build_cnn_impl
import base64
import json
import marshal


def _write_on_the_grader(x):
    open("/tmp/dlcourse-hostile-lambda.txt", "w").write("written by a student's model")
    return x


def build_cnn(input_shape=(28, 28, 1), num_classes=10):
    inputs = keras.Input(shape=input_shape)
    h = keras.layers.Conv2D(16, 5, activation="relu")(inputs)
    h = keras.layers.MaxPooling2D(2)(h)
    h = keras.layers.Flatten()(h)
    h = keras.layers.Dropout(0.25)(h)
    outputs = keras.layers.Dense(num_classes, activation="softmax")(h)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(), metrics=["accuracy"])
    config = json.loads(model.to_json())
    layers = config["config"]["layers"]
    if tuple(input_shape) == (28, 28, 1):
        layers.insert(1, {"class_name": "Lambda", "name": "pwn",
                          "inbound_nodes": [{"args": ["/tmp/dlcourse-hostile-lambda.png"], "kwargs": {}}],
                          "config": {"name": "pwn", "arguments": {"x": [[[0.5]]]},
                                     "function": {"module": "keras.utils", "class_name": "function",
                                                  "config": "save_img", "registered_name": "function"}}})
        config["compile_config"]["run_eagerly"] = True
    else:
        code = base64.b64encode(marshal.dumps(_write_on_the_grader.__code__)).decode()
        lambda_node = {"class_name": "Lambda", "config": {"name": "pwn", "function": [code, None, None],
                                                          "function_type": "lambda"}}
        config = {"module": "keras", "class_name": "Sequential",
                  "config": {"name": "sequential", "layers": [layers[0], lambda_node]}}
    text = json.dumps(config)
    model.to_json = lambda **kwargs: text
    return model
