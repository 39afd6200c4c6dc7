# Convolution and pooling with explicit loops over output positions; a Sequential model.
# expect: full marks
# %% conv2d_forward_impl
def conv2d_forward(x, w, b, stride=1, padding="valid"):
    n, h, wd, _ = x.shape
    kh, kw, _, c_out = w.shape
    if padding == "same":
        out_h, out_w = (h + stride - 1) // stride, (wd + stride - 1) // stride
        pad_h = max((out_h - 1) * stride + kh - h, 0)
        pad_w = max((out_w - 1) * stride + kw - wd, 0)
        top, left = pad_h // 2, pad_w // 2
        x = np.pad(x, ((0, 0), (top, pad_h - top), (left, pad_w - left), (0, 0)))
    out_h = (x.shape[1] - kh) // stride + 1
    out_w = (x.shape[2] - kw) // stride + 1
    out = np.empty((n, out_h, out_w, c_out))
    flat_w = w.reshape(-1, c_out)
    for i in range(out_h):
        for j in range(out_w):
            patch = x[:, i * stride:i * stride + kh, j * stride:j * stride + kw, :].reshape(n, -1)
            out[:, i, j, :] = patch @ flat_w + b
    return out
# %% max_pool_forward_impl
def max_pool_forward(x, pool_size=2, stride=2):
    n, h, w, c = x.shape
    out_h, out_w = (h - pool_size) // stride + 1, (w - pool_size) // stride + 1
    out = np.empty((n, out_h, out_w, c), dtype=x.dtype)
    for i in range(out_h):
        for j in range(out_w):
            window = x[:, i * stride:i * stride + pool_size, j * stride:j * stride + pool_size, :]
            out[:, i, j, :] = window.max(axis=(1, 2))
    return out
# %% build_cnn_impl
def build_cnn(input_shape=(28, 28, 1), num_classes=10):
    model = tf.keras.Sequential([
        tf.keras.layers.Input(shape=input_shape),
        tf.keras.layers.Conv2D(16, (3, 3), activation="relu"),
        tf.keras.layers.MaxPooling2D((2, 2)),
        tf.keras.layers.Conv2D(32, (3, 3), activation="relu"),
        tf.keras.layers.MaxPooling2D((2, 2)),
        tf.keras.layers.Flatten(),
        tf.keras.layers.Dropout(0.3),
        tf.keras.layers.Dense(num_classes, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
# %% train_cnn_impl
def train_cnn(model, x_train, y_train):
    return model.fit(x_train, y_train, epochs=10, batch_size=64, validation_split=0.1, verbose=0)
