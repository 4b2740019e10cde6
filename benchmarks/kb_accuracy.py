"""Top-1 accuracy of understanding on the question set (benchmarks/kb_questions.tsv).

    .venv/bin/python -m benchmarks.kb_accuracy [--verbose] [--holdout]

``--holdout``: the second set (``kb_questions_holdout.tsv``), written after the tuning and
never tuned on.

Each question goes through what the chat does with a sentence no conversation claims: the
services' router, then the folded sentence, then the ranking over the knowledge base and the
intents (``kb.understand``). Top-1 is right when the first answer is the labelled entry or
intent ("none": the reply says nothing fits). Also printed: how many of the right ones came
with a clarifying question first, accuracy by style, and every confusion.
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from pathlib import Path

QUESTIONS = Path(__file__).resolve().parent / "kb_questions.tsv"
HOLDOUT = Path(__file__).resolve().parent / "kb_questions_holdout.tsv"


def load_questions(path: Path = QUESTIONS) -> list[tuple[str, str, str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        expected, question, style = line.split("\t")
        rows.append((expected.strip(), question.strip(), style.strip()))
    return rows


def understanding():
    from core.features import features
    from handlers import build_router
    from kb.content import shipped
    from kb.understand import for_router

    return for_router(build_router(features()), shipped())


def main(argv: list[str]) -> int:
    verbose = "--verbose" in argv
    engine = understanding()
    rows = load_questions(HOLDOUT if "--holdout" in argv else QUESTIONS)
    right = 0
    clarified = 0
    by_style: dict[str, Counter[str]] = defaultdict(Counter)
    confusions: list[str] = []
    for expected, question, style in rows:
        result = engine.resolve(question)
        got = result.best if result.kind != "none" else "none"
        ok = got in expected.split("|")
        right += ok
        clarified += ok and result.kind == "clarify"
        by_style[style]["right" if ok else "wrong"] += 1
        if not ok:
            others = ", ".join(f"{h.target}:{h.score:.1f}" for h in result.hits[:3])
            if result.kind == "none":
                _, coverage = engine._ranked(result.folded)
                others += f"; coverage {coverage:.2f}"
            confusions.append(f"  {question}  expected {expected}, got {got} "
                              f"({result.kind}; {others})")
        elif verbose:
            print(f"  ok {question} → {got} ({result.kind})")
    total = len(rows)
    print(f"questions: {total}")
    print(f"top-1 accuracy: {right}/{total} = {100 * right / total:.1f} %")
    print(f"  of which after a clarifying question (right answer listed first): {clarified}")
    for style, counts in sorted(by_style.items()):
        n = counts["right"] + counts["wrong"]
        print(f"  {style:9} {counts['right']}/{n} = {100 * counts['right'] / n:.1f} %")
    print(f"confusions ({len(confusions)}):")
    print("\n".join(confusions) or "  none")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
