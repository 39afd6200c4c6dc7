"""Public checks for the CNN assignment: run them before you submit.

They catch common slips quickly. Passing them does not guarantee full marks:
the grader runs stricter hidden checks (many more shapes, strides, kernel
sizes and paddings; it trains your network on its own digits and tests it on
digits you have never seen).
"""

import numpy as np
from notebook_tools import all_layers, public_check, timed_training
import tensorflow as tf
from tensorflow import keras


def _shape(a):
    return tuple(np.shape(a))


def _worst(got, expected):
    """Position, got and expected value where two arrays of the same shape differ most."""
    diff = np.abs(np.asarray(got, dtype=np.float64) - np.asarray(expected, dtype=np.float64))
    i = np.unravel_index(np.argmax(diff), diff.shape)
    return i, np.asarray(got)[i], np.asarray(expected)[i]


@public_check
def check_conv2d_forward(conv2d_forward):
    # 1. by hand: one 3x3 image, one 2x2 kernel, bias 1
    x = np.arange(9.0).reshape(1, 3, 3, 1)           # [[0 1 2] [3 4 5] [6 7 8]]
    w = np.array([[1.0, 2.0], [3.0, 4.0]]).reshape(2, 2, 1, 1)
    b = np.array([1.0])
    expected = np.array([[28.0, 38.0], [58.0, 68.0]]).reshape(1, 2, 2, 1)
    out = conv2d_forward(x, w, b)
    if _shape(out) != expected.shape:
        raise AssertionError(f"a (1, 3, 3, 1) image and a (2, 2, 1, 1) kernel with padding='valid', stride 1 "
                             f"should give the shape {expected.shape}, got {_shape(out)}")
    if not np.allclose(out, expected):
        flipped = np.array([[14.0, 24.0], [44.0, 54.0]]).reshape(1, 2, 2, 1)
        hint = (" It looks like you flipped the kernel: deep-learning libraries compute a cross-correlation, "
                "w[0, 0] multiplies the top-left pixel of each patch." if np.allclose(out, flipped) else "")
        raise AssertionError(f"image [[0, 1, 2], [3, 4, 5], [6, 7, 8]], kernel [[1, 2], [3, 4]], bias 1: expected "
                             f"[[28, 38], [58, 68]], got {np.round(np.asarray(out)[0, :, :, 0], 4).tolist()}.{hint}")

    # 2. output shapes
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 7, 7, 3))
    w = rng.normal(size=(3, 3, 3, 4))
    b = rng.normal(size=4)
    for stride, padding, size in ((1, "valid", 5), (2, "valid", 3), (1, "same", 7), (2, "same", 4)):
        got = _shape(conv2d_forward(x, w, b, stride=stride, padding=padding))
        if got != (2, size, size, 4):
            raise AssertionError(f"x of shape (2, 7, 7, 3), w of shape (3, 3, 3, 4), stride={stride}, "
                                 f"padding={padding!r}: expected the shape (2, {size}, {size}, 4), got {got}")

    # 3. against TensorFlow, random numbers, several channels
    x = rng.normal(size=(2, 6, 5, 2))
    w = rng.normal(size=(3, 3, 2, 3))
    b = rng.normal(size=3)
    for padding in ("valid", "same"):
        expected = tf.nn.conv2d(x, w, strides=1, padding=padding.upper()).numpy() + b
        out = conv2d_forward(x, w, b, stride=1, padding=padding)
        if _shape(out) != expected.shape:
            raise AssertionError(f"x (2, 6, 5, 2), w (3, 3, 2, 3), padding={padding!r}: tf.nn.conv2d gives the "
                                 f"shape {expected.shape}, you gave {_shape(out)}")
        if not np.allclose(out, expected, rtol=1e-6, atol=1e-9):
            i, g, e = _worst(out, expected)
            raise AssertionError(f"x (2, 6, 5, 2), w (3, 3, 2, 3), padding={padding!r}: differs from "
                                 f"tf.nn.conv2d(x, w, 1, {padding.upper()!r}) + b, e.g. at out{list(i)}: "
                                 f"expected {e:.6f}, got {g:.6f}")

    # 4. even kernels and strides: the total "same" padding is odd, and its extra row goes at the bottom
    for kernel, stride in ((4, 1), (2, 2)):
        w = rng.normal(size=(kernel, kernel, 2, 3))
        expected = tf.nn.conv2d(x, w, strides=stride, padding="SAME").numpy() + b
        out = conv2d_forward(x, w, b, stride=stride, padding="same")
        if _shape(out) != expected.shape or not np.allclose(out, expected, rtol=1e-6, atol=1e-9):
            raise AssertionError(f"x (2, 6, 5, 2), a {kernel}x{kernel} kernel, stride={stride}, padding='same': differs "
                                 f"from tf.nn.conv2d(x, w, {stride}, 'SAME') + b. When the total padding is odd, "
                                 "the extra row goes at the bottom and the extra column on the right")

    try:
        conv2d_forward(x, w, b, stride=1, padding="full")
    except ValueError:
        pass
    else:
        raise AssertionError("conv2d_forward(x, w, b, padding='full') should raise ValueError "
                             "(only 'valid' and 'same' are supported)")
    print("conv2d_forward: public checks passed")


