"""Chat handlers: ``handle(msg, ctx) -> Reply``, gathered into one dispatch table.

Each module in ``ROUTE_MODULES`` exposes ``ROUTES`` (a list of ``Route``) and ``FLOWS`` (the
conversations it starts). The order of the table is fixed by ``handlers.routing.Router``;
the order of modules here only matters for error messages about duplicates.
"""

from __future__ import annotations

from importlib import import_module

from core.conversation import Flow
from handlers.dispatch import Dispatcher
from handlers.routing import Route, Router

ROUTE_MODULES: tuple[str, ...] = (
    "handlers.basics",
    "handlers.profile",
    "handlers.services_info",
    "handlers.lights",
    "handlers.free_text",
)


def build_dispatcher() -> Dispatcher:
    from handlers.basics import FALLBACKS, polite_default

    routes: list[Route] = []
    flows: dict[str, Flow] = {}
    for name in ROUTE_MODULES:
        module = import_module(name)
        routes.extend(module.ROUTES)
        for flow in module.FLOWS:
            if flow.name in flows:
                raise ValueError(f"two conversations are named {flow.name!r}")
            flows[flow.name] = flow
    return Dispatcher(Router(routes, FALLBACKS, polite_default), flows)
