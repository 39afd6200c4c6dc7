"""Hidden checks for the dropout assignment.

``p`` is the probability of DROPPING a unit. The contract does not say how a mask
is drawn from ``rng`` (``rng.random(shape) >= p``, ``rng.binomial(1, 1 - p, shape)``
and ``rng.uniform(...) < 1 - p`` are all fine), so no check compares a mask with
one drawn here: the checks test what follows from the rules instead (statistics
on 100,000 units within 6 sigma, reproducibility for one seed, the values of the
kept units, backward against the forward pass's own output).

Every forward/backward call goes through ``student.chain``: caches and generators
stay in the kernel; only the arrays named in ``returns`` come back.
"""

import math

import numpy as np
import pytest

from autograders.assignments.dropout import reference
from autograders.checklib import (CheckProblem, Ref, Rng, StudentError, expect_array, expect_close, expect_finite,
                                  expect_raises, grades, numerical_gradient, step)

FORWARD, BACKWARD, EDGES = "test_dropout_forward", "test_dropout_backward", "test_dropout_edge_cases"
BIG = (1000, 100)  # 100,000 units for the statistical checks
SIGMAS = 6.0
RANK_SHAPES = [(), (7,), (6, 5), (2, 3, 4), (2, 3, 2, 3)]


# ---- helpers ---------------------------------------------------------------

def seeds(rng, k):
    """k distinct seeds for Rng(...), drawn from the check's own generator."""
    return [int(s) for s in rng.choice(2**31, size=k, replace=False)]


def nonzero(rng, shape, low=0.5, high=2.0, signs=True):
    """Inputs with no zeros, so that a zero in the output means a dropped unit."""
    x = rng.uniform(low, high, size=shape)
    return x * rng.choice([-1.0, 1.0], size=shape) if signs else x


def forward(names, x, p, mode, *rng):
    """``names = dropout_forward(x, p, mode[, rng])``, a step of a chain."""
    return step(names, "dropout_forward", x, p, mode, *rng)


def forward_outputs(student, calls, strict=False):
    """The ``out`` of ``out, cache = dropout_forward(*args)`` for each ``args`` in ``calls`` (independent calls,
    one round trip; caches stay in the kernel)."""
    steps = [forward(f"out{i}, cache{i}", *args) for i, args in enumerate(calls)]
    return student.chain(steps, returns=[f"out{i}" for i in range(len(steps))], strict=strict)


def expect_zeros_or_scaled(out, x, p, what, tol=1e-7):
    """Every unit is either dropped (exactly 0) or kept and scaled: x / (1 - p)."""
    out = expect_array(out, what, shape=np.shape(x))
    expect_finite(out, what)
    kept = out != 0
    if kept.any():
        expect_close(out[kept], (np.asarray(x, dtype=np.float64) / (1 - p))[kept],
                     f"{what} for a kept unit (must be x / (1 - p) = x / {1 - p:g}: inverted dropout)",
                     inputs=np.asarray(x)[kept], input_name="x", tol=tol)
    return out


def expect_drop_fraction(out, x, p, what, hint):
    """A fraction p of the units of ``out`` is 0, within 6 sigma of the binomial's spread; else ``hint`` says why."""
    out = expect_array(out, what, shape=x.shape)
    fraction = float(np.mean(out == 0))
    half = SIGMAS * math.sqrt(p * (1 - p) / x.size)
    assert p - half <= fraction <= p + half, (
        f"{what} set {fraction:.2%} of {x.size:,} units to 0; expected about {p:.0%} (between {p - half:.2%} and "
        f"{p + half:.2%}). {hint}")


def object_in_kernel(name, x):
    """A step that makes ``x`` live in the kernel as ``name`` (dropout_forward in test mode, fixed Rng).

    Arguments sent with a call are decoded afresh in the kernel, so a change made in
    place cannot be seen from here. An array that is the result of an earlier step can:
    it comes back as it is after the later steps ran.
    """
    return forward(f"{name}, {name}_cache", x, 0.5, "test", Rng(0))


