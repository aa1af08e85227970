"""Do rectified regression coefficients pay? Classical OLS vs the package's default vs a ridge
cross-fit baseline, per coefficient.

Why: a user who regresses a human rating on covariates (a community, a length, a corpus) with
500 labels and a pool of unlabelled texts can fit classical OLS on the labels, or write the
ppi_py-style baseline in about 20 lines (frozen MiniLM embeddings, ``RidgeCV`` in 5-fold
``crossfit_predict``, cross-PPI OLS with ``lambda = 1``), or call
``RectifiedRegressor(estimand="ols", covariates=[...])`` with every other default (the stacked
surrogate over cached MiniLM and SmolLM2 features; the design and K chosen by the
learning-curve law; PPI++ power tuning). This script runs the three side by side on the same
labels.

Data (``sklearn_llmrect.datasets``):

- ``politeness`` (Stanford Politeness, 10,956 requests, the normalised politeness score):
  covariates ``n_words`` (the request's length in words) and ``community`` (Wikipedia, Stack
  Overflow, and the 24 smaller Stack Exchange sites merged into "other Stack Exchange": each
  has 74-199 requests, 3-9 of 500 labels, too few for a coefficient of its own; Wikipedia is
  the reference level).
- ``emobank`` (EmoBank, 10,061 sentences with a text, mean valence 1-5): covariate ``source``,
  the corpus document from the prefix of ``id`` (before the first ``_``, trailing digits
  removed: ``NYTnewswire9`` -> ``NYTnewswire``); the six with at least 450 sentences (SemEval
  headlines, Nathans, hotel-california, captured, NYTnewswire, WhereToHongKong) keep their own
  level and the rest are "other", the reference.

The truth is the OLS coefficient vector on every row of the dataset (the census regression).
Each replication labels ``--n`` rows drawn at random from the whole dataset and treats the
other rows as the unlabelled pool, so every replication's estimand is that truth. Reported per
coefficient: the effective sample size ESS = n x Var(classical) / Var(method), the variances
taken over the replications (with a bootstrap 90% interval), the ratio to the baseline's,
coverage of the truth by the nominal 95% intervals, their mean width, and the mean ESS each
method reports about itself (from its own standard errors). Features are computed once and
cached in ``benchmarks/cache/features`` (the estimators' on-disk feature cache).

Usage::

    python benchmarks/bench_regression.py                      # both datasets, 60 reps each
                                                               # (the committed run: 18 min
                                                               # on 2 shared cores)
    python benchmarks/bench_regression.py --quick              # smoke run: 1 dataset, 6 reps
    python benchmarks/bench_regression.py --report-only        # redraw table and plot from JSON
"""

from __future__ import annotations

import argparse
import functools
import re
import sys
import time
from pathlib import Path

import _common  # benchmarks/_common.py: this script's folder is on sys.path
import numpy as np
from joblib import Parallel, delayed

CACHE = _common.CACHE / "features"
DATASETS = ("politeness", "emobank")
METHODS = ("classical", "ridge baseline", "default")
EMOBANK_SOURCES = 450  # sentences a source needs for a level of its own


def load(name: str):
    """``(frame, y, covariates)``: texts and covariates as a DataFrame, the label, and the
    covariate columns, in the order of the coefficients."""
    import pandas as pd

    from sklearn_llmrect import datasets

    if name == "politeness":
        bunch = datasets.load_politeness()
        community = np.asarray(bunch.community, dtype=object)
        community = np.where(
            np.isin(community, ["Wikipedia"]),
            "Wikipedia",
            np.where(
                np.char.endswith(community.astype(str), "Stack Overflow"),
                "Stack Overflow",
                "other Stack Exchange",
            ),
        )
        texts = np.asarray(bunch.data, dtype=object)
        frame = pd.DataFrame(
            {
                "text": texts,
                "community": pd.Categorical(
                    community, categories=["Wikipedia", "Stack Overflow", "other Stack Exchange"]
                ),
                "n_words": [len(str(t).split()) for t in texts],
            }
        )
        return frame, np.asarray(bunch.target, dtype=float), ["n_words", "community"]
    if name == "emobank":
        bunch = datasets.load_emobank("V")
        keep = bunch.data != "None"  # one sentence has no text (as in _common.load_dataset)
        ids = np.asarray(bunch.ids)[keep]
        source = np.array([re.sub(r"\d+$", "", i.split("_")[0]) for i in ids], dtype=object)
        names, counts = np.unique(source, return_counts=True)
        large = sorted(names[counts >= EMOBANK_SOURCES].tolist())
        source = np.where(np.isin(source, large), source, "other")
        frame = pd.DataFrame(
            {
                "text": np.asarray(bunch.data, dtype=object)[keep],
                "source": pd.Categorical(source, categories=["other", *large]),
            }
        )
        return frame, np.asarray(bunch.target, dtype=float)[keep], ["source"]
    raise ValueError(f"unknown dataset {name!r}; known: {list(DATASETS)}")


