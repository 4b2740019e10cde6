"""Warnings on the console's home page (``/staff/``), declared by a service's web module:

    @home_notice(CLAIMS_READ, "claims_staff")
    def deadlines() -> str | None:      # HTML, or None when there is nothing to say
        ...

Each is shown to the staff whose roles hold its permission, when its blueprint is served
(a notice never names a page the application does not have).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from markupsafe import Markup

from identity import Principal


@dataclass(frozen=True)
class Notice:
    permission: str
    blueprint: str
    render: Callable[[], str | None]


NOTICES: dict[str, Notice] = {}  # "module.function" -> notice: a re-import replaces, not doubles


def home_notice(permission: str, blueprint: str) -> Callable[[Callable[[], str | None]],
                                                              Callable[[], str | None]]:
    def register(render: Callable[[], str | None]) -> Callable[[], str | None]:
        NOTICES[f"{render.__module__}.{render.__qualname__}"] = Notice(permission, blueprint,
                                                                      render)
        return render

    return register


def for_staff(principal: Principal) -> list[Markup]:
    shown = []
    for notice in NOTICES.values():
        if notice.blueprint in current_app.blueprints and principal.can(notice.permission):
            html = notice.render()
            if html:
                shown.append(Markup(html))
    return shown
