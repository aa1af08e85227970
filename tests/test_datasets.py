"""The shipped datasets: every loader's shapes, dtypes and licence, and that nothing in the
repository reads data from outside it."""

from __future__ import annotations

import fnmatch
import functools
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from sklearn_llmrect import datasets
from sklearn_llmrect.datasets import (
    load_emobank,
    load_financial_phrasebank,
    load_politeness,
    load_pubmedqa,
    load_vader_snippets,
)

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "sklearn_llmrect" / "datasets" / "data"
SHIPPED = {"emobank", "financial_phrasebank", "pubmedqa", "stanford_politeness", "vader_icwsm2014"}

# loader, positional arguments, rows, dtype kind of the target, licence, folder, text / target
CASES = {
    "vader_movie": (load_vader_snippets, ("movie",), 10605, "f", "MIT", "vader_icwsm2014"),
    "vader_amazon": (load_vader_snippets, ("amazon",), 3708, "f", "MIT", "vader_icwsm2014"),
    "emobank": (load_emobank, (), 10062, "f", "CC BY-SA 4.0", "emobank"),
    "emobank_d": (load_emobank, ("D",), 10062, "f", "CC BY-SA 4.0", "emobank"),
    "politeness": (load_politeness, (), 10956, "f", "Apache-2.0", "stanford_politeness"),
    "politeness_wiki": (
        load_politeness,
        ("wikipedia",),
        4353,
        "f",
        "Apache-2.0",
        "stanford_politeness",
    ),
    "politeness_se": (
        load_politeness,
        ("stack-exchange",),
        6603,
        "f",
        "Apache-2.0",
        "stanford_politeness",
    ),
    **{
        f"fpb_{agreement}": (
            load_financial_phrasebank,
            (agreement,),
            rows,
            "O",
            "CC BY-NC-SA 3.0",
            "financial_phrasebank",
        )
        for agreement, rows in {"50": 4846, "66": 4217, "75": 3453, "all": 2264}.items()
    },
    "pubmedqa": (load_pubmedqa, (), 1000, "O", "MIT", "pubmedqa"),
}


@functools.cache
def _load(case: str, as_frame: bool = False):
    loader, args, *_ = CASES[case]
    return loader(*args, as_frame=as_frame)


@pytest.mark.parametrize("case", CASES)
def test_loader_shapes_dtypes_and_licence(case):
    loader, _, n, kind, licence, folder = CASES[case]
    bunch = _load(case)
    assert bunch.data.shape == (n,) and bunch.data.dtype == object
    assert all(isinstance(text, str) and text for text in bunch.data)
    assert bunch.target.shape == (n,) and bunch.target.dtype.kind == kind
    if kind == "f":
        assert np.isfinite(bunch.target).all() and len(bunch.target_names) == 1
    else:
        assert set(bunch.target) == set(bunch.target_names)
    assert bunch.frame is None
    for name in ("ids", "pmids", "split", "community", "is_test", "rating_std", "ratings"):
        if name in bunch:
            assert len(bunch[name]) == n, name
    # the licence: in the Bunch, the docstring, the source note, and its own file beside the data
    assert bunch.license == licence
    assert licence in loader.__doc__ and licence in bunch.DESCR
    assert bunch.DESCR.startswith("# ")
    assert len((DATA / folder / "LICENSE.txt").read_text(encoding="utf-8")) > 200


@pytest.mark.parametrize("case", CASES)
def test_as_frame_and_return_x_y(case):
    loader, args, n, *_ = CASES[case]
    bunch, framed = _load(case), _load(case, as_frame=True)
    frame = framed.frame
    assert frame.shape[0] == n
    assert framed.data.name in frame.columns and framed.target.name in frame.columns
    assert set(framed.covariate_names) <= set(frame.columns)
    assert list(framed.data) == list(bunch.data)
    assert np.array_equal(framed.target.to_numpy(), bunch.target)
    texts, target = loader(*args, return_X_y=True)
    assert list(texts) == list(bunch.data) and np.array_equal(target, bunch.target)


