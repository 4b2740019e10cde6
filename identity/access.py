"""The roles and the one table of access rules.

A permission is a short dotted name (``"<area>.<verb>"``). ``RULES`` maps each permission to
the staff roles that hold it; ``admin`` holds every permission. A later issue adds its
permissions as new rows here, and protects an endpoint with ``staff_required("<permission>")``
(see ``api/__init__.py``). Followers hold no permission: they reach only their own records,
which the view checks with ``Principal.owns``.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


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
    FOLLOWERS_READ = "followers.read"
    STAFF_READ = "staff.read"
    STAFF_MANAGE = "staff.manage"
    AUDIT_READ = "audit.read"
    BUYERS_READ = "buyers.read"
    BUYERS_MANAGE = "buyers.manage"
    CLAIMS_REVIEW = "claims.review"
    ACADEMY_EDIT = "academy.edit"


# permission -> roles besides admin that hold it (admin holds all).
RULES: dict[str, frozenset[Role]] = {
    Permission.FOLLOWERS_READ: frozenset({Role.OPERATOR, Role.CLAIMS_REVIEWER}),
    Permission.STAFF_READ: frozenset(),
    Permission.STAFF_MANAGE: frozenset(),
    Permission.AUDIT_READ: frozenset(),
    Permission.BUYERS_READ: frozenset({Role.OPERATOR, Role.CLAIMS_REVIEWER}),
    Permission.BUYERS_MANAGE: frozenset({Role.OPERATOR}),
    Permission.CLAIMS_REVIEW: frozenset({Role.CLAIMS_REVIEWER}),
    Permission.ACADEMY_EDIT: frozenset({Role.ACADEMY_EDITOR}),
}


def check_permission_name(permission: str) -> str:
    """A typo in a permission name fails when the view is defined, not when it is called."""
    if permission not in RULES:
        raise KeyError(f"unknown permission {permission!r}: add it to identity.access.RULES")
    return permission


def allowed(roles: Iterable[str], permission: str) -> bool:
    held = set(roles)
    return Role.ADMIN in held or bool(held & RULES[check_permission_name(permission)])


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
