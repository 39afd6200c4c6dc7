"""The rule of gating.py on outcomes and declarations alone (no kernel): what counts, what is refused."""

from autograders.engine.checks import CheckOutcome
from autograders.engine.gating import declaration_errors, gate


def outcome(name, passed, values=(), properties=(), cell="test_sigmoid", message=None):
    return CheckOutcome(cell, name, passed, message if not passed else None, tuple(values), tuple(properties))


def test_a_property_counts_only_when_its_functions_values_are_right_in_its_cell():
    outcomes = [outcome("sigmoid values", True, values=["sigmoid"]),
                outcome("sigmoid_grad values", False, values=["sigmoid_grad"], message="wrong at z = 1"),
                outcome("sigmoid dtype", True, properties=["sigmoid"]),
                outcome("sigmoid_grad dtype", True, properties=["sigmoid_grad"]),
                outcome("sigmoid_grad stable", False, properties=["sigmoid_grad"], message="overflow"),
                outcome("both", True, properties=["sigmoid", "sigmoid_grad"]),
                outcome("on its own", True),
                # another cell's sigmoid_grad is another matter
                outcome("tanh dtype", True, properties=["sigmoid_grad"], cell="test_tanh")]
    counted = {o.name: (o.passed, o.message) for o in gate(outcomes)}
    assert counted["sigmoid dtype"] == (True, None) and counted["on its own"] == (True, None)
    assert counted["tanh dtype"] == (True, None)
    assert counted["sigmoid_grad dtype"][0] is False
    assert counted["sigmoid_grad dtype"][1].startswith("not counted: sigmoid_grad's values are wrong")
    assert counted["sigmoid_grad stable"] == (False, "overflow")  # its own failure says what to fix
    assert counted["both"][0] is False and "sigmoid_grad's" in counted["both"][1]
    assert counted["sigmoid_grad values"] == (False, "wrong at z = 1")


def test_a_property_of_a_function_whose_values_no_check_of_its_cell_tests_is_refused():
    errors = declaration_errors([("a", "test_relu", ("relu",), ()), ("b", "test_relu", (), ("relu",)),
                                 ("c", "test_relu", (), ("relu_grad",)), ("d", "test_tanh", (), ("relu",))])
    assert errors == ["c is marked property_of('relu_grad'), but no check of test_relu is marked values_of('relu_grad')",
                      "d is marked property_of('relu'), but no check of test_tanh is marked values_of('relu')"]
