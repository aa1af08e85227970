"""Does the package's default rectified estimate pay, against the ridge baseline a user writes?

Why: a user with 500 human ratings and a pool of unlabelled texts can write, in about 20 lines,
frozen MiniLM embeddings + ``RidgeCV`` in 5-fold ``crossfit_predict`` + ``crossfit_ppi_mean``.
Every default we ship must beat that. This script runs, side by side on the same labels:

- ``classical``: the mean of the labels alone;
- ``ridge baseline``: the 20 lines above (MiniLM, ``RidgeCV(alphas=logspace(-3, 3, 13))``,
  K = 5, cross-PPI with ``lambda = 1``);
- ``default``: ``RectifiedRegressor()`` with every default (the stacked surrogate over cached
  MiniLM and SmolLM2 features: layer 16, and the states after a one-word prompt; the design
  and K chosen by the learning-curve law; power-tuned cross-fitting);
- the same three with ``population="pool"`` (rows ``... (pool)``): intervals for the mean of the
  pool itself (finite-population correction), from the same fits.

Design: for each dataset a seeded pool of ``--pool`` rows (default 3,000) is the data a user has;
each replication labels ``--n`` of them at random (fresh labels, freshly fitted heads) and treats
the rest as unlabelled; the truth is the pool's mean label. Reported: the effective sample size
(ESS) as ``n * MSE(classical) / MSE(method)`` over replications, with a bootstrap 90% interval,
the ratio to the baseline's ESS, coverage of the nominal 95% intervals and seconds per estimate.
Classification (``fpb``: Financial PhraseBank class shares) runs ``RectifiedClassifier()`` against
logistic regression on MiniLM in the same way; its ESS is per class.

Features are computed once per dataset and cached in ``benchmarks/cache/features`` (the
estimators' on-disk feature cache), so the replications time the heads, as a user's reruns do.
The cold cost (a fresh process, nothing cached: model loads and every feature pass) is measured
separately in a subprocess.

Usage::

    python benchmarks/bench_rectify.py                       # 4 rating datasets + fpb, 200 reps
    python benchmarks/bench_rectify.py --quick               # smoke run: 1 dataset, 10 reps
    python benchmarks/bench_rectify.py --report-only         # redraw table and plot from JSON
"""

from __future__ import annotations

import argparse
import functools
import subprocess
import sys
import time
from pathlib import Path

import _common  # benchmarks/_common.py: this script's folder is on sys.path
import numpy as np
from joblib import Parallel, delayed

CACHE = _common.CACHE / "features"
REGRESSION = ("vader_movie", "vader_amazon", "emobank", "politeness")
CLASSIFICATION = ("fpb",)
METHODS = ("classical", "ridge baseline", "default")
# the same three for the pool mean (population="pool": the finite-population interval)
POOL_METHODS = tuple(f"{method} (pool)" for method in METHODS)
ALL_METHODS = METHODS + POOL_METHODS
# replications whose "default (pool)" row (computed from the default's own fit) is checked
# against a fit of RectifiedRegressor(population="pool") / RectifiedClassifier(...)
CHECKED_REPLICATIONS = 3


def _features(texts):
    from sklearn_llmrect.features import FrozenFeatures
    from sklearn_llmrect.rectify._surrogate import default_features

    for _, transformer in default_features(memory=CACHE):
        transformer.transform(texts)  # fills the process's memory from the disk cache
    return FrozenFeatures("minilm-l6", memory=CACHE).transform(texts)


def _pool_results(y_labelled, n_pool, ridge_preds, model, classification):
    """The pool-mean rows from the fits already made: the classical pool interval, the ridge
    baseline's predictions and the default's cross-fitted predictions through the public
    ``population="pool"`` functions (a split design, rarely chosen, is refitted)."""
    from sklearn_llmrect.inference import (
        classical_class_shares,
        classical_mean,
        crossfit_ppi_class_shares,
        crossfit_ppi_mean,
    )

    if classification:
        classical = classical_class_shares(y_labelled, population="pool", pool_size=n_pool)
        ridge = crossfit_ppi_class_shares(
            y_labelled, ridge_preds.labeled, ridge_preds.unlabeled, population="pool"
        )
    else:
        classical = classical_mean(y_labelled, population="pool", pool_size=n_pool)
        ridge = crossfit_ppi_mean(
            y_labelled, ridge_preds.labeled, ridge_preds.unlabeled, population="pool"
        )
    return classical, ridge, _default_pool(model, y_labelled, classification)


