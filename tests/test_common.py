"""scikit-learn's estimator checks on the package's estimators that take array input.

The vectorizers take dicts or text, which scikit-learn's generic checks do
not feed; their parity with scikit-learn is tested in tests/feature_extraction.
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_compress import CompressedTfidfTransformer, QuantizedLinearModel


@parametrize_with_checks([QuantizedLinearModel(prefit=False), CompressedTfidfTransformer()])
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
