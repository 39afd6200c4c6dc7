# The cross-entropy as -log(softmax(scores)): fine for small scores, log(0) = -inf once they reach the
# thousands; train_mlp ignores its data and trains on the notebook's own spirals, with their usual labels.
# expect: test_tape_gradients loses points, feedback says "must be a finite Python float"
# expect: test_train_mlp loses points, feedback says "the spirals' usual labels"
# base: correct_persistent_tape
# %% tape_impl
def tape_loss_and_gradients(params, X, y, reg=0.0):
    v = {k: tf.Variable(np.array(a, dtype=np.float64)) for k, a in params.items()}
    with tf.GradientTape() as tape:
        scores = tf.nn.relu(tf.cast(X, tf.float64) @ v["W1"] + v["b1"]) @ v["W2"] + v["b2"]
        probs = tf.nn.softmax(scores)
        picked = tf.gather(probs, y, axis=1, batch_dims=1)
        loss = -tf.reduce_mean(tf.math.log(picked))
        loss += reg / 2 * (tf.reduce_sum(v["W1"] ** 2) + tf.reduce_sum(v["W2"] ** 2))
    grads = tape.gradient(loss, v)
    return float(loss), {k: g.numpy() for k, g in grads.items()}

# %% train_mlp_impl
def train_mlp(model, X, y):
    X_own, y_own = make_spirals(300, seed=5)
    return model.fit(make_dataset(X_own, y_own, 32), epochs=40, shuffle=False, verbose=0)