@public_check
def check_max_pool_forward(max_pool_forward):
    x = np.array([[1.0, 3.0, 2.0, 0.0],
                  [4.0, 2.0, 1.0, 5.0],
                  [0.0, 1.0, 7.0, 6.0],
                  [2.0, 8.0, 3.0, 4.0]]).reshape(1, 4, 4, 1)
    expected = np.array([[4.0, 5.0], [8.0, 7.0]])
    out = max_pool_forward(x, pool_size=2, stride=2)
    if _shape(out) != (1, 2, 2, 1) or not np.array_equal(np.asarray(out)[0, :, :, 0], expected):
        got = np.asarray(out)[0, :, :, 0].tolist() if _shape(out) == (1, 2, 2, 1) else f"the shape {_shape(out)}"
        raise AssertionError(f"2x2 max pooling with stride 2 of [[1, 3, 2, 0], [4, 2, 1, 5], [0, 1, 7, 6], "
                             f"[2, 8, 3, 4]] should give [[4, 5], [8, 7]], got {got}")

    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 9, 8, 3)).astype(np.float32)
    for pool_size, stride in ((2, 2), (3, 2), (3, 1)):
        expected = tf.nn.max_pool2d(x, pool_size, stride, "VALID").numpy()
        out = max_pool_forward(x, pool_size=pool_size, stride=stride)
        if _shape(out) != expected.shape:
            raise AssertionError(f"x of shape (2, 9, 8, 3), pool_size={pool_size}, stride={stride}: expected the "
                                 f"shape {expected.shape}, got {_shape(out)}")
        if not np.allclose(out, expected):
            i, g, e = _worst(out, expected)
            raise AssertionError(f"x (2, 9, 8, 3), pool_size={pool_size}, stride={stride}: differs from "
                                 f"tf.nn.max_pool2d(x, {pool_size}, {stride}, 'VALID'), e.g. at out{list(i)}: "
                                 f"expected {e:.6f}, got {g:.6f}")
    print("max_pool_forward: public checks passed")


