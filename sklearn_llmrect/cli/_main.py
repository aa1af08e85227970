"""The ``llmrect`` command: valid, tight estimates from a few human labels plus an LLM.

Commands
--------
``llmrect estimate DATA --text COLUMN --label COLUMN``
    Rows with an empty label are the unlabelled pool. Prints the classical estimate, the
    frozen-embedding ridge baseline a user would write, PPI++ with the zero-shot model and the
    package's rectified estimate (a stacked surrogate over frozen LLM features, or with
    ``--estimator fine-tune`` a LoRA-tuned ``--model``), with intervals, effective sample sizes
    and the design chosen and why; ``--report`` writes an HTML report with plots, ``--json`` the
    same numbers. Every fit, embedding and prediction is cached on disk, so a run stopped with
    Ctrl-C (or killed) resumes when the same command is run again.
``llmrect demo``
    The same on embedded data needing no download: the VADER lexicon's human word ratings.
``llmrect plan PILOT --label COLUMN --prediction COLUMN --width W``
    From a pilot of labels and predictions: how many labels reach a target interval width,
    and the trade-off between labels and predictions.

Errors (a missing file or column, no labelled rows, an unknown model, bad arguments) print one
line and exit with a non-zero status; ``--debug`` shows the traceback.

References
----------
.. [1] L. Wang, Z. Ye, J. Zhao, "Efficient inference using large language models with limited
   human data: fine-tuning then rectification", arXiv:2511.19486, 2025.
.. [2] A. N. Angelopoulos, J. C. Duchi, T. Zrnic, "PPI++: Efficient prediction-powered
   inference", arXiv:2311.01453, 2023.
.. [3] D. Broska, M. Howes, A. van Loon, "The mixed subjects design: treating large language
   models as potentially informative observations", Sociological Methods & Research, 2024.

Examples
--------
>>> from sklearn_llmrect.cli import main
>>> main(["plan", "--help"])  # doctest: +ELLIPSIS, +NORMALIZE_WHITESPACE
usage: llmrect plan ...
0
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import warnings

from ._data import CLIError

__all__ = ["main", "build_parser"]

_PROG = "llmrect"


# ----------------------------------------------------------------------------- arguments
def _allocation(text: str):
    if text in ("auto", "ramp-up", "cross"):
        return text
    try:
        if text.strip().lstrip("+").isdigit():
            return int(text)
        value = float(text)
    except ValueError:
        value = None
    if value is None or not (0.0 <= value < 1.0):
        raise argparse.ArgumentTypeError(
            "expected 'auto', 'ramp-up', 'cross', a fraction in [0, 1) or a count of labels, "
            f"got {text!r}"
        )
    return value


def _number(convert, accept, expected: str):
    """An argparse ``type``: ``convert`` the text, then require ``accept(value)``."""

    def parse(text: str):
        try:
            value = convert(text)
        except ValueError:
            value = None
        if value is None or not accept(value):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value

    return parse


_positive_int = _number(int, lambda value: value >= 1, "a positive integer")
_non_negative_int = _number(int, lambda value: value >= 0, "an integer >= 0")
_level = _number(float, lambda value: 0.0 < value < 1.0, "a level in (0, 1) such as 0.95")
_positive_float = _number(
    float, lambda value: value > 0 and math.isfinite(value), "a positive number"
)
_non_negative_float = _number(
    float, lambda value: value >= 0 and math.isfinite(value), "a number >= 0"
)


def _threads(text: str):
    return "auto" if text == "auto" else _positive_int(text)


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by ``estimate`` and ``demo``."""
    model = parser.add_argument_group("model and fine-tuning")
    model.add_argument(
        "--estimator",
        choices=["default", "fine-tune"],
        default="default",
        help="default: a stacked ridge/logistic surrogate over frozen MiniLM and SmolLM2 "
        "features, cross-fitted (fast, the tightest interval measured); fine-tune: LoRA-tune "
        "--model on part of the labels, then rectify (minutes to hours)",
    )
    model.add_argument(
        "--model",
        default="smollm2-135m-instruct",
        metavar="NAME_OR_PATH",
        help="embedded name (smollm2-135m-instruct, minilm-l6), a local Hugging "
        "Face folder or a .gguf file (default: %(default)s); a Hugging Face hub name needs "
        "--allow-download unless it is in the local Hugging Face cache",
    )
    model.add_argument(
        "--allow-download",
        action="store_true",
        help="let --model fetch a Hugging Face hub model (off by default: no request is sent; "
        "or set SKLEARN_LLMRECT_ALLOW_DOWNLOAD=1)",
    )
    model.add_argument(
        "--epochs",
        type=_non_negative_int,
        default=3,
        help="fine-tuning epochs per fit of --estimator fine-tune (default: %(default)s)",
    )
    model.add_argument(
        "--allocation",
        type=_allocation,
        default="auto",
        metavar="auto|ramp-up|cross|FRACTION|COUNT",
        help="labels that train the model: 'auto' (split or cross-fit, chosen from a learning "
        "curve), 'ramp-up' (pilot and scaling law, then split), 'cross' (every label trains "
        "and rectifies, --folds folds), a fraction such as 0.3, or a count (default: auto)",
    )
    model.add_argument(
        "--method",
        choices=["ppi++", "ppi", "cross"],
        default="ppi++",
        help="rectification (default: %(default)s); 'cross' cross-fits",
    )
    model.add_argument(
        "--folds",
        type=_positive_int,
        default=5,
        help="folds of --method cross (default: %(default)s)",
    )
    model.add_argument(
        "--no-zero-shot",
        dest="zero_shot",
        action="store_false",
        help="skip the zero-shot baseline (saves predicting every row once)",
    )
    model.add_argument("--batch-size", type=_positive_int, default=16, help=argparse.SUPPRESS)
    model.add_argument("--max-length", type=_positive_int, default=256, help=argparse.SUPPRESS)
    model.add_argument("--device", default="auto", help="auto, cpu, cuda, ... (default: auto)")
    model.add_argument(
        "--threads",
        type=_threads,
        default="auto",
        metavar="N|auto",
        help="CPU threads of torch; auto (default): one per core, fewer when other jobs "
        "already keep the cores busy (threads that wait on each other are much slower)",
    )
    model.add_argument(
        "--dtype",
        default="auto",
        choices=["auto", "float32", "bfloat16", "float16"],
        help="compute dtype (default: auto)",
    )
    stats = parser.add_argument_group("statistics")
    stats.add_argument(
        "--confidence",
        type=_level,
        default=0.95,
        help="confidence level of the intervals (default: %(default)s)",
    )
    stats.add_argument("--seed", type=int, default=0, help="random seed (default: %(default)s)")
    out = parser.add_argument_group("output and caching")
    out.add_argument("--report", metavar="OUT.html", help="write an HTML report with plots")
    out.add_argument("--json", metavar="OUT.json", help="write the numbers as JSON")
    out.add_argument(
        "--save-predictions",
        metavar="OUT.csv",
        help="write each row's zero-shot and held-out model predictions (input for `llmrect plan`)",
    )
    out.add_argument(
        "--cache-dir",
        metavar="DIR",
        help="where fitted models, embeddings and predictions are cached (default: "
        "$SKLEARN_LLMRECT_CACHE/runs or ~/.cache/sklearn-llmrect/runs)",
    )
    out.add_argument(
        "--no-cache",
        action="store_true",
        help="do not read or write the cache (a run then cannot resume)",
    )
    out.add_argument("--debug", action="store_true", help="show tracebacks and library logs")
    cluster = parser.add_argument_group("scaling out (Dask: pip install 'sklearn-llmrect[dask]')")
    cluster.add_argument(
        "--scheduler",
        metavar="ADDRESS|FILE|local",
        help="run the cross-fit folds and the other parallel work on a Dask cluster: a "
        "scheduler address (tcp://host:8786), a scheduler file (.json), or 'local' for a "
        "cluster of --workers processes on this machine (default: no cluster)",
    )
    cluster.add_argument(
        "--workers",
        type=_positive_int,
        metavar="N",
        help="worker processes of a local Dask cluster (alone: --scheduler local)",
    )