def test_vader_individual_ratings_give_the_mean():
    for case, raters in (("vader_movie", range(15, 30)), ("vader_amazon", [20])):
        bunch = _load(case)
        assert {len(r) for r in bunch.ratings} <= set(raters)
        means = np.array([r.mean() for r in bunch.ratings])
        np.testing.assert_allclose(means, bunch.target, atol=1e-8)
        assert bool((bunch.target >= -4).all() and (bunch.target <= 4).all())


def test_emobank_columns_split_and_reader_ratings():
    bunch = _load("emobank")
    assert bunch.target_names == ["V"] and np.array_equal(bunch.target, bunch.valence)
    assert np.array_equal(_load("emobank_d").target, bunch.dominance)
    for values in (bunch.valence, bunch.arousal, bunch.dominance):
        assert 1 <= values.min() < values.max() <= 5
    _, counts = np.unique(bunch.split, return_counts=True)
    assert sorted(counts.tolist()) == [1000, 1000, 8062]
    reader = bunch.individual_ratings
    assert reader.ids.shape == (53055,) and len(set(reader.ids)) == 10548
    assert set(bunch.ids) <= set(reader.ids)
    for column in "VAD":
        assert reader[column].dtype.kind == "i" and set(reader[column]) <= set(range(1, 6))
    frame = _load("emobank", True).frame
    assert list(frame.columns) == ["id", "split", "V", "A", "D", "text"]


def test_politeness_scores_and_sources():
    bunch = _load("politeness")
    assert bunch.scores.shape == (10956, 5) and bunch.scores.dtype.kind == "i"
    assert 1 <= bunch.scores.min() and bunch.scores.max() <= 25
    assert bunch.rater_ids.shape == (10956, 5)
    assert (bunch.source[:4353] == "wikipedia").all()
    assert (bunch.source[4353:] == "stack-exchange").all()
    assert (bunch.community[:4353] == "Wikipedia").all()
    assert bunch.ids.dtype.kind == "i"
    assert -5 < bunch.target.min() < bunch.target.max() < 3


@pytest.mark.parametrize(
    ("agreement", "counts"),
    [("50", (604, 2879, 1363)), ("all", (303, 1391, 570))],
)
def test_financial_phrasebank_labels_and_non_commercial_licence(agreement, counts):
    bunch = _load(f"fpb_{agreement}")
    assert bunch.target_names == ["negative", "neutral", "positive"]
    assert tuple(int((bunch.target == label).sum()) for label in bunch.target_names) == counts
    assert "non-commercial" in load_financial_phrasebank.__doc__
    assert "NonCommercial" in (DATA / "financial_phrasebank" / "LICENSE.txt").read_text()
    assert not any(text.endswith(("@", "\r")) for text in bunch.data)


def test_pubmedqa_labels_split_and_contexts():
    bunch = _load("pubmedqa")
    assert {label: int((bunch.target == label).sum()) for label in bunch.target_names} == {
        "maybe": 110,
        "no": 338,
        "yes": 552,
    }
    assert bunch.is_test.dtype == bool and int(bunch.is_test.sum()) == 500
    test = bunch.target[bunch.is_test]
    assert [int((test == label).sum()) for label in ("yes", "no", "maybe")] == [276, 169, 55]
    assert all(isinstance(c, list) and c and isinstance(c[0], str) for c in bunch.contexts)
    assert len(set(bunch.pmids)) == 1000


@pytest.mark.parametrize(
    ("loader", "argument"),
    [
        (load_vader_snippets, "imdb"),
        (load_emobank, "valence"),
        (load_politeness, "reddit"),
        (load_financial_phrasebank, "100"),
    ],
)
def test_unknown_choices_raise(loader, argument):
    with pytest.raises(ValueError, match="must be"):
        loader(argument)


