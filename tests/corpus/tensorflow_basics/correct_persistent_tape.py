# Right again: standardize by hand with tf.where, a persistent tape asked once per parameter, a dataset
# that shuffles with a buffer of exactly N, one hidden layer.
# expect: full marks
# %% standardize_impl
def standardize(x):
    x = tf.convert_to_tensor(np.asarray(x, dtype=np.float32))
    mu = tf.reduce_mean(x, axis=0)
    sigma = tf.sqrt(tf.reduce_mean((x - mu) ** 2, axis=0))
    return tf.where(sigma > 0, (x - mu) / tf.where(sigma > 0, sigma, 1.0), 0.0)
# %% tape_impl
def tape_loss_and_gradients(params, X, y, reg=0.0):
    v = {k: tf.Variable(np.array(a, dtype=np.float64)) for k, a in params.items()}
    with tf.GradientTape(persistent=True) as tape:
        scores = tf.nn.relu(tf.cast(X, tf.float64) @ v["W1"] + v["b1"]) @ v["W2"] + v["b2"]
        losses = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.cast(y, tf.int64), logits=scores)
        loss = tf.reduce_mean(losses) + reg / 2 * (tf.reduce_sum(v["W1"] ** 2) + tf.reduce_sum(v["W2"] ** 2))
    grads = {k: tape.gradient(loss, var).numpy() for k, var in v.items()}
    del tape
    return float(loss.numpy()), grads
# %% make_dataset_impl
def make_dataset(X, y, batch_size, shuffle=True, seed=0):
    ds = tf.data.Dataset.from_tensor_slices((tf.constant(X, tf.float32), tf.constant(y, tf.int64)))
    return (ds.shuffle(len(X), seed=seed) if shuffle else ds).batch(batch_size, drop_remainder=False)
# %% build_mlp_impl
def build_mlp(input_dim=2, num_classes=3, hidden_units=64, dropout_rate=0.2):
    model = keras.Sequential([keras.Input(shape=(input_dim,)),
                              keras.layers.Dense(hidden_units, activation="relu"),
                              keras.layers.Dropout(dropout_rate),
                              keras.layers.Dense(num_classes, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(0.03), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
# %% train_mlp_impl
def train_mlp(model, X, y):
    return model.fit(make_dataset(X, y, 32), epochs=40, shuffle=False, verbose=0)
