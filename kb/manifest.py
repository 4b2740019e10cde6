"""Understanding what exporters type: the knowledge base, a person when needed, the gaps."""

from collections.abc import Iterator, Mapping
from typing import Any

from core.features import Feature, NavEntry
from core.intents import Intent

KB_READ = "kb.read"

HANDOFF = Intent(
    "kb.handoff", title="转人工客服",
    words=("人工客服", "转人工", "人工", "客服", "真人", "人工服务", "找客服", "联系客服",
           "在线客服", "人工咨询", "找人工", "转人工客服", "人工客服在吗", "轉人工",
           "human", "agent", "human agent", "customer service", "talk to a person"),
    examples={"我要人工客服": None, "转人工吧": None, "我要找人工": None},
)
HANDOFF_CLOSE = Intent(
    "kb.handoff_close", title="结束人工客服",
    words=("结束人工", "结束客服", "结束咨询", "退出人工", "关闭人工", "结束人工客服", "結束人工"),
    examples={"我要结束人工": None},
)
INTENTS = (HANDOFF, HANDOFF_CLOSE)


def check_settings(section: Mapping[str, Any]) -> Iterator[str]:
    """config.toml's [kb] table."""
    if not isinstance(section.get("service_hours", ""), str) or not section.get("service_hours"):
        yield "service_hours must be a non-empty text (told the follower at a hand-off)"
    turns = section.get("handoff_history", 10)
    if isinstance(turns, bool) or not isinstance(turns, int) or not 0 <= turns <= 50:
        yield f"handoff_history must be a whole number from 0 to 50, got {turns!r}"


FEATURE = Feature(
    name="kb",
    title="智能问答",
    intents=INTENTS,
    chat=("handlers.kb",),
    models=("kb.models",),
    pages=("web.kb:staff_bp",),
    staff_nav=(NavEntry("问答缺口", "kb_staff.gaps", KB_READ),),
    stats=("kb.stats:gap_rate",),
    access={KB_READ: ("operator",)},
    settings="kb",
    validate_settings=check_settings,
    cli=("xinbao_cli.kb",),
    migrations="kb",
    # The content is checked once per process (broken content stops the start), and the
    # understanding is built before the first question.
    start=("kb.content:check_at_start", "handlers.kb:warm"),
)
