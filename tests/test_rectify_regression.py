"""Rectified regressions and quantiles through the meta-estimators (issue 18.2).

Tiny scikit-learn models stand in for the text model: they see the columns ``t1`` and ``t2``
(noisy views of what the label depends on, as a text is), the regressions the covariates. Every
estimate is checked against the inference function called directly on the same split and
predictions.
"""

import pickle

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit
from sklearn.base import clone
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder

from sklearn_llmrect.inference import (
    RegressionResult,
    classical_logistic,
    classical_ols,
    classical_quantile,
    crossfit_ppi_logistic,
    crossfit_ppi_ols,
    crossfit_ppi_poisson,
    crossfit_ppi_quantile,
    crossfit_predict,
    ppi_logistic,
    ppi_mean,
    ppi_ols,
    ppi_poisson,
    ppi_quantile,
)
from sklearn_llmrect.rectify import (
    LabeledUnlabeledKFold,
    RectifiedClassifier,
    RectifiedRegressor,
    SurrogateRegressor,
)

COVARIATES = ["price", "category", "flag"]
NAMES = ("intercept", "price", "category_b", "category_c", "flag_True")
TOL = dict(rtol=0, atol=1e-10)


def frame_data(response="ols", n_labeled=300, n_unlabeled=1200, seed=0):
    """A DataFrame with covariates and two 'text' columns, and labels (NaN when unlabelled)."""
    rng = np.random.default_rng(seed)
    n = n_labeled + n_unlabeled
    price = rng.normal(size=n)
    category = rng.choice(["a", "b", "c"], size=n).astype(object)
    flag = rng.random(n) < 0.4
    z = rng.normal(size=n)
    eta = 0.3 + 0.8 * price + 0.5 * (category == "c") - 0.3 * flag + z
    if response == "ols":
        y = eta + rng.normal(0, 0.5, n)
    elif response == "logistic":
        y = (rng.random(n) < expit(eta)).astype(float)
    else:
        y = rng.poisson(np.exp(0.2 + 0.3 * price + 0.2 * (category == "c") + 0.3 * z)).astype(float)
    frame = pd.DataFrame(
        {
            "t1": z + 0.3 * rng.normal(size=n),
            "price": price,
            "t2": price + 0.3 * rng.normal(size=n),
            "category": category,
            "flag": flag,
        }
    )
    observed = y.copy()
    observed[n_labeled:] = np.nan
    return frame, observed


def design(frame, intercept=True):
    """The design built by hand: what the encoder must produce."""
    columns = [np.ones(len(frame))] if intercept else []
    columns += [
        frame["price"].to_numpy(),
        (frame["category"] == "b").to_numpy(float),
        (frame["category"] == "c").to_numpy(float),
        frame["flag"].to_numpy(float),
    ]
    return np.column_stack(columns)


def text_part(frame):
    return frame[["t1", "t2"]]


def assert_same(model, expected):
    assert isinstance(model.result_, RegressionResult)
    np.testing.assert_allclose(model.estimate_, expected.coefficients, **TOL)
    np.testing.assert_allclose(model.stderr_, expected.standard_errors, **TOL)
    np.testing.assert_allclose(model.confidence_interval_, expected.confidence_interval, **TOL)
    np.testing.assert_allclose(model.effective_sample_size_, expected.effective_sample_size)
    assert model.lambda_ == pytest.approx(expected.lambda_, abs=1e-12)
    assert model.result_.feature_names == expected.feature_names


def cross_seed(random_state):
    """The fold seed ``fit`` draws first when it cross-fits every label."""
    return np.random.RandomState(random_state).randint(np.iinfo(np.int32).max)