def _default_pool(model, y_labelled, classification):
    from sklearn_llmrect.inference import crossfit_ppi_class_shares, crossfit_ppi_mean

    if model.design_ is None or model.design_.design != "cross":
        return None  # refitted by the caller
    if classification:
        return crossfit_ppi_class_shares(
            y_labelled,
            model.rectify_predictions_,
            model.unlabeled_predictions_,
            classes=model.classes_,
            method="ppi++",
            population="pool",
        )
    return crossfit_ppi_mean(
        y_labelled,
        model.rectify_predictions_,
        model.unlabeled_predictions_,
        method="ppi++",
        population="pool",
    )


def _replicate(texts, y, r, n, classification):
    """One replication: the estimates of every method from the same labels."""
    from sklearn.linear_model import LogisticRegression, RidgeCV

    from sklearn_llmrect.inference import (
        classical_class_shares,
        classical_mean,
        crossfit_ppi_class_shares,
        crossfit_ppi_mean,
        crossfit_predict,
    )
    from sklearn_llmrect.rectify import RectifiedClassifier, RectifiedRegressor

    minilm = _features(texts)
    rng = np.random.default_rng(10_000 + r)
    labelled = np.sort(rng.choice(len(y), n, replace=False))
    unlabelled = np.setdiff1d(np.arange(len(y)), labelled)
    out = {}
    if classification:
        out["classical"] = classical_class_shares(y[labelled])
        started = time.perf_counter()
        preds = crossfit_predict(
            LogisticRegression(max_iter=1000),
            minilm[labelled],
            y[labelled],
            minilm[unlabelled],
            response_method="predict_proba",
            random_state=r,
        )
        out["ridge baseline"] = crossfit_ppi_class_shares(
            y[labelled], preds.labeled, preds.unlabeled
        )
        seconds = {"ridge baseline": time.perf_counter() - started}
        partial = y.astype(object).copy()
        partial[unlabelled] = None
        started = time.perf_counter()
        model = RectifiedClassifier(random_state=r).fit(texts.reshape(-1, 1), partial)
    else:
        out["classical"] = classical_mean(y[labelled])
        started = time.perf_counter()
        preds = crossfit_predict(
            RidgeCV(alphas=np.logspace(-3, 3, 13)),
            minilm[labelled],
            y[labelled],
            minilm[unlabelled],
            random_state=r,
        )
        out["ridge baseline"] = crossfit_ppi_mean(y[labelled], preds.labeled, preds.unlabeled)
        seconds = {"ridge baseline": time.perf_counter() - started}
        partial = y.astype(float).copy()
        partial[unlabelled] = np.nan
        started = time.perf_counter()
        model = RectifiedRegressor(random_state=r).fit(texts.reshape(-1, 1), partial)
    seconds["default"] = time.perf_counter() - started
    out["default"] = model.result_
    pool = _pool_results(y[labelled], len(y), preds, model, classification)
    out["classical (pool)"], out["ridge baseline (pool)"], out["default (pool)"] = pool
    if out["default (pool)"] is None or r < CHECKED_REPLICATIONS:
        refit = _pool_refit(model, texts, partial)
        if out["default (pool)"] is not None:  # the shortcut is the estimator's own result
            _check_same(out["default (pool)"], refit, classification)
        out["default (pool)"] = refit
    rows = {}
    for method, result in out.items():
        results = result.results if classification else [result]
        rows[method] = {
            "estimate": [x.estimate for x in results],
            "lower": [x.confidence_interval[0] for x in results],
            "upper": [x.confidence_interval[1] for x in results],
            "seconds": seconds.get(method, 0.0),
        }
    rows["default"]["design"] = model.design_.chosen if model.design_ else model.method
    return rows


def _pool_refit(model, texts, partial):
    from sklearn.base import clone

    return clone(model).set_params(population="pool").fit(texts.reshape(-1, 1), partial).result_


def _check_same(shortcut, fitted, classification) -> None:
    pairs = (
        zip(shortcut.results, fitted.results, strict=True)
        if classification
        else [(shortcut, fitted)]
    )
    for a, b in pairs:
        np.testing.assert_allclose(
            [a.estimate, *a.confidence_interval], [b.estimate, *b.confidence_interval], rtol=1e-9
        )


