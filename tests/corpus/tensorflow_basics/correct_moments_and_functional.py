# Everything right, written differently from the instructor: tf.nn.moments, a hand-written stable
# log-softmax (reduce_logsumexp) with one-hot labels, a dataset that casts in .map, the functional
# API with two Dropout layers, larger batches.
# expect: full marks
# %% standardize_impl
def standardize(x):
    x = tf.cast(x, tf.float32)
    mean, variance = tf.nn.moments(x, axes=[0], keepdims=True)
    std = tf.sqrt(variance)
    return tf.math.divide_no_nan(x - mean, std)
# %% tape_impl
def tape_loss_and_gradients(params, X, y, reg=0.0):
    names = sorted(params)
    variables = [tf.Variable(tf.constant(params[n], dtype=tf.float64)) for n in names]
    p = dict(zip(names, variables))
    with tf.GradientTape() as tape:
        h = tf.maximum(tf.constant(X, dtype=tf.float64) @ p["W1"] + p["b1"], 0.0)
        scores = h @ p["W2"] + p["b2"]
        log_probs = scores - tf.reduce_logsumexp(scores, axis=1, keepdims=True)
        onehot = tf.one_hot(y, depth=scores.shape[1], dtype=tf.float64)
        loss = -tf.reduce_mean(tf.reduce_sum(onehot * log_probs, axis=1))
        loss += 0.5 * reg * (tf.reduce_sum(tf.square(p["W1"])) + tf.reduce_sum(tf.square(p["W2"])))
    grads = tape.gradient(loss, variables)
    return loss.numpy().item(), {n: g.numpy() for n, g in zip(names, grads)}
# %% make_dataset_impl
def make_dataset(X, y, batch_size, shuffle=True, seed=0):
    ds = tf.data.Dataset.from_tensor_slices((np.asarray(X), np.asarray(y)))
    ds = ds.map(lambda a, b: (tf.cast(a, tf.float32), tf.cast(b, tf.int64)))
    if shuffle:
        ds = ds.shuffle(buffer_size=len(y), seed=seed)
    return ds.batch(batch_size)
# %% build_mlp_impl
def build_mlp(input_dim=2, num_classes=3, hidden_units=64, dropout_rate=0.2):
    inputs = keras.Input(shape=(input_dim,))
    h = keras.layers.Dense(hidden_units, activation="relu")(inputs)
    h = keras.layers.Dropout(dropout_rate)(h)
    h = keras.layers.Dense(hidden_units, activation="relu")(h)
    h = keras.layers.Dropout(dropout_rate)(h)
    outputs = keras.layers.Dense(num_classes, activation="softmax")(h)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model
# %% train_mlp_impl
def train_mlp(model, X, y):
    return model.fit(make_dataset(X, y, 64, seed=1), epochs=40, shuffle=False, verbose=0)
