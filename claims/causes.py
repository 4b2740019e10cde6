"""The causes of loss a claim names, from the source document's covered risks (三(一)1 of the
seed: 商业风险 and 政治风险), and the documents each needs.

The documents are the ones the issue lists for a claim: contract, invoice, transport document,
customs declaration, correspondence with the buyer and proof of non-payment. Proof of
non-payment does not fit a buyer who refused the goods; bank causes need the L/C's papers
(the contract is replaced by the credit itself in the bank's case, so both are asked).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cause:
    code: str
    name: str
    kind: str  # commercial | political
    documents: tuple[str, ...]


DOCUMENTS: dict[str, str] = {
    "contract": "贸易合同（或订单）",
    "invoice": "商业发票",
    "transport": "运输单据（提单、运单）",
    "customs": "出口报关单",
    "correspondence": "与买方的往来函电（催收记录）",
    "non_payment": "未收汇证明（银行出具或拒付通知）",
    "other": "其他材料",
}

_ALL = ("contract", "invoice", "transport", "customs", "correspondence", "non_payment")
_REFUSED = ("contract", "invoice", "transport", "customs", "correspondence")

CAUSES: tuple[Cause, ...] = (
    Cause("buyer_insolvent", "买方破产或无力偿付债务", "commercial", _ALL),
    Cause("buyer_default", "买方拖欠货款", "commercial", _ALL),
    Cause("buyer_refused", "买方拒绝接受货物", "commercial", _REFUSED),
    Cause("bank_insolvent", "开证行破产、停业或被接管", "commercial", _ALL),
    Cause("bank_default", "开证行拖欠或拒绝承兑", "commercial", _ALL),
    Cause("payment_banned", "买方国家禁止付款", "political", _ALL),
    Cause("import_banned", "买方国家禁止货物进口", "political", _REFUSED),
    Cause("moratorium", "买方国家颁布延期付款令", "political", _ALL),
    Cause("war", "战争、暴乱", "political", _ALL),
    Cause("other_political", "其他政治事件", "political", _ALL),
)
BY_CODE: dict[str, Cause] = {cause.code: cause for cause in CAUSES}
KIND_NAMES = {"commercial": "商业风险", "political": "政治风险"}

# What the buyer says that makes it a quality dispute: the insurer waits for the dispute to be
# settled (arbitration or a court) before it decides, so the case changes at once.
DISPUTE_WORDS = ("质量", "质检", "货不对版", "不合格", "瑕疵", "损坏", "短装", "少货", "规格不符",
                 "quality", "defect", "damaged")


def is_quality_dispute(buyer_says: str) -> bool:
    folded = buyer_says.casefold()
    return any(word in folded for word in DISPUTE_WORDS)


def cause_by_answer(answer: str) -> Cause | None:
    """A number from the list, a code, or a name (or a part of one)."""
    text = answer.strip().rstrip("。.号")
    if text.isdigit() and 1 <= int(text) <= len(CAUSES):
        return CAUSES[int(text) - 1]
    if text in BY_CODE:
        return BY_CODE[text]
    found = [cause for cause in CAUSES if text and (text in cause.name)]
    return found[0] if len(found) == 1 else None


def document_by_answer(answer: str) -> str | None:
    text = answer.strip().rstrip("。.号")
    codes = list(DOCUMENTS)
    if text.isdigit() and 1 <= int(text) <= len(codes):
        return codes[int(text) - 1]
    if text in DOCUMENTS:
        return text
    found = [code for code, name in DOCUMENTS.items() if text and text in name]
    return found[0] if len(found) == 1 else None
