"""Every module that defines models. Alembic's autogenerate, the app and the tests import these,
so ``Base.metadata`` always knows every table. A service package adds its module here."""

from __future__ import annotations

from importlib import import_module

MODEL_MODULES: tuple[str, ...] = (
    "core.models",
    "followers.models",
    "identity.models",
    "lights.models",
    "qr.models",
)


def import_models() -> None:
    for module in MODEL_MODULES:
        import_module(module)
