# build_cnn returns a real, small model whose to_json() describes a costly one: a Dense layer of 250,000
# units (288 million parameters) for 28x28x1 images, one Conv2D applied 5,000 times for 32x32x3 images.
# The grader computes the cost from the configuration and refuses both before building anything.
# expect: test_build_cnn loses points, feedback says "parameters, more than 100,000"
# expect: test_build_cnn loses points, feedback says "is applied 5000 times"
# expect: test_train_cnn loses points, feedback says "parameters, more than 100,000"
# base: ../cnn/brief_training
# %% build_cnn_impl
import json


def build_cnn(input_shape=(28, 28, 1), num_classes=10):
    inputs = keras.Input(shape=input_shape)
    h = keras.layers.Conv2D(8, 5, activation="relu")(inputs)
    h = keras.layers.MaxPooling2D(2)(h)
    h = keras.layers.Flatten()(h)
    h = keras.layers.Dropout(0.25)(h)
    outputs = keras.layers.Dense(num_classes, activation="softmax")(h)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(), metrics=["accuracy"])
    config = json.loads(model.to_json())
    layers = config["config"]["layers"]
    if tuple(input_shape) == (28, 28, 1):
        layers[-1]["config"]["units"] = 250_000
    else:
        conv = layers[1]
        conv["config"].update(filters=3, kernel_size=[3, 3], padding="same")
        conv["inbound_nodes"] += [{"args": [{"class_name": "__keras_tensor__",
                                             "config": {"shape": [None, 32, 32, 3], "dtype": "float32",
                                                        "keras_history": [conv["name"], i, 0]}}], "kwargs": {}}
                                  for i in range(4999)]
        config["config"]["layers"] = [layers[0], conv]
        config["config"]["output_layers"] = [conv["name"], 4999, 0]
    text = json.dumps(config)
    model.to_json = lambda **kwargs: text
    return model
