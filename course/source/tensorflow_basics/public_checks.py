"""Public checks for the TensorFlow assignment: run them before you submit.

They catch common slips quickly. Passing them does not guarantee full marks: the grader runs
stricter hidden checks (random shapes, your gradients against backprop's, your network trained
on spirals you have never seen).
"""

import numpy as np
from notebook_tools import all_layers, eval_numerical_gradient, public_check, timed_training
import tensorflow as tf
from tensorflow import keras


def _tensor(value, what):
    if not isinstance(value, tf.Tensor):
        raise AssertionError(f"{what} should return a TensorFlow tensor (tf.Tensor), got {type(value).__name__}")
    return value


@public_check
def check_standardize(standardize):
    x = np.array([[1, 10, 5], [3, 30, 5], [5, 50, 5]])            # integers; the last column is constant
    out = _tensor(standardize(x), "standardize")
    if out.dtype != tf.float32:
        raise AssertionError(f"standardize should return float32, got {out.dtype.name}: tf.cast the input first")
    if tuple(out.shape) != (3, 3):
        raise AssertionError(f"standardize should keep the shape (3, 3), got {tuple(out.shape)}")
    expected = np.array([[-1.2247449, -1.2247449, 0.0], [0.0, 0.0, 0.0], [1.2247449, 1.2247449, 0.0]])
    if not np.allclose(out.numpy(), expected, atol=1e-5):
        hint = (" A column whose values are all equal should become 0, not NaN."
                if not np.all(np.isfinite(out.numpy())) else "")
        raise AssertionError(f"standardize([[1, 10, 5], [3, 30, 5], [5, 50, 5]]) should be\n{expected}\ngot\n"
                             f"{out.numpy()}.{hint} (Each column: minus its mean, divided by its standard deviation.)")
    print("standardize: public checks passed")


def _loss_of(f, params, X, y, reg):
    return float(f(params, X, y, reg)[0])


@public_check
def check_tape_loss_and_gradients(tape_loss_and_gradients):
    rng = np.random.default_rng(0)
    params = {"W1": rng.normal(size=(3, 4)), "b1": rng.normal(size=4), "W2": rng.normal(size=(4, 2)),
              "b2": rng.normal(size=2)}
    before = {k: v.copy() for k, v in params.items()}
    X, y = rng.normal(size=(5, 3)), np.array([0, 1, 1, 0, 1])
    for reg in (0.0, 0.3):
        result = tape_loss_and_gradients(params, X, y, reg)
        if not isinstance(result, tuple) or len(result) != 2:
            raise AssertionError("tape_loss_and_gradients should return a pair: loss, grads")
        loss, grads = result
        if not isinstance(loss, float):
            raise AssertionError(f"the loss should be a Python float (float(loss)), got {type(loss).__name__}")
        if not isinstance(grads, dict) or set(grads) != set(params):
            raise AssertionError(f"grads should be a dict with the keys {sorted(params)}")
        for key, value in params.items():
            grad = grads[key]
            if not isinstance(grad, np.ndarray) or grad.shape != value.shape:
                raise AssertionError(f"grads[{key!r}] should be a numpy array of shape {value.shape} (use .numpy()), "
                                     f"got {type(grad).__name__} {np.shape(grad)}")
            numeric = eval_numerical_gradient(
                lambda v: _loss_of(tape_loss_and_gradients, {**params, key: v}, X, y, reg), value, h=1e-6)
            error = np.max(np.abs(grad - numeric) / np.maximum(1e-8, np.abs(grad) + np.abs(numeric)))
            if error > 1e-6:
                raise AssertionError(f"grads[{key!r}] with reg={reg} does not match the numerical gradient of your "
                                     f"loss (relative error {error:.1e}, should be below 1e-6): compute in float64")
    if any(not np.array_equal(before[k], params[k]) for k in params):
        raise AssertionError("tape_loss_and_gradients changed params: leave the caller's arrays alone")
    print("tape_loss_and_gradients: public checks passed")


def _passes(dataset):
    return [(np.asarray(xb), np.asarray(yb)) for xb, yb in dataset]


