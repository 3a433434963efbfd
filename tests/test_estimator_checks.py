"""scikit-learn's estimator checks, with no expected failures."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from focalboost import FocalLGBMClassifier, FocalXGBClassifier

ESTIMATORS = [
    FocalXGBClassifier(n_estimators=10),
    FocalLGBMClassifier(n_estimators=10),
    FocalXGBClassifier(n_estimators=10, alpha=0.25, hessian="clipped"),
    FocalLGBMClassifier(n_estimators=10, alpha="balanced", hessian="clipped"),
    FocalXGBClassifier(n_estimators=10, gamma=1.0, probability="focal"),
    FocalLGBMClassifier(n_estimators=10, alpha=0.25, probability="focal"),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