def changed_in_place(student, made, name, call):
    """Whether the step ``call`` changed the array that the steps ``made`` keep in the kernel as ``name``."""
    (before,) = student.chain(made, returns=[name])
    (after,) = student.chain(made + [call], returns=[name])
    return not np.array_equal(np.asarray(before), np.asarray(after))


# ---- dropout_forward ---------------------------------------------------------

def many_units(student, rng):
    """The outputs of dropout_forward on 100,000 units for several p (and twice without rng), computed once.

    Sending a large array into the kernel is what costs time (about a second per
    100,000 float64 values on a loaded machine), getting one back is cheap. So x
    (float32) is sent once: dropout_forward in test mode keeps it in the kernel
    (``object_in_kernel``), every train-mode call takes it from there, and the x
    that was really used comes back with the outputs. If test mode raises, each
    call gets its own, smaller x instead (slower, and with bounds that follow n).
    """
    if _MANY.get("student") is not student:
        _MANY.clear()
        _MANY["student"] = student
        x = nonzero(rng, BIG, signs=False).astype(np.float32)
        calls = [(p, (Rng(s),)) for p, s in zip(STAT_PS, seeds(rng, len(STAT_PS)))] + [(NONE_P, ())] * 2
        try:
            used, *outs = student.chain(
                [object_in_kernel("x", x)] + [forward(f"out{i}, cache{i}", Ref("x"), p, "train", *r)
                                              for i, (p, r) in enumerate(calls)],
                returns=["x"] + [f"out{i}" for i in range(len(calls))])
            used = np.asarray(used, dtype=np.float64)
            if used.shape != x.shape or not np.all(np.isfinite(used)) or not np.all(used > 0):
                raise ValueError("test mode did not hand x back")
        except (StudentError, ValueError):
            small = x[:100, :]  # 20,000 units
            try:
                outs = forward_outputs(student, [(small, p, "train", *r) for p, r in calls])
                used = small.astype(np.float64)
            except CheckProblem as exc:
                _MANY["error"] = exc
                return _MANY
        except CheckProblem as exc:
            _MANY["error"] = exc
            return _MANY
        _MANY["x"] = used
        _MANY["by_p"] = dict(zip(STAT_PS, outs))
        _MANY["without_rng"] = outs[len(STAT_PS):]
    if "error" in _MANY:
        raise _MANY["error"]
    return _MANY


_MANY = {}
STAT_PS = [0.1, 0.3, 0.6, 0.9]
NONE_P = 0.4


@grades(FORWARD, values_of="dropout_forward")
def test_train_mode_drops_a_fraction_p_of_the_units(student, rng):
    """in train mode a fraction p of the units (p = probability of DROPPING) is set to 0, for several p"""
    run = many_units(student, rng)
    x = run["x"]
    for p, out in run["by_p"].items():
        expect_drop_fraction(out, x, p, f"dropout_forward(x, p={p}, 'train')",
                             "p is the probability of dropping a unit, not of keeping it")


@grades(FORWARD, property_of="dropout_forward")
def test_train_mode_scales_the_kept_units_by_1_over_1_minus_p(student, rng):
    """in train mode every kept unit is x / (1 - p) and every dropped unit exactly 0 (inverted dropout)"""
    x = nonzero(rng, (40, 50))
    ps = [0.2, 0.5, 0.8]
    outs = forward_outputs(student, [(x, p, "train", Rng(s)) for p, s in zip(ps, seeds(rng, len(ps)))])
    for p, out in zip(ps, outs):
        expect_zeros_or_scaled(out, x, p, f"dropout_forward(x, p={p}, 'train')")


