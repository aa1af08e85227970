"""The ``llmrect`` command line: ``estimate``, ``plan`` and ``demo``.

What lives here, one concept per module: ``_main`` (the argument parser and :func:`main`),
``_commands`` (what each command does), ``_estimate`` (the estimate pipeline), ``_plan`` (label
planning), ``_data`` (reading tables, :class:`CLIError`) and :mod:`.demo` (the embedded demo).

Layer: the top; it may import every other part of the package, and nothing imports it.
"""

from ._main import build_parser, main

__all__ = ["build_parser", "main"]
