"""Classical / PPI / PPI++ means and class shares agree with ppi_py (ppi-python 0.2.3) to 1e-8.

Also pins the reference numbers of research/anchors.md section 1.4 and shows, with an
explanation, each place where ppi_py is wrong and we are not (anchors.md section 1.5, plus the
weighted standard error found while writing this suite).
"""

import numpy as np
import pytest
from scipy.stats import norm

from sklearn_llmrect.inference import (
    classical_class_shares,
    classical_mean,
    effective_sample_size,
    ppi_class_shares,
    ppi_mean,
)

TOL = 1e-8
KINDS = ["good", "useless", "negative", "compressed"]
SIZES = [(20, 50), (200, 2000), (500, 300)]


def _interval(ci):
    lo, hi = ci
    return float(np.squeeze(lo)), float(np.squeeze(hi))


def _lambda_from_estimate(theta, y, yhat, yhat_unl):
    """theta(lambda) = mean(y) + lambda * (mean(yhat_unl) - mean(yhat)): recover lambda."""
    return (float(np.squeeze(theta)) - y.mean()) / (yhat_unl.mean() - yhat.mean())


# ----------------------------------------------------------------------------------------------
# seeded random data against ppi_py itself
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("n, N", SIZES)
@pytest.mark.parametrize("level", [0.9, 0.95])
def test_ppi_plus_plus_matches_ppi_py(ppi_py, make_data, kind, n, N, level):
    y, yhat, yhat_unl = make_data(seed=n + N, n=n, N=N, kind=kind)
    ours = ppi_mean(y, yhat, yhat_unl, confidence_level=level)
    theirs = ppi_py.ppi_mean_pointestimate(y, yhat, yhat_unl)
    assert ours.estimate == pytest.approx(float(np.squeeze(theirs)), abs=TOL)
    ci = _interval(ppi_py.ppi_mean_ci(y, yhat, yhat_unl, alpha=1 - level))
    assert ours.confidence_interval == pytest.approx(ci, abs=TOL)
    assert 0.0 <= ours.lambda_ <= 1.0
    # with lambda fixed at the tuned value, ppi_py's p-value is ours
    pval = ppi_py.ppi_mean_pval(y, yhat, yhat_unl, null=0.1, lam=ours.lambda_)
    assert ours.pvalue(0.1) == pytest.approx(float(np.squeeze(pval)), abs=TOL)


def test_lambda_clips_as_documented(make_data):
    assert ppi_mean(*make_data(1, 200, 2000, "negative")).lambda_ == 0.0
    assert ppi_mean(*make_data(1, 200, 2000, "compressed")).lambda_ == 1.0
    assert 0.0 < ppi_mean(*make_data(1, 200, 2000, "good")).lambda_ < 1.0


@pytest.mark.parametrize("lam", [0.0, 0.3, 1.0, 1.7])
@pytest.mark.parametrize("alternative", ["two-sided", "larger", "smaller"])
def test_fixed_lambda_matches_ppi_py(ppi_py, make_data, lam, alternative):
    y, yhat, yhat_unl = make_data(seed=7, n=150, N=900)
    ours = ppi_mean(yhat=yhat, y=y, yhat_unlabeled=yhat_unl, lambda_=lam, alternative=alternative)
    ci = ppi_py.ppi_mean_ci(y, yhat, yhat_unl, alpha=0.05, alternative=alternative, lam=lam)
    assert ours.confidence_interval == pytest.approx(_interval(ci), abs=TOL)
    pval = ppi_py.ppi_mean_pval(y, yhat, yhat_unl, null=0.2, alternative=alternative, lam=lam)
    assert ours.pvalue(0.2) == pytest.approx(float(np.squeeze(pval)), abs=TOL)
    assert ours.lambda_ == lam


