"""Import paths from before the subpackages (0.1 layout), kept working as aliases.

``import sklearn_llmrect.estimators`` (and every other module that moved into ``models/``,
``rectify/``, ``cli/`` or ``caching/``) returns the module at its new home, so user code and
pickles written against the flat layout still import. The alias is the same module object, not a
copy: ``sklearn_llmrect.estimators.LLMRegressor is sklearn_llmrect.models.LLMRegressor``.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from importlib import import_module

MOVED = {
    "estimators": "models.estimators",
    "_base": "models._base",
    "_network": "models._network",
    "_training": "models._training",
    "_persistence": "models._persistence",
    "backbones": "models.backbones",
    "embeddings": "models.embeddings",
    "losses": "models.losses",
    "_rectify_base": "rectify._base",
    "_rectify_regressor": "rectify._regressor",
    "_rectify_classifier": "rectify._classifier",
    "_rectify_common": "rectify._common",
    "_rectify_docs": "rectify._docs",
    "allocation": "rectify.allocation",
    "rampup": "rectify.rampup",
    "_power_law_fit": "rectify._power_law_fit",
    "demo": "cli.demo",
    "_cli_commands": "cli._commands",
    "_cli_data": "cli._data",
    "_cli_estimate": "cli._estimate",
    "_cli_plan": "cli._plan",
    "_cache_store": "caching._store",
    "_cache_keys": "caching._keys",
}


def legacy_name(module: str) -> str:
    """The flat-layout name of a module path (the path itself where it did not move).

    Cache keys hash class paths through this, so caches written before the move still hit.
    """
    prefix = f"{__package__}."
    if module.startswith(prefix):
        for old, new in MOVED.items():
            if module == prefix + new:
                return prefix + old
    return module


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, target: str):
        self.target = target

    def create_module(self, spec):
        module = import_module(self.target)
        self._spec = module.__spec__
        return module

    def exec_module(self, module):
        module.__spec__ = self._spec  # the import system set the alias's spec; restore the real one


class _AliasFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        package, _, name = fullname.rpartition(".")
        if package != __package__ or name not in MOVED:
            return None
        loader = _AliasLoader(f"{__package__}.{MOVED[name]}")
        return importlib.machinery.ModuleSpec(fullname, loader)


def install() -> None:
    if not any(isinstance(finder, _AliasFinder) for finder in sys.meta_path):
        sys.meta_path.append(_AliasFinder())
