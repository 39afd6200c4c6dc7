# train_mlp ignores its data and trains on the notebook's own spirals, with their usual labels.
# expect: test_train_mlp loses points, feedback says "the spirals' usual labels"
# base: correct_persistent_tape
# %% train_mlp_impl
def train_mlp(model, X, y):
    X_own, y_own = make_spirals(300, seed=5)
    return model.fit(make_dataset(X_own, y_own, 32), epochs=40, shuffle=False, verbose=0)