@pytest.mark.parametrize("method, lam", [("ppi", 1.0), ("classical", 0.0)])
@pytest.mark.parametrize("alternative", ["two-sided", "larger", "smaller"])
def test_ppi_and_classical_methods_match_ppi_py(ppi_py, make_data, method, lam, alternative):
    y, yhat, yhat_unl = make_data(seed=3, n=80, N=400)
    ours = ppi_mean(y, yhat, yhat_unl, method=method, alternative=alternative)
    ci = ppi_py.ppi_mean_ci(y, yhat, yhat_unl, alpha=0.05, alternative=alternative, lam=lam)
    assert ours.confidence_interval == pytest.approx(_interval(ci), abs=TOL)
    assert ours.lambda_ == lam


@pytest.mark.parametrize("alternative", ["two-sided", "larger", "smaller"])
def test_classical_mean_matches_ppi_py(ppi_py, make_data, alternative):
    y, _, _ = make_data(seed=11, n=60, N=10)
    ours = classical_mean(y, confidence_level=0.8, alternative=alternative)
    ci = ppi_py.classical_mean_ci(y, alpha=0.2, alternative=alternative)
    assert ours.confidence_interval == pytest.approx(_interval(ci), abs=TOL)
    assert ours.estimate == pytest.approx(y.mean(), abs=1e-12)
    assert ours.effective_sample_size == 60
    same = ppi_mean(y, y, y, method="classical", confidence_level=0.8, alternative=alternative)
    assert same.confidence_interval == pytest.approx(ours.confidence_interval, abs=1e-12)


def test_constant_weights_change_nothing(ppi_py, make_data):
    """Weights are normalised to mean one, so constant weights give ppi_py's numbers exactly."""
    y, yhat, yhat_unl = make_data(seed=5, n=120, N=700)
    ours = ppi_mean(
        y,
        yhat,
        yhat_unl,
        sample_weight=np.full(120, 3.0),
        sample_weight_unlabeled=np.full(700, 0.2),
    )
    ci = ppi_py.ppi_mean_ci(y, yhat, yhat_unl, alpha=0.05)
    assert ours.confidence_interval == pytest.approx(_interval(ci), abs=TOL)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_weighted_estimate_and_lambda_match_ppi_py(ppi_py, make_data, seed):
    """The weighted point estimate (hence the tuned lambda) is ppi_py's, to 1e-8."""
    y, yhat, yhat_unl = make_data(seed=seed, n=150, N=800)
    rng = np.random.default_rng(seed)
    w, w_unl = rng.uniform(0.2, 2.0, 150), rng.uniform(0.5, 1.5, 800)
    ours = ppi_mean(y, yhat, yhat_unl, sample_weight=w, sample_weight_unlabeled=w_unl)
    theirs = ppi_py.ppi_mean_pointestimate(y, yhat, yhat_unl, w=w, w_unlabeled=w_unl)
    assert ours.estimate == pytest.approx(float(np.squeeze(theirs)), abs=TOL)
    fixed = ppi_mean(y, yhat, yhat_unl, sample_weight=w, lambda_=0.4)
    theirs_fixed = ppi_py.ppi_mean_pointestimate(y, yhat, yhat_unl, w=w, lam=0.4)
    assert fixed.estimate == pytest.approx(float(np.squeeze(theirs_fixed)), abs=TOL)
    classical = classical_mean(y, sample_weight=w)
    assert classical.estimate == pytest.approx(np.average(y, weights=w), abs=1e-12)


