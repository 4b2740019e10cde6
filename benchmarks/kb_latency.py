"""How long understanding one sentence takes, with the whole knowledge base and every intent
loaded (the step the chat runs for text: router, folding, BM25 ranking, the decision).

    .venv/bin/python -m benchmarks.kb_latency [--rounds 20]

Prints the start-up cost (jieba's dictionary with our words, the index) and p50 / p99 / max
over every sentence of the question set (benchmarks/kb_questions.tsv), ``--rounds`` times in
a shuffled order, after one warm-up pass.
"""

from __future__ import annotations

import random
import sys
import time

from benchmarks.kb_accuracy import load_questions


def main(argv: list[str]) -> int:
    rounds = int(argv[argv.index("--rounds") + 1]) if "--rounds" in argv else 20
    start = time.perf_counter()
    from core.features import features
    from handlers import build_router
    from kb.content import shipped
    from kb.understand import for_router

    router = build_router(features())
    engine = for_router(router, shipped())
    loaded = (time.perf_counter() - start) * 1000
    sentences = [question for _, question, _ in load_questions()]
    for sentence in sentences:  # warm-up
        engine.resolve(sentence)
    order = sentences * rounds
    random.Random(7).shuffle(order)
    spent = []
    for sentence in order:
        began = time.perf_counter()
        engine.resolve(sentence)
        spent.append((time.perf_counter() - began) * 1000)
    spent.sort()
    p50, p99 = spent[len(spent) // 2], spent[int(len(spent) * 0.99) - 1]
    print(f"loaded in {loaded:.0f} ms: {len(engine.kb.entries)} answers, "
          f"{len(engine.index.docs)} documents with the intents, {len(engine.index.idf)} terms")
    print(f"understanding one sentence ({len(spent)} runs of {len(sentences)} sentences): "
          f"p50 {p50:.2f} ms, p99 {p99:.2f} ms, max {spent[-1]:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
