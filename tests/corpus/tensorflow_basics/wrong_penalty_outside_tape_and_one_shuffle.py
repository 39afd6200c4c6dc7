# The tape records the data loss only: the L2 penalty is added afterwards, outside the tape, so the loss
# is right but the gradients of W1 and W2 miss reg * W. The dataset is shuffled once, when it is made:
# every epoch then sees the same order.
# expect: test_tape_gradients loses points, feedback says "reg=0.7 is wrong"
# expect: test_make_dataset loses points, feedback says "the same order in two passes"
# base: correct_persistent_tape
# %% tape_impl
def tape_loss_and_gradients(params, X, y, reg=0.0):
    v = {k: tf.Variable(np.array(a, dtype=np.float64)) for k, a in params.items()}
    with tf.GradientTape() as tape:
        scores = tf.nn.relu(tf.cast(X, tf.float64) @ v["W1"] + v["b1"]) @ v["W2"] + v["b2"]
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=scores))
    grads = tape.gradient(loss, v)
    loss += reg / 2 * (tf.reduce_sum(v["W1"] ** 2) + tf.reduce_sum(v["W2"] ** 2))
    return float(loss), {k: g.numpy() for k, g in grads.items()}

# %% make_dataset_impl
def make_dataset(X, y, batch_size, shuffle=True, seed=0):
    ds = tf.data.Dataset.from_tensor_slices((np.asarray(X, np.float32), np.asarray(y, np.int64)))
    if shuffle:
        ds = ds.shuffle(len(X), seed=seed, reshuffle_each_iteration=False)
    return ds.batch(batch_size)
