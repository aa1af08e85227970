"""Run the Python examples of the docs pages, to check they work against the current code.

Usage (from the project root, with the project's virtual environment)::

    python docs/check_examples.py                 # every page, slow examples included
    python docs/check_examples.py --fast          # skip examples marked slow
    python docs/check_examples.py docs/statistics.md

The ```python blocks of one page run in order in one namespace, in a temporary folder. A block
directly after the line ``<!-- example: skip -->`` is not run (a sketch with placeholder
names); after ``<!-- example: slow -->`` it is skipped with ``--fast`` (it fine-tunes an LLM).
The API pages are not checked here: their examples are doctests, run by ``make test``.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import textwrap
import time
import traceback
from pathlib import Path

DOCS = Path(__file__).resolve().parent
FENCE = re.compile(
    r"(?P<marker><!-- example: (?P<kind>skip|slow) -->\s*\n)?"
    r"[ \t]*```python\n(?P<code>.*?)\n[ \t]*```",
    flags=re.DOTALL,
)


def blocks(page: Path):
    for match in FENCE.finditer(page.read_text(encoding="utf-8")):
        line = page.read_text(encoding="utf-8")[: match.start("code")].count("\n") + 1
        yield line, match.group("kind"), textwrap.dedent(match.group("code"))


def run_page(page: Path, fast: bool) -> list[str]:
    failures = []
    namespace = {"__name__": "__docs_example__"}
    for line, kind, code in blocks(page):
        where = f"{page.relative_to(DOCS.parent)}:{line}"
        if kind == "skip" or (kind == "slow" and fast):
            print(f"  skip  {where}")
            continue
        started = time.perf_counter()
        try:
            exec(compile(code, where, "exec"), namespace)
        except Exception:
            failures.append(where)
            print(f"  FAIL  {where}")
            traceback.print_exc()
        else:
            print(f"  ok    {where}  ({time.perf_counter() - started:.1f} s)")
    return failures


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*", type=Path)
    parser.add_argument("--fast", action="store_true", help="skip examples marked slow")
    args = parser.parse_args(argv)
    pages = [p.resolve() for p in args.pages] or sorted(
        p for p in DOCS.rglob("*.md") if "api" not in p.relative_to(DOCS).parts
    )
    failures = []
    home = os.getcwd()
    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)
        try:
            for page in pages:
                print(page.relative_to(DOCS.parent))
                failures += run_page(page, args.fast)
        finally:
            os.chdir(home)
    print(f"{len(failures)} failing example(s)" + (": " + ", ".join(failures) if failures else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
