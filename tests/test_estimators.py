"""Behaviour of LLMRegressor / LLMClassifier on tiny random models: inputs, errors, training
control, persistence."""

import pickle
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest

from sklearn_llmrect import LLMClassifier, LLMRegressor, _training

WORDS = ["awful", "bad", "dreadful", "poor", "fine", "good", "great", "superb", "lovely", "grim"]
X = np.array(WORDS * 4, dtype=object)
Y = np.tile(np.array([-3, -2, -3, -1.5, 0, 1.5, 2.5, 3, 2.8, -3.5]), 4)
LABELS = np.where(Y > 0, "pos", "neg")


@pytest.fixture(params=["llama", "bert"])
def model_path(request, tiny_paths):
    return tiny_paths[request.param]


def test_zero_shot_fit_trains_nothing_and_predicts(tiny_paths, fast):
    model = LLMRegressor(model=tiny_paths["llama"], **{**fast, "max_epochs": 0}).fit(X, Y)
    assert model.history_ == [] and model.head_ == "verbalizer"
    prediction = model.predict(X)
    assert prediction.shape == (len(X),)
    # the verbalizer reads the digits 1..9 mapped onto the training range
    assert Y.min() <= prediction.min() and prediction.max() <= Y.max()


def test_auto_head_is_linear_for_encoders_and_verbalizer_needs_a_causal_lm(tiny_paths, fast):
    assert LLMRegressor(model=tiny_paths["bert"], **fast).fit(X, Y).head_ == "linear"
    with pytest.raises(ValueError, match="head='verbalizer' needs a causal language model"):
        LLMRegressor(model=tiny_paths["bert"], head="verbalizer", **fast).fit(X, Y)


def test_training_lowers_the_training_error(model_path, fast):
    # a linear head: the tiny random Llama's verbalizer barely moves in a few epochs (the real
    # SmolLM2 verbalizer is trained in tests/test_real_models.py)
    params = {
        **fast,
        "max_epochs": 6,
        "learning_rate": 1e-2,
        "validation_fraction": 0,
        "loss": "mse",
        "head": "linear",
    }
    before = LLMRegressor(model=model_path, **{**params, "max_epochs": 0}).fit(X, Y).predict(X)
    after = LLMRegressor(model=model_path, **params).fit(X, Y).predict(X)
    assert np.mean((after - Y) ** 2) < 0.6 * np.mean((before - Y) ** 2)


def test_the_linear_head_trains_at_head_learning_rate(tiny_paths, fast):
    # the adapters barely move at learning_rate=1e-9, so the head's own rate decides the fit
    params = {**fast, "head": "linear", "validation_fraction": 0, "learning_rate": 1e-9}
    bert = tiny_paths["bert"]
    frozen = LLMClassifier(model=bert, head_learning_rate=1e-9, **params).fit(X, LABELS)
    trained = LLMClassifier(model=bert, head_learning_rate=0.1, **params).fit(X, LABELS)
    # a zero-initialised head that did not move predicts the uniform distribution
    np.testing.assert_allclose(frozen.predict_proba(X), 0.5, atol=1e-6)
    assert np.abs(trained.predict_proba(X) - 0.5).max() > 0.05
    lora = [v for k, v in trained._network.trainable_state().items() if "lora_B" in k]
    assert lora and max(float(v.abs().max()) for v in lora) < 1e-6


def test_variance_loss_fit_is_recentred(model_path, fast):
    model = LLMRegressor(model=model_path, **{**fast, "validation_fraction": 0}).fit(X, Y)
    assert np.mean(Y - model.predict(X)) == pytest.approx(0.0, abs=1e-4)


def test_early_stopping_keeps_the_best_epoch_by_residual_variance(tiny_paths, fast):
    model = LLMRegressor(
        model=tiny_paths["bert"],
        **{
            **fast,
            "max_epochs": 6,
            "learning_rate": 0.2,
            "patience": None,
            "validation_fraction": 0.4,
        },
    )
    model.fit(X, Y)
    scores = [record["validation_residual_variance"] for record in model.history_]
    assert len(scores) == 6
    best = int(np.argmin(scores))
    assert best != len(scores) - 1, "this seeded setting must not improve monotonically"
    rows = model.validation_indices_
    kept = np.var(Y[rows] - model.predict(X[rows]))
    assert kept == pytest.approx(scores[best], rel=1e-4)
    assert [record["best"] for record in model.history_][best]


def test_patience_stops_training(tiny_paths, fast):
    model = LLMRegressor(
        model=tiny_paths["bert"],
        **{
            **fast,
            "max_epochs": 20,
            "learning_rate": 0.2,
            "patience": 1,
            "validation_fraction": 0.4,
        },
    )
    model.fit(X, Y)
    assert len(model.history_) < 20
    assert not model.history_[-1]["best"]


