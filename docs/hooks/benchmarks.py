"""MkDocs hook: the benchmark pages, built from the committed files in ``benchmarks/results/``.

Nothing is copied by hand, so the pages always show the committed results:

* every ``benchmarks/results/NAME.md`` becomes the page ``benchmarks/NAME.md``, followed by the
  plots ``NAME.png`` / ``NAME_*.png`` / ``NAME-*.png`` that the Markdown does not already show
  and a link to its raw numbers (``NAME.json``);
* the plots, JSON and CSV files of ``benchmarks/results/`` are served next to those pages, so
  relative links in the results Markdown keep working;
* ``benchmarks/index.md`` is generated: a table of the result pages, then
  ``benchmarks/README.md`` (how each benchmark is run);
* the result pages are appended to the "Benchmarks" section of ``nav``.
"""

from __future__ import annotations

import re
from pathlib import Path

from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "results"
README = ROOT / "benchmarks" / "README.md"
SECTION = "Benchmarks"
ASSETS = {".png", ".svg", ".jpg", ".jpeg", ".json", ".csv"}
IMAGES = {".png", ".svg", ".jpg", ".jpeg"}


def _result_pages() -> list[Path]:
    return sorted(RESULTS.glob("*.md")) if RESULTS.is_dir() else []


def _assets() -> list[Path]:
    if not RESULTS.is_dir():
        return []
    return sorted(p for p in RESULTS.iterdir() if p.is_file() and p.suffix.lower() in ASSETS)


def _title(markdown: str, fallback: str) -> str:
    match = re.search(r"^#\s+(.+?)\s*$", markdown, flags=re.MULTILINE)
    return match.group(1) if match else fallback


def _short_title(markdown: str, fallback: str) -> str:
    """The page's first heading up to a colon: 'Throughput: ours against ...' -> 'Throughput'."""
    return _title(markdown, fallback).split(":")[0].strip().strip("`")


def _plots_for(stem: str) -> list[Path]:
    pattern = re.compile(rf"^{re.escape(stem)}([_-].*)?$")
    return [p for p in _assets() if p.suffix.lower() in IMAGES and pattern.match(p.stem)]


def _result_page(path: Path) -> str:
    text = path.read_text(encoding="utf-8").rstrip() + "\n"
    stem = path.stem
    missing = [p for p in _plots_for(stem) if p.name not in text]
    if missing:
        text += "\n## Plots\n\n"
        for plot in missing:
            text += f"![{plot.stem}]({plot.name})\n\n"
    sources = [f"`benchmarks/results/{path.name}`"]
    raw = RESULTS / f"{stem}.json"
    if raw.exists():
        sources.append(f"raw numbers: [{raw.name}]({raw.name})")
    text += (
        "\n---\n\n*This page is generated from the committed results "
        f"({'; '.join(sources)}) when the site is built.*\n"
    )
    return text


def _index_page() -> str:
    lines = [
        "# Benchmarks",
        "",
        "Each benchmark answers one question and writes its results to `benchmarks/results/`: "
        "JSON (every number, the machine, the command line), Markdown (the tables below) and "
        "PNG plots. These pages are generated from those committed files when the site is "
        "built, so they always show the latest committed run.",
        "",
    ]
    pages = _result_pages()
    if pages:
        lines += ["| results | source |", "|---|---|"]
        for path in pages:
            title = _title(path.read_text(encoding="utf-8"), path.stem)
            lines.append(f"| [{title}]({path.stem}.md) | `benchmarks/results/{path.name}` |")
        lines.append("")
    else:
        lines += ["No results are committed yet.", ""]
    shown = {p.name for page in pages for p in _plots_for(page.stem)}
    others = [p for p in _assets() if p.suffix.lower() in IMAGES and p.name not in shown]
    if others:
        lines += ["## Other plots", ""]
        lines += [f"![{p.stem}]({p.name})\n" for p in others]
    if README.exists():
        readme = README.read_text(encoding="utf-8")
        readme = re.sub(r"\A\s*#\s+[^\n]*\n", "", readme)  # drop its own title
        readme = re.sub(r"\]\(results/", "](", readme)  # results/X -> X (served here)
        lines += ["## How the benchmarks are run", "", "*From `benchmarks/README.md`.*", ""]
        lines.append(re.sub(r"^(#+)", r"#\1", readme.strip(), flags=re.MULTILINE))
        lines.append("")
    return "\n".join(lines)


def on_config(config, **kwargs):
    entries = [
        {_short_title(p.read_text(encoding="utf-8"), p.stem): f"benchmarks/{p.stem}.md"}
        for p in _result_pages()
    ]
    for item in config["nav"] or []:
        if isinstance(item, dict) and SECTION in item:
            section = item[SECTION]
            known = {str(v) for e in section if isinstance(e, dict) for v in e.values()}
            section.extend(e for e in entries if next(iter(e.values())) not in known)
            break
    return config


def on_files(files, config, **kwargs):
    for path in _assets():
        files.append(File.generated(config, f"benchmarks/{path.name}", abs_src_path=str(path)))
    for path in _result_pages():
        files.append(
            File.generated(config, f"benchmarks/{path.stem}.md", content=_result_page(path))
        )
    files.append(File.generated(config, "benchmarks/index.md", content=_index_page()))
    return files
