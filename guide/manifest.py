"""Services still answered from the guide (see ``guide/__init__.py``)."""

from core.features import Feature
from core.intents import Intent

FEATURE = Feature(
    name="guide",
    title="服务指南",
    intents=(
        Intent("guide.claims", title="可损通知与理赔", menu_keys=("CLAIMS",),
               words=("理赔", "索赔", "出险", "可损", "可损通知", "报损"),
               examples={"我要理赔": None, "理赔进度": None, "查询理赔进度": None}),
    ),
    chat=("handlers.guide",),
)
