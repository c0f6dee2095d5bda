"""scikit-learn's estimator checks on the package's estimators."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_compress import QuantizedLinearModel


@parametrize_with_checks([QuantizedLinearModel(prefit=False)])
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