# --------------------------------------------------------------- split: the same as direct calls
@pytest.mark.parametrize("method", ["ppi++", "ppi"])
def test_split_ols_equals_ppi_ols_on_the_same_split(method):
    frame, y = frame_data()
    model = RectifiedRegressor(
        Ridge(), estimand="ols", covariates=COVARIATES, allocation=0.4, method=method,
        random_state=0,
    ).fit(frame, y)  # fmt: skip
    ft, rect = model.finetune_indices_, model.rectify_indices_
    assert model.n_finetune_ == 120 and model.n_rectify_ == 180
    ridge = Ridge().fit(text_part(frame).iloc[ft], y[ft])
    assert ridge.n_features_in_ == 2  # the covariates were not given to the model
    np.testing.assert_allclose(model.estimator_.coef_, ridge.coef_)
    W, X_text = design(frame), text_part(frame)
    expected = ppi_ols(
        W[rect], y[rect], ridge.predict(X_text.iloc[rect]), W[300:],
        ridge.predict(X_text.iloc[300:]), method=method, feature_names=NAMES,
    )  # fmt: skip
    assert_same(model, expected)
    assert model.coefficient_names_ == NAMES and model.estimate_.shape == (5,)
    assert model.confidence_interval_.shape == (5, 2)
    assert model.result_.method == method and "OLS regression" in model.result_.summary()
    np.testing.assert_allclose(model.predict(frame), ridge.predict(X_text))  # covariates dropped


def test_split_poisson_equals_ppi_poisson_with_clipped_predictions():
    frame, y = frame_data("poisson")
    model = RectifiedRegressor(
        LinearRegression(), estimand="poisson", covariates=COVARIATES, allocation=0.3,
        random_state=1,
    ).fit(frame, y)  # fmt: skip
    ft, rect = model.finetune_indices_, model.rectify_indices_
    linear = LinearRegression().fit(text_part(frame).iloc[ft], y[ft])
    f = np.clip(linear.predict(text_part(frame)), 0.0, None)
    W = design(frame)
    expected = ppi_poisson(W[rect], y[rect], f[rect], W[300:], f[300:], feature_names=NAMES)
    assert_same(model, expected)


def test_regressor_logistic_on_0_1_labels_clips_predictions_to_the_unit_interval():
    frame, y = frame_data("logistic")
    model = RectifiedRegressor(
        Ridge(), estimand="logistic", covariates=COVARIATES, allocation=0.3, random_state=2
    ).fit(frame, y)
    ft, rect = model.finetune_indices_, model.rectify_indices_
    raw = Ridge().fit(text_part(frame).iloc[ft], y[ft]).predict(text_part(frame))
    assert raw.min() < 0 or raw.max() > 1  # clipping matters here
    f, W = np.clip(raw, 0.0, 1.0), design(frame)
    expected = ppi_logistic(W[rect], y[rect], f[rect], W[300:], f[300:], feature_names=NAMES)
    assert_same(model, expected)


def test_classifier_logistic_uses_the_probability_of_the_second_class():
    frame, y01 = frame_data("logistic")
    labels = np.where(y01 == 1, "yes", "no").astype(object)
    labels[np.isnan(y01)] = None
    model = RectifiedClassifier(
        LogisticRegression(), estimand="logistic", covariates=COVARIATES, allocation=0.3,
        random_state=0,
    ).fit(frame, labels)  # fmt: skip
    assert model.classes_.tolist() == ["no", "yes"]
    ft, rect = model.finetune_indices_, model.rectify_indices_
    clf = LogisticRegression().fit(text_part(frame).iloc[ft], labels[ft].astype(str))
    p = clf.predict_proba(text_part(frame))[:, 1]
    W, yes = design(frame), (labels[rect] == "yes").astype(float)
    expected = ppi_logistic(W[rect], yes, p[rect], W[300:], p[300:], feature_names=NAMES)
    assert_same(model, expected)
    np.testing.assert_allclose(model.predict_proba(frame), clf.predict_proba(text_part(frame)))