def _ess(errors: np.ndarray, classical_errors: np.ndarray, n: int, rng) -> dict:
    """ESS = n * MSE(classical) / MSE(method), per estimand, with a bootstrap 90% interval."""
    point = n * np.mean(classical_errors**2, axis=0) / np.mean(errors**2, axis=0)
    boots = []
    for _ in range(400):
        pick = rng.integers(0, len(errors), len(errors))
        boots.append(
            n * np.mean(classical_errors[pick] ** 2, axis=0) / np.mean(errors[pick] ** 2, axis=0)
        )
    low, high = np.percentile(np.asarray(boots), [5, 95], axis=0)
    return {"ess": point.tolist(), "ess_low": low.tolist(), "ess_high": high.tolist()}


def run_dataset(name: str, args) -> dict:
    texts, labels = _common.load_dataset(name)
    classification = name in CLASSIFICATION
    rng = np.random.default_rng(args.seed)
    pool = np.sort(rng.choice(len(texts), min(args.pool, len(texts)), replace=False))
    texts, y = np.asarray(texts, dtype=object)[pool], labels[pool]
    if not classification:
        y = y.astype(float)
    started = time.perf_counter()
    _features(texts)
    feature_seconds = time.perf_counter() - started
    print(f"{name}: features of {len(texts)} texts ready in {feature_seconds:.0f} s", flush=True)
    reps = Parallel(n_jobs=args.jobs, verbose=0)(
        delayed(_replicate)(texts, y, r, args.n, classification) for r in range(args.replications)
    )
    if classification:
        classes = np.unique(y)
        truth = np.array([np.mean(y == c) for c in classes])
    else:
        classes, truth = None, np.array([y.mean()])
    errors = {m: np.array([rep[m]["estimate"] for rep in reps]) - truth for m in ALL_METHODS}
    summary = {}
    boot = np.random.default_rng(1)
    for method in ALL_METHODS:
        lower = np.array([rep[method]["lower"] for rep in reps])
        upper = np.array([rep[method]["upper"] for rep in reps])
        summary[method] = {
            **_ess(errors[method], errors["classical"], args.n, boot),
            "coverage": np.mean((lower <= truth) & (truth <= upper), axis=0).tolist(),
            "width": np.mean(upper - lower, axis=0).tolist(),
            "seconds": float(np.median([rep[method]["seconds"] for rep in reps])),
        }
    designs = [rep["default"]["design"] for rep in reps]
    summary["default"]["designs"] = {d: designs.count(d) for d in sorted(set(designs))}
    return {
        "dataset": name,
        "task": "classification" if classification else "regression",
        "classes": None if classes is None else [str(c) for c in classes],
        "pool": len(texts),
        "n": args.n,
        "replications": args.replications,
        "feature_seconds": feature_seconds,
        "summary": summary,
    }


COLD_SCRIPT = """
import sys, time
started = time.perf_counter()
import numpy as np
sys.path.insert(0, {bench!r})
import _common
from sklearn_llmrect.rectify import RectifiedRegressor
texts, y = _common.load_dataset("vader_amazon")
rng = np.random.default_rng(0)
pick = rng.choice(len(texts), 3000, replace=False)
texts, y = np.asarray(texts, dtype=object)[pick], y[pick].astype(float)
y[500:] = np.nan
model = RectifiedRegressor(random_state=0).fit(texts.reshape(-1, 1), y)
print(time.perf_counter() - started)
"""


def cold_seconds() -> float:
    """Wall time of one default estimate (500 labels, 2,500 unlabelled) in a fresh process with
    no feature cache: imports, model loads and every forward pass included."""
    script = COLD_SCRIPT.format(bench=str(Path(__file__).resolve().parent))
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    return float(done.stdout.strip().splitlines()[-1])


def _finite_pool_coverage(n: int, pool: int, level: float = 0.95) -> float:
    """Coverage of a superpopulation interval of the mean of ``n`` of ``pool`` rows drawn
    without replacement, for the pool mean: its true standard error is ``sqrt(1 - n/pool)``
    of the one the interval assumes."""
    from scipy.stats import norm

    z = norm.ppf(0.5 + level / 2)
    return float(2 * norm.cdf(z / np.sqrt(1 - n / pool)) - 1)


