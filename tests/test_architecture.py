"""The layer order of docs/architecture.md, checked: each layer imports only itself and below.

The import graph is read statically (every ``import`` statement, also those inside functions), so
a lazy import that points up a layer fails here as surely as a top-level one.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "sklearn_llmrect"

# bottom up; a module may import from its own layer or any layer below
LAYERS = [
    {"inference", "caching", "parallel", "datasets", "_validation", "_legacy", "__init__"},
    {"models", "features"},
    {"rectify", "selection", "annotators"},
    {"multifidelity", "efficiency", "revision"},
    {"reporting"},
    {"cli"},
]
LAYER_OF = {part: level for level, parts in enumerate(LAYERS) for part in parts}
TORCH_FREE = ["inference", "caching", "parallel", "datasets", "features", "rectify"]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in PACKAGE.rglob("*.py")}


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules that ``name`` imports, wherever in the file the import stands."""
    is_package = path.name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in known)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            submodules = {f"{target}.{alias.name}" for alias in node.names} & known
            if submodules:
                found.update(submodules)
            elif target in known:
                found.add(target)
    found.discard(name)
    return found


def _layer(module: str) -> int:
    parts = module.split(".")
    return LAYER_OF["__init__" if len(parts) == 1 else parts[1]]


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, set(modules)) for name, path in modules.items()}


def test_every_subpackage_has_a_layer():
    top = {path.name for path in PACKAGE.iterdir() if (path / "__init__.py").exists()}
    top |= {path.stem for path in PACKAGE.glob("*.py")}
    missing = top - set(LAYER_OF)
    assert not missing, f"give these a layer in docs/architecture.md: {missing}"


def test_no_module_imports_a_layer_above_its_own():
    upward = [
        f"{module} (layer {_layer(module)}) imports {target} (layer {_layer(target)})"
        for module, targets in _graph().items()
        for target in targets
        if _layer(target) > _layer(module)
    ]
    assert not upward, "\n".join(upward)


def test_no_import_circles():
    graph = _graph()
    index, low, on_stack, stack, circles = {}, {}, set(), [], []

    def visit(node):  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for node in graph:
        if node not in index:
            visit(node)
    assert not circles, f"import circles: {circles}"


@pytest.mark.parametrize(
    "layer",
    sorted({part for parts in LAYERS for part in parts} - {"__init__", "_legacy", "_validation"}),
)
def test_each_layer_imports_alone(layer):
    """Each subpackage imports in a fresh interpreter; the bottom layers without torch."""
    torch_free = layer in TORCH_FREE
    code = (
        f"import sys, sklearn_llmrect.{layer}\n"
        f"assert not ({torch_free} and 'torch' in sys.modules), 'imported torch'\n"
    )
    if not (PACKAGE / layer).exists() and not (PACKAGE / f"{layer}.py").exists():
        pytest.fail(f"sklearn_llmrect.{layer} is in the layer table but not in the package")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_old_flat_paths_are_aliases_of_the_new_modules():
    import sklearn_llmrect.estimators as old
    from sklearn_llmrect.allocation import ScalingLaw as OldScalingLaw

    from sklearn_llmrect.models import LLMRegressor
    from sklearn_llmrect.rectify.allocation import ScalingLaw

    assert old.LLMRegressor is LLMRegressor
    assert OldScalingLaw is ScalingLaw
    assert old.__spec__.name == "sklearn_llmrect.models.estimators"


def test_cache_keys_name_classes_by_their_flat_paths():
    """Caches written before the move hash the old class paths; the keys must not change."""
    from sklearn_llmrect.caching._keys import class_path
    from sklearn_llmrect.models import LLMRegressor

    assert class_path(LLMRegressor) == "sklearn_llmrect.estimators.LLMRegressor"