@grades(FORWARD, property_of="dropout_forward")
def test_train_mode_preserves_the_mean(student, rng):
    """in train mode the mean of the output equals the mean of the input (within 6 sigma on 100,000 units)"""
    run = many_units(student, rng)
    x = run["x"]
    for p, out in run["by_p"].items():
        out = expect_array(out, f"dropout_forward(x, p={p}, 'train')", shape=x.shape)
        expect_finite(out, f"dropout_forward(x, p={p}, 'train')")
        # out_i = x_i * keep_i / (1 - p): mean(x), variance of the mean p / (1 - p) * sum(x^2) / n^2
        sigma = math.sqrt(p / (1 - p) * float(np.sum(x * x))) / x.size
        got, want = float(np.mean(np.asarray(out, dtype=np.float64))), float(np.mean(x))
        assert abs(got - want) <= SIGMAS * sigma, (
            f"dropout_forward(x, p={p}, 'train') changes the mean of x from {want:.4f} to {got:.4f} "
            f"(allowed: {want:.4f} ± {SIGMAS * sigma:.4f}); scale the kept units by 1 / (1 - p) so that the "
            "expected output equals x")


@grades(FORWARD, values_of="dropout_forward")
def test_test_mode_is_the_identity_whatever_the_rng(student, rng):
    """in test mode the output is x itself, for any p and any rng (no randomness)"""
    x = nonzero(rng, (8, 9))
    a, b = seeds(rng, 2)
    for p in (0.25, 0.75, 1.0):
        calls = [(x, p, "test", Rng(a)), (x, p, "test", Rng(b)), (x, p, "test")]
        for what, out in zip(("rng=a generator", "rng=another generator", "rng=None"), forward_outputs(student, calls)):
            expect_close(out, x, f"dropout_forward(x, p={p}, 'test', {what}) (test mode must return x unchanged: "
                         "no dropping, no scaling)", inputs=x, input_name="x", tol=1e-12)


@grades(FORWARD, property_of="dropout_forward")
def test_the_same_seed_gives_the_same_mask_and_other_seeds_differ(student, rng):
    """the mask comes from the rng it is given: the same seed gives the same mask, another seed another mask"""
    x = nonzero(rng, (50, 40))
    s, t = seeds(rng, 2)
    first, again, other = forward_outputs(student, [(x, 0.5, "train", Rng(s)), (x, 0.5, "train", Rng(s)),
                                                    (x, 0.5, "train", Rng(t))])
    for out in (first, again, other):
        expect_array(out, "dropout_forward(x, 0.5, 'train', rng)", shape=x.shape)
    assert np.array_equal(first == 0, again == 0), (
        "two calls with generators made from the same seed dropped different units: draw the mask from the rng "
        "argument (e.g. rng.random(x.shape)), not from np.random")
    assert not np.array_equal(first == 0, other == 0), (
        "generators made from two different seeds dropped exactly the same units: the mask must come from the rng "
        "argument, not from a generator with a fixed seed")


@grades(FORWARD, property_of="dropout_forward")
def test_without_an_rng_each_call_draws_a_new_mask(student, rng):
    """rng=None (the default) drops a fraction p, with a new mask on every call"""
    run = many_units(student, rng)
    x, (first, second) = run["x"], run["without_rng"]
    p = NONE_P
    for out in (first, second):
        expect_drop_fraction(out, x, p, f"dropout_forward(x, p={p}, 'train') without rng",
                             "rng=None means np.random.default_rng()")
    assert not np.array_equal(first == 0, second == 0), (
        f"two calls of dropout_forward(x, {p}, 'train') without rng dropped exactly the same units: rng=None means "
        "a fresh np.random.default_rng(), not a fixed seed")


@grades(FORWARD, property_of="dropout_forward")
def test_keeps_float32_as_float32(student, rng):
    """float32 input gives float32 output in train and test mode"""
    x = nonzero(rng, (6, 7)).astype(np.float32)
    p = 0.3
    train, test = forward_outputs(student, [(x, p, "train", Rng(seeds(rng, 1)[0])), (x, p, "test")])
    expect_array(train, "dropout_forward(float32 x, 0.3, 'train')", dtype=np.float32)
    expect_array(test, "dropout_forward(float32 x, 0.3, 'test')", dtype=np.float32)
    expect_zeros_or_scaled(train, x.astype(np.float64), p, "dropout_forward(float32 x, 0.3, 'train')", tol=1e-6)