def markdown(results: list[dict], meta: dict) -> str:
    lines = [
        "# Does the default pay? `RectifiedRegressor()` vs the ridge baseline",
        "",
        f"`{meta['command']}` on {meta['machine']['processor']} ({meta['machine']['cpu_count']} "
        f"cores), {meta['finished']}. Pool {results[0]['pool']}, n = {results[0]['n']} labels, "
        f"{results[0]['replications']} replications per dataset (fresh labels and heads each).",
        "ESS = n x MSE(classical) / MSE(method) over replications (90% bootstrap interval); "
        "coverage of the nominal 95% interval of the pool mean; seconds per estimate with the "
        "features cached (median). Load average at the start: "
        f"{meta['machine'].get('load_average_at_start', float('nan')):.1f} on "
        f"{meta['machine']['cpu_count']} cores (other jobs slow every timing by about that "
        "ratio).",
        "",
        "| dataset | method | ESS | ESS / classical | ESS / ridge baseline | coverage | width "
        "| s / estimate |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for result in results:
        summary = result["summary"]
        labels = result["classes"] or [None]
        for j, label in enumerate(labels):
            name = result["dataset"] + (f" ({label})" if label is not None else "")
            for method in ALL_METHODS:
                row = summary[method]
                ess = row["ess"][j]
                seconds = "same fit" if method in POOL_METHODS else f"{row['seconds']:.2f}"
                lines.append(
                    f"| {name} | {method} | {ess:.0f} [{row['ess_low'][j]:.0f}, "
                    f"{row['ess_high'][j]:.0f}] | {ess / result['n']:.2f}x | "
                    f"{ess / summary[_baseline(method)]['ess'][j]:.2f}x | "
                    f"{row['coverage'][j]:.3f} | {row['width'][j]:.4f} | {seconds} |"
                )
    lines += ["", "Designs the default chose (`allocation='auto'`):", ""]
    for result in results:
        lines.append(f"- {result['dataset']}: {result['summary']['default']['designs']}")
    lines += [
        "",
        f"Cold cost: one default estimate (500 labels, 2,500 unlabelled vader_amazon texts) in a "
        f"fresh process with no cache: **{meta['cold_seconds']:.0f} s** wall (imports, model "
        "loads and every feature pass).",
        "",
        "Two estimands. The first three rows of each dataset give the default intervals, "
        "for the superpopulation mean (rows i.i.d. from a distribution, as in ppi_py). The "
        "truth here is the mean of the fixed pool of "
        f"{results[0]['pool']:,} rows, from which the labels are drawn without replacement, "
        "and against it those intervals are conservative: they count the term Var(f)/N and no "
        "finite-population correction (for classical, sqrt(1 - n/P) = "
        f"{np.sqrt(1 - results[0]['n'] / results[0]['pool']):.3f} of the standard error predicts "
        f"{_finite_pool_coverage(results[0]['n'], results[0]['pool']):.1%} coverage). The "
        '`(pool)` rows are the same methods with `population="pool"`, the interval for the '
        "mean of the rows a user holds (the difference estimator with the finite-population "
        "correction), computed from the same fits; `default (pool)` is "
        '`RectifiedRegressor(population="pool")` (`RectifiedClassifier` for fpb), checked '
        f"equal to a fit of it on the first {CHECKED_REPLICATIONS} replications of each dataset. "
        "ESS / ridge baseline of a `(pool)` row is against `ridge baseline (pool)`.",
        "",
        "## Targets (issue 15)",
        "",
        *[f"- {line}" for line in meta["targets"]],
        "",
    ]
    return "\n".join(lines)


def _baseline(method: str) -> str:
    return "ridge baseline (pool)" if method in POOL_METHODS else "ridge baseline"


def check_targets(results: list[dict], meta: dict) -> list[str]:
    """The issue's targets, for the default (superpopulation) and ``population="pool"``."""
    regression = [r for r in results if r["task"] == "regression"]
    names = [r["dataset"] for r in regression]

    def listing(values):
        return ", ".join(f"{n} {v:.2f}" for n, v in zip(names, values, strict=True))

    def verdict(ok):
        return "met" if ok else "**missed**"

    lines = []
    for method in ("default", "default (pool)"):
        vs_ridge = [
            r["summary"][method]["ess"][0] / r["summary"][_baseline(method)]["ess"][0]
            for r in regression
        ]
        vs_classical = [r["summary"][method]["ess"][0] / r["n"] for r in regression]
        coverage = [r["summary"][method]["coverage"][0] for r in regression]
        lines += [
            f"`{method}`: ESS >= 1.15x the ridge baseline's on >= 3 datasets and not below it on "
            f"the 4th: {listing(vs_ridge)} -> "
            f"{verdict(sum(v >= 1.15 for v in vs_ridge) >= 3 and min(vs_ridge) >= 1.0)}",
            f"`{method}`: ESS >= 1.5x classical on >= 3 datasets: {listing(vs_classical)} -> "
            f"{verdict(sum(v >= 1.5 for v in vs_classical) >= 3)}",
            f"`{method}`: ESS >= 2.0x classical on >= 2 datasets: {listing(vs_classical)} -> "
            f"{verdict(sum(v >= 2.0 for v in vs_classical) >= 2)}",
            f"`{method}`: coverage of the pool mean in [0.93, 0.98] on every dataset: "
            f"{listing(coverage)} -> {verdict(all(0.93 <= c <= 0.98 for c in coverage))}",
        ]
        for r in results:
            if r["task"] == "classification":
                ess = np.asarray(r["summary"][method]["ess"]) / r["n"]
                coverage = r["summary"][method]["coverage"]
                lines.append(
                    f"`{method}`: {r['dataset']} class shares ESS >= 1.5x classical: "
                    + ", ".join(f"{c} {v:.2f}" for c, v in zip(r["classes"], ess, strict=True))
                    + f" -> {verdict(bool(np.all(ess >= 1.5)))} (coverage "
                    + ", ".join(f"{c:.3f}" for c in coverage)
                    + ")"
                )
    warm = max(r["summary"]["default"]["seconds"] for r in results)
    lines.append(
        f"<= 20 s per estimate with features cached: slowest median {warm:.1f} s -> "
        f"{verdict(warm <= 20)}"
    )
    lines.append(
        f"<= 3 min cold: {meta['cold_seconds']:.0f} s -> {verdict(meta['cold_seconds'] <= 180)}"
    )
    return lines


def plot(results: list[dict], path: Path) -> None:
    plt = _common.pyplot()
    bars = []
    for r in results:
        for j, label in enumerate(r["classes"] or [None]):
            bars.append((r["dataset"] + (f"\n{label}" if label else ""), r, j))
    fig, ax = plt.subplots(figsize=(max(6, 1.6 * len(bars)), 4))
    width = 0.13
    for k, method in enumerate(ALL_METHODS):
        x = np.arange(len(bars)) + (k - 2.5) * width
        values = [r["summary"][method]["ess"][j] / r["n"] for _, r, j in bars]
        low = [
            v - r["summary"][method]["ess_low"][j] / r["n"]
            for v, (_, r, j) in zip(values, bars, strict=True)
        ]
        high = [
            r["summary"][method]["ess_high"][j] / r["n"] - v
            for v, (_, r, j) in zip(values, bars, strict=True)
        ]
        ax.bar(x, values, width, yerr=[low, high], capsize=2, label=method)
    ax.axhline(1.0, color="black", lw=0.8)
    ax.set_xticks(np.arange(len(bars)), [b[0] for b in bars], fontsize=8)
    ax.set_ylabel("effective sample size / n")
    ax.set_title(f"n = {results[0]['n']} labels, pool {results[0]['pool']}: ESS vs classical")
    ax.legend(fontsize=8)
    _common.save_figure(fig, path)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=[*REGRESSION, *CLASSIFICATION])
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--pool", type=int, default=3000)
    parser.add_argument("--replications", type=int, default=200)
    _common.add_flags(parser, "--jobs")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-cold", action="store_true", help="skip the cold-start subprocess")
    _common.add_flags(parser, "--out")
    parser.add_argument("--quick", action="store_true", help="one dataset, 10 replications")
    _common.add_flags(parser, "--report-only")
    args = parser.parse_args(argv)
    stem, args.out = "rectify", _common.results_folder(args.out, args.quick)
    if args.quick:
        args.datasets, args.replications, args.pool, args.n = ["vader_movie"], 10, 1000, 200
    if args.report_only:
        _common.redraw(
            args.out,
            stem,
            lambda saved: markdown(saved["results"], saved["meta"]),
            lambda saved, path: plot(saved["results"], path),
        )
        return 0
    load = _common.load_average()
    started = time.perf_counter()
    results = [run_dataset(name, args) for name in args.datasets]
    meta = {
        "command": _common.command_line(),
        "finished": _common.utc_timestamp(),
        "machine": _common.machine(threads=args.jobs, load_average_at_start=load),
        "seconds": time.perf_counter() - started,
        "cold_seconds": float("nan") if args.no_cold else cold_seconds(),
    }
    meta["targets"] = check_targets(results, meta)
    _common.write_results(
        args.out,
        stem,
        {"results": results, "meta": meta},
        markdown(results, meta),
        functools.partial(plot, results),
        indent=1,
    )
    print("\n".join(meta["targets"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
