# Convolution by im2col (sliding_window_view and einsum), pooling over sliding windows, a functional
# model with a separate softmax layer: all correct, but train_cnn stops after one epoch, so the
# held-out accuracy earns partial credit. Most other cases start from this one, so that grading
# them stays quick.
# expect: test_train_cnn loses points, feedback says "train for more epochs"
# %% conv2d_forward_impl
def conv2d_forward(x, w, b, stride=1, padding="valid"):
    kh, kw = w.shape[:2]
    if padding == "same":
        pads = []
        for size, k in ((x.shape[1], kh), (x.shape[2], kw)):
            total = max((-(-size // stride) - 1) * stride + k - size, 0)
            pads.append((total // 2, total - total // 2))
        x = np.pad(x, [(0, 0), pads[0], pads[1], (0, 0)])
    elif padding != "valid":
        raise ValueError(f"unknown padding {padding!r}")
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(1, 2))[:, ::stride, ::stride]
    # windows: (N, out_h, out_w, C_in, KH, KW)
    return np.einsum("nhwcij,ijco->nhwo", windows, w) + b
# %% max_pool_forward_impl
def max_pool_forward(x, pool_size=2, stride=2):
    windows = np.lib.stride_tricks.sliding_window_view(x, (pool_size, pool_size), axis=(1, 2))
    return windows[:, ::stride, ::stride].max(axis=(-2, -1))
# %% build_cnn_impl
def build_cnn(input_shape=(28, 28, 1), num_classes=10):
    inputs = keras.Input(shape=input_shape)
    h = keras.layers.Conv2D(16, 5, activation="relu")(inputs)
    h = keras.layers.MaxPooling2D(2)(h)
    h = keras.layers.Conv2D(32, 3, activation="relu")(h)
    h = keras.layers.MaxPooling2D(2)(h)
    h = keras.layers.Flatten()(h)
    h = keras.layers.Dropout(0.25)(h)
    h = keras.layers.Dense(num_classes)(h)
    outputs = keras.layers.Activation("softmax")(h)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=2e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(), metrics=["accuracy"])
    return model
# %% train_cnn_impl
def train_cnn(model, x_train, y_train):
    return model.fit(x_train, y_train, epochs=1, batch_size=64, verbose=0)
