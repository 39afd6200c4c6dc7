# train_cnn builds and trains a new model instead of the one it is given, which stays untrained.
# expect: test_train_cnn loses points, feedback says "about chance"
# base: brief_training
# %% train_cnn_impl
def train_cnn(model, x_train, y_train):
    fresh = build_cnn()
    return fresh.fit(x_train, y_train, epochs=1, batch_size=64, verbose=0)
