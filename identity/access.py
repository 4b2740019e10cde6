"""The roles and the one table of access rules.

A permission is a short dotted name (``"<area>.<verb>"``). ``rules()`` maps each permission
to the staff roles that hold it; ``admin`` holds every permission. Each service declares its
permissions and who holds them in its manifest (``access``), and protects an endpoint with
``staff_required("<permission>")`` (see ``api/__init__.py``). Followers hold no permission:
they reach only their own records, which the view checks with ``Principal.owns``.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from functools import cache

from core.features import access_rows


class Role(StrEnum):
    OPERATOR = "operator"  # runs the service: followers, menus, buyer data, statistics
    CLAIMS_REVIEWER = "claims_reviewer"  # reviews possible-loss notices and claims
    ACADEMY_EDITOR = "academy_editor"  # publishes lessons, country reports, alerts
    ADMIN = "admin"  # everything, including staff accounts and the audit log


ROLE_LABELS: dict[Role, str] = {
    Role.OPERATOR: "运营",
    Role.CLAIMS_REVIEWER: "理赔审核",
    Role.ACADEMY_EDITOR: "学院编辑",
    Role.ADMIN: "管理员",
}


class Permission(StrEnum):
    """The permissions of identity's own pages and endpoints (identity/manifest.py declares
    who holds them); every service declares its own in its manifest."""

    STAFF_READ = "staff.read"
    STAFF_MANAGE = "staff.manage"
    AUDIT_READ = "audit.read"


@cache
def rules() -> dict[str, frozenset[Role]]:
    """permission -> the roles besides admin that hold it (admin holds all): the rows every
    service's manifest declares (``core.features``), in one table."""
    return {permission: parse_roles(roles) for permission, roles in access_rows().items()}


def check_permission_name(permission: str) -> str:
    """A typo in a permission name fails when the view is defined, not when it is called."""
    if permission not in rules():
        raise KeyError(f"unknown permission {permission!r}: declare it in a service manifest")
    return permission


def allowed(roles: Iterable[str], permission: str) -> bool:
    held = set(roles)
    return Role.ADMIN in held or bool(held & rules()[check_permission_name(permission)])


def parse_roles(values: Iterable[str]) -> frozenset[Role]:
    """Role names from input; raises ValueError naming an unknown one."""
    roles = set()
    for value in values:
        try:
            roles.add(Role(value.strip()))
        except ValueError:
            known = ", ".join(role.value for role in Role)
            raise ValueError(f"unknown role {value!r} (known: {known})") from None
    return frozenset(roles)
