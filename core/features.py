"""One manifest per service, and the list of services the app is made of.

Each service package has ``manifest.py`` with one ``Feature``: its models, intents, chat module
(handlers and flows), API modules, pages, staff navigation, access rows, settings section, CLI
commands and migration branch. ``create_app`` and the ``xinbao`` command loop over
``FEATURES``; adding a service is a package, its chat module, its templates and one line here
(see "How to add a service" in docs/).

Modules and blueprints are named as strings ("api.lights", "web.lights:bp"): a manifest is data,
so a domain package never imports the adapters (Flask, WeChat) that serve it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import import_module
from typing import Any

from core.intents import Intent

# The services, in the order their pages, navigation and commands appear.
FEATURES: tuple[str, ...] = (
    "identity.manifest",
    "followers.manifest",
    "lights.manifest",
    "policies.manifest",
    "claims.manifest",
    "branches.manifest",
    "guide.manifest",
    "qr.manifest",
    "support.manifest",
    "academy.manifest",
    "loans.manifest",
    "kb.manifest",
    "menus.manifest",
    "console.manifest",
)


@dataclass(frozen=True)
class NavEntry:
    """A link in the staff console, shown to staff who hold ``permission``."""

    title: str
    endpoint: str
    permission: str


@dataclass(frozen=True)
class Feature:
    name: str
    title: str  # shown to followers and staff: "资信红绿灯"
    intents: tuple[Intent, ...] = ()
    # Modules with HANDLERS (intent name -> handler), and optionally EVENTS (WeChat event ->
    # handler), FALLBACKS (message type -> handler) and FLOWS (conversations).
    chat: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    api: tuple[str, ...] = ()  # modules exposing ``blp`` (an api.ApiBlueprint)
    pages: tuple[str, ...] = ()  # "module:blueprint" of H5 and staff pages
    staff_nav: tuple[NavEntry, ...] = ()
    access: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # permission -> roles
    settings: str | None = None  # its table in config.toml
    validate_settings: Callable[[Mapping[str, Any]], Iterable[str]] | None = None
    cli: tuple[str, ...] = ()  # modules with ``register(group)``
    start: tuple[str, ...] = ()  # "module:function"s run once per process at start
    # "module:function"s ``xinbao worker`` calls at its start (in an app context) to put the
    # service's periodic jobs on rq's scheduler; each job schedules its own next run.
    periodic: tuple[str, ...] = ()
    migrations: str | None = None  # its Alembic branch label
    # "module:function"s of statistics: (session, core.stats.StatsQuery) -> [core.stats.Figure];
    # the console draws them (/staff/stats), serves them as JSON and as Excel.
    stats: tuple[str, ...] = ()


def load(path: str) -> Any:
    """"package.module" or "package.module:attribute"."""
    module_name, _, attribute = path.partition(":")
    module = import_module(module_name)
    return getattr(module, attribute) if attribute else module


@cache
def features() -> tuple[Feature, ...]:
    loaded = tuple(load(name).FEATURE for name in FEATURES)
    names = [feature.name for feature in loaded]
    duplicates = {name for name in names if names.count(name) > 1}
    if duplicates:
        raise ValueError(f"two features are named {sorted(duplicates)}")
    return loaded


def all_intents() -> list[Intent]:
    return [intent for feature in features() for intent in feature.intents]


def access_rows() -> dict[str, tuple[str, ...]]:
    rows: dict[str, tuple[str, ...]] = {}
    for feature in features():
        for permission, roles in feature.access.items():
            if permission in rows:
                raise ValueError(f"permission {permission!r} is declared twice")
            rows[permission] = tuple(roles)
    return rows


def settings_problems(data: Mapping[str, Any]) -> list[str]:
    """Each feature checks its own table of config.toml."""
    problems: list[str] = []
    for feature in features():
        if feature.settings and feature.validate_settings:
            section = data.get(feature.settings, {})
            problems += [f"[{feature.settings}] {problem}"
                         for problem in feature.validate_settings(section)]
    return problems
