"""MkDocs hook: ``<!-- llmrect-help: COMMAND -->`` in a page becomes that command's ``--help``.

The help text is generated from ``sklearn_llmrect.cli.build_parser()`` when the site is built,
so the command-line reference always matches the code. ``COMMAND`` is a subcommand name
(``estimate``, ``demo``, ``plan``) or ``llmrect`` for the top-level help.
"""

from __future__ import annotations

import argparse
import os
import re

_MARKER = re.compile(r"^<!-- llmrect-help: (\S+) -->$", flags=re.MULTILINE)


def _help(command: str) -> str:
    os.environ["COLUMNS"] = "100"  # argparse wraps to the terminal width: keep it stable
    from sklearn_llmrect.cli import build_parser

    parser = build_parser()
    if command == "llmrect":
        return parser.format_help()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) and command in action.choices:
            return action.choices[command].format_help()
    raise ValueError(f"llmrect has no command {command!r} (docs marker <!-- llmrect-help -->)")


def on_page_markdown(markdown, page, config, files, **kwargs):
    if "<!-- llmrect-help:" not in markdown:
        return markdown
    return _MARKER.sub(lambda m: f"```text\n{_help(m.group(1)).rstrip()}\n```", markdown)