@grades(FORWARD, property_of="dropout_forward")
def test_works_for_inputs_of_any_rank(student, rng):
    """works for inputs of any shape: a 0-d array, a vector, a matrix, 3-d and 4-d batches"""
    xs = [nonzero(rng, shape) for shape in RANK_SHAPES]
    p = 0.5
    outs = forward_outputs(student, [(x, p, "train", Rng(s)) for x, s in zip(xs, seeds(rng, len(xs)))])
    for x, out in zip(xs, outs):
        expect_zeros_or_scaled(out, x, p, f"dropout_forward(x of shape {x.shape}, 0.5, 'train')")


@grades(FORWARD, property_of="dropout_forward")
@pytest.mark.parametrize("mode", ["train", "test"], ids=["train mode", "test mode"])
def test_does_not_modify_its_input(student, rng, mode):
    """leaves the array x it is given unchanged"""
    x = nonzero(rng, (5, 6))
    forward_on_x = forward("out, cache", Ref("x"), 0.5, mode, Rng(seeds(rng, 1)[0]))
    assert not changed_in_place(student, [object_in_kernel("x", x)], "x", forward_on_x), (
        f"dropout_forward(x, 0.5, '{mode}') changed the array x it was given (in-place operations such as x *= mask "
        "or x[mask] = 0); build a new array instead")


# ---- the two ends of the rate, and arguments that make no sense ------------------

@grades(EDGES, values_of="dropout_forward")
def test_p_0_is_the_identity_in_train_mode(student, rng):
    """p = 0 in train mode drops nothing and scales nothing: the output is x"""
    x = nonzero(rng, (10, 12))
    (out,) = forward_outputs(student, [(x, 0.0, "train", Rng(seeds(rng, 1)[0]))])
    expect_close(out, reference.dropout_forward(x, 0.0, "test")[0], "dropout_forward(x, p=0.0, 'train')",
                 inputs=x, input_name="x")


@grades(EDGES, property_of="dropout_forward")
def test_p_1_drops_everything_without_nan_or_warning(student, rng):
    """p = 1 in train mode gives all zeros, with no NaN and no division-by-zero warning"""
    x = nonzero(rng, (10, 12))
    (out,) = forward_outputs(student, [(x, 1.0, "train", Rng(seeds(rng, 1)[0]))], strict=True)
    out = expect_array(out, "dropout_forward(x, p=1.0, 'train')", shape=x.shape)
    expect_finite(out, "dropout_forward(x, p=1.0, 'train') (0 / 0 is NaN: treat p = 1 on its own)")
    assert not np.any(out), (
        f"dropout_forward(x, p=1.0, 'train') must drop every unit (all zeros); {int(np.count_nonzero(out))} of "
        f"{out.size} units are not 0")


@grades(EDGES, property_of="dropout_forward")
@pytest.mark.parametrize("p, mode", [(-0.1, "train"), (1.5, "train"), (float("nan"), "train"), (1.5, "test")],
                         ids=["p=-0.1", "p=1.5", "p=nan", "p=1.5 in test mode"])
def test_rejects_a_rate_outside_0_to_1(student, rng, p, mode):
    """raises ValueError for p outside [0, 1] (or NaN), whatever the mode"""
    x = nonzero(rng, (3, 4))
    expect_raises("ValueError", lambda: forward_outputs(student, [(x, p, mode, Rng(0))]),
                  f"dropout_forward(x, p={p}, '{mode}')")


@grades(EDGES, property_of="dropout_forward")
@pytest.mark.parametrize("mode", ["training", "eval", ""], ids=["mode=training", "mode=eval", "mode=empty"])
def test_rejects_an_unknown_mode(student, rng, mode):
    """raises ValueError for a mode other than 'train' or 'test'"""
    x = nonzero(rng, (3, 4))
    expect_raises("ValueError", lambda: forward_outputs(student, [(x, 0.5, mode, Rng(0))]),
                  f"dropout_forward(x, 0.5, mode={mode!r})")


# ---- dropout_backward ------------------------------------------------------------

