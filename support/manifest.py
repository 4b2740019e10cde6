"""Support: tickets for a person (hand-off) and for the academy's experts."""

from core.features import Feature, NavEntry

SUPPORT_READ = "support.read"
SUPPORT_REPLY = "support.reply"

FEATURE = Feature(
    name="support",
    title="人工服务",
    models=("support.models",),
    api=("api.support",),
    pages=("web.support:bp",),
    staff_nav=(NavEntry("咨询收件箱", "support_staff.inbox", SUPPORT_READ),),
    access={SUPPORT_READ: ("operator", "claims_reviewer", "academy_editor"),
            SUPPORT_REPLY: ("operator", "academy_editor")},
    migrations="support",
    stats=("support.stats:queues",),
)
