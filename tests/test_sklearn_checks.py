"""scikit-learn's own estimator checks on both estimators, with tiny random models."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_llmrect import LLMClassifier, LLMRegressor
from tests._tiny_models import tiny_model_paths

PATHS = tiny_model_paths()
FAST = dict(
    max_epochs=2, batch_size=8, max_length=128, dtype="float32", device="cpu", random_state=0
)

ESTIMATORS = [
    LLMRegressor(model=PATHS["llama"], **FAST),
    LLMRegressor(model=PATHS["bert"], **FAST),
    LLMClassifier(model=PATHS["llama"], **FAST),
    LLMClassifier(model=PATHS["bert"], **FAST),
]


def expected_failures(estimator):
    return {
        "check_sample_weight_equivalence_on_dense_data": (
            "training is mini-batch AdamW with shuffled batches and a held-out validation "
            "split, so a row of weight 2 and the same row repeated twice land in different "
            "batches and splits; the weighted loss is exact within a batch (tests/test_losses.py)"
        ),
    }


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failures)
def test_sklearn_compatible(estimator, check):
    check(estimator)