def forward_backward(student, x, dout, p, mode, seed, strict=False):
    """(out, dx) from dropout_forward then dropout_backward on its cache, in the kernel."""
    out, dx = student.chain([forward("out, cache", x, p, mode, Rng(seed)),
                             step("dx", "dropout_backward", dout, Ref("cache"))], returns=["out", "dx"], strict=strict)
    return out, dx


MASK_AND_SCALE = ("must be dout times the mask and scale of that forward pass: dout / (1 - p) where the unit was "
                  "kept, 0 where it was dropped")


def expect_backward_matches(out, dx, x, dout, what, tol=1e-7, rule=MASK_AND_SCALE):
    """dx = dout * out / x: the forward pass's own mask and scale (x has no zeros). ``what`` names the dx call."""
    out = expect_array(out, "dropout_forward", shape=np.shape(x))
    expect_close(dx, np.asarray(dout, dtype=np.float64) * (np.asarray(out, dtype=np.float64) / x),
                 f"{what} ({rule})", inputs=dout, input_name="dout", tol=tol)


@grades(BACKWARD, values_of="dropout_backward")
@pytest.mark.parametrize("p", [0.3, 0.7], ids=["p=0.3", "p=0.7"])
def test_backward_uses_the_mask_and_scale_of_the_forward_pass(student, rng, p):
    """dx is dout times the forward pass's mask and 1 / (1 - p) scale"""
    x, dout = nonzero(rng, (20, 30)), rng.normal(size=(20, 30))
    out, dx = forward_backward(student, x, dout, p, "train", seeds(rng, 1)[0])
    # dx is only defined by the forward pass's mask: one that keeps nothing (or everything) would make
    # any backward that returns zeros (or dout) look right
    kept = int(np.count_nonzero(expect_array(out, f"dropout_forward(x, p={p}, 'train')", shape=x.shape)))
    assert 0 < kept < x.size, (
        f"dropout_backward cannot be checked: dropout_forward(x, p={p}, 'train') kept {kept} of {x.size} units, "
        f"where about {1 - p:.0%} are kept (see the checks of dropout_forward)")
    expect_backward_matches(out, dx, x, dout, f"dropout_backward after dropout_forward(x, p={p}, 'train')")


@grades(BACKWARD, property_of="dropout_backward")
def test_backward_uses_the_cache_it_is_given_not_the_latest_mask(student, rng):
    """after two forward passes, backward on the first cache uses the first mask (no mask kept in a global variable)"""
    x, dout = nonzero(rng, (20, 30)), rng.normal(size=(20, 30))
    s, t = seeds(rng, 2)
    first, second, dx_first, dx_second = student.chain(
        [forward("first, first_cache", x, 0.5, "train", Rng(s)),
         forward("second, second_cache", x, 0.5, "train", Rng(t)),
         step("dx_first", "dropout_backward", dout, Ref("first_cache")),
         step("dx_second", "dropout_backward", dout, Ref("second_cache"))],
        returns=["first", "second", "dx_first", "dx_second"])
    expect_backward_matches(first, dx_first, x, dout, "dropout_backward(dout, cache of the FIRST of two forward "
                            "passes)", rule="it must use the mask in the cache it is given, not the latest one kept "
                            "in a global variable")
    expect_backward_matches(second, dx_second, x, dout, "dropout_backward(dout, cache of the second forward pass)")


@grades(BACKWARD, property_of="dropout_backward")
def test_backward_in_test_mode_is_the_identity(student, rng):
    """after a test-mode forward pass, dx = dout"""
    x, dout = nonzero(rng, (6, 8)), rng.normal(size=(6, 8))
    _, dx = forward_backward(student, x, dout, 0.5, "test", seeds(rng, 1)[0])
    expect_close(dx, reference.dropout_backward(dout, reference.dropout_forward(x, 0.5, "test")[1]),
                 "dropout_backward after dropout_forward(x, 0.5, 'test') (must return dout unchanged)",
                 inputs=dout, input_name="dout")