def _features(texts):
    from sklearn_llmrect.features import FrozenFeatures
    from sklearn_llmrect.rectify._surrogate import default_features

    for _, transformer in default_features(memory=CACHE):
        transformer.transform(texts)  # fills the process's memory from the disk cache
    return FrozenFeatures("minilm-l6", memory=CACHE).transform(texts)


def user_design(frame, covariates) -> tuple[np.ndarray, list[str]]:
    """The design a user would build: ``pd.get_dummies(drop_first=True)`` and a constant."""
    import pandas as pd

    dummies = pd.get_dummies(frame[covariates], drop_first=True, prefix_sep="_", dtype=float)
    return np.column_stack([np.ones(len(frame)), dummies.to_numpy(float)]), [
        "intercept",
        *dummies.columns,
    ]


def _replicate(frame, y, covariates, W, names, r, n):
    """One replication: the three estimates from the same labels."""
    from sklearn.linear_model import RidgeCV

    from sklearn_llmrect.inference import classical_ols, crossfit_ppi_ols, crossfit_predict
    from sklearn_llmrect.rectify import RectifiedRegressor

    texts = frame["text"].to_numpy(dtype=object)
    minilm = _features(texts)
    rng = np.random.default_rng(20_000 + r)
    labelled = np.sort(rng.choice(len(y), n, replace=False))
    unlabelled = np.setdiff1d(np.arange(len(y)), labelled)
    out, seconds = {}, {}
    out["classical"] = classical_ols(W[labelled], y[labelled], feature_names=names)
    started = time.perf_counter()
    preds = crossfit_predict(
        RidgeCV(alphas=np.logspace(-3, 3, 13)),
        minilm[labelled],
        y[labelled],
        minilm[unlabelled],
        random_state=r,
    )
    out["ridge baseline"] = crossfit_ppi_ols(
        W[labelled], y[labelled], preds.labeled, W[unlabelled], preds.unlabeled,
        feature_names=names,
    )  # fmt: skip
    seconds["ridge baseline"] = time.perf_counter() - started
    partial = y.copy()
    partial[unlabelled] = np.nan
    started = time.perf_counter()
    model = RectifiedRegressor(estimand="ols", covariates=covariates, random_state=r)
    model.fit(frame, partial)
    seconds["default"] = time.perf_counter() - started
    out["default"] = model.result_
    if model.result_.feature_names != tuple(names):
        raise AssertionError(f"{model.result_.feature_names} != {names}")
    rows = {
        method: {
            "estimate": result.coefficients.tolist(),
            "lower": result.confidence_interval[:, 0].tolist(),
            "upper": result.confidence_interval[:, 1].tolist(),
            "reported_ess": result.effective_sample_size.tolist(),
            "lambda": float(result.lambda_),
            "seconds": seconds.get(method, 0.0),
        }
        for method, result in out.items()
    }
    rows["default"]["design"] = model.design_.chosen if model.design_ else model.method
    return rows


def _ess(estimates: dict, n: int, rng) -> dict:
    """ESS = n * Var(classical) / Var(method) over replications, per coefficient, with a
    bootstrap 90% interval (the replications resampled jointly for all methods)."""
    classical = estimates["classical"]
    R = len(classical)
    out = {}
    boots = rng.integers(0, R, size=(400, R))
    for method, values in estimates.items():
        point = n * np.var(classical, axis=0, ddof=1) / np.var(values, axis=0, ddof=1)
        draws = np.array(
            [
                n * np.var(classical[b], axis=0, ddof=1) / np.var(values[b], axis=0, ddof=1)
                for b in boots
            ]
        )
        low, high = np.percentile(draws, [5, 95], axis=0)
        out[method] = {"ess": point.tolist(), "ess_low": low.tolist(), "ess_high": high.tolist()}
    return out


