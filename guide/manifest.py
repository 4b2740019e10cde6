"""Services still answered from the guide (see ``guide/__init__.py``)."""

from core.features import Feature
from core.intents import Intent

FEATURE = Feature(
    name="guide",
    title="服务指南",
    intents=(
        Intent("guide.loans", title="信保贷与保单融资", menu_keys=("LOANS",),
               words=("贷款", "融资", "信保贷", "保单融资"),
               examples={"我想要贷款": None, "信保贷怎么申请": None}),
    ),
    chat=("handlers.guide",),
)
