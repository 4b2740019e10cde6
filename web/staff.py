"""The staff console: sign-in with a session cookie, CSRF on every form, roles per page.

A signed-in staff member is kept in the session cookie (``staff`` key: account id and the
sign-in time); every request reloads the account, so disabling it ends the session at once,
and the sign-in expires after ``[identity] staff_page_seconds``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, abort, g, redirect, render_template, request, session, url_for
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from api.ratelimit import staff_sign_in
from api.settings import identity_settings
from core.features import features
from core.services import current
from identity import IdentityError, Principal, SignInThrottled, audit
from identity import staff as staff_accounts
from identity.access import ROLE_LABELS, Permission, Role, allowed, check_permission_name, rules
from identity.links import safe_next_path
from identity.models import AuditEntry, StaffAccount
from web import csrf
from web.console import notices
from web.console.lists import Col, ListPage

bp = Blueprint("staff_pages", __name__, url_prefix="/staff")

F = TypeVar("F", bound=Callable[..., Any])
SESSION_KEY = "staff"


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired("请输入用户名"), Length(max=64)])
    password = PasswordField("密码", validators=[DataRequired("请输入密码"), Length(max=128)])


@bp.app_context_processor
def _navigation() -> dict[str, Any]:
    """The console's links on every staff page, whichever service's blueprint serves it:
    every service's staff pages (its manifest's ``staff_nav``) the signed-in member may open."""
    if not request.path.startswith(bp.url_prefix or "/staff"):
        return {}
    principal = current_staff()
    if principal is None:
        return {"staff_nav": []}
    entries = [entry for feature in features() for entry in feature.staff_nav
               if principal.can(entry.permission)]
    return {"staff_nav": entries}


@bp.before_request
def _protect_forms() -> None:
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()


@bp.errorhandler(CSRFError)
def _csrf_failed(error: CSRFError) -> tuple[str, int]:
    return _message("csrf", 400)


def _message(reason: str, status: int, detail: str = "") -> tuple[str, int]:
    """A message page; ``reason`` is a code, the sentences live in the template."""
    return render_template("pages/staff/message.html", reason=reason, detail=detail), status


def current_staff() -> Principal | None:
    if "xinbao_staff" in g:
        return g.xinbao_staff
    g.xinbao_staff = _staff_from_cookie()
    return g.xinbao_staff


def _staff_from_cookie() -> Principal | None:
    stored = session.get(SESSION_KEY)
    if not isinstance(stored, dict):
        return None
    services = current()
    lifetime = identity_settings().staff_page_lifetime.total_seconds()
    if services.clock().timestamp() - float(stored.get("since", 0)) > lifetime:
        session.pop(SESSION_KEY, None)
        return None
    account = services.db.session.get(StaffAccount, int(stored.get("id", 0)))
    if account is None or not account.active:
        session.pop(SESSION_KEY, None)
        return None
    return Principal(kind="staff", staff_id=account.id, username=account.username,
                     roles=frozenset(account.roles))


def staff_page(permission: str | None = None) -> Callable[[F], F]:
    """A staff page: sign-in required; with ``permission``, the role table must allow it."""
    if permission is not None:
        check_permission_name(permission)

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            principal = current_staff()
            if principal is None:
                return redirect(url_for("staff_pages.login", next=request.full_path.rstrip("?")))
            if permission is not None and not principal.can(permission):
                return _message("forbidden", 403, detail=permission)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    form = LoginForm()
    next_path = safe_next_path(request.args.get("next"), default=url_for("staff_pages.home"))
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("pages/staff/login.html", form=form, error=None), status
    services = current()
    now = services.clock()
    try:
        account = staff_sign_in(form.username.data or "", form.password.data or "")
    except SignInThrottled as throttled:
        page = render_template("pages/staff/login.html", form=form, error=throttled.message)
        return page, 429, {"Retry-After": str(throttled.retry_after)}
    except IdentityError as error:
        services.db.session.rollback()
        return render_template("pages/staff/login.html", form=form, error=error.message), 401
    audit.record(services.db.session, Principal(kind="staff", staff_id=account.id,
                                                username=account.username).actor,
                 "staff.sign_in", "staff", account.id, now=now)
    services.db.session.commit()
    session.clear()  # a fresh session on sign-in: nothing from before carries over
    session[SESSION_KEY] = {"id": account.id, "since": now.timestamp()}
    session.permanent = True
    return redirect(next_path)


@bp.post("/logout")
def logout() -> Response:
    principal = current_staff()
    if principal is not None:
        services = current()
        audit.record(services.db.session, principal.actor, "staff.sign_out", "staff",
                     principal.staff_id, now=services.clock())
        services.db.session.commit()
    session.pop(SESSION_KEY, None)
    return redirect(url_for("staff_pages.login"))


@bp.get("/")
@staff_page()
def home() -> str:
    principal = current_staff()
    assert principal is not None
    account = current().db.session.get(StaffAccount, principal.staff_id)
    permissions = [p for p in rules() if allowed(principal.roles, p)]
    return render_template("pages/staff/home.html", account=account, permissions=permissions,
                           role_labels=_role_labels(principal.roles),
                           notices=notices.for_staff(principal))


@bp.get("/accounts")
@staff_page(Permission.STAFF_READ)
def accounts() -> str:
    rows, _total = staff_accounts.listing(current().db.session, offset=0, limit=500)
    principal = current_staff()
    assert principal is not None
    return render_template("pages/staff/accounts.html", accounts=rows,
                           role_labels={role.value: label for role, label in ROLE_LABELS.items()},
                           can_manage=principal.can(Permission.STAFF_MANAGE),
                           me=principal.staff_id)


@bp.post("/accounts/<id:staff_id>/active")
@staff_page(Permission.STAFF_MANAGE)
def set_active(staff_id: int) -> Any:
    principal = current_staff()
    assert principal is not None
    services = current()
    session_db = services.db.session
    account = session_db.get(StaffAccount, staff_id)
    if account is None:
        abort(404)
    try:
        staff_accounts.update(session_db, principal.actor, account, now=services.clock(),
                              active=request.form.get("active") == "1")
    except IdentityError as error:
        session_db.rollback()
        return _message("refused", 409, detail=error.message)
    session_db.commit()
    return redirect(url_for("staff_pages.accounts"))


AUDIT_LOG = ListPage(
    name="audit_log", title="审计日志", permission=Permission.AUDIT_READ,
    query=lambda: select(AuditEntry.id, AuditEntry.at, AuditEntry.actor, AuditEntry.action,
                         AuditEntry.target_type, AuditEntry.target_id, AuditEntry.before,
                         AuditEntry.after, AuditEntry.note),
    columns=(Col("id", "编号", "int"), Col("at", "时间", "datetime"), Col("actor", "操作人"),
             Col("action", "操作"), Col("target_type", "对象类型"), Col("target_id", "对象"),
             Col("before", "变更前"), Col("after", "变更后"), Col("note", "备注", in_list=False)),
    search=("actor", "action", "target_id"), dates="at", sort="-id",
)
AUDIT_LOG.register(bp, at="/audit")


def _role_labels(roles: frozenset[str]) -> list[str]:
    known = {role.value for role in Role}
    return [ROLE_LABELS[Role(role)] for role in sorted(roles) if role in known]