@public_check
def check_make_dataset(make_dataset):
    X = np.arange(20, dtype=np.float64).reshape(10, 2)
    y = np.arange(10)
    dataset = make_dataset(X, y, 4, shuffle=False)
    if not isinstance(dataset, tf.data.Dataset):
        raise AssertionError(f"make_dataset should return a tf.data.Dataset, got {type(dataset).__name__}")
    batches = _passes(dataset)
    if [len(b[1]) for b in batches] != [4, 4, 2]:
        raise AssertionError(f"10 examples in batches of 4 should give batches of 4, 4 and 2 (keep the last, smaller "
                             f"batch); got {[len(b[1]) for b in batches]}")
    xb, yb = batches[0]
    if xb.dtype != np.float32 or yb.dtype != np.int64:
        raise AssertionError(f"x_batch should be float32 and y_batch int64; got {xb.dtype} and {yb.dtype}")
    if not np.array_equal(np.concatenate([b[1] for b in batches]), y):
        raise AssertionError("with shuffle=False the examples should come in the order of X")
    X, y = np.arange(200, dtype=np.float64).reshape(100, 2), np.arange(100)
    dataset = make_dataset(X, y, 16, shuffle=True, seed=1)
    orders = []
    for _ in range(2):
        batches = _passes(dataset)
        xs, ys = np.concatenate([b[0] for b in batches]), np.concatenate([b[1] for b in batches])
        if sorted(ys.tolist()) != list(range(100)):
            raise AssertionError("every example should come exactly once in each pass over the dataset")
        if not np.array_equal(xs[:, 0], 2 * ys):
            raise AssertionError("rows and labels got separated: shuffle the (x, y) pairs together")
        orders.append(ys)
    if np.array_equal(orders[0], np.arange(100)) or np.array_equal(orders[0], orders[1]):
        raise AssertionError("with shuffle=True each pass should come in a new random order "
                             "(shuffle the whole data, reshuffle_each_iteration=True)")
    print("make_dataset: public checks passed")


@public_check
def check_build_mlp(build_mlp):
    for args in ({}, {"input_dim": 5, "num_classes": 4, "hidden_units": 16, "dropout_rate": 0.5}):
        call = f"build_mlp({', '.join(f'{k}={v}' for k, v in args.items())})"
        model = build_mlp(**args)
        if not isinstance(model, keras.Model):
            raise AssertionError(f"{call} should return a keras.Model, got {type(model).__name__}")
        if model.optimizer is None or not getattr(model, "compiled", False):
            raise AssertionError(f"{call} should return a compiled model: call model.compile(...)")
        input_dim, num_classes = args.get("input_dim", 2), args.get("num_classes", 3)
        if tuple(model.input_shape) != (None, input_dim) or tuple(model.output_shape) != (None, num_classes):
            raise AssertionError(f"{call} should map inputs of shape (None, {input_dim}) to (None, {num_classes}); "
                                 f"it maps {tuple(model.input_shape)} to {tuple(model.output_shape)}")
        layers = list(all_layers(model))
        dropouts = [layer.rate for layer in layers if isinstance(layer, keras.layers.Dropout)]
        if args.get("dropout_rate", 0.2) not in dropouts:
            raise AssertionError(f"{call} should have a Dropout layer with rate {args.get('dropout_rate', 0.2)}; "
                                 f"its Dropout rates: {dropouts}")
        dense = [layer for layer in layers if isinstance(layer, keras.layers.Dense)]
        hidden = dense[:-1]
        if not hidden or any(layer.units != args.get("hidden_units", 64) for layer in hidden):
            raise AssertionError(f"{call} should have hidden Dense layers of {args.get('hidden_units', 64)} units, "
                                 f"got {[layer.units for layer in hidden]}")
        probs = model.predict(np.zeros((2, input_dim), dtype=np.float32), verbose=0)
        if not np.allclose(probs.sum(axis=1), 1, atol=1e-4):
            raise AssertionError(f"{call}: the outputs should be probabilities: end with a softmax activation")
    print("build_mlp: public checks passed")


@public_check
def check_train_mlp(build_mlp, train_mlp, X, y):
    model, history, seconds = timed_training(build_mlp, train_mlp, X, y)
    losses = history.history.get("loss", [])
    if len(losses) < 2 or not losses[-1] < losses[0]:
        raise AssertionError(f"train for several epochs, with the loss going down; the losses were {losses[:5]}...")
    accuracy = float(np.mean(model.predict(X, verbose=0).argmax(axis=1) == y))
    print(f"train_mlp: public checks passed ({len(losses)} epochs in {seconds:.1f} s, "
          f"accuracy on these points {accuracy:.1%})")
