# standardize works on whatever dtype it is given: float64 stays float64, and a constant column divides
# 0 by 0; make_dataset drops the last, smaller batch, so some examples are never seen.
# expect: test_standardize loses points, feedback says "must return dtype float32"
# expect: test_make_dataset loses points, feedback says "the batch sizes should be"
# base: correct_persistent_tape
# %% standardize_impl
def standardize(x):
    x = tf.convert_to_tensor(x)
    return (x - tf.reduce_mean(x, axis=0)) / tf.math.reduce_std(x, axis=0)

# %% make_dataset_impl
def make_dataset(X, y, batch_size, shuffle=True, seed=0):
    ds = tf.data.Dataset.from_tensor_slices((np.asarray(X, np.float32), np.asarray(y, np.int64)))
    if shuffle:
        ds = ds.shuffle(len(X), seed=seed)
    return ds.batch(batch_size, drop_remainder=True)