@pytest.mark.parametrize("q", [0.5, 0.2])
def test_split_quantile_equals_ppi_quantile(q):
    frame, y = frame_data()
    X = text_part(frame)  # a quantile takes no covariates: any X works
    model = RectifiedRegressor(
        Ridge(), estimand="quantile", quantile=q, allocation=0.3, random_state=0
    ).fit(X, y)
    ft, rect = model.finetune_indices_, model.rectify_indices_
    f = Ridge().fit(X.iloc[ft], y[ft]).predict(X)
    expected = ppi_quantile(y[rect], f[rect], f[300:], q)
    assert isinstance(model.estimate_, float) and len(model.confidence_interval_) == 2
    assert model.estimate_ == pytest.approx(expected.coefficients[0], abs=1e-12)
    np.testing.assert_allclose(model.confidence_interval_, expected.confidence_interval[0], **TOL)
    assert model.effective_sample_size_ == pytest.approx(expected.effective_sample_size[0])
    assert model.coefficient_names_ == (f"q={q:g}",)


# ----------------------------------------------------------- cross-fit: the same as direct calls
@pytest.mark.parametrize("method, cross_method", [("cross", "ppi"), ("ppi++", "ppi++")])
def test_cross_fit_ols_equals_crossfit_ppi_ols_on_the_same_folds(method, cross_method):
    frame, y = frame_data()
    allocation = "cross" if method == "ppi++" else "auto"  # cross-PPI++ or plain cross-PPI
    model = RectifiedRegressor(
        Ridge(), estimand="ols", covariates=COVARIATES, method=method, allocation=allocation,
        n_folds=4, random_state=0,
    ).fit(frame, y)  # fmt: skip
    assert len(model.estimators_) == 4 and model.n_rectify_ == 300
    X = text_part(frame)
    preds = crossfit_predict(
        Ridge(), X.iloc[:300], y[:300], X.iloc[300:], n_folds=4, random_state=cross_seed(0)
    )
    W = design(frame)
    expected = crossfit_ppi_ols(
        W[:300], y[:300], preds.labeled, W[300:], preds.unlabeled, method=cross_method,
        feature_names=NAMES,
    )  # fmt: skip
    assert_same(model, expected)
    assert model.result_.method == f"cross-{cross_method}"


def test_cross_fit_poisson_and_classifier_logistic():
    frame, y = frame_data("poisson")
    model = RectifiedRegressor(
        Ridge(), estimand="poisson", covariates=COVARIATES, method="cross", n_folds=3,
        random_state=5,
    ).fit(frame, y)  # fmt: skip
    X, W = text_part(frame), design(frame)
    preds = crossfit_predict(
        Ridge(), X.iloc[:300], y[:300], X.iloc[300:], n_folds=3, random_state=cross_seed(5)
    )
    expected = crossfit_ppi_poisson(
        W[:300], y[:300], np.clip(preds.labeled, 0, None), W[300:],
        np.clip(preds.unlabeled, 0, None), feature_names=NAMES,
    )  # fmt: skip
    assert_same(model, expected)

    frame, y01 = frame_data("logistic", seed=3)
    labels = np.where(np.isnan(y01), -1, y01).astype(int)  # integer classes 0 / 1, -1 unlabelled
    clf = RectifiedClassifier(
        LogisticRegression(), estimand="logistic", covariates=COVARIATES, method="cross",
        n_folds=3, random_state=5,
    ).fit(frame, labels)  # fmt: skip
    X = text_part(frame)
    preds = crossfit_predict(
        LogisticRegression(), X.iloc[:300], labels[:300], X.iloc[300:], n_folds=3,
        response_method="predict_proba", random_state=cross_seed(5),
    )  # fmt: skip
    W = design(frame)
    expected = crossfit_ppi_logistic(
        W[:300],
        labels[:300],
        preds.labeled[:, 1],
        W[300:],
        preds.unlabeled[:, :, 1],
        feature_names=NAMES,
    )
    assert_same(clf, expected)