def test_warm_start_continues_training(tiny_paths, fast):
    model = LLMClassifier(model=tiny_paths["bert"], warm_start=True, **fast).fit(X, LABELS)
    first = model.predict_proba(X)
    model.fit(X, LABELS)
    assert [r["epoch"] for r in model.history_] == [1, 2, 3, 4]
    assert not np.allclose(first, model.predict_proba(X))
    with pytest.raises(ValueError, match="classes"):
        model.fit(X, np.where(Y > 2, "top", LABELS))


def test_keyboard_interrupt_keeps_the_model_and_resumes(tiny_paths, fast, monkeypatch):
    calls = {"n": 0}
    real_collate = _training.collate

    def interrupting_collate(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 7:  # during the second epoch
            raise KeyboardInterrupt
        return real_collate(*args, **kwargs)

    monkeypatch.setattr(_training, "collate", interrupting_collate)
    model = LLMRegressor(
        model=tiny_paths["llama"],
        warm_start=True,
        **{**fast, "max_epochs": 3, "validation_fraction": 0},
    )
    with pytest.warns(RuntimeWarning, match="interrupted after 1 complete epoch"):
        model.fit(X, Y)
    assert model.history_[-1] == {"epoch": 2, "interrupted": True}
    assert np.isfinite(model.predict(X)).all()
    monkeypatch.setattr(_training, "collate", real_collate)
    model.fit(X, Y)
    assert [r["epoch"] for r in model.history_ if "train_loss" in r] == [1, 3, 4, 5]


def test_dataframe_prompt_with_named_and_positional_fields(tiny_paths, fast):
    frame = pd.DataFrame({"title": WORDS, "body": [w.upper() for w in WORDS]})
    model = LLMClassifier(
        model=tiny_paths["llama"], prompt="{title} / {1}", **{**fast, "max_epochs": 0}
    ).fit(frame, LABELS[:10])
    assert list(model.feature_names_in_) == ["title", "body"]
    # a user's prompt is used as it is: no instruction is appended
    assert model._prompts(frame.to_numpy(dtype=object))[0] == "awful / AWFUL"
    assert model.predict(frame).shape == (10,)


def test_classifier_probabilities_follow_classes(tiny_paths, fast):
    y = np.array(["b", "a", "c", "a"] * 10)
    model = LLMClassifier(model=tiny_paths["llama"], **fast).fit(X, y)
    assert list(model.classes_) == ["a", "b", "c"]
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    assert set(model.predict(X)) <= {"a", "b", "c"}


@pytest.mark.parametrize("loss", ["cross_entropy", "variance"])
def test_classifier_losses_train(tiny_paths, fast, loss):
    model = LLMClassifier(
        model=tiny_paths["bert"],
        loss=loss,
        **{**fast, "max_epochs": 5, "learning_rate": 2e-2, "validation_fraction": 0},
    )
    before = LLMClassifier(model=tiny_paths["bert"], **{**fast, "max_epochs": 0}).fit(X, LABELS)
    model.fit(X, LABELS)
    labels = (LABELS == "pos").astype(int)
    assert np.mean(np.abs(model.predict_proba(X)[:, 1] - labels)) < np.mean(
        np.abs(before.predict_proba(X)[:, 1] - labels)
    )


# -- persistence -----------------------------------------------------------------------------
@pytest.fixture(params=["regressor", "classifier"])
def fitted(request, tiny_paths, fast):
    if request.param == "regressor":
        return LLMRegressor(model=tiny_paths["llama"], **fast).fit(X, Y)
    return LLMClassifier(model=tiny_paths["bert"], verbalizer=None, **fast).fit(X, LABELS)


def _outputs(model):
    return model.predict_proba(X) if hasattr(model, "predict_proba") else model.predict(X)


def test_pickle_and_joblib_round_trips_predict_identically(fitted, tmp_path):
    expected = _outputs(fitted)
    network = fitted._network
    restored = pickle.loads(pickle.dumps(fitted))
    assert fitted._network is network  # pickling leaves the estimator it pickles as it was
    np.testing.assert_array_equal(_outputs(restored), expected)
    joblib.dump(fitted, tmp_path / "model.joblib")
    np.testing.assert_array_equal(_outputs(joblib.load(tmp_path / "model.joblib")), expected)
    assert len(pickle.dumps(fitted)) < 2_000_000, "the base model must not be pickled"


def test_safe_folder_round_trip(fitted, tmp_path):
    fitted.save(tmp_path / "saved")
    assert sorted(p.name for p in (tmp_path / "saved").iterdir()) == [
        "adapter.safetensors",
        "estimator.json",
    ]
    restored = type(fitted).load(tmp_path / "saved")
    np.testing.assert_array_equal(_outputs(restored), _outputs(fitted))
    assert restored.get_params() == fitted.get_params()


def test_save_refuses_parameters_json_cannot_hold(tiny_paths, fast, tmp_path):
    model = LLMRegressor(
        model=tiny_paths["llama"], **{**fast, "random_state": np.random.RandomState(0)}
    ).fit(X, Y)
    with pytest.raises(ValueError, match="random_state"):
        model.save(tmp_path / "x")
    with pytest.raises(ValueError, match="no estimator.json"):
        LLMRegressor.load(tmp_path)


# -- clear errors ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("X_bad", "y_bad", "message"),
    [
        ([], [], "empty|0 sample"),
        (X, Y[:-1], "different lengths|inconsistent numbers"),
        (X, np.where(np.arange(len(Y)) == 3, np.nan, Y), "NaN or infinite"),
        (X, np.where(np.arange(len(Y)) == 3, np.inf, Y), "NaN or infinite"),
        (np.array([["a"], [None]], dtype=object), [1.0, 2.0], "missing"),
        (["a", None, "c"], [1.0, 2.0, 3.0], "1 missing .* first at row 1"),
        (pd.array(["a", "b", None], dtype="string"), [1.0, 2.0, 3.0], "first at row 2"),
    ],
)
def test_bad_regression_input(tiny_paths, fast, X_bad, y_bad, message):
    with pytest.raises(ValueError, match=message):
        LLMRegressor(model=tiny_paths["llama"], **fast).fit(X_bad, y_bad)