def test_vader_snippets_from_a_path_still_work_with_a_warning(tmp_path):
    path = tmp_path / "tiny_GroundTruth.txt"
    path.write_text("1\t2.5\tGreat film.\n2\t-1.0\tDull\tand long.\nbroken line\n")
    with pytest.warns(FutureWarning, match="deprecated"):
        texts, ratings = load_vader_snippets(path)
    assert list(texts) == ["Great film.", "Dull\tand long."]
    assert ratings.tolist() == [2.5, -1.0]
    with pytest.warns(FutureWarning):
        texts, _ = load_vader_snippets(str(path))
    assert len(texts) == 2


def test_only_openly_licensed_data_ship_and_all_of_it_is_package_data():
    assert {p.name for p in DATA.iterdir() if p.is_dir()} == SHIPPED
    files = [p for p in DATA.rglob("*") if p.is_file()]
    for folder in SHIPPED:
        assert (DATA / folder / "SOURCE.md").is_file() and (DATA / folder / "LICENSE.txt").is_file()
    names = " ".join(p.name.lower() for p in files)
    assert "gold" not in names and "medqa_usmle" not in names and "phrases_no_exclude" not in names
    if sys.version_info >= (3, 11):  # every file matches a package-data glob, so the wheel has it
        import tomllib

        config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
        globs = config["tool"]["setuptools"]["package-data"]["sklearn_llmrect.datasets"]
        package = DATA.parent
        for path in files:
            relative = path.relative_to(package).as_posix()
            assert any(fnmatch.fnmatch(relative, g) for g in globs), relative
    # the data without an open licence live beside the benchmarks instead
    for folder in ("gold_news_headlines", "medqa_usmle"):
        assert (ROOT / "benchmarks" / "data" / folder / "SOURCE.md").is_file()


# -- nothing reads data from outside the repository ---------------------------------------------
# The needles are built so that this file does not contain them verbatim.
_SHARED = "sha" + "red"
NEEDLES = [
    re.compile(r"\.\.[/\\]+" + _SHARED),  # a relative path into the parent folder
    re.compile(re.escape("/work" + "/" + _SHARED)),  # the absolute path of the parent folder
    re.compile(r"/\s*['\"]" + _SHARED + r"['\"]"),  # the folder name after a Path's /
    re.compile(r"['\"]\.\.['\"]\s*,\s*['\"]" + _SHARED + r"['\"]"),  # joined after ".."
]
SCANNED = ["sklearn_llmrect", "tests", "benchmarks", "examples", "docs"]
SUFFIXES = {".py", ".md", ".toml", ".yml", ".yaml", ".cfg", ".txt", ".ini"}
SKIPPED = {"cache", "__pycache__", ".venv", ".pytest_cache", ".ruff_cache", "site", "build"}


def _text_files():
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("*")):
            parts = set(path.relative_to(ROOT).parts)
            if path.is_file() and path.suffix in SUFFIXES and not parts & SKIPPED:
                yield path
    for name in ("README.md", "pyproject.toml", "mkdocs.yml", "Makefile"):
        if (ROOT / name).is_file():
            yield ROOT / name


def test_the_needles_find_what_they_look_for():
    dots = ".."
    samples = [
        f"{dots}/{_SHARED}/data/emobank.csv",
        "/work" + f"/{_SHARED}/data",
        f'ROOT.parent / "{_SHARED}" / "data"',
        f'os.path.join(here, "{dots}", "{_SHARED}")',
    ]
    for needle, sample in zip(NEEDLES, samples, strict=True):
        assert needle.search(sample), sample
    assert not any(needle.search("a shared prefix, shared_embedder()") for needle in NEEDLES)


def test_no_file_refers_to_the_parent_folder():
    found = []
    files = list(_text_files())
    assert len(files) > 20 and Path(__file__).resolve() in files
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), 1):
            if any(needle.search(line) for needle in NEEDLES):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:120]}")
    assert not found, "data must come from the package or the repository:\n" + "\n".join(found)


def test_public_names():
    assert sorted(datasets.__all__) == [
        "load_emobank",
        "load_financial_phrasebank",
        "load_politeness",
        "load_pubmedqa",
        "load_vader_lexicon",
        "load_vader_snippets",
    ]
