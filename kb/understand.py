"""From a typed sentence to what it asks: a service's intent, a knowledge-base answer, a
clarifying question between close answers, or nothing (with the nearest topics).

1. the services' router (``core.intents``) on the words as typed: its words, commands with
   their arguments and patterns always win ("我在温州找哪个网点" → branches with 温州);
2. the same router on the sentence folded: traditional characters to simplified (OpenCC t2s),
   full-width to half-width, lower case, typos and English to our words (``synonyms.toml``),
   then our words typed with a wrong character of the same sound or spelled in pinyin
   (``kb.spelling``); a service's word found only here still beats a pattern as typed;
3. BM25 over every knowledge-base entry and every declared intent (its title, words and
   examples), on jieba's words (with a domain dictionary: every keyword and service word) plus
   character pairs, so that a sentence with one wrong character still finds its topic.

Nothing here knows WeChat or Flask; ``benchmarks/kb_accuracy.py`` measures it on the question
set in ``benchmarks/kb_questions.tsv``.
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import jieba
import opencc

from core.conversation import Control
from core.intents import Intent, IntentRouter, Understood
from kb.content import KnowledgeBase
from kb.spelling import SoundCorrector

INTENT_PREFIX = "intent:"
# How the router read a sentence when the reading is the service's own: never second-guessed.
SURE = ("word", "phrase", "menu")
# Below this share of the sentence's weight found in the best document, nothing fits.
MIN_COVERAGE = 0.25
MIN_SCORE = 6.0
# ... unless the best is well ahead of the next (then a share down to LOW_COVERAGE will do).
LOW_COVERAGE = 0.12
CLEAR_SCORE = 8.0
CLEAR_MARGIN = 1.15
# A second answer scoring at least this share of the first is "close": ask which.
CLOSE = 0.88
MAX_CHOICES = 3
K1, B = 1.2, 0.5
PAIR_WEIGHT = 0.5  # character pairs count half a word: they catch typos, not meaning

# Words that carry no topic: particles, pronouns and polite words. Question words that do
# (多久, 怎么, 哪里) stay.
STOPWORDS = frozenset(
    "的 了 吗 呢 啊 吧 呀 嘛 么 哦 喔 我 我们 你 你们 您 他 她 它 是 有 在 和 与 及 或 就 "
    "都 也 还 又 请 请问 问 一下 下 个 这 那 这个 那个 些 一些 想 想要 要 需要 能 可以 会 让 给 "
    "对 把 被 知道 告诉 关于 一个 hi hello please the a an is are do does can i me my to of "
    "for in on and or it this that you your we our".split())
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_ASCII = re.compile(r"[a-z0-9]")
# What makes an "argument" a question about the command word: "红绿灯 有啥特点", "账期多长".
QUESTION = re.compile(r"什么|啥|哪些|哪个|哪年|多少|多久|多长|多大|几|吗|么|怎么|怎样|如何|"
                      r"是否|有没有|特点|意思|限制|[?？]")


@dataclass(frozen=True)
class Hit:
    target: str  # an entry id, or "intent:<name>"
    title: str
    score: float

    @property
    def intent_name(self) -> str | None:
        return self.target.removeprefix(INTENT_PREFIX) if self.is_intent else None

    @property
    def is_intent(self) -> bool:
        return self.target.startswith(INTENT_PREFIX)


@dataclass(frozen=True)
class Result:
    """``kind``: "intent" (the router's, with its argument), "answer" (hits[0]), "clarify"
    (hits: the close ones, best first) or "none" (hits: the nearest topics)."""

    kind: str
    understood: Understood | None = None
    hits: tuple[Hit, ...] = ()
    folded: str = ""

    @property
    def best(self) -> str | None:
        """What the first answer would be: an entry id or an intent name (for measuring)."""
        if self.understood is not None:
            return self.understood.intent.name
        if self.hits and self.kind != "none":
            hit = self.hits[0]
            return hit.intent_name or hit.target
        return None


class Folder:
    """Traditional → simplified, NFKC, lower case, then our synonyms, longest first (English
    ones as whole words only: "claim" but not "reclaimed")."""

    def __init__(self, synonyms: Mapping[str, str]) -> None:
        self._t2s = opencc.OpenCC("t2s")
        table = {self._base(key): value for key, value in synonyms.items()}
        self._table = table
        keys = sorted(table, key=len, reverse=True)
        parts = [rf"(?<![a-z]){re.escape(k)}(?![a-z])" if _ASCII.search(k) else re.escape(k)
                 for k in keys]
        self._pattern = re.compile("|".join(parts)) if parts else None

    def _base(self, text: str) -> str:
        return self._t2s.convert(unicodedata.normalize("NFKC", text)).casefold().strip()

    def __call__(self, text: str) -> str:
        base = self._base(text)
        if self._pattern is None:
            return base
        return self._pattern.sub(lambda found: self._table[found.group(0)], base)


OUR_FREQUENCY = 200000  # high, so that jieba keeps our words whole


class Tokens:
    """jieba's words with our dictionary, without stop words; plus character pairs."""

    def __init__(self, dictionary: Iterable[str]) -> None:
        jieba.setLogLevel(logging.WARNING)
        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()
        for word in sorted(set(dictionary)):
            if _CJK_RUN.search(word) and " " not in word:
                self._jieba.add_word(word, freq=OUR_FREQUENCY)

    def is_common_word(self, text: str) -> bool:
        """A word of jieba's own dictionary (ours are added with a frequency of their own)."""
        return 0 < self._jieba.FREQ.get(text, 0) != OUR_FREQUENCY

    def words(self, text: str) -> list[str]:
        return [word for raw in self._jieba.lcut(text)
                if (word := _PUNCT.sub("", raw)) and word not in STOPWORDS]

    def features(self, text: str) -> Counter[str]:
        found: Counter[str] = Counter(self.words(text))
        for run in _CJK_RUN.findall(text):
            for i in range(len(run) - 1):
                found["~" + run[i:i + 2]] += 1
        return found


_TOKENS: dict[frozenset[str], Tokens] = {}


def tokens_for(dictionary: Iterable[str]) -> Tokens:
    """jieba takes a second or two to load: once per process for the same words."""
    words = frozenset(dictionary)
    if words not in _TOKENS:
        _TOKENS[words] = Tokens(words)
    return _TOKENS[words]


class Index:
    """Okapi BM25 over small documents; character pairs weigh ``PAIR_WEIGHT``."""

    def __init__(self, docs: Sequence[tuple[str, str, Counter[str]]]) -> None:
        self.docs = docs
        self.lengths = [sum(features.values()) for _, _, features in docs]
        self.average = sum(self.lengths) / max(len(docs), 1)
        frequency: Counter[str] = Counter()
        for _, _, features in docs:
            frequency.update(features.keys())
        total = len(docs)
        self.idf = {term: math.log(1 + (total - df + 0.5) / (df + 0.5))
                    for term, df in frequency.items()}
        self.postings: dict[str, list[tuple[int, int]]] = {}
        for number, (_, _, features) in enumerate(docs):
            for term, count in features.items():
                self.postings.setdefault(term, []).append((number, count))
        # A word no document has weighs like an average word: "到底" or "单位" in a question
        # should not make it look unanswerable.
        self.unknown_idf = sum(self.idf.values()) / max(len(self.idf), 1)

    @staticmethod
    def weight(term: str) -> float:
        return PAIR_WEIGHT if term.startswith("~") else 1.0

    def rank(self, query: Counter[str]) -> tuple[list[tuple[float, int]], float, list[float]]:
        """(score, doc) best first, the query's total weight, and each doc's matched weight."""
        scores = [0.0] * len(self.docs)
        matched = [0.0] * len(self.docs)
        total = 0.0
        for term in query:
            idf = self.idf.get(term, self.unknown_idf)
            weight = self.weight(term) * idf
            total += weight
            for number, count in self.postings.get(term, ()):
                norm = K1 * (1 - B + B * self.lengths[number] / self.average)
                scores[number] += weight * count * (K1 + 1) / (count + norm)
                matched[number] += weight
        ranked = sorted(((score, n) for n, score in enumerate(scores) if score > 0),
                        reverse=True)
        return ranked, total, matched


def _intent_text(intent: Intent) -> list[str]:
    examples = [sentence for sentence, argument in intent.examples.items() if argument is None]
    return [intent.title, *intent.words, *intent.commands, *examples]


class Understanding:
    def __init__(self, kb: KnowledgeBase, router: IntentRouter,
                 skip_intents: Iterable[str] = ()) -> None:
        self.kb = kb
        self.router = router
        self.fold = Folder(kb.synonyms)
        skipped = set(skip_intents)
        intents = [intent for intent in router.intents
                   if intent.name not in skipped and (intent.words or intent.examples)]
        dictionary = [word for entry in kb.entries for word in entry.keywords]
        dictionary += [self.fold(word) for intent in intents for word in intent.words]
        dictionary += list(kb.synonyms.values())
        self.tokens = tokens_for(dictionary)
        self.correct = SoundCorrector(dictionary, self.tokens.is_common_word)
        docs: list[tuple[str, str, Counter[str]]] = []
        for entry in kb.entries:
            # The topic is the canonical question: it counts twice.
            docs.append((entry.id, entry.topic, self._features(
                [entry.topic, entry.topic, *entry.questions, *entry.keywords])))
        for intent in intents:
            docs.append((INTENT_PREFIX + intent.name, intent.title or intent.name,
                         self._features(_intent_text(intent))))
        self.index = Index(docs)

    def _features(self, texts: Iterable[str]) -> Counter[str]:
        found: Counter[str] = Counter()
        for text in texts:
            found.update(self.tokens.features(self.fold(text)))
        return found

    def resolve(self, text: str) -> Result:
        folded = self.correct(self.fold(text))
        understood = self.router.understand(text)
        if folded != text and (understood is None or understood.how not in SURE):
            # "可以投保嗎" is a sentence pattern as typed and one of a service's words folded:
            # the word is the surer reading.
            again = self.router.understand(folded)
            if again is not None and (understood is None or again.how in SURE):
                understood = again
        if understood is None:
            return self.rank(folded)
        return self.review(understood, folded) or Result("intent", understood=understood,
                                                         folded=folded)

    def review(self, understood: Understood, folded: str) -> Result | None:
        """The knowledge base's answer instead of the router's reading, or None (it stands).

        A service's words, menu keys and real arguments always stand. Two readings give way
        when a knowledge-base entry ranks above the intent itself: a command whose "argument"
        is a question about the command word ("红绿灯有啥特点", "账期多长"), and a sentence
        pattern with no argument ("信用证出口能投保吗" is about letters of credit, not a test
        of the company)."""
        if understood.how in SURE or understood.intent.slot == "question":
            return None
        if understood.argument and (understood.how != "command"
                                    or not QUESTION.search(self.fold(understood.argument))):
            return None  # a pattern's argument, or a command's real one: the service's
        hits, coverage = self._ranked(folded)
        result = self._decide(hits, coverage, folded)
        if result.kind not in ("answer", "clarify") or result.hits[0].is_intent:
            return None
        own = next((hit.score for hit in hits
                    if hit.target == INTENT_PREFIX + understood.intent.name), 0.0)
        return result if result.hits[0].score > own else None

    def rank(self, folded: str) -> Result:
        hits, coverage = self._ranked(folded)
        return self._decide(hits, coverage, folded)

    def _ranked(self, folded: str) -> tuple[list[Hit], float]:
        query = self.tokens.features(folded)
        if not query:
            return [], 0.0
        ranked, total, matched = self.index.rank(query)
        hits = [Hit(self.index.docs[n][0], self.index.docs[n][1], score) for score, n in ranked]
        coverage = matched[ranked[0][1]] / total if ranked and total else 0.0
        return hits, coverage

    def _decide(self, hits: list[Hit], coverage: float, folded: str) -> Result:
        if not hits or hits[0].score < MIN_SCORE or coverage < LOW_COVERAGE:
            return Result("none", folded=folded, hits=self._nearest(hits))
        runner_up = hits[1].score if len(hits) > 1 else 0.0
        # A sentence of many words we do not know still has its answer when one topic stands
        # out clearly ("你们是保险公司还是银行" → the company).
        clear = hits[0].score >= CLEAR_SCORE and hits[0].score >= CLEAR_MARGIN * runner_up
        if coverage < MIN_COVERAGE and not clear:
            return Result("none", folded=folded, hits=self._nearest(hits))
        best = hits[0].score
        close = [hit for hit in hits[:MAX_CHOICES] if hit.score >= CLOSE * best]
        if len(close) > 1:
            return Result("clarify", folded=folded, hits=tuple(close))
        return Result("answer", folded=folded, hits=(hits[0],))

    def _nearest(self, hits: list[Hit]) -> tuple[Hit, ...]:
        """The three nearest knowledge-base topics; with none near, three common ones."""
        near = [hit for hit in hits if not hit.is_intent][:3]
        for fallback in ("xby.what", "xby.claim_time", "loans.xinbaodai"):
            if len(near) >= 3:
                break
            entry = self.kb.get(fallback)
            if entry is not None and all(hit.target != fallback for hit in near):
                near.append(Hit(entry.id, entry.topic, 0.0))
        return tuple(near)


_BUILT: dict[tuple[int, int], Understanding] = {}


def for_router(router: IntentRouter, kb: KnowledgeBase) -> Understanding:
    """One per router and knowledge base for the process (jieba's dictionary loads once)."""
    key = (id(router), id(kb))
    if key not in _BUILT:
        skipped = (Control.CANCEL.value, Control.BACK.value, Control.RESUME.value)
        _BUILT[key] = Understanding(kb, router, skip_intents=skipped)
    return _BUILT[key]
