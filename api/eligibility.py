"""POST /api/v1/eligibility: may this enterprise buy 小微企业信保易? The same use case as the
chat (``policies.usecases.check_eligibility``): the four tests, the one that decided, and the
next step. GET /api/v1/eligibility/industries: the 16 industries of 工信部联企业〔2011〕300号
with their thresholds, for a form's choices."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import marshmallow as ma
from flask import render_template

from api import ApiBlueprint, require_principal, signed_in
from api.work import commit, unit_of_work
from policies import eligibility
from policies.access import binding_of
from policies.eligibility import Answers, Assessment, Test
from policies.usecases import check_eligibility

blp = ApiBlueprint("eligibility", __name__, url_prefix="/eligibility",
                   description="小微企业信保易：适用企业测试")

TEST_NAMES = {Test.SME: "符合《中小企业划型标准规定》（工信部联企业〔2011〕300号）的小微企业",
              Test.EXPORTS: "上年海关出口额 300 万美元（含）以下",
              Test.PROVINCIAL: "省、自治区、直辖市级政府文件规定的小微企业",
              Test.ASSOCIATION: "全国性行业协会、商会等机构文件规定的小微企业"}
INDUSTRY_IDS = [industry.id for industry in eligibility.industries()]


class EligibilityBody(ma.Schema):
    last_year_exports_usd = ma.fields.Float(
        load_default=None, allow_none=True, validate=ma.validate.Range(min=0, max=1e13),
        metadata={"description": "上年海关出口额（美元）；不清楚可不填"})
    industry = ma.fields.String(
        load_default=None, allow_none=True, validate=ma.validate.Length(max=40),
        metadata={"description": "行业：id（见 /eligibility/industries）、名称或常用说法，"
                                 "如 wholesale、批发业、外贸"})
    employees = ma.fields.Integer(load_default=None, allow_none=True,
                                  validate=ma.validate.Range(min=0, max=10_000_000),
                                  metadata={"description": "从业人员（人）"})
    operating_revenue_wan_cny = ma.fields.Float(
        load_default=None, allow_none=True, validate=ma.validate.Range(min=0, max=1e12),
        metadata={"description": "营业收入（万元）"})
    total_assets_wan_cny = ma.fields.Float(
        load_default=None, allow_none=True, validate=ma.validate.Range(min=0, max=1e12),
        metadata={"description": "资产总额（万元）"})
    provincial_document = ma.fields.Boolean(
        load_default=None, allow_none=True,
        metadata={"description": "是否为省级政府文件规定的小微企业；不清楚为 null"})
    association_document = ma.fields.Boolean(
        load_default=None, allow_none=True,
        metadata={"description": "是否为全国性行业协会、商会文件规定的小微企业"})


class TestSchema(ma.Schema):
    test = ma.fields.String(required=True, metadata={"description": " | ".join(Test)})
    name = ma.fields.String(required=True)
    passed = ma.fields.Boolean(required=True, allow_none=True,
                               metadata={"description": "null：信息不足，未判断"})
    detail = ma.fields.String(required=True)


class ClassificationSchema(ma.Schema):
    industry = ma.fields.String(required=True)
    industry_name = ma.fields.String(required=True)
    size = ma.fields.String(required=True, metadata={"description": "large | medium | small | "
                                                                    "micro"})
    size_name = ma.fields.String(required=True)
    because = ma.fields.List(ma.fields.String(), required=True)
    source = ma.fields.String(required=True)


class NextStepSchema(ma.Schema):
    code = ma.fields.String(required=True, metadata={
        "description": "bind（已投保可绑定企业）| insure（SOL 或单一窗口投保，或联系营业机构）"
                       " | my_policies | answer_more | contact_branch"})
    message = ma.fields.String(required=True)


class EligibilitySchema(ma.Schema):
    eligible = ma.fields.Boolean(required=True, allow_none=True,
                                 metadata={"description": "null：还需更多信息"})
    decided_by = ma.fields.String(required=True, allow_none=True)
    decided_by_name = ma.fields.String(required=True, allow_none=True)
    tests = ma.fields.List(ma.fields.Nested(TestSchema), required=True)
    classification = ma.fields.Nested(ClassificationSchema, allow_none=True, required=True)
    missing = ma.fields.List(ma.fields.String(), required=True,
                             metadata={"description": "还缺哪些信息才能判断"})
    next_step = ma.fields.Nested(NextStepSchema, required=True)
    message = ma.fields.String(required=True, metadata={"description": "中文结论，可直接展示"})


class IndustrySchema(ma.Schema):
    id = ma.fields.String(required=True)
    number = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    note = ma.fields.String(required=True)
    metrics = ma.fields.List(ma.fields.String(), required=True)
    thresholds = ma.fields.Dict(required=True, metadata={
        "description": "large/medium/small 各指标下限（人、万元）"})


class IndustriesSchema(ma.Schema):
    source = ma.fields.String(required=True)
    items = ma.fields.List(ma.fields.Nested(IndustrySchema), required=True)


def _decimal(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def answers_of(body: dict[str, Any]) -> Answers:
    exports = _decimal(body.get("last_year_exports_usd"))
    return Answers(exports_wan_usd=exports / 10_000 if exports is not None else None,
                   industry=body.get("industry"), employees=body.get("employees"),
                   revenue_wan=_decimal(body.get("operating_revenue_wan_cny")),
                   assets_wan=_decimal(body.get("total_assets_wan_cny")),
                   provincial_document=body.get("provincial_document"),
                   association_document=body.get("association_document"))


def next_step(assessment: Assessment, bound: bool) -> str:
    if assessment.eligible is None:
        return "answer_more"
    if not assessment.eligible:
        return "contact_branch"
    return "my_policies" if bound else "insure"


def shaped(assessment: Assessment, bound: bool) -> dict[str, Any]:
    c = assessment.classification
    step = next_step(assessment, bound)
    message = render_template("pages/policies/_eligibility_message.txt", a=assessment,
                              Test=Test, step=step, names=TEST_NAMES).strip()
    return {
        "eligible": assessment.eligible,
        "decided_by": assessment.decided_by.value if assessment.decided_by else None,
        "decided_by_name": TEST_NAMES[assessment.decided_by] if assessment.decided_by else None,
        "tests": [{"test": r.test.value, "name": TEST_NAMES[r.test], "passed": r.passed,
                   "detail": r.detail} for r in assessment.results],
        "classification": None if c is None else {
            "industry": c.industry.id, "industry_name": c.industry.name, "size": c.size.value,
            "size_name": c.size_name, "because": list(c.because),
            "source": eligibility.source()},
        "missing": list(assessment.missing),
        "next_step": {"code": step, "message": render_template(
            "pages/policies/_next_step.txt", step=step).strip()},
        "message": message,
    }


@blp.route("", methods=["POST"])
@signed_in
@blp.arguments(EligibilityBody)
@blp.response(200, EligibilitySchema)
def check(body: dict[str, Any]) -> dict[str, Any]:
    """按四项标准之一判断能否投保信保易，给出起决定作用的标准与下一步"""
    principal = require_principal()
    industry = body.get("industry")
    if industry:
        try:
            eligibility.find_industry(industry)
        except eligibility.UnknownIndustry:
            from api import ValidationFailed

            raise ValidationFailed("没有找到这个行业，请用 /eligibility/industries 中的 id 或名称",
                                   code="unknown_industry",
                                   details={"json": {"industry": ["unknown industry"]}}) from None
    uow = unit_of_work()
    follower_id = principal.follower_id if principal.is_follower else None
    assessment = check_eligibility(uow, answers_of(body), follower_id,
                                   "miniprogram" if principal.is_follower else "staff")
    bound = binding_of(uow.session, follower_id) is not None
    commit(uow)
    return shaped(assessment, bound)


class IndustriesArgs(ma.Schema):
    q = ma.fields.String(load_default="", validate=ma.validate.Length(max=40), metadata={
        "description": "按说法查行业，如「外贸」「服装工厂」；为空时列出全部"})


@blp.route("/industries")
@blp.arguments(IndustriesArgs, location="query")
@blp.response(200, IndustriesSchema)
def industries(args: dict[str, Any]) -> dict[str, Any]:
    """《中小企业划型标准规定》的 16 个行业及各档下限（公开数据，无需登录）"""
    wanted = None
    if args["q"].strip():
        try:
            wanted = eligibility.find_industry(args["q"]).id
        except eligibility.UnknownIndustry:
            return {"source": eligibility.source(), "items": []}
    return {"source": eligibility.source(), "items": [
        {"id": item.id, "number": number, "name": item.name, "note": item.note,
         "metrics": list(item.metrics),
         "thresholds": {size.value: {k: float(v) for k, v in bounds.items()}
                        for size, bounds in item.bounds.items()}}
        for number, item in enumerate(eligibility.industries(), start=1)
        if wanted is None or item.id == wanted]}