def run_dataset(name: str, args) -> dict:
    from sklearn_llmrect.inference import classical_ols
    from sklearn_llmrect.rectify._covariates import CovariateEncoder

    frame, y, covariates = load(name)
    W, names = user_design(frame, covariates)
    ours = CovariateEncoder(covariates).fit(frame)
    if list(ours.get_feature_names_out()) != names or not np.array_equal(ours.transform(frame), W):
        raise AssertionError("the package's design differs from pd.get_dummies(drop_first=True)")
    truth = classical_ols(W, y, feature_names=names)
    started = time.perf_counter()
    _features(frame["text"].to_numpy(dtype=object))
    feature_seconds = time.perf_counter() - started
    print(f"{name}: features of {len(frame)} texts ready in {feature_seconds:.0f} s", flush=True)
    started = time.perf_counter()
    reps = Parallel(n_jobs=args.jobs, verbose=0)(
        delayed(_replicate)(frame, y, covariates, W, names, r, args.n)
        for r in range(args.replications)
    )
    replication_seconds = time.perf_counter() - started
    theta = truth.coefficients
    estimates = {m: np.array([rep[m]["estimate"] for rep in reps]) for m in METHODS}
    summary = _ess(estimates, args.n, np.random.default_rng(1))
    for method in METHODS:
        lower = np.array([rep[method]["lower"] for rep in reps])
        upper = np.array([rep[method]["upper"] for rep in reps])
        summary[method].update(
            coverage=np.mean((lower <= theta) & (theta <= upper), axis=0).tolist(),
            width=np.mean(upper - lower, axis=0).tolist(),
            bias=(np.mean(estimates[method], axis=0) - theta).tolist(),
            reported_ess=np.mean([rep[method]["reported_ess"] for rep in reps], axis=0).tolist(),
            mean_lambda=float(np.mean([rep[method]["lambda"] for rep in reps])),
            seconds=float(np.median([rep[method]["seconds"] for rep in reps])),
        )
    designs = [rep["default"]["design"] for rep in reps]
    summary["default"]["designs"] = {d: designs.count(d) for d in sorted(set(designs))}
    return {
        "dataset": name,
        "rows": len(y),
        "covariates": covariates,
        "coefficients": names,
        "truth": theta.tolist(),
        "truth_stderr": truth.standard_errors.tolist(),
        "n": args.n,
        "replications": args.replications,
        "feature_seconds": feature_seconds,
        "replication_seconds": replication_seconds,
        "summary": summary,
    }


