"""The knowledge base as files: the shipped content passes ``xinbao kb check`` and states every
fact of the source document; a broken copy is refused with each problem named; the [kb]
settings are checked."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kb.content import CONTENT_DIR, check, load
from kb.manifest import check_settings


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def test_the_shipped_knowledge_base_passes_and_cites_its_sources():
    assert check(CONTENT_DIR) == []
    base = load(CONTENT_DIR)
    assert len(base.entries) >= 40
    assert all(entry.source in base.sources for entry in base.entries)
    about_claims = [entry for entry in base.entries if entry.service == "claims"]
    assert about_claims and all("理赔" in base.way_into(entry) for entry in about_claims)
    assert "信保贷" in base.ways["loans"]


def test_a_fact_no_answer_states_is_a_problem(copy):
    company = copy / "company.toml"
    company.write_text(company.read_text("utf-8").replace("141.6亿美元", "一些钱"), "utf-8")
    assert "fact 141.6亿美元 is in no answer" in check(copy)


def test_broken_entries_are_named(copy):
    (copy / "extra.toml").write_text(
        '[[entry]]\nid = "company.about"\ntopic = ""\nquestions = ["一"]\nanswer = "x"\n'
        'source = "somewhere"\nservice = "rockets"\n', "utf-8")
    problems = check(copy)
    for expected in ("company.about: id used twice", "company.about: no topic",
                     "company.about: at least two ways to ask",
                     "company.about: source 'somewhere' is not in sources.toml",
                     "company.about: service 'rockets' has no way in (sources.toml [ways])"):
        assert expected in problems, problems


def test_xinbao_kb_check_passes_and_fails_loudly(cli, copy):
    ok = cli("kb", "check")
    assert ok.exit_code == 0 and ok.output.startswith("ok: 44 answers"), ok.output
    (copy / "sources.toml").write_text("[sources]\n", "utf-8")
    broken = cli("kb", "check", "--path", str(copy))
    assert broken.exit_code == 1
    assert "✘ company.about: source 'guide.1' is not in sources.toml" in broken.output


@pytest.mark.parametrize(("section", "problem"), [
    ({"service_hours": ""}, "service_hours"),
    ({"service_hours": "工作日", "handoff_history": 500}, "handoff_history"),
    ({"service_hours": "工作日", "handoff_history": True}, "handoff_history"),
])
def test_settings_are_checked(section, problem):
    assert any(problem in line for line in check_settings(section))
    assert list(check_settings({"service_hours": "工作日 9–17", "handoff_history": 5})) == []


def test_xinbao_kb_ask_shows_how_a_sentence_is_read(cli):
    typo = cli("kb", "ask", "理陪要多久")
    assert typo.exit_code == 0 and typo.output.startswith("answer: xby.claim_time"), typo.output
    assert "(folded: 理赔要多久)" in typo.output
    branch = cli("kb", "ask", "我在温州找哪个网点")
    assert branch.output.startswith("intent: branches.find"), branch.output
