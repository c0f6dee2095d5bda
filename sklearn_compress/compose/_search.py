"""compress() of a fitted hyper-parameter search: its refitted best estimator.

``GridSearchCV``, ``RandomizedSearchCV``, ``HalvingGridSearchCV`` and
``HalvingRandomSearchCV`` predict with ``best_estimator_``; compressing the
search compresses that estimator (a pipeline or a model).
"""

from typing import Any

from .._sklearn_compat import BaseSearchCV, BaseSuccessiveHalving

__all__ = ["WRAPPER_REWRITES"]


def _best_estimator(search: Any) -> Any:
    if not hasattr(search, "best_estimator_"):
        refit = getattr(search, "refit", True)
        why = ("was fitted with refit=False, so it holds no best_estimator_" if refit is False
               else "is not fitted")
        raise ValueError(
            f"{type(search).__name__} {why}; compress() compresses the refitted "
            "best_estimator_: fit the search with refit=True, or fit "
            "search.estimator.set_params(**search.best_params_) yourself and compress that"
        )
    return search.best_estimator_


# -- what this module contributes (collected by compose/_compress.py)

# (the halving searches are named too, so that their module is loaded and
# compress()'s messages list them without the experimental import)
WRAPPER_REWRITES = {BaseSearchCV: _best_estimator, BaseSuccessiveHalving: _best_estimator}
