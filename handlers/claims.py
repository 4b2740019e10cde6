"""理赔 in the chat: report a possible loss or file a claim on a declared shipment, send its
documents (photos and files, fetched from WeChat by a job), add documents later, 理赔进度.

```mermaid
stateDiagram-v2
    state "可损通知与理赔 (a form, bound only)" as C {
        [*] --> KIND
        KIND --> SHIPMENT: 1 可损通知 / 2 索赔
        SHIPMENT --> SHIPMENT: not covered (every reason said)
        SHIPMENT --> CAUSE --> AMOUNT
        AMOUNT --> AMOUNT: ≤ 0, above the invoice, another currency
        AMOUNT --> BUYER_SAYS --> CONFIRM
        CONFIRM --> DOCUMENTS: 确认 (stored; number, warnings: late, quality dispute)
        DOCUMENTS --> DOCUMENTS: a number (which document), a photo or a file (kept)
        DOCUMENTS --> [*]: 完成 (what is still missing)
    }
    [*] --> DOCUMENTS: 补充材料 (the latest open case)
```

The adapter reads the binding and the shipment through 信保易 (``api.claim_facts``) and hands
plain facts to ``claims.usecases``, which checks everything again when the form is confirmed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from wechatpy.messages import BaseMessage

from academy.usecases import library_of
from api.claim_facts import facts_for, open_shipments, own_shipment
from claims import usecases
from claims.causes import (
    BY_CODE,
    CAUSES,
    DOCUMENTS,
    Cause,
    cause_by_answer,
    document_by_answer,
)
from claims.causes import KIND_NAMES as RISK_NAMES
from claims.models import Claim
from claims.usecases import KIND_NAMES, STATUS_NAMES, ClaimInput, ClaimRefused, Kind, Status, Who
from core.conversation import (
    End,
    FileInput,
    Flow,
    Goto,
    ImageInput,
    Input,
    InputKind,
    Stay,
    Step,
    Transition,
    as_text,
    reading_text,
)
from core.replies import Reply
from core.workdays import beijing_day
from handlers.branches import follower_branch
from handlers.context import Ctx
from policies.access import binding_of
from policies.models import Binding, Shipment
from policies.numbers import InputProblem, parse_amount, plain
from wechat.claims import fetch_document

CONFIRM = ("确认", "确定", "提交", "好", "好的", "ok", "yes", "是", "对")
DONE = ("完成", "好了", "发完了", "没有了", "结束", "done", "ok", "就这些")
NOTHING = ("无", "没有", "没说", "没回复", "不知道", "无回复", "none")
KIND_WORDS = {"1": Kind.NOTICE, "可损通知": Kind.NOTICE, "可损": Kind.NOTICE,
              "报损": Kind.NOTICE, "通知": Kind.NOTICE,
              "2": Kind.CLAIM, "索赔": Kind.CLAIM, "理赔": Kind.CLAIM}


class ClaimState(StrEnum):
    KIND = "kind"
    SHIPMENT = "shipment"
    CAUSE = "cause"
    AMOUNT = "amount"
    BUYER_SAYS = "buyer_says"
    CONFIRM = "confirm"
    DOCUMENTS = "documents"


@dataclass
class ClaimDraft:
    kind: str = ""
    shipments: list[dict[str, Any]] = field(default_factory=list)
    shipment_id: int | None = None
    invoice: str = ""
    buyer: str = ""
    invoice_amount: str = ""
    currency: str = ""
    percent: str = ""
    cause: str = ""
    amount: str = ""
    buyer_says: str = ""
    claim_id: int | None = None
    doc_kind: str = ""

    @property
    def submitted(self) -> bool:
        """Filed: the documents that follow go straight to the case, nothing is a draft."""
        return self.claim_id is not None


def _words(answer: str) -> str:
    return answer.strip().rstrip("。.!！").casefold()


def _binding(ctx: Ctx) -> Binding | None:
    return binding_of(ctx.db, ctx.follower.id)


def _who(ctx: Ctx) -> Who:
    return Who(follower_id=ctx.follower.id, openid=ctx.openid, channel="wechat")


def _problems(ctx: Ctx, problems: list[usecases.Problem]) -> str:
    return "\n".join(ctx.render("claims/problem.j2", code=code, **data)
                     for code, data in problems)


def _hint(ctx: Ctx, code: str, **data: Any) -> Stay:
    return Stay(ctx.render("claims/hint.j2", code=code, documents=DOCUMENTS, **data))


def _own_shipment(ctx: Ctx, draft: ClaimDraft) -> Shipment | None:
    binding = _binding(ctx)
    if binding is None:
        return None
    return own_shipment(ctx.db, binding.enterprise_id, draft.shipment_id)


# --- the steps -----------------------------------------------------------------------------------

def _accept_kind(answer: str, ctx: Ctx, draft: ClaimDraft) -> Transition:
    kind = KIND_WORDS.get(_words(answer))
    if kind is None:
        return _hint(ctx, "kind")
    draft.kind = kind.value
    return Goto(ClaimState.SHIPMENT)


def _accept_shipment(answer: str, ctx: Ctx, draft: ClaimDraft) -> Transition:
    binding = _binding(ctx)
    if binding is None:
        return End(ctx.render("claims/not_bound.j2", **follower_branch(ctx)))
    number = answer.strip().rstrip("。.号")
    chosen: Shipment | None
    if number.isdigit() and 1 <= int(number) <= len(draft.shipments):
        chosen = own_shipment(ctx.db, binding.enterprise_id,
                              int(draft.shipments[int(number) - 1]["id"]))
    else:
        chosen = own_shipment(ctx.db, binding.enterprise_id, invoice=answer)
    if chosen is None:
        if number.isdigit():
            return _hint(ctx, "bad_number", count=len(draft.shipments))
        return Stay(ctx.render("claims/problem.j2", code="no_shipment"))
    facts = facts_for(ctx.db, chosen)
    problems = usecases.coverage_problems(facts)
    if problems:
        return Stay(_problems(ctx, problems))
    draft.shipment_id, draft.invoice, draft.buyer = chosen.id, chosen.invoice_number, \
        chosen.buyer_name
    draft.invoice_amount, draft.currency = plain(chosen.amount), chosen.currency
    draft.percent = plain(facts.indemnity_percent)
    return Goto(ClaimState.CAUSE)


def _accept_cause(answer: str, ctx: Ctx, draft: ClaimDraft) -> Transition:
    cause = cause_by_answer(answer)
    if cause is None:
        return Stay(ctx.render("claims/problem.j2", code="cause_unknown"))
    draft.cause = cause.code
    return Goto(ClaimState.AMOUNT)


def _accept_amount(answer: str, ctx: Ctx, draft: ClaimDraft) -> Transition:
    shipment = _own_shipment(ctx, draft)
    if shipment is None:
        return End(ctx.render("claims/problem.j2", code="no_shipment"))
    try:
        amount = parse_amount(answer)
    except InputProblem:
        return _hint(ctx, "amount")
    problems = usecases.amount_problems(facts_for(ctx.db, shipment), amount.value,
                                        amount.currency or shipment.currency)
    if problems:
        return Stay(_problems(ctx, problems))
    draft.amount = plain(amount.value)
    return Goto(ClaimState.BUYER_SAYS)


def _accept_buyer_says(answer: str, ctx: Ctx, draft: ClaimDraft) -> Transition:
    draft.buyer_says = "" if _words(answer) in NOTHING else answer[:usecases.MAX_BUYER_SAYS]
    if usecases.is_quality_dispute(draft.buyer_says):
        # Flagged at once: the case changes (the dispute is settled first).
        return Goto(ClaimState.CONFIRM, ctx.render("claims/problem.j2", code="quality_dispute"))
    return Goto(ClaimState.CONFIRM)


def _file(ctx: Ctx, draft: ClaimDraft) -> Transition:
    shipment = _own_shipment(ctx, draft)
    if shipment is None:
        return End(ctx.render("claims/problem.j2", code="no_shipment"))
    data = ClaimInput(kind=Kind(draft.kind), cause=draft.cause,
                      loss_amount=Decimal(draft.amount.replace(",", "")),
                      currency=shipment.currency, buyer_says=draft.buyer_says)
    try:
        filed = usecases.file(ctx.uow, _who(ctx), facts_for(ctx.db, shipment), data)
    except ClaimRefused as refused:
        return End(_problems(ctx, refused.problems))
    draft.claim_id = filed.claim.id
    done = ctx.render("claims/done.j2", c=filed.claim, converted=filed.converted,
                      kind_name=KIND_NAMES[Kind(draft.kind)],
                      status=STATUS_NAMES[Status(filed.claim.status)],
                      warnings=[ctx.render("claims/problem.j2", code=code, **data)
                                for code, data in filed.warnings],
                      case=_case_for(ctx, BY_CODE[draft.cause]))
    return Goto(ClaimState.DOCUMENTS, done)


def _case_for(ctx: Ctx, cause: Cause) -> dict[str, str] | None:
    """The 信保说案 case that tells a loss like this one: its title and page."""
    case = library_of(ctx.uow).lesson(cause.case) if cause.case else None
    if case is None:
        return None
    return {"title": case.title, "url": ctx.page_url(f"/h5/academy/lessons/{case.id}")}


def _accept_confirm(answer: str, ctx: Ctx, draft: ClaimDraft) -> Transition:
    if draft.claim_id:  # already filed (返回 from the documents): never twice
        return Goto(ClaimState.DOCUMENTS)
    if _words(answer) in ("修改", "重填", "改"):
        return Goto(ClaimState.CAUSE)
    if _words(answer) not in CONFIRM:
        return _hint(ctx, "confirm")
    return _file(ctx, draft)


def _case(ctx: Ctx, draft: ClaimDraft) -> Claim | None:
    binding = _binding(ctx)
    if binding is None or not draft.claim_id:
        return None
    return usecases.get_own(ctx.db, binding.enterprise_id, draft.claim_id)


def _take_document(given: Input, ctx: Ctx, draft: ClaimDraft) -> Transition:
    claim = _case(ctx, draft)
    if claim is None:
        return End(ctx.render("claims/hint.j2", code="no_open_case"))
    if isinstance(given, ImageInput | FileInput) and given.media_id:
        return _keep(ctx, draft, claim, given)
    words = (as_text(given) or "").strip()
    missing = usecases.missing_documents(ctx.db, claim)
    if _words(words) in DONE:
        return End(ctx.render("claims/hint.j2", code="documents_done", missing=missing,
                              documents=DOCUMENTS))
    number = words.rstrip("。.号")
    kind = (missing[int(number) - 1] if number.isdigit() and 1 <= int(number) <= len(missing)
            else document_by_answer(words) if not number.isdigit() else None)
    if kind is None:
        return _hint(ctx, "doc_number", count=len(missing))
    draft.doc_kind = kind
    return Goto(ClaimState.DOCUMENTS, ctx.render("claims/hint.j2", code="document_which",
                                                 kind=kind, documents=DOCUMENTS))


def _keep(ctx: Ctx, draft: ClaimDraft, claim: Claim, given: ImageInput | FileInput) -> Transition:
    """Stored (pending) before the reply; the job fetches it from WeChat after the commit."""
    missing = usecases.missing_documents(ctx.db, claim)
    kind = draft.doc_kind or (missing[0] if missing else "other")
    before = claim.status
    title = given.title if isinstance(given, FileInput) else ""
    try:
        document = usecases.add_document(ctx.uow, claim, kind, media_id=given.media_id,
                                         filename=title)
    except ClaimRefused as refused:
        return End(_problems(ctx, refused.problems))
    ctx.enqueue(fetch_document, document.id)
    draft.doc_kind = ""
    lines = [ctx.render("claims/hint.j2", code="document_received", kind=kind,
                        documents=DOCUMENTS,
                        count=len(usecases.documents_of(ctx.db, claim.id)))]
    if claim.status != before and claim.deadline is not None:
        lines.append(ctx.render("claims/hint.j2", code="documents_complete",
                                on=claim.documents_complete_on, deadline=claim.deadline,
                                provisional=bool(claim.deadline_provisional),
                                provisional_text="官方节假日安排尚未公布，只跳过了周末"))
    return Goto(ClaimState.DOCUMENTS, "\n".join(lines))


def _prompt(state: ClaimState) -> Callable[[Ctx, ClaimDraft], str]:
    def prompt(ctx: Ctx, draft: ClaimDraft) -> str:
        data: dict[str, Any] = {}
        if state == ClaimState.DOCUMENTS:
            claim = _case(ctx, draft)
            data = {"number": claim.number if claim else "",
                    "missing": usecases.missing_documents(ctx.db, claim) if claim else []}
        if state == ClaimState.CONFIRM and draft.amount:
            amount = Decimal(draft.amount.replace(",", ""))
            data["estimate"] = plain((amount * Decimal(draft.percent or "0") / 100)
                                     .quantize(Decimal("0.01")))
            data["cause_name"] = BY_CODE[draft.cause].name if draft.cause in BY_CODE else ""
        return ctx.render("claims/prompt.j2", state=state.value, draft=draft, causes=CAUSES,
                          kind_names=RISK_NAMES, documents=DOCUMENTS,
                          kind_name=KIND_NAMES.get(Kind(draft.kind), "") if draft.kind
                          else "", **data)

    return prompt


def _step(state: ClaimState, label: str, accept: Callable[[str, Ctx, ClaimDraft], Transition]
          ) -> Step[Ctx, ClaimDraft]:
    return Step(_prompt(state), reading_text(accept), label=label)


CLAIM_FLOW: Flow[Ctx, ClaimDraft] = Flow(
    name="claims_report", title="可损通知与理赔", first=ClaimState.KIND, draft=ClaimDraft,
    steps={
        ClaimState.KIND: _step(ClaimState.KIND, "可损通知或索赔", _accept_kind),
        ClaimState.SHIPMENT: _step(ClaimState.SHIPMENT, "出运（发票号）", _accept_shipment),
        ClaimState.CAUSE: _step(ClaimState.CAUSE, "损失原因", _accept_cause),
        ClaimState.AMOUNT: _step(ClaimState.AMOUNT, "损失金额", _accept_amount),
        ClaimState.BUYER_SAYS: _step(ClaimState.BUYER_SAYS, "买方说法", _accept_buyer_says),
        ClaimState.CONFIRM: _step(ClaimState.CONFIRM, "确认", _accept_confirm),
        ClaimState.DOCUMENTS: Step(_prompt(ClaimState.DOCUMENTS), _take_document,
                                   takes=frozenset({InputKind.TEXT, InputKind.IMAGE,
                                                    InputKind.FILE}),
                                   label="材料"),
    },
)


# --- the intents -------------------------------------------------------------------------------

def start_report(msg: BaseMessage, ctx: Ctx) -> Reply:
    binding = _binding(ctx)
    if binding is None:
        return ctx.text("claims/not_bound.j2", **follower_branch(ctx))
    rows = open_shipments(ctx.db, binding.enterprise_id, limit=9)
    if not rows:
        return ctx.text("claims/hint.j2", code="no_shipments")
    draft = ClaimDraft(shipments=[{"id": s.id, "invoice": s.invoice_number,
                                   "buyer": s.buyer_name, "amount": plain(s.amount),
                                   "currency": s.currency, "due": s.due_date.isoformat()}
                                  for s in rows])
    return ctx.start(CLAIM_FLOW, draft)


def add_documents(msg: BaseMessage, ctx: Ctx) -> Reply:
    binding = _binding(ctx)
    if binding is None:
        return ctx.text("claims/not_bound.j2", **follower_branch(ctx))
    claim = usecases.latest_open(ctx.db, binding.enterprise_id)
    if claim is None:
        return ctx.text("claims/hint.j2", code="no_open_case")
    draft = ClaimDraft(kind=claim.kind, claim_id=claim.id, shipment_id=claim.shipment_id)
    return ctx.start(CLAIM_FLOW, draft, at=ClaimState.DOCUMENTS)


def show_progress(msg: BaseMessage, ctx: Ctx) -> Reply:
    binding = _binding(ctx)
    if binding is None:
        return ctx.text("claims/not_bound.j2", **follower_branch(ctx))
    today = beijing_day(ctx.now)
    items = [usecases.progress(ctx.db, claim, today)
             for claim in usecases.of_follower(ctx.db, binding.enterprise_id, limit=5)]
    return ctx.text("claims/progress.j2", items=items, kind_names=KIND_NAMES,
                    documents=DOCUMENTS, link=ctx.page_url("/h5/claims"))


HANDLERS = {
    "claims.report": start_report,
    "claims.progress": show_progress,
    "claims.documents": add_documents,
}
FLOWS = [CLAIM_FLOW]
