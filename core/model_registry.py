"""Every module that defines models: the core's own, then each service's (its manifest's
``models``). Alembic's autogenerate, the app and the tests import these, so ``Base.metadata``
always knows every table."""

from __future__ import annotations

from importlib import import_module

from core.features import features

CORE_MODEL_MODULES: tuple[str, ...] = ("core.models", "core.drafts")


def model_modules() -> list[str]:
    return [*CORE_MODEL_MODULES, *(name for feature in features() for name in feature.models)]


def import_models() -> None:
    for module in model_modules():
        import_module(module)