def test_cross_fit_quantile():
    frame, y = frame_data()
    X = text_part(frame)
    model = RectifiedRegressor(
        Ridge(), estimand="quantile", quantile=0.75, method="cross", n_folds=5, random_state=0
    ).fit(X, y)
    preds = crossfit_predict(
        Ridge(), X.iloc[:300], y[:300], X.iloc[300:], n_folds=5, random_state=cross_seed(0)
    )
    expected = crossfit_ppi_quantile(y[:300], preds.labeled, preds.unlabeled, 0.75)
    assert model.estimate_ == pytest.approx(expected.coefficients[0], abs=1e-12)
    np.testing.assert_allclose(model.confidence_interval_, expected.confidence_interval[0], **TOL)


def test_the_chosen_design_of_allocation_auto_is_rectified_with_its_stored_predictions():
    """The default path (a surrogate, the design chosen by the learning-curve law): whatever it
    chose, the result is the inference function on ``rectify_predictions_`` and
    ``unlabeled_predictions_``."""
    frame, y = frame_data(n_labeled=400, seed=4)
    rows = frame.assign(row=np.arange(len(frame)))[["row", *COVARIATES]]
    noise = np.random.default_rng(0).normal(size=(len(frame), 3))
    features = np.column_stack([frame["t1"], frame["t2"], noise])
    sets = [("f", FunctionTransformer(lambda X: features[np.asarray(X)[:, 0].astype(int)]))]
    model = RectifiedRegressor(
        SurrogateRegressor(sets, inner_folds=3), estimand="ols", covariates=COVARIATES,
        random_state=0,
    ).fit(rows, y)  # fmt: skip
    W, rect = design(frame), model.rectify_indices_
    args = (W[rect], y[rect], model.rectify_predictions_, W[400:], model.unlabeled_predictions_)
    if model.design_.design == "cross":
        expected = crossfit_ppi_ols(*args, method="ppi++", feature_names=NAMES)
    else:
        expected = ppi_ols(*args, feature_names=NAMES)
    assert_same(model, expected)
    # the design predicted the mean's interval; no coefficient's stderr is set beside it
    assert model.design_.realised_stderr is None
    assert "realised" not in model.design_.describe()


# ------------------------------------------------------------------------- classical fallbacks
def test_no_unlabelled_row_gives_the_classical_regression():
    frame, y = frame_data()
    frame, y = frame.iloc[:300], y[:300]
    with pytest.warns(UserWarning, match="no unlabelled rows"):
        model = RectifiedRegressor(
            Ridge(), estimand="ols", covariates=COVARIATES, allocation=0.5
        ).fit(frame, y)
    assert_same(model, classical_ols(design(frame), y, feature_names=NAMES))
    labels = np.where(y > np.median(y), "high", "low").astype(object)
    with pytest.warns(UserWarning, match="no unlabelled rows"):
        clf = RectifiedClassifier(
            LogisticRegression(), estimand="logistic", covariates=COVARIATES, allocation=0.5
        ).fit(frame, labels)
    expected = classical_logistic(design(frame), labels == "low", feature_names=NAMES)
    assert_same(clf, expected)
    with pytest.warns(UserWarning, match="no unlabelled rows"):
        quantile = RectifiedRegressor(Ridge(), estimand="quantile", allocation=0.5).fit(
            text_part(frame), y
        )
    assert quantile.estimate_ == classical_quantile(y, 0.5).coefficients[0]


def test_the_mean_is_unchanged():
    frame, y = frame_data()
    X = text_part(frame)
    model = RectifiedRegressor(Ridge(), allocation=0.4, random_state=0).fit(X, y)
    ft, rect = model.finetune_indices_, model.rectify_indices_
    f = Ridge().fit(X.iloc[ft], y[ft]).predict(X)
    assert model.estimate_ == pytest.approx(ppi_mean(y[rect], f[rect], f[300:]).estimate)
    assert not hasattr(model, "coefficient_names_")