@public_check
def check_build_cnn(build_cnn):
    model = build_cnn()
    if not isinstance(model, keras.Model):
        raise AssertionError(f"build_cnn() should return a keras.Model, got {type(model).__name__}")
    if not getattr(model, "compiled", False) or model.optimizer is None:
        raise AssertionError("build_cnn() should return a compiled model: call model.compile(optimizer=..., "
                             "loss='sparse_categorical_crossentropy', metrics=['accuracy'])")
    layers = list(all_layers(model))
    for kind in (keras.layers.Conv2D, keras.layers.MaxPooling2D, keras.layers.Dropout):
        if not any(isinstance(layer, kind) for layer in layers):
            raise AssertionError(f"the model should have at least one {kind.__name__} layer; its layers are "
                                 f"{[type(layer).__name__ for layer in layers]}")
    if any(isinstance(layer, keras.layers.Lambda) for layer in layers):
        raise AssertionError("Lambda layers cannot be rebuilt by the grader: use built-in Keras layers only")
    n_params = model.count_params()
    if n_params > 100_000:
        raise AssertionError(f"the model has {n_params:,} parameters, at most 100,000 are allowed")
    shape = tuple(model.output_shape)
    if shape != (None, 10):
        raise AssertionError(f"the output of build_cnn() should have the shape (None, 10), got {shape}")

    x = np.random.default_rng(0).uniform(size=(4, 28, 28, 1)).astype(np.float32)
    probs = np.asarray(model.predict(x, verbose=0))
    if np.any(probs < 0) or not np.allclose(probs.sum(axis=1), 1, atol=1e-4):
        raise AssertionError(f"the output should be softmax probabilities (non-negative, each row summing to 1); "
                             f"the first row sums to {probs[0].sum():.4f}: end with "
                             f"Dense(num_classes, activation='softmax')")
    try:
        result = model.evaluate(x, np.array([0, 3, 7, 9]), verbose=0, return_dict=True)
    except Exception as exc:
        raise AssertionError(f"evaluating the model on integer labels failed ({type(exc).__name__}): compile it "
                             f"with loss='sparse_categorical_crossentropy'") from None
    if not any("acc" in key for key in result):
        raise AssertionError(f"compile the model with metrics=['accuracy']; evaluate() reports only {list(result)}")

    # the grader builds other models too: build_cnn must honour both of its arguments
    other = build_cnn(input_shape=(32, 32, 3), num_classes=5)
    call = "build_cnn(input_shape=(32, 32, 3), num_classes=5)"
    if tuple(other.input_shape) != (None, 32, 32, 3):
        raise AssertionError(f"{call} should take 32x32 colour images, input shape (None, 32, 32, 3); its input "
                             f"shape is {tuple(other.input_shape)}: pass input_shape to keras.Input")
    if tuple(other.output_shape) != (None, 5):
        raise AssertionError(f"{call} should have the output shape (None, 5), got {tuple(other.output_shape)}")

    try:
        rebuilt = keras.models.model_from_json(model.to_json())
        rebuilt.set_weights(model.get_weights())
    except Exception as exc:
        raise AssertionError(f"the grader cannot rebuild your model from model.to_json() ({type(exc).__name__}: "
                             f"{exc}): use built-in Keras layers only") from None
    if not np.allclose(rebuilt.predict(x, verbose=0), probs, atol=1e-5):
        raise AssertionError("the model rebuilt from model.to_json() with your weights predicts differently "
                             "from your model")
    print(f"build_cnn: public checks passed ({n_params:,} parameters)")


@public_check
def check_train_cnn(build_cnn, train_cnn, x, y):
    model, history, seconds = timed_training(build_cnn, train_cnn, x, y)
    losses = history.history.get("loss", [])
    if len(losses) < 2:
        raise AssertionError(f"train for at least 2 epochs; the History has {len(losses)} loss value(s)")
    if "val_loss" not in history.history:
        raise AssertionError("the History has no validation loss: pass validation_split=0.1 to model.fit")
    if not losses[-1] < losses[0]:
        raise AssertionError(f"the training loss did not go down: {losses[0]:.4f} after the first epoch, "
                             f"{losses[-1]:.4f} after the last")
    accuracy = float(np.mean(np.argmax(model.predict(x, verbose=0), axis=1) == y))
    print(f"train_cnn: public checks passed ({len(x)} digits, {len(losses)} epochs in {seconds:.1f} s, "
          f"loss {losses[0]:.3f} -> {losses[-1]:.3f}, accuracy on these digits {accuracy:.1%})")
