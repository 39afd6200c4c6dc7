# No pooling layer: a convolution straight into Dense makes a model with over 100,000 parameters, which the
# grader refuses outright: every check of the model says so, and it is not trained.
# expect: test_build_cnn loses points, feedback says "more than 100,000"
# expect: test_train_cnn loses points, feedback says "more than 100,000"
# base: brief_training
# %% build_cnn_impl
def build_cnn(input_shape=(28, 28, 1), num_classes=10):
    model = keras.Sequential([
        keras.Input(shape=input_shape),
        keras.layers.Conv2D(16, 3, activation="relu"),
        keras.layers.Flatten(),
        keras.layers.Dropout(0.3),
        keras.layers.Dense(num_classes, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