# ------------------------------------------------------------------------------ the design
def test_one_hot_encoding_drops_the_first_level_as_onehotencoder_does():
    frame, y = frame_data()
    model = RectifiedRegressor(
        Ridge(), estimand="ols", covariates=COVARIATES, allocation=0.3, random_state=0
    ).fit(frame, y)
    W = model.covariate_encoder_.transform(frame)
    encoder = OneHotEncoder(drop="first", sparse_output=False).fit(frame[["category", "flag"]])
    assert encoder.get_feature_names_out().tolist() == ["category_b", "category_c", "flag_True"]
    np.testing.assert_array_equal(W[:, 2:], encoder.transform(frame[["category", "flag"]]))
    np.testing.assert_array_equal(W, design(frame))
    assert list(model.covariate_encoder_.get_feature_names_out()) == list(NAMES)


def test_category_dtype_keeps_its_order_and_intercept_can_be_left_out():
    frame, y = frame_data()
    frame["category"] = pd.Categorical(frame["category"], categories=["c", "a", "b", "unused"])
    model = RectifiedRegressor(
        Ridge(), estimand="ols", covariates=["category", "price"], fit_intercept=False,
        allocation=0.3, random_state=0,
    ).fit(frame, y)  # fmt: skip
    assert model.coefficient_names_ == ("category_a", "category_b", "price")
    W = np.column_stack([frame["category"] == "a", frame["category"] == "b", frame["price"]])
    rect, ft = model.rectify_indices_, model.finetune_indices_
    rest = frame.drop(columns=["category", "price"])  # the model sees t1, t2 and flag
    assert model.estimator_.feature_names_in_.tolist() == ["t1", "t2", "flag"]
    f = Ridge().fit(rest.iloc[ft], y[ft]).predict(rest)
    names = model.coefficient_names_
    expected = ppi_ols(W[rect], y[rect], f[rect], W[300:], f[300:], feature_names=names)
    assert_same(model, expected)


def test_covariates_to_estimator_gives_the_model_every_column():
    frame, y = frame_data()
    numeric = frame.assign(
        category=(frame["category"] == "c").astype(float), flag=frame["flag"] * 1.0
    )
    model = RectifiedRegressor(
        Ridge(), estimand="ols", covariates=["price", "flag"], covariates_to_estimator=True,
        allocation=0.3, random_state=0,
    ).fit(numeric, y)  # fmt: skip
    assert model.estimator_.n_features_in_ == 5
    assert model.coefficient_names_ == ("intercept", "price", "flag")
    assert model.predict(numeric).shape == (1500,)
    single = RectifiedRegressor(
        Ridge(), estimand="ols", covariates="price", allocation=0.3, random_state=0
    ).fit(numeric, y)
    assert single.coefficient_names_ == ("intercept", "price")


# ------------------------------------------------------------------------------------ errors
def _fit(X, y, cls=RectifiedRegressor, estimator=None, **params):
    params = {"allocation": 0.3, "random_state": 0, **params}
    return cls(estimator if estimator is not None else Ridge(), **params).fit(X, y)


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(estimand="median"), r"estimand must be one of \['mean', 'ols'"),
        (dict(estimand="ols"), "estimand='ols' regresses the label on covariates: pass"),
        (dict(estimand="poisson", covariates=[]), "covariates must name at least one"),
        (dict(estimand="ols", covariates=["price", "nope"]), r"column\(s\) \['nope'\].*has col"),
        (dict(estimand="ols", covariates=["price", "price"]), "more than once"),
        (dict(covariates=["price"]), "used only by a regression"),
        (dict(estimand="quantile", covariates=["price"]), "used only by a regression"),
        (dict(estimand="quantile", quantile=1.0), "quantile must be a float strictly between"),
        (dict(estimand="ols", covariates=["price"], fit_intercept="yes"), "fit_intercept must"),
        (
            dict(estimand="ols", covariates=["price"], covariates_to_estimator=1),
            "covariates_to_estimator must be True or False",
        ),
        (dict(estimand="logistic", covariates=["price"]), "needs 0/1 labels in y"),
    ],
)
def test_bad_estimand_parameters_are_named(params, match):
    frame, y = frame_data()
    with pytest.raises(ValueError, match=match):
        _fit(frame, y, **params)


