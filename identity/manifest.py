"""Who may do what: mini-program and H5 sign-in, staff accounts, the audit log."""

from core.features import Feature, NavEntry
from identity.settings import problems

STAFF_READ = "staff.read"
STAFF_MANAGE = "staff.manage"
AUDIT_READ = "audit.read"

FEATURE = Feature(
    name="identity",
    title="账号与权限",
    models=("identity.models",),
    api=("api.session", "api.staff", "api.jssdk"),
    pages=("web.h5:bp", "web.staff:bp"),
    staff_nav=(NavEntry("员工账号", "staff_pages.accounts", STAFF_READ),
               NavEntry("审计日志", "staff_pages.audit_log", AUDIT_READ)),
    # Admin holds every permission; these rows name the other roles that hold one.
    access={STAFF_READ: (), STAFF_MANAGE: (), AUDIT_READ: ()},
    settings="identity",
    validate_settings=problems,
    cli=("xinbao_cli.staff",),
    migrations="identity",
)
