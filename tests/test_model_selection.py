"""Model selection that cannot lie: LabeledUnlabeledKFold keeps labelled and unlabelled rows in
every fold, the documented GridSearchCV recipe picks from finite scores, and a wrong setup fails
at once with one error instead of NaN scores and pages of warnings."""

import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV

from sklearn_llmrect.rectify import (
    LabeledUnlabeledKFold,
    RectifiedClassifier,
    RectifiedRegressor,
    rectified_grid_search,
)
from sklearn_llmrect.rectify._model_selection import labeled_mask

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "guides" / "rectification.md"


def _labels_first(n_labeled=300, n_unlabeled=900, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_labeled + n_unlabeled, 3))
    y = X @ [1.0, 0.5, 0.0] + rng.normal(size=len(X))
    y[n_labeled:] = np.nan
    return X, y


def _recipe() -> str:
    """The first code block of the guide's "Model selection" section."""
    text = GUIDE.read_text(encoding="utf-8")
    section = text.split("### Model selection", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_documented_recipe_picks_from_finite_scores():
    namespace = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # not one warning on the way
        exec(compile(_recipe(), str(GUIDE), "exec"), namespace)
    search = namespace["search"]
    scores = search.cv_results_["mean_test_score"]
    assert np.all(np.isfinite(scores))
    assert search.best_params_ == search.cv_results_["params"][int(np.argmax(scores))]
    assert search.best_params_ == {"allocation": 0.05}  # what the guide prints
    X, y = namespace["X"], namespace["y"]
    same = rectified_grid_search(
        RectifiedRegressor(Ridge(), random_state=0), {"allocation": [0.05, 0.2, 0.5]}
    ).fit(X, y)
    np.testing.assert_allclose(same.cv_results_["mean_test_score"], scores)


def test_every_train_and_test_fold_holds_labelled_and_unlabelled_rows():
    X, y = _labels_first(n_labeled=31, n_unlabeled=50)
    seen = np.zeros(len(y), dtype=int)
    for train, test in LabeledUnlabeledKFold(3).split(X, y):
        for part in (train, test):
            assert np.isfinite(y[part]).sum() >= 2 and np.isnan(y[part]).sum() >= 1
        seen[test] += 1
    assert np.all(seen == 1)  # a partition
    shuffled = [t for _, t in LabeledUnlabeledKFold(3, shuffle=True, random_state=0).split(X, y)]
    again = [t for _, t in LabeledUnlabeledKFold(3, shuffle=True, random_state=0).split(X, y)]
    assert all(np.array_equal(a, b) for a, b in zip(shuffled, again, strict=True))


@pytest.mark.parametrize(
    "y, expected",
    [
        (np.array([1.5, np.nan, 0.0]), [True, False, True]),
        (np.array([1, -1, 0]), [True, False, True]),
        (np.array(["a", "-1", "b"]), [True, False, True]),
        (np.array(["a", None, np.nan], dtype=object), [True, False, False]),
    ],
)
def test_the_labelled_mask_reads_each_marker(y, expected):
    assert labeled_mask(y).tolist() == expected
    assert labeled_mask(np.array([0.0, -1.0, 1.0]), unlabeled_value=-1).tolist() == [
        True,
        False,
        True,
    ]


def test_a_classifier_search_over_string_labels_with_none_markers():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(900, 3))
    y = np.where(X[:, 0] + rng.normal(0, 0.5, 900) > 0, "pos", "neg").astype(object)
    y[300:] = None
    search = GridSearchCV(
        RectifiedClassifier(LogisticRegression(), random_state=0),
        {"allocation": [0.1, 0.5]},
        cv=LabeledUnlabeledKFold(3),
        error_score="raise",
    ).fit(X, y)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


def test_the_old_setup_scores_nan_and_still_answers():
    """What the splitter is for: the default unshuffled cv=3 on labels-first data."""
    X, y = _labels_first()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search = GridSearchCV(
            RectifiedRegressor(Ridge(), random_state=0), {"allocation": [0.1, 0.5]}, cv=3
        ).fit(X, y)
    assert np.isnan(search.cv_results_["mean_test_score"]).all()


def _one_error(fit):
    """Run ``fit``; return its one ValueError, asserting no warning came with it."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ValueError) as error:
            fit()
    assert caught == [], [str(w.message) for w in caught]
    return str(error.value)


def test_a_wrong_setup_fails_at_once_with_one_clear_error():
    X, y = _labels_first()
    grid = {"allocation": [0.1, 0.5]}
    estimator = RectifiedRegressor(Ridge(), random_state=0)
    message = _one_error(lambda: GridSearchCV(estimator, grid, cv=3, error_score="raise").fit(X, y))
    assert "no labelled rows" in message
    few = y.copy()
    few[5:300] = np.nan  # 5 labels: too few for two per test fold
    message = _one_error(
        lambda: GridSearchCV(estimator, grid, cv=LabeledUnlabeledKFold(3)).fit(X, few)
    )
    assert "n_splits=3 needs at least 6 labelled rows in y" in message and "has 5" in message
    message = _one_error(
        lambda: GridSearchCV(estimator, grid, cv=LabeledUnlabeledKFold(3)).fit(X[:300], y[:300])
    )
    assert "needs at least 3 unlabelled rows" in message
    message = _one_error(lambda: rectified_grid_search(estimator, grid, scoring="r2"))
    assert "scoring='r2'" in message and "Leave scoring=None" in message
    message = _one_error(
        lambda: GridSearchCV(
            estimator, grid, cv=LabeledUnlabeledKFold(3), scoring="r2", error_score="raise"
        ).fit(X, y)
    )
    assert "NaN" in message
    with pytest.raises(ValueError, match="needs y"):
        next(LabeledUnlabeledKFold(3).split(X))
    with pytest.raises(ValueError, match="n_splits must be an integer >= 2"):
        next(LabeledUnlabeledKFold(1).split(X, y))
