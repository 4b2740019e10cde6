"""Services still answered from the guide (see ``guide/__init__.py``): none at the moment."""

from core.features import Feature

FEATURE = Feature(
    name="guide",
    title="服务指南",
    intents=(),
    chat=("handlers.guide",),
)