@pytest.mark.parametrize("mode, ppi_mode", [("overall", "overall"), ("per_class", "element")])
@pytest.mark.parametrize("k", [2, 4])
def test_class_shares_match_ppi_py(ppi_py, mode, ppi_mode, k):
    rng = np.random.default_rng(k)
    n, N = 300, 3000
    labels = np.array(list("abcd"))[:k]
    true_p = rng.dirichlet(np.ones(k))

    def draw(m):
        y = rng.choice(k, size=m, p=true_p)
        logits = 2.0 * np.eye(k)[y] + rng.normal(0, 1.0, (m, k))
        proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        return y, proba

    y_idx, proba = draw(n)
    _, proba_unl = draw(N)
    ours = ppi_class_shares(labels[y_idx], proba, proba_unl, lambda_mode=mode, classes=labels)
    onehot = np.eye(k)[y_idx]
    lo, hi = ppi_py.ppi_mean_ci(onehot, proba, proba_unl, alpha=0.05, lam_optim_mode=ppi_mode)
    est = ppi_py.ppi_mean_pointestimate(onehot, proba, proba_unl, lam_optim_mode=ppi_mode)
    np.testing.assert_allclose(ours.estimates, est, atol=TOL)
    np.testing.assert_allclose(ours.confidence_intervals[:, 0], lo, atol=TOL)
    np.testing.assert_allclose(ours.confidence_intervals[:, 1], hi, atol=TOL)
    if mode == "overall":
        assert ours.estimates.sum() == pytest.approx(1.0, abs=1e-12)
        assert np.ptp(ours.lambdas) == 0.0
    classical = classical_class_shares(labels[y_idx], classes=labels)
    lo_c, hi_c = ppi_py.ppi_mean_ci(onehot, proba, proba_unl, alpha=0.05, lam=0)
    np.testing.assert_allclose(classical.confidence_intervals[:, 0], lo_c, atol=TOL)
    np.testing.assert_allclose(classical.confidence_intervals[:, 1], hi_c, atol=TOL)


def test_class_shares_from_predicted_labels_are_one_hot_probabilities():
    rng = np.random.default_rng(0)
    y = rng.choice(["x", "y", "z"], 100)
    pred = np.where(rng.random(100) < 0.8, y, rng.choice(["x", "y", "z"], 100))
    pred_unl = rng.choice(["x", "y", "z"], 1000)
    from_labels = ppi_class_shares(y, pred, pred_unl)
    onehot = (pred[:, None] == np.array(["x", "y", "z"])).astype(float)
    onehot_unl = (pred_unl[:, None] == np.array(["x", "y", "z"])).astype(float)
    from_proba = ppi_class_shares(y, onehot, onehot_unl, classes=["x", "y", "z"])
    np.testing.assert_allclose(from_labels.confidence_intervals, from_proba.confidence_intervals)
    assert from_labels.classes == ("x", "y", "z")


# ----------------------------------------------------------------------------------------------
# the reference numbers of anchors.md section 1.4 (ppi-python 0.2.3, printed to 10 digits)
# ----------------------------------------------------------------------------------------------

REF = 1e-9


def test_anchor_reference_numbers(anchor_data):
    y, yhat, yhat_unl = anchor_data
    tuned = ppi_mean(y, yhat, yhat_unl, confidence_level=0.9)
    assert tuned.lambda_ == pytest.approx(0.7376060403175657, abs=1e-15)
    assert tuned.estimate == pytest.approx(1.0294763147, abs=REF)
    assert tuned.confidence_interval == pytest.approx((0.9591771869, 1.0997754425), abs=REF)
    assert ppi_mean(y, yhat, yhat_unl).confidence_interval == pytest.approx(
        (0.9457097373, 1.1132428921), abs=REF
    )
    plain = ppi_mean(y, yhat, yhat_unl, method="ppi", confidence_level=0.9)
    assert plain.estimate == pytest.approx(1.0345324708, abs=REF)
    assert plain.confidence_interval == pytest.approx((0.9609411576, 1.1081237841), abs=REF)
    classical = classical_mean(y, confidence_level=0.9)
    assert classical.estimate == pytest.approx(1.0152631397, abs=REF)
    assert classical.confidence_interval == pytest.approx((0.9034696602, 1.1270566191), abs=REF)
    larger = ppi_mean(y, yhat, yhat_unl, confidence_level=0.9, alternative="larger")
    assert larger.confidence_interval == pytest.approx((0.9747042938, np.inf), abs=REF)
    smaller = ppi_mean(y, yhat, yhat_unl, confidence_level=0.9, alternative="smaller")
    assert smaller.confidence_interval == pytest.approx((-np.inf, 1.0842483357), abs=REF)
    assert tuned.pvalue(null=1.0) == pytest.approx(0.4903925763, abs=REF)
    # ppi_mean_power(..., budget=500) chose n=437, N=5849 with ppi_corr=0.8210139815 and
    # reported effective_n=1172: the same population formula as ours
    assert round(effective_sample_size(437, 0.8210139815, n_unlabeled=5849)) == 1172


