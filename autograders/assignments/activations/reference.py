"""Reference activations. Hidden: never shipped to students."""

import numpy as np


def _as_float(z):
    """``z`` as a numpy array whose dtype is a float: a float dtype is kept, any other becomes float64."""
    z = np.asarray(z)
    return z if np.issubdtype(z.dtype, np.floating) else z.astype(np.float64)


def sigmoid(z):
    """Computes the logistic sigmoid 1 / (1 + exp(-z)), elementwise.

    Inputs:
    - z: A number or numpy array of any shape (0-d and Python floats included), any real dtype

    Returns:
    - s: A numpy array of the shape of z, values in [0, 1]; float z keeps its dtype, other z gives float64.
      No overflow warning, NaN or inf for any finite z (the contract asks it up to |z| = 1e4)
    """
    z = _as_float(z)
    # exp of a non-positive number never overflows: use exp(-|z|) on both sides
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_grad(z):
    """Computes the derivative of the sigmoid, d sigmoid / dz = s(z) (1 - s(z)), elementwise.

    Inputs:
    - z: A number or numpy array of any shape, any real dtype

    Returns:
    - ds: A numpy array of the shape of z, values in [0, 0.25]; dtype as for sigmoid
    """
    s = sigmoid(z)
    return s * (1 - s)


def tanh(z):
    """Computes the hyperbolic tangent, elementwise.

    Inputs:
    - z: A number or numpy array of any shape, any real dtype

    Returns:
    - t: A numpy array of the shape of z, values in [-1, 1]; float z keeps its dtype, other z gives float64
    """
    return np.tanh(_as_float(z))


def tanh_grad(z):
    """Computes the derivative of tanh, 1 - tanh(z)^2, elementwise.

    Inputs:
    - z: A number or numpy array of any shape, any real dtype

    Returns:
    - dt: A numpy array of the shape of z, values in [0, 1]; dtype as for tanh
    """
    return 1 - np.tanh(_as_float(z)) ** 2


def relu(z):
    """Computes the rectified linear unit max(0, z), elementwise.

    Inputs:
    - z: A number or numpy array of any shape, any real dtype

    Returns:
    - out: A numpy array of the shape of z: z where z > 0, else 0; float z keeps its dtype, other z gives float64
    """
    z = _as_float(z)
    return np.where(z > 0, z, np.zeros_like(z))


def relu_grad(z):
    """Computes the derivative of relu, elementwise (0 at z = 0, as the contract says).

    Inputs:
    - z: A number or numpy array of any shape, any real dtype

    Returns:
    - dz: A numpy array of the shape of z: 1 where z > 0, else 0; dtype as for relu
    """
    z = _as_float(z)
    return (z > 0).astype(z.dtype)


def leaky_relu(z, alpha=0.01):
    """Computes the leaky rectified linear unit, elementwise: z where z > 0, else alpha * z.

    Inputs:
    - z: A number or numpy array of any shape, any real dtype
    - alpha: The slope for z <= 0, a float

    Returns:
    - out: A numpy array of the shape and dtype of relu(z)
    """
    z = _as_float(z)
    return np.where(z > 0, z, alpha * z).astype(z.dtype)


def leaky_relu_grad(z, alpha=0.01):
    """Computes the derivative of leaky_relu, elementwise: 1 where z > 0, else alpha.

    Inputs:
    - z, alpha: As for leaky_relu

    Returns:
    - dz: A numpy array of the shape and dtype of relu(z)
    """
    z = _as_float(z)
    return np.where(z > 0, 1.0, alpha).astype(z.dtype)
