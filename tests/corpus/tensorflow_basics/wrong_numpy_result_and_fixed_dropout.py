# standardize in plain numpy (right numbers, but no tensor); build_mlp always drops 20% of the units,
# whatever dropout_rate says.
# expect: test_standardize loses points, feedback says "must return a TensorFlow tensor"
# expect: test_build_mlp loses points, feedback says "must have a Dropout layer with rate 0.5"
# base: correct_persistent_tape
# %% standardize_impl
def standardize(x):
    x = np.asarray(x, dtype=np.float32)
    std = x.std(axis=0)
    return np.where(std > 0, (x - x.mean(axis=0)) / np.where(std > 0, std, 1), 0).astype(np.float32)

# %% build_mlp_impl
def build_mlp(input_dim=2, num_classes=3, hidden_units=64, dropout_rate=0.2):
    model = keras.Sequential([keras.Input(shape=(input_dim,)),
                              keras.layers.Dense(hidden_units, activation="relu"),
                              keras.layers.Dropout(0.2),
                              keras.layers.Dense(num_classes, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(0.03), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
