"""Run scikit-learn's own vectorizer test modules against the compressed classes.

Each ``test_upstream_*.py`` here imports an installed scikit-learn test
module, puts the compressed classes in place of scikit-learn's in that
module's namespace and parametrizations, and re-exports its test functions
for pytest to collect (nothing of scikit-learn's is copied). Tests, and
parametrizations, that use none of the replaced classes test scikit-learn
alone and are not collected. Tests that a
documented limitation makes meaningless (no feature strings are stored) are
listed in the module's ``LIMITATIONS`` with the reason and the exception
that the limitation raises; they run as strict xfails of that exception, so
one that starts passing, or fails another way, is noticed.
"""

import pytest


@pytest.fixture
def global_random_seed():
    # scikit-learn's own fixture (sklearn/conftest.py) is not loaded here.
    return 42


def _tests_scikit_learn_only(item):
    """True for a parametrization with one of scikit-learn's classes (HashingVectorizer)."""
    params = getattr(getattr(item, "callspec", None), "params", {})
    return any(isinstance(value, type) and value.__module__.startswith("sklearn.")
               for value in params.values())


def pytest_collection_modifyitems(config, items):
    upstream = [item for item in items if hasattr(getattr(item, "module", None), "LIMITATIONS")]
    deselected = [item for item in upstream if _tests_scikit_learn_only(item)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if item not in deselected]
    for item in items:
        limitations = getattr(getattr(item, "module", None), "LIMITATIONS", None)
        if limitations is None:
            continue
        if item.originalname in limitations:
            reason, raises = limitations[item.originalname]
            item.add_marker(pytest.mark.xfail(reason=reason, raises=raises, strict=True))