def test_bad_covariate_data_are_named():
    frame, y = frame_data()
    with pytest.raises(ValueError, match=r"names DataFrame columns, but X is a ndarray"):
        _fit(text_part(frame).to_numpy(), y, estimand="ols", covariates=["price"])
    with pytest.raises(ValueError, match="'const' is constant.*duplicates the intercept"):
        _fit(frame.assign(const=3.0), y, estimand="ols", covariates=["price", "const"])
    with pytest.raises(ValueError, match="'one' has a single level 'x'"):
        _fit(frame.assign(one="x"), y, estimand="ols", covariates=["one"])
    with pytest.raises(ValueError, match="'price' has 1 missing value"):
        _fit(frame.assign(price=frame["price"].where(frame.index != 7)), y, estimand="ols",
             covariates=["price"])  # fmt: skip
    with pytest.raises(ValueError, match="'when' has dtype datetime64"):
        when = pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(len(frame)), unit="D")
        _fit(frame.assign(when=when), y, estimand="ols", covariates=["when"])
    with pytest.raises(ValueError, match="no column left for the estimator"):
        _fit(frame[["price", "t1"]], y, estimand="ols", covariates=["price", "t1"])
    with pytest.raises(ValueError, match="needs non-negative counts"):
        _fit(frame, y - 10, estimand="poisson", covariates=["price"])
    # a level seen only among unlabelled rows: its coefficient is not identified
    rare = frame["category"].where(frame.index < 300, "rare")
    with pytest.raises(ValueError, match=r"collinear.*\['category_rare'\].*single value"):
        _fit(frame.assign(category=rare), y, estimand="ols", covariates=["category"])


def test_classifier_estimand_errors():
    frame, y = frame_data("logistic")
    labels = np.where(np.isnan(y), -1, y).astype(int)
    with pytest.raises(ValueError, match="RectifiedClassifier does not estimate estimand='ols'"):
        _fit(frame, labels, RectifiedClassifier, LogisticRegression(), estimand="ols",
             covariates=["price"])  # fmt: skip
    three = np.where(labels == 1, np.where(frame["price"] > 0, 2, 1), labels)
    with pytest.raises(ValueError, match="exactly two classes among the labels of y, got 3"):
        _fit(frame, three, RectifiedClassifier, LogisticRegression(), estimand="logistic",
             covariates=["price"])  # fmt: skip


# ---------------------------------------------------------------- scikit-learn compatibility
def test_get_params_clone_set_params_and_pickle():
    model = RectifiedRegressor(Ridge(), estimand="poisson", covariates=["price"], quantile=0.3)
    params = model.get_params()
    for name, value in dict(
        estimand="poisson", quantile=0.3, covariates=["price"], covariates_to_estimator=False,
        fit_intercept=True,
    ).items():  # fmt: skip
        assert params[name] == value
    copy = clone(model)
    assert copy.get_params()["covariates"] == ["price"] and copy.estimand == "poisson"
    copy.set_params(estimand="ols", covariates=COVARIATES)
    frame, y = frame_data()
    fitted = copy.set_params(allocation=0.3, random_state=0).fit(frame, y)
    again = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(again.estimate_, fitted.estimate_)
    assert not hasattr(fitted, "_design")  # the row-sized helper of fit is not kept
    refit = fitted.set_params(estimand="mean", covariates=None).fit(text_part(frame), y)
    assert isinstance(refit.estimate_, float) and not hasattr(refit, "coefficient_names_")


def test_grid_search_over_the_allocation_of_a_regression():
    frame, y = frame_data()
    search = GridSearchCV(
        RectifiedRegressor(Ridge(), estimand="ols", covariates=COVARIATES, random_state=0),
        {"allocation": [0.1, 0.5]},
        cv=LabeledUnlabeledKFold(3),
        error_score="raise",
    ).fit(frame, y)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.best_estimator_.coefficient_names_ == NAMES
    assert np.isfinite(search.best_estimator_.score(frame, y))
