"""Griffe extension for the API pages: the package's numpydoc docstrings, read as Markdown.

* Docstrings that a module builds at import time (``__doc__ = f"..." + ...``) are invisible to
  static analysis; for such classes, and for methods without a static docstring whose
  ``__doc__`` is set at run time (``fit.__doc__ = ...``), the run-time docstring is used.
* A class attribute that only re-binds an inherited method (``score = Base.score``) is dropped,
  so that the inherited method and its docstring are shown.
* A prose paragraph inside a "Parameters" or "Attributes" section (a line at the section's
  indentation that is not ``name : type``) is moved up into the description, where numpydoc
  readers expect it; griffe would otherwise read each of its lines as a parameter.
* "See Also" entries become a bulleted list (Markdown would join them into one line).
* A parameter entry naming several parameters with one default per name
  (``n_human, n_llm : int, default=200, 800``) loses that default, so that each parameter
  shows its own default from the signature (griffe would give each the whole list).
* An entry's type line is shown as plain text, so reST literals in it (double backticks, as in
  a return type "columns in the order of classes_") lose their backticks.
* reST that numpydoc uses but Markdown does not know becomes Markdown: roles such as
  ``:func:`~pkg.mod.name``` become inline code (``name``), and citations ``.. [1] text`` become
  a numbered list.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re

import griffe

_ROLE = re.compile(
    r":(?:py:)?(?:func|class|meth|attr|mod|obj|data|exc|const|term|ref):`(~?)([^`]+)`"
)
_CITATION = re.compile(r"^(\s*)\.\. \[(\d+)\]\s+", flags=re.MULTILINE)


def _role(match: re.Match) -> str:
    tilde, target = match.groups()
    target = target.strip()
    if "<" in target and target.endswith(">"):  # :ref:`text <target>`
        return f"`{target.split('<')[0].strip()}`"
    if tilde:
        target = target.rsplit(".", 1)[-1]
    return f"`{target}`"


_ENTRY = re.compile(r"^\*{0,2}[A-Za-z_]\w*(\s*,\s*\*{0,2}[A-Za-z_]\w*)*\s*(:.*)?$")
_DASHES = re.compile(r"^\s*-{3,}\s*$")
_ENTRY_SECTIONS = {"Parameters", "Other Parameters", "Attributes"}
_PARAMETER_SECTIONS = {"Parameters", "Other Parameters"}
_TYPED_SECTIONS = _ENTRY_SECTIONS | {"Returns", "Yields", "Receives", "Raises", "Warns"}
_LITERAL = re.compile(r"``([^`]+)``")
_LIST_DEFAULT = re.compile(
    r"^(?P<names>[A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)+)\s*:\s*(?P<type>.+?),\s+default\s*=\s*(?P<default>.+)$"
)


def _split_default(line: str) -> str:
    """``a, b : int, default=1, 2`` -> ``a, b : int`` (the signature then gives each default)."""
    match = _LIST_DEFAULT.match(line)
    if not match:
        return line
    n_names = len(match.group("names").split(","))
    if len(match.group("default").split(",")) != n_names:
        return line
    return f"{match.group('names')} : {match.group('type')}"


def _lift_prose(text: str) -> str:
    """Move prose paragraphs out of entry sections into the description (before the sections);
    make "See Also" entries a bulleted list."""
    lines = text.split("\n")

    def is_header(i: int) -> bool:
        return bool(lines[i].strip()) and i + 1 < len(lines) and bool(_DASHES.match(lines[i + 1]))

    out, lifted, first_header, section, i = [], [], None, "", 0
    while i < len(lines):
        line = lines[i]
        if is_header(i):
            if first_header is None:
                first_header = len(out)
            section = line.strip()
            out += [line, lines[i + 1]]
            i += 2
            continue
        in_entries = section in _ENTRY_SECTIONS
        if section == "See Also" and line.strip() and not line[0].isspace():
            line = "- " + line  # one bullet per entry ("name : what it is")
        if section in _PARAMETER_SECTIONS and line.strip() and not line[0].isspace():
            line = _split_default(line)
        if section in _TYPED_SECTIONS and line.strip() and not line[0].isspace():
            line = _LITERAL.sub(r"\1", line)
        if in_entries and line.strip() and not line[0].isspace() and not _ENTRY.match(line):
            j = i
            while j < len(lines) and lines[j].strip() and not is_header(j):
                j += 1
            lifted += lines[i:j] + [""]
            i = j
            continue
        out.append(line)
        i += 1
    if not lifted or first_header is None:
        return "\n".join(out)
    return "\n".join(out[:first_header] + lifted + out[first_header:])


def _markdown(text: str) -> str:
    text = _lift_prose(text)
    text = _ROLE.sub(_role, text)
    return _CITATION.sub(lambda m: f"{m.group(1)}{m.group(2)}. ", text)


def _runtime(path: str):
    """Import the object at a dotted path (module, then attributes); None if that fails."""
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        except Exception:  # a module that fails on import: keep the static docstring (none)
            return None
        try:
            for name in parts[cut:]:
                obj = getattr(obj, name)
        except AttributeError:
            return None
        return obj
    return None


class RuntimeDocstrings(griffe.Extension):
    """Fill in docstrings that exist only at run time; translate reST to Markdown."""

    def on_class_members(self, *, node, cls: griffe.Class, agent, **kwargs) -> None:
        if not isinstance(node, ast.AST):  # dynamic analysis sees run-time docstrings already
            return
        parser = getattr(agent, "docstring_parser", None)
        options = getattr(agent, "docstring_options", None) or {}
        runtime = None
        if cls.docstring is None and "__doc__" in cls.members:
            runtime = _runtime(cls.path)
            if runtime is not None and runtime.__doc__:
                cls.docstring = griffe.Docstring(
                    inspect.cleandoc(runtime.__doc__),
                    parent=cls,
                    parser=parser,
                    parser_options=options,
                )
            del cls.members["__doc__"]
        for name, member in list(cls.members.items()):
            if member.is_alias:
                continue
            if member.is_attribute and _rebinds_method(member):
                del cls.members[name]
            elif member.is_function and member.docstring is None and not name.startswith("_"):
                runtime = runtime or _runtime(cls.path)
                doc = getattr(getattr(runtime, name, None), "__doc__", None)
                if doc:
                    member.docstring = griffe.Docstring(
                        inspect.cleandoc(doc), parent=member, parser=parser, parser_options=options
                    )

    def on_package(self, *, pkg: griffe.Module, **kwargs) -> None:
        _translate(pkg, set())


def _rebinds_method(attribute) -> bool:
    """``name = Base.name``: an attribute whose value is another class's attribute of that name."""
    value = str(attribute.value or "")
    return bool(re.fullmatch(rf"[A-Za-z_][\w.]*\.{re.escape(attribute.name)}", value))


def _translate(obj, seen: set) -> None:
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if obj.docstring is not None:
        obj.docstring.value = _markdown(obj.docstring.value)
    for member in obj.members.values():
        if not member.is_alias:
            _translate(member, seen)
