# train_cnn ignores its arguments and trains on the digits it loads itself.
# expect: test_train_cnn loses points, feedback says "public labels"
# base: brief_training
# %% train_cnn_impl
def train_cnn(model, x_train, y_train):
    (x_own, y_own), _ = load_digits()
    return model.fit(x_own, y_own, epochs=2, batch_size=64, verbose=0)