def markdown(results: list[dict], meta: dict) -> str:
    first = results[0]
    lines = [
        "# Rectified regression coefficients: classical OLS vs the default vs a ridge cross-fit",
        "",
        f"`{meta['command']}` on {meta['machine']['processor']} ({meta['machine']['cpu_count']} "
        f"cores, load {meta['machine']['load_average_at_start']:.1f} at the start), "
        f"{meta['finished']}, {meta['seconds'] / 60:.1f} min in all. n = {first['n']} labels drawn "
        f"at random from the whole dataset, every other row unlabelled, "
        f"{first['replications']} replications per dataset (fresh labels and fits each).",
        "",
        "- **truth**: the OLS coefficients on every row of the dataset;",
        "- **classical**: OLS on the n labels, sandwich standard errors;",
        "- **ridge baseline**: frozen MiniLM embeddings, `RidgeCV(alphas=logspace(-3, 3, 13))` in "
        "5-fold `crossfit_predict`, `crossfit_ppi_ols` (cross-PPI, lambda = 1), the design by "
        "`pd.get_dummies(drop_first=True)`;",
        "- **default**: `RectifiedRegressor(estimand='ols', covariates=[...])`, every other "
        "parameter at its default.",
        "",
        "ESS = n x Var(classical) / Var(method) over the replications (90% bootstrap interval); "
        "*reported* is the mean ESS the method states from its own standard errors; coverage of "
        "the truth by the nominal 95% interval (its binomial standard error is about "
        f"{100 * np.sqrt(0.95 * 0.05 / first['replications']):.1f} points at this number of "
        "replications).",
        "",
    ]
    for result in results:
        summary = result["summary"]
        lines += [
            f"## {result['dataset']} ({result['rows']:,} rows; covariates: "
            f"{', '.join(result['covariates'])})",
            "",
            "| coefficient | truth | method | ESS | ESS / n | ESS / ridge baseline | reported "
            "| coverage | width |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for j, coef in enumerate(result["coefficients"]):
            for method in METHODS:
                row = summary[method]
                ess = row["ess"][j]
                lines.append(
                    f"| {coef} | {result['truth'][j]:.4g} | {method} | {ess:.0f} "
                    f"[{row['ess_low'][j]:.0f}, {row['ess_high'][j]:.0f}] | "
                    f"{ess / result['n']:.2f}x | {ess / summary['ridge baseline']['ess'][j]:.2f}x "
                    f"| {row['reported_ess'][j]:.0f} | {row['coverage'][j]:.3f} | "
                    f"{row['width'][j]:.4g} |"
                )
        default = summary["default"]
        lines += [
            "",
            f"Seconds per estimate (median, features cached): ridge baseline "
            f"{summary['ridge baseline']['seconds']:.2f}, default {default['seconds']:.2f}. "
            f"Mean lambda: ridge baseline {summary['ridge baseline']['mean_lambda']:.2f}, "
            f"default {default['mean_lambda']:.2f}. Designs the default chose: "
            f"{default['designs']}.",
            "",
        ]
    lines += ["## Summary", "", *[f"- {line}" for line in meta["summary"]], ""]
    return "\n".join(lines)


def summarise(results: list[dict]) -> list[str]:
    lines = []
    for r in results:
        s = r["summary"]
        ratio = np.asarray(s["default"]["ess"]) / r["n"]
        vs = np.asarray(s["default"]["ess"]) / np.asarray(s["ridge baseline"]["ess"])
        ridge = np.asarray(s["ridge baseline"]["ess"]) / r["n"]
        cover = {m: np.asarray(s[m]["coverage"]) for m in METHODS}
        lines.append(
            f"{r['dataset']}: default ESS / n {ratio.min():.2f}-{ratio.max():.2f} over the "
            f"{len(ratio)} coefficients (median {np.median(ratio):.2f}), ridge baseline "
            f"{ridge.min():.2f}-{ridge.max():.2f} (median {np.median(ridge):.2f}); default / "
            f"baseline {vs.min():.2f}-{vs.max():.2f} (median {np.median(vs):.2f}). Coverage: "
            + ", ".join(f"{m} {cover[m].min():.3f}-{cover[m].max():.3f}" for m in METHODS)
            + "."
        )
    return lines


def plot(results: list[dict], path: Path) -> None:
    plt = _common.pyplot()
    heights = [len(r["coefficients"]) for r in results]
    fig, axes = plt.subplots(
        1, len(results), figsize=(6 * len(results), 0.55 * max(heights) + 1.8), squeeze=False
    )
    offsets = {"classical": -0.25, "ridge baseline": 0.0, "default": 0.25}
    for ax, r in zip(axes[0], results, strict=True):
        names = r["coefficients"]
        y = np.arange(len(names))[::-1]
        for method in METHODS:
            row = r["summary"][method]
            ess = np.asarray(row["ess"]) / r["n"]
            low = ess - np.asarray(row["ess_low"]) / r["n"]
            high = np.asarray(row["ess_high"]) / r["n"] - ess
            ax.errorbar(
                ess, y + offsets[method], xerr=[low, high], fmt="o", capsize=2, label=method
            )
        ax.axvline(1.0, color="black", lw=0.8)
        ax.set_yticks(y, names, fontsize=8)
        ax.set_xlabel("effective sample size / n  (variance over replications)")
        ax.set_title(f"{r['dataset']}: n = {r['n']}, {r['replications']} replications", fontsize=9)
        ax.legend(fontsize=7, loc="lower right")
    _common.save_figure(fig, path)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=DATASETS)
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--replications", type=int, default=60)
    _common.add_flags(parser, "--jobs", "--out")
    parser.add_argument("--quick", action="store_true", help="one dataset, 6 replications")
    _common.add_flags(parser, "--report-only")
    args = parser.parse_args(argv)
    stem, args.out = "regression", _common.results_folder(args.out, args.quick)
    if args.quick:
        args.datasets, args.replications = ["emobank"], 6
    if args.report_only:
        _common.redraw(
            args.out,
            stem,
            lambda saved: markdown(saved["results"], saved["meta"]),
            lambda saved, path: plot(saved["results"], path),
        )
        return 0
    load_average = _common.load_average()
    started = time.perf_counter()
    results = [run_dataset(name, args) for name in args.datasets]
    meta = {
        "command": _common.command_line(),
        "finished": _common.utc_timestamp(),
        "machine": _common.machine(threads=args.jobs, load_average_at_start=load_average),
        "seconds": time.perf_counter() - started,
    }
    meta["summary"] = summarise(results)
    _common.write_results(
        args.out,
        stem,
        {"results": results, "meta": meta},
        markdown(results, meta),
        functools.partial(plot, results),
        indent=1,
    )
    print("\n".join(meta["summary"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
