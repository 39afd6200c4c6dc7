"""The CNN assignment's evaluator operations (see ``autograders/engine/evaluator.py``).

TensorFlow's own convolution and pooling, which the contract names as the definition, and a
student's model rebuilt from the grader's checked description of it (``model_config``), never
from the student's configuration, to predict images. This runs in the student environment,
sandboxed, and imports nothing of the grader's.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402 (after the log level, which TensorFlow reads on import)
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

# the layers a description may name (model_config checked them; this file trusts nothing it is sent)
REBUILT = frozenset({"Conv2D", "MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D", "GlobalMaxPooling2D",
                     "Flatten", "Dense", "BatchNormalization", "Activation", "ReLU", "LeakyReLU", "Softmax",
                     "Rescaling", "ZeroPadding2D"})


def conv2d(x, w, b, stride, padding):
    return tf.nn.conv2d(x, w, strides=stride, padding=padding.upper()).numpy() + b


def max_pool(x, pool_size, stride):
    return tf.nn.max_pool2d(x, pool_size, stride, "VALID").numpy()


def _layer(kind, settings):
    if kind not in REBUILT or type(settings) is not dict:
        raise ValueError("not a layer the evaluator rebuilds")
    return getattr(keras.layers, kind)(**settings)


def predict(input_shape, layers, weights, x):
    """The model's outputs for images ``x``; ``weights`` None keeps the freshly initialised ones."""
    model = keras.Sequential([keras.Input(shape=tuple(input_shape)), *(_layer(*layer) for layer in layers)])
    if weights is not None:
        model.set_weights([np.asarray(w, dtype=np.float32) for w in weights])
    return np.asarray(model.predict(np.asarray(x, dtype=np.float32), batch_size=100, verbose=0), dtype=np.float32)


OPS = {"conv2d": conv2d, "max_pool": max_pool, "predict": predict}
