"""Hidden checks for the activations assignment. Each rule is checked for every function it applies to.

A function's values are checked on random inputs and with other alphas; every other rule is a property
of its results (gating.py: it counts only when those values are right). The stability rule holds for
float32 as for float64.
"""

import numpy as np
import pytest

from autograders.assignments.activations import reference
from autograders.checklib import (away_from_kink, expect_array, expect_close, numerical_derivative, property_of,
                                  values_of)

# function -> the autograder test cell it counts towards
CELLS = {
    "sigmoid": "test_sigmoid", "sigmoid_grad": "test_sigmoid",
    "tanh": "test_tanh", "tanh_grad": "test_tanh",
    "relu": "test_relu", "relu_grad": "test_relu",
    "leaky_relu": "test_leaky_relu", "leaky_relu_grad": "test_leaky_relu",
}
DERIVATIVES = {"sigmoid_grad": "sigmoid", "tanh_grad": "tanh", "relu_grad": "relu", "leaky_relu_grad": "leaky_relu"}
SHAPES = [(), (7,), (4, 5), (2, 3, 4)]
LARGE = [-1e4, -1e3, -50.0, -1.0, 0.0, 1.0, 50.0, 1e3, 1e4]


def functions(names=CELLS, about=property_of):
    """One case per function, counted towards its cell, as a check ``about`` (values_of or property_of) it."""
    return [pytest.param(name, marks=[pytest.mark.grades(CELLS[name]), about(name)], id=name) for name in names]


@pytest.mark.parametrize("name", functions(about=values_of))
def test_matches_the_reference_on_random_inputs(student, rng, name):
    """gives the right values on random float64 inputs of several shapes"""
    inputs = [rng.normal(scale=3.0, size=shape) for shape in SHAPES]
    for z, out in zip(inputs, student.map(name, inputs)):
        expect_close(out, getattr(reference, name)(z), f"{name}(z) for shape {z.shape}", inputs=z)


@pytest.mark.parametrize("name", functions())
def test_accepts_python_floats_and_0d_arrays(student, name):
    """accepts a Python float and a 0-d array and returns the same shape, ()"""
    inputs = [0.75, np.array(-1.5)]
    for z, out in zip(inputs, student.map(name, inputs)):
        out = expect_array(out, f"{name}({z!r})", shape=())
        expect_close(out, getattr(reference, name)(z), f"{name}({z!r})")


@pytest.mark.parametrize("name", functions())
def test_keeps_float32_as_float32(student, rng, name):
    """keeps float32 input as float32"""
    z = rng.normal(scale=3.0, size=(3, 4)).astype(np.float32)
    out = expect_array(student.call(name, z), f"{name}(float32 z)", shape=z.shape, dtype=np.float32)
    expect_close(out, getattr(reference, name)(z.astype(np.float64)), f"{name}(float32 z)", inputs=z,
                 tol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", functions())
def test_turns_integers_into_float64(student, name):
    """returns float64 for integer input"""
    z = np.arange(-3, 4)
    out = expect_array(student.call(name, z), f"{name}(integer z)", shape=z.shape, dtype=np.float64)
    expect_close(out, getattr(reference, name)(z), f"{name}(integer z)", inputs=z)


@pytest.mark.parametrize("name", functions())
def test_does_not_modify_its_input(student, rng, name):
    """leaves its input unchanged"""
    z = rng.normal(scale=3.0, size=(5, 3))
    _, (after,) = student.call_with_inputs(name, z.copy())
    assert np.array_equal(after, z), (
        f"{name} changed the array it was given (in-place operations such as z[z < 0] = 0 or z *= ...); "
        "work on a copy or build a new array")


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", functions())
def test_is_stable_for_large_inputs(student, name, dtype):
    """no overflow warning, NaN or inf for |z| up to 1e4, in this dtype"""
    z = np.array(LARGE, dtype=dtype)
    out = student.call(name, z, strict=True)  # numpy's overflow and invalid-value warnings raise in the kernel
    # float32 results are compared with float64 reference values: float32's precision, not exactness
    loose = dict(tol=1e-5, atol=1e-6) if dtype == "float32" else {}
    expect_close(out, getattr(reference, name)(z.astype(np.float64)), f"{name}({dtype} z) for large |z|",
                 inputs=z, **loose)


@pytest.mark.parametrize("name", functions(DERIVATIVES))
def test_agrees_with_the_numerical_derivative(student, rng, name):
    """agrees with the centred numerical derivative of your function"""
    z = away_from_kink(rng.uniform(-4, 4, size=(4, 5)))
    numeric = numerical_derivative(lambda zs: student.map(DERIVATIVES[name], zs), z)
    expect_close(student.call(name, z), numeric, f"{name}(z) compared with the slope of your {DERIVATIVES[name]}",
                 inputs=z, tol=1e-6)


@pytest.mark.parametrize("name", functions(["relu_grad", "leaky_relu_grad"]))
def test_gradient_at_zero_follows_the_convention(student, name):
    """the gradient at exactly z = 0 is the left slope (0 for relu, alpha for leaky relu)"""
    expected = 0.0 if name == "relu_grad" else 0.01
    out = student.call(name, np.zeros(3))
    expect_close(out, np.full(3, expected), f"{name}(0)")


@pytest.mark.parametrize("name", functions(["leaky_relu", "leaky_relu_grad"], about=values_of))
def test_uses_the_alpha_it_is_given(student, rng, name):
    """uses the alpha it is given instead of a fixed 0.01"""
    z = away_from_kink(rng.normal(scale=3.0, size=(6,)))
    for alpha in (0.2, 0.05):
        out = student.call(name, z, alpha=alpha)
        expect_close(out, getattr(reference, name)(z, alpha=alpha), f"{name}(z, alpha={alpha})", inputs=z)