def test_anchor_weighted_reference_differs_by_the_centring_of_the_weighted_variance(anchor_data):
    """ppi_py's weighted interval is (0.9501821057, 1.0930070483); ours is centred.

    Same point estimate and lambda; the standard errors differ because ppi_py uses Var(w (Y -
    lam f)) and Var(w_u lam f_u), see test_weighted_stderr_is_shift_invariant_unlike_ppi_py.
    """
    y, yhat, yhat_unl = anchor_data
    w = np.linspace(0.5, 1.5, len(y))
    ours = ppi_mean(y, yhat, yhat_unl, sample_weight=w, confidence_level=0.9)
    ppi_py_ci = (0.9501821057, 1.0930070483)
    assert ours.estimate == pytest.approx(sum(ppi_py_ci) / 2, abs=REF)
    z = norm.ppf(0.95)
    ppi_py_se = (ppi_py_ci[1] - ppi_py_ci[0]) / (2 * z)
    lam = ours.lambda_
    wn = w / w.mean()
    theta = ours.estimate
    ppi_py_formula = np.sqrt(
        np.var(wn * (y - lam * yhat)) / len(y) + np.var(lam * yhat_unl) / len(yhat_unl)
    )
    assert ppi_py_se == pytest.approx(ppi_py_formula, abs=1e-9)
    centred = np.sqrt(
        np.var(wn * ((y - theta) - lam * (yhat - theta))) / len(y)
        + np.var(lam * (yhat_unl - theta)) / len(yhat_unl)
    )
    assert ours.stderr == pytest.approx(centred, rel=1e-12)
    assert abs(ours.stderr - ppi_py_se) > 1e-4


# ----------------------------------------------------------------------------------------------
# where ppi_py is wrong (anchors.md 1.5) and we are not
# ----------------------------------------------------------------------------------------------


def test_ppi_py_bug_1_alternative_ignored_when_lambda_is_tuned(ppi_py, anchor_data):
    """ppi_mean_ci(lam=None) does not forward ``alternative`` to its recursive call.

    It returns the two-sided interval (0.9592, 1.0998) for alternative="larger"; the correct
    lower bound, which ppi_py itself gives once lambda is passed explicitly, is (0.9747, inf).
    """
    y, yhat, yhat_unl = anchor_data
    buggy = _interval(ppi_py.ppi_mean_ci(y, yhat, yhat_unl, alpha=0.1, alternative="larger"))
    assert buggy == pytest.approx((0.9591771869, 1.0997754425), abs=REF)
    ours = ppi_mean(y, yhat, yhat_unl, confidence_level=0.9, alternative="larger")
    explicit = ppi_py.ppi_mean_ci(
        y, yhat, yhat_unl, alpha=0.1, alternative="larger", lam=ours.lambda_
    )
    assert ours.confidence_interval == pytest.approx(_interval(explicit), abs=TOL)
    assert ours.confidence_interval[1] == np.inf
    assert ours.confidence_interval[0] > buggy[0]


def test_ppi_py_bug_3_pvalue_uses_unclipped_lambda(ppi_py, make_data):
    """ppi_mean_pval tunes lambda without clipping; ppi_mean_ci clips it to [0, 1].

    With compressed predictions the unclipped lambda is far above 1, so ppi_py's p-value and its
    own interval disagree: at the interval's lower end the p-value is not alpha. Ours uses the
    clipped lambda for both, so p-value and interval are dual.
    """
    y, yhat, yhat_unl = make_data(seed=2, n=200, N=2000, kind="compressed")
    ours = ppi_mean(y, yhat, yhat_unl)
    assert ours.lambda_ == 1.0
    lo, hi = ours.confidence_interval
    lo_theirs, _ = _interval(ppi_py.ppi_mean_ci(y, yhat, yhat_unl, alpha=0.05))
    assert lo == pytest.approx(lo_theirs, abs=TOL)
    assert ours.pvalue(null=lo) == pytest.approx(0.05, abs=1e-10)
    assert ours.pvalue(null=lo) == pytest.approx(
        float(np.squeeze(ppi_py.ppi_mean_pval(y, yhat, yhat_unl, null=lo, lam=1.0))), abs=TOL
    )
    theirs = float(np.squeeze(ppi_py.ppi_mean_pval(y, yhat, yhat_unl, null=lo)))
    assert abs(theirs - 0.05) > 0.01