@grades(BACKWARD, property_of="dropout_backward")
@pytest.mark.parametrize("p", [0.0, 1.0], ids=["p=0", "p=1"])
def test_backward_at_the_two_ends_of_the_rate(student, rng, p):
    """p = 0 gives dx = dout, p = 1 gives dx = 0, with no NaN and no warning"""
    x, dout = nonzero(rng, (6, 8)), rng.normal(size=(6, 8))
    _, dx = forward_backward(student, x, dout, p, "train", seeds(rng, 1)[0], strict=True)
    expected = dout if p == 0.0 else np.zeros_like(dout)
    expect_close(dx, expected, f"dropout_backward after dropout_forward(x, p={p:g}, 'train')",
                 inputs=dout, input_name="dout")


@grades(BACKWARD, property_of="dropout_backward")
def test_backward_agrees_with_the_numerical_gradient(student, rng):
    """dx agrees with the centred numerical gradient of your forward pass, with the mask held fixed (same seed)"""
    x, dout = nonzero(rng, (4, 5)), rng.normal(size=(4, 5))
    p, seed = 0.5, seeds(rng, 1)[0]

    def forward_map(xs):
        # every perturbed x gets a generator made from the same seed: the same mask
        return forward_outputs(student, [(moved, p, "train", Rng(seed)) for moved in xs])

    numeric = numerical_gradient(forward_map, x, dout)
    _, dx = forward_backward(student, x, dout, p, "train", seed)
    expect_close(dx, numeric, "dropout_backward compared with the numerical gradient of dropout_forward "
                 "(same seed for every call, so the same mask)", inputs=dout, input_name="dout", tol=1e-7)


@grades(BACKWARD, property_of="dropout_backward")
def test_backward_keeps_float32_as_float32(student, rng):
    """float32 dout gives float32 dx"""
    x = nonzero(rng, (6, 7)).astype(np.float32)
    dout = rng.normal(size=(6, 7)).astype(np.float32)
    out, dx = forward_backward(student, x, dout, 0.3, "train", seeds(rng, 1)[0])
    expect_array(dx, "dropout_backward(float32 dout, cache)", shape=dout.shape, dtype=np.float32)
    expect_backward_matches(np.asarray(out, dtype=np.float64), dx, x.astype(np.float64), dout.astype(np.float64),
                            "dropout_backward(float32 dout, cache)", tol=1e-6)


@grades(BACKWARD, property_of="dropout_backward")
def test_backward_works_for_inputs_of_any_rank(student, rng):
    """works for arrays of any shape: a 0-d array, a vector, a matrix, 3-d and 4-d batches"""
    xs = [nonzero(rng, shape) for shape in RANK_SHAPES]
    douts = [rng.normal(size=shape) for shape in RANK_SHAPES]
    steps, returns = [], []
    for i, (x, dout, seed) in enumerate(zip(xs, douts, seeds(rng, len(RANK_SHAPES)))):
        steps += [forward(f"out{i}, cache{i}", x, 0.5, "train", Rng(seed)),
                  step(f"dx{i}", "dropout_backward", dout, Ref(f"cache{i}"))]
        returns += [f"out{i}", f"dx{i}"]
    values = student.chain(steps, returns=returns)
    for x, dout, out, dx in zip(xs, douts, values[0::2], values[1::2]):
        expect_array(dx, f"dropout_backward for shape {x.shape}", shape=x.shape)
        expect_backward_matches(out, dx, x, dout, f"dropout_backward for shape {x.shape}")


@grades(BACKWARD, property_of="dropout_backward")
def test_backward_does_not_modify_dout(student, rng):
    """leaves the array dout it is given unchanged"""
    x, dout = nonzero(rng, (5, 6)), rng.normal(size=(5, 6))
    made = [object_in_kernel("dout", dout), forward("out, cache", x, 0.5, "train", Rng(seeds(rng, 1)[0]))]
    assert not changed_in_place(student, made, "dout", step("dx", "dropout_backward", Ref("dout"), Ref("cache"))), (
        "dropout_backward changed the array dout it was given (in-place operations such as dout *= mask or "
        "dout[~mask] = 0); build a new array instead")
