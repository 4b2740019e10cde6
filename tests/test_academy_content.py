"""小微学院's content files: the shipped library passes ``xinbao academy check`` and holds what
the issue asks for; a broken copy fails it loudly (each problem with its file), and the app
refuses to start on it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from academy.content import CONTENT_DIR, ContentError, check, links, load, to_html
from academy.sections import Section

BASICS_TOPICS = {  # the issue's list of 必修课, each by the lesson that teaches it
    "the policy and who may buy it": "policy-who-may-buy",
    "payment methods D/P, D/A, OA and L/C": "payment-methods",
    "credit periods": "credit-period",
    "the commercial and political risks covered": "risks-covered",
    "reporting a possible loss": "reporting-possible-loss",
    "how a claim works and the 30 working days": "claims-30-workdays",
    "checking a buyer with the traffic light": "traffic-light",
    "policy financing and 信保贷": "policy-financing",
    "SOL and its reminders": "sol-platform",
    "the Single Window": "single-window",
    "the branches": "branches",
    "avoiding the common reasons claims are refused": "avoid-claim-refusals",
}


def test_the_shipped_content_passes_the_check():
    assert check(CONTENT_DIR) == []


def test_the_library_holds_the_lessons_and_cases_the_issue_lists():
    library = load(CONTENT_DIR)
    basics = library.in_section(Section.BASICS)
    assert len(basics) >= 12
    assert set(BASICS_TOPICS.values()) <= {lesson.id for lesson in basics}
    assert all(3 <= len(lesson.quiz) <= 5 for lesson in basics)
    cases = library.in_section(Section.CASES)
    assert len(cases) >= 6
    # None is real: each says so, and its text says so too.
    assert all(case.illustrative and "示例" in case.body for case in cases)
    assert all(lesson.sources for lesson in library.lessons)
    assert library.reference("payment_methods") and library.reference("incoterms")
    assert {item.code for item in library.reference("incoterms").items} == {
        "EXW", "FCA", "CPT", "CIP", "DAP", "DPU", "DDP", "FAS", "FOB", "CFR", "CIF"}


def test_facts_match_the_source_document():
    library = load(CONTENT_DIR)
    who = library.lesson("policy-who-may-buy").body
    assert "300 万美元（含）以下" in who and "工信部联企业〔2011〕300号" in who
    assert "1 年以内" in library.lesson("credit-period").body
    assert "30 个工作日" in library.lesson("claims-30-workdays").body
    branches = library.lesson("branches").body
    assert "25 家营业机构" in branches and "陕西分公司（陕西、宁夏、甘肃、青海）" in branches
    assert "https://www.singlewindow.cn/" in library.lesson("policy-financing").body


def test_lesson_links_become_page_links():
    lesson = load(CONTENT_DIR).lesson("risks-covered")
    assert "academy:reporting-possible-loss" in links(lesson.body)
    html = to_html(lesson.body, lambda lesson_id: f"/h5/academy/lessons/{lesson_id}")
    assert 'href="/h5/academy/lessons/reporting-possible-loss"' in html
    assert "academy:" not in html


LESSON = """---
id: {id}
title: 一课
section: basics
order: {order}
summary: 摘要
sources:
  - title: 服务指南
quiz:
  - question: 一？
    options: [甲, 乙]
    answer: 甲
  - question: 二？
    options: [甲, 乙]
    answer: 乙
  - question: 三？
    options: [甲, 乙]
    answer: {answer}
---
正文，见[另一课]({link})。
"""


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def write(folder: Path, name: str, **fields: object) -> None:
    values = {"id": "extra-lesson", "order": 99, "answer": "甲",
              "link": "academy:credit-period", **fields}
    (folder / "basics" / name).write_text(LESSON.format(**values), encoding="utf-8")


@pytest.mark.parametrize(("fields", "problem"), [
    ({"link": "academy:no-such-lesson"}, "broken link 'academy:no-such-lesson'"),
    ({"link": "another-lesson.md"}, "is not academy:<id> or an http(s) address"),
    ({"link": "mailto:someone@example.org"}, "is not academy:<id> or an http(s) address"),
    ({"id": "credit-period"}, "id 'credit-period' is also used by basics/03-credit-period.md"),
    ({"answer": "丙"}, "quiz 3: the answer '丙' is not among the options"),
    ({"order": 3}, "order 3 in basics is also basics/03-credit-period.md's"),
    ({"id": "Bad Id"}, "id 'Bad Id': use 2–64 of a-z, 0-9 and '-'"),
])
def test_a_broken_file_is_named_with_its_problem(copy, fields, problem):
    write(copy, "99-extra.md", **fields)
    problems = check(copy)
    assert any(p.startswith("basics/99-extra.md") and problem in p for p in problems), problems


def test_missing_fields_typos_and_values_that_are_not_text(copy):
    text = LESSON.format(id="extra-lesson", order=99, answer="甲", link="academy:credit-period")
    (copy / "basics" / "98-missing.md").write_text(
        text.replace("summary: 摘要\n", "").replace("title: 一课", "titel: 一课"), "utf-8")
    (copy / "basics" / "97-yaml.md").write_text(
        text.replace("extra-lesson", "yaml-lesson").replace("order: 99", "order: 97")
            .replace("options: [甲, 乙]\n    answer: 甲", "options: [yes, no]\n    answer: yes"),
        "utf-8")
    problems = check(copy)
    assert "basics/98-missing.md: missing title, summary" in problems
    assert "basics/98-missing.md: unknown field(s) titel (a typo?)" in problems
    assert any(p.startswith("basics/97-yaml.md: quiz 1: options must be a list of texts")
               for p in problems)


def test_a_case_must_say_whether_it_is_real(copy):
    case = copy / "cases" / "01-oa-default.md"
    case.write_text(case.read_text("utf-8").replace("illustrative: true\n", ""), "utf-8")
    assert "cases/01-oa-default.md: a case must say illustrative: true (shown as 示例) or false " \
           "(a real case)" in check(copy)


def test_a_basics_lesson_needs_three_to_five_questions(copy):
    lesson = copy / "basics" / "03-credit-period.md"
    text = lesson.read_text("utf-8")
    cut = text[:text.index("  - question: SOL")] + text[text.index("---\n**信用期限**"):]
    lesson.write_text(cut, "utf-8")
    assert "basics/03-credit-period.md: the quiz has 2 questions; 3–5 here" in check(copy)


def test_xinbao_academy_check_passes_and_fails_loudly(cli, copy):
    ok = cli("academy", "check")
    assert ok.exit_code == 0 and ok.output.startswith("ok: 22 files (必修课 12"), ok.output
    write(copy, "99-extra.md", link="academy:gone", answer="丙")
    broken = cli("academy", "check", "--path", str(copy))
    assert broken.exit_code == 1
    assert "✘ basics/99-extra.md: quiz 3: the answer '丙' is not among the options" in broken.output
    assert "✘ basics/99-extra.md: broken link 'academy:gone'" in broken.output


def test_the_app_refuses_to_start_on_broken_content(base_config, copy):
    from app import create_app
    from core.config import deep_merge

    write(copy, "99-extra.md", link="academy:gone")
    with pytest.raises(ContentError, match="broken link 'academy:gone'"):
        create_app(deep_merge(base_config, {"academy": {"content_dir": str(copy)}}))
