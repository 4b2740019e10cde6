"""理赔: notices of possible loss (可损通知), claims (索赔), their documents, status and the
30-working-day deadline — for followers bound to an enterprise (信保易's binding)."""

from collections.abc import Iterator, Mapping
from typing import Any

from core.features import Feature, NavEntry
from core.intents import Intent

CLAIMS_READ = "claims.read"  # staff: every enterprise's cases
CLAIMS_MANAGE = "claims.manage"  # staff: change a case's status

REPORT = Intent(
    "claims.report", title="可损通知与理赔", menu_keys=("CLAIMS",),
    words=("理赔", "索赔", "出险", "可损", "可损通知", "报损", "我要理赔", "申请理赔", "我要索赔",
           "报可损", "理赔申请", "報損", "理賠", "claim", "file a claim"),
    examples={"我要理赔": None, "我要索赔！": None, "怎么理赔": None},
    patterns=(r".{0,4}(?:怎么|如何)(?:理赔|索赔|报损|报可损).{0,4}",),
)
PROGRESS = Intent(
    "claims.progress", title="理赔进度",
    words=("理赔进度", "我的理赔", "查询理赔进度", "索赔进度", "理赔状态", "案件进度", "我的案件",
           "理赔记录", "my claims"),
    examples={"查询理赔进度": None, "我的理赔": None},
)
DOCUMENTS = Intent(
    "claims.documents", title="补充理赔材料",
    words=("补充材料", "补充理赔材料", "上传材料", "理赔材料", "补材料", "补交材料"),
    examples={"补充材料": None},
)


def check_settings(section: Mapping[str, Any]) -> Iterator[str]:
    """config.toml's [claims] table; each problem names its key."""
    folder = section.get("storage_dir", "var/claims")
    if not isinstance(folder, str) or not folder.strip():
        yield f"storage_dir must name a folder for the documents, got {folder!r}"
    template = section.get("status_template_id", "")
    if not isinstance(template, str):
        yield f"status_template_id must be a string (\"\": none), got {template!r}"


FEATURE = Feature(
    name="claims",
    title="理赔",
    intents=(REPORT, PROGRESS, DOCUMENTS),
    chat=("handlers.claims",),
    models=("claims.models",),
    api=("api.claims",),
    pages=("web.claims:bp", "web.claims:staff"),
    staff_nav=(NavEntry("理赔案件", "claims_staff.cases", CLAIMS_READ),),
    stats=("claims.stats:claims",),
    access={CLAIMS_READ: ("operator", "claims_reviewer"), CLAIMS_MANAGE: ("claims_reviewer",)},
    settings="claims",
    validate_settings=check_settings,
    migrations="claims",
)