def test_prompt_naming_a_missing_column(tiny_paths, fast):
    with pytest.raises(ValueError, match=r"prompt names column\(s\) \['review'\]"):
        LLMRegressor(model=tiny_paths["llama"], prompt="Review: {review}", **fast).fit(X, Y)


def test_classifier_given_one_class(tiny_paths, fast):
    with pytest.raises(ValueError, match="only one class"):
        LLMClassifier(model=tiny_paths["llama"], **fast).fit(X, ["pos"] * len(X))


def test_verbalizer_that_is_not_single_tokens(tiny_paths, fast):
    with pytest.raises(ValueError, match="verbalizer token 'supercalifragilistic' is .* tokens"):
        LLMRegressor(
            model=tiny_paths["llama"], verbalizer=["1", "supercalifragilistic"], **fast
        ).fit(X, Y)


def test_unknown_model_name_lists_the_known_ones(fast):
    with pytest.raises(ValueError, match="smollm2-135m-instruct.*minilm-l6.*pip install"):
        LLMRegressor(model="no-such-model", **fast).fit(X, Y)


def test_long_text_is_truncated_with_one_warning(tiny_paths, fast):
    texts = np.array(["word " * 200 if i % 4 == 0 else "short" for i in range(len(X))])
    model = LLMRegressor(model=tiny_paths["bert"], **{**fast, "max_length": 32})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(texts, Y)
    messages = [str(w.message) for w in caught if "max_length" in str(w.message)]
    assert messages == [
        "10 of 40 prompt(s) are longer than max_length=32 tokens and were "
        "truncated (the start of each is kept); raise max_length to keep them "
        "whole."
    ]


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("lora_r", 0),
        ("max_epochs", -1),
        ("learning_rate", 0),
        ("head_learning_rate", -1e-3),
        ("validation_fraction", 1.0),
        ("head", "mlp"),
        ("loss", "hinge"),
        ("selection_metric", "r2"),
        ("dtype", "int8"),
        ("device", "nonsense"),
    ],
)
def test_bad_parameters_name_themselves(tiny_paths, fast, param, value):
    with pytest.raises(ValueError, match=param):
        LLMRegressor(model=tiny_paths["llama"], **{**fast, param: value}).fit(X, Y)


def test_grid_search_and_pipeline_over_nested_parameters(tiny_paths, fast):
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    pipeline = make_pipeline(
        FunctionTransformer(lambda texts: np.char.lower(np.asarray(texts, dtype=str))),
        LLMRegressor(model=tiny_paths["bert"], **{**fast, "max_epochs": 1}),
    )
    search = GridSearchCV(pipeline, {"llmregressor__lora_r": [2, 4]}, cv=2).fit(X, Y)
    assert search.best_params_["llmregressor__lora_r"] in (2, 4)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert (
        search.best_estimator_[-1].lora_config_["r"] == search.best_params_["llmregressor__lora_r"]
    )