def _add_reading_options(parser: argparse.ArgumentParser) -> None:
    """How the table is read: ``--sep`` and ``--encoding`` (``estimate`` and ``plan``)."""
    parser.add_argument(
        "--sep",
        metavar="CHAR",
        help="column separator of a CSV/TSV table or of standard input, e.g. ';' or '\\t' "
        "(default: ',' for .csv and -, a tab for .tsv)",
    )
    parser.add_argument(
        "--encoding",
        metavar="NAME",
        help="text encoding of the table, e.g. latin-1 or cp1252 (default: utf-8)",
    )


def _add_endpoint_options(parser: argparse.ArgumentParser) -> None:
    """``--endpoint``: an OpenAI-compatible server labels the rows instead of a local model."""
    api = parser.add_argument_group(
        "OpenAI-compatible endpoint (instead of a local model: its zero-shot labels of every "
        "row are rectified with PPI++; nothing is fine-tuned)"
    )
    api.add_argument(
        "--endpoint",
        metavar="URL",
        help="chat-completions root, e.g. https://api.openai.com/v1 or http://127.0.0.1:8000/v1",
    )
    api.add_argument("--api-model", metavar="NAME", help="model name sent to --endpoint")
    api.add_argument(
        "--api-key-env",
        default="OPENAI_API_KEY",
        metavar="VAR",
        help="environment variable holding the API key, sent as a bearer token and never "
        "printed or written (default: %(default)s; '' sends none)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``llmrect`` (for documentation tools and tests)."""
    from .. import __version__

    parser = argparse.ArgumentParser(
        prog=_PROG,
        description="Valid, tight estimates from a few human labels plus an LLM "
        "(prediction-powered inference: PPI++ and cross-fitting).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    estimate = commands.add_parser(
        "estimate",
        help="estimate the mean (or class shares) of a label column",
        description="Estimate the mean (numeric labels) or the class shares of --label. Rows "
        "whose label is empty are the unlabelled pool.",
    )
    estimate.add_argument(
        "data",
        metavar="DATA",
        help="a .csv, .tsv, .jsonl, .xlsx or .parquet file, or - for CSV on standard input "
        "(.xlsx needs openpyxl, .parquet pyarrow: pip install 'sklearn-llmrect[io]')",
    )
    estimate.add_argument(
        "--text",
        action="append",
        required=True,
        metavar="COLUMN",
        help="text column fed to the model (repeat for several)",
    )
    estimate.add_argument(
        "--label",
        required=True,
        metavar="COLUMN",
        help="human labels; empty cells mark the unlabelled rows",
    )
    estimate.add_argument(
        "--prompt",
        metavar="TEMPLATE",
        help="prompt template naming the text columns, e.g. "
        "'Review: {review}\\nHow positive is it?' (\\n is a new line, \\t a tab, "
        "\\\\ a backslash)",
    )
    estimate.add_argument(
        "--task",
        choices=["auto", "regression", "classification"],
        default="auto",
        help="regression (mean) or classification (class "
        "shares); auto: regression when every label is a number",
    )
    estimate.add_argument(
        "--budget",
        type=_positive_int,
        metavar="N",
        help="use only a seeded random subset of N labelled rows",
    )
    estimate.add_argument(
        "--regress-on",
        metavar="COLUMNS",
        help="comma-separated covariate columns: estimate how the label depends on them "
        "(classical and rectified coefficients with intervals and ESS) instead of its mean",
    )
    estimate.add_argument(
        "--estimand",
        choices=["ols", "logistic", "poisson"],
        default=None,
        help="the regression of --regress-on: ols, logistic (0/1 labels) or poisson (counts) "
        "(default: ols)",
    )
    estimate.add_argument(
        "--population",
        choices=["superpopulation", "pool"],
        default="superpopulation",
        help="what the interval is for: superpopulation (default): the mean of the population "
        "the rows were drawn from; pool: the mean of the rows of DATA themselves, the labelled "
        "rows a uniform random sample of them (narrower: the labels already read count exactly)",
    )
    _add_reading_options(estimate)
    _add_run_options(estimate)
    _add_endpoint_options(estimate)

    demo = commands.add_parser(
        "demo",
        help="run estimate on embedded data (VADER word ratings), no download",
        description="Estimate the mean human valence rating of the words in the VADER "
        "lexicon from a few hundred of them, with a random sample of the others as the "
        "unlabelled pool, and compare with the mean over the whole lexicon (the truth).",
    )
    demo.add_argument(
        "--labels",
        type=_positive_int,
        default=250,
        metavar="N",
        help="words used as human labels (default: %(default)s)",
    )
    demo.add_argument(
        "--pool",
        type=_positive_int,
        default=750,
        metavar="N",
        help="words in the unlabelled pool (default: %(default)s)",
    )
    _add_run_options(demo)
    demo.set_defaults(epochs=4)  # the ramp-up's small stages need a few passes to learn

    plan = commands.add_parser(
        "plan",
        help="how many labels reach a target interval width (from a pilot)",
        description="From a pilot of human labels and model predictions, the number of labels "
        "a PPI++ interval of the target width needs, against the size of the unlabelled pool, "
        "and the cheapest mix of labels and predictions.",
    )
    plan.add_argument(
        "data", metavar="PILOT", help="a .csv, .tsv, .jsonl, .xlsx or .parquet file, or -"
    )
    _add_reading_options(plan)
    plan.add_argument("--label", required=True, metavar="COLUMN", help="human labels (numeric)")
    plan.add_argument(
        "--prediction",
        required=True,
        metavar="COLUMN",
        help="model predictions of the same rows (held out from fine-tuning)",
    )
    target = plan.add_mutually_exclusive_group(required=True)
    target.add_argument("--width", type=_positive_float, help="target full interval width")
    target.add_argument("--half-width", type=_positive_float, help="target half-width")
    plan.add_argument(
        "--pool",
        type=_positive_float,
        metavar="N",
        help="unlabelled rows available (default: the file's rows with a "
        "prediction and no label, else unlimited)",
    )
    plan.add_argument(
        "--confidence", type=_level, default=0.95, help="confidence level (default: %(default)s)"
    )
    plan.add_argument(
        "--label-cost",
        type=_non_negative_float,
        default=1.0,
        help="cost of one human label (default: %(default)s)",
    )
    plan.add_argument(
        "--prediction-cost",
        type=_non_negative_float,
        default=0.0,
        help="cost of one model prediction (default: %(default)s)",
    )
    plan.add_argument("--json", metavar="OUT.json", help="write the plan as JSON")
    plan.add_argument("--debug", action="store_true", help="show tracebacks")
    return parser


# ----------------------------------------------------------------------------------- main
def _quiet_libraries() -> None:
    """transformers' log at error level only, without importing it (an import takes half a
    second, and a wrong option must fail faster than that)."""
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    if "transformers" not in sys.modules:
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        return
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()


def main(argv=None) -> int:
    """Run ``llmrect`` with ``argv`` (default: the command line); return the exit status.

    Parameters
    ----------
    argv : list of str, optional
        Arguments without the program name.

    Returns
    -------
    int
        0 on success, 1 on an error, 2 on bad arguments, 130 when interrupted.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help, --version and argument errors
        return int(exit_.code or 0)
    debug = getattr(args, "debug", False)
    previous_showwarning = warnings.showwarning

    def one_line_warning(message, category, filename, lineno, file=None, line=None):
        print(f"{_PROG}: warning: {' '.join(str(message).split())}", file=sys.stderr)

    if not debug:
        warnings.showwarning = one_line_warning
        if args.command != "plan":
            _quiet_libraries()
    try:
        if args.command == "demo":
            from .demo import run_demo

            return run_demo(args)
        from . import _commands as _cli_commands

        return (
            _cli_commands.estimate(args) if args.command == "estimate" else _cli_commands.plan(args)
        )
    except KeyboardInterrupt as interrupt:
        if debug:
            raise
        message = str(interrupt) or "interrupted."
        print(f"\n{_PROG}: {message}", file=sys.stderr)
        return 130
    except (CLIError, ValueError, TypeError, ImportError, OSError) as error:
        if debug:
            raise
        message = " ".join(str(error).split()) or type(error).__name__
        print(f"{_PROG}: error: {message}", file=sys.stderr)
        return 1
    finally:
        warnings.showwarning = previous_showwarning


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
