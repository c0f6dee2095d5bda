"""Put the compressed classes in place of scikit-learn's in an upstream test module."""

import inspect

import pytest


def upstream_tests(module, replacements):
    """The test functions of ``module`` that use a replaced class, after replacing them.

    ``replacements`` maps names in ``module``'s namespace to the classes that
    stand in for them. The module's globals are replaced, and so are the
    classes (and their methods) bound in ``parametrize`` marks at import.
    """
    pairs = [(getattr(module, name), replacement) for name, replacement in replacements.items()]
    for name, replacement in replacements.items():
        setattr(module, name, replacement)
    tests = {}
    for name, function in vars(module).items():
        if not (name.startswith("test_") and inspect.isfunction(function)):
            continue
        replaced_marks = _replace_in_marks(function, pairs)
        if replaced_marks or set(replacements) & set(function.__code__.co_names):
            tests[name] = function
    return tests


def _replace_in_marks(function, pairs):
    """Replace the original classes in ``function``'s parametrize values; True if any."""
    marks, replaced = [], False
    for mark in getattr(function, "pytestmark", []):
        if mark.name == "parametrize":
            names, values, *rest = mark.args
            values = list(values)  # it may be an iterator
            new_values = [_replaced(value, pairs) for value in values]
            replaced |= any(new is not old for new, old in zip(new_values, values, strict=True))
            mark = pytest.mark.parametrize(names, new_values, *rest, **mark.kwargs).mark
        marks.append(mark)
    function.pytestmark = marks
    return replaced


def _replaced(value, pairs):
    """``value`` with each original class, or method of one, replaced."""
    if type(value).__name__ == "ParameterSet":  # a pytest.param, itself a tuple
        values = _replaced(value.values, pairs)
        return value if values == value.values else value._replace(values=values)
    if isinstance(value, tuple):
        values = tuple(_replaced(v, pairs) for v in value)
        return value if values == value else values
    for original, replacement in pairs:
        if value is original:
            return replacement
        method = getattr(value, "__name__", None)
        if inspect.isfunction(value) and getattr(original, method, None) is value:
            return getattr(replacement, method)
    return value