def test_weighted_stderr_is_shift_invariant_unlike_ppi_py(ppi_py, make_data):
    """With sample weights ppi_py's standard error changes when Y and f are shifted together.

    The rectified mean with weights normalised to mean one is the M-estimator of the weighted
    squared loss; its sandwich variance is Var(w ((Y - theta) - lam (f - theta))) / n +
    Var(w_u lam (f_u - theta)) / N. ppi_py drops the centring at theta (it uses Var(w (Y - lam
    f)) and Var(w_u lam f_u)), which is right only when all weights are equal. Shifting labels
    and predictions by a constant c shifts the estimate by c and must leave the standard error
    alone; with ppi_py it grows with c (here by a factor of more than 10 at c = 100).
    """
    y, yhat, yhat_unl = make_data(seed=4, n=200, N=1000)
    rng = np.random.default_rng(4)
    w, w_unl = rng.uniform(0.3, 3.0, 200), rng.uniform(0.3, 3.0, 1000)
    base = ppi_mean(y, yhat, yhat_unl, sample_weight=w, sample_weight_unlabeled=w_unl)
    shifted = ppi_mean(
        y + 100, yhat + 100, yhat_unl + 100, sample_weight=w, sample_weight_unlabeled=w_unl
    )
    assert shifted.estimate == pytest.approx(base.estimate + 100, abs=1e-9)
    assert shifted.stderr == pytest.approx(base.stderr, rel=1e-9)
    assert shifted.lambda_ == pytest.approx(base.lambda_, abs=1e-12)
    widths = []
    for c in (0.0, 100.0):
        args = (y + c, yhat + c, yhat_unl + c)
        lo, hi = _interval(ppi_py.ppi_mean_ci(*args, alpha=0.05, w=w, w_unlabeled=w_unl))
        widths.append(hi - lo)
    assert widths[1] > 10 * widths[0]
    # the classical weighted interval has the same flaw in ppi_py
    lo0, hi0 = _interval(ppi_py.classical_mean_ci(y, w=w, alpha=0.05))
    lo1, hi1 = _interval(ppi_py.classical_mean_ci(y + 100, w=w, alpha=0.05))
    assert hi1 - lo1 > 10 * (hi0 - lo0)
    ours0, ours1 = classical_mean(y, sample_weight=w), classical_mean(y + 100, sample_weight=w)
    assert ours1.stderr == pytest.approx(ours0.stderr, rel=1e-9)


def test_constant_predictions_give_lambda_zero_not_nan(ppi_py):
    """ppi_py divides 0 by 0 when every prediction is equal and returns NaN; we use lambda = 0.

    (When the pilot estimate is not exactly representable, ppi_py's lambda is a ratio of two
    rounding errors instead; ours treats a relative spread below 1e-10 as no spread.)
    """
    y = np.tile([0.0, 1.0, 2.0, 5.0], 10)
    ours = ppi_mean(y, np.full(40, 2.0), np.full(80, 2.0))
    assert ours.lambda_ == 0.0
    assert ours.confidence_interval == classical_mean(y).confidence_interval
    with np.errstate(all="ignore"):
        theirs = ppi_py.ppi_mean_pointestimate(y, np.full(40, 2.0), np.full(80, 2.0))
    assert np.isnan(theirs).all()
    noisy = np.random.default_rng(8).normal(size=50)
    assert ppi_mean(noisy, np.full(50, 2.1), np.full(100, 2.1)).lambda_ == 0.0
