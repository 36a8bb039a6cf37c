"""When no catalog wording matches: the category whose vocabulary the failure lines share.

The catalog (`sentinel_brain.signatures`) recognises a failure by a system's wording. A
system it has never seen words the same causes differently ("time limit" for a timeout,
"heap out of memory" for exhaustion, "unknown variable" for a bad setting), and the
analyzers would answer `unknown` although a reader sees the cause. This module reads
those lines by their words instead:

- words are compared by their stem (Snowball's English stemmer), so "refused",
  "refusing" and "refuses" are one word, as are "exceeded" and "exceeds";
- a multinomial naive Bayes model (Laplace smoothing, uniform prior) whose training
  documents are the catalog's own entries: each entry's cause, every word its patterns
  spell and its exception type names (`AccessDeniedException` reads as "access
  denied exception"), labelled with the entry's category. Nothing else is learned from,
  so the model is rebuilt from the catalog at first use and changes with it;
- a *cue* rule that keeps `unknown` honest: the best category counts only when the lines
  contain at least one of its cue words, a word (or word pair) found in at least
  `_CUE_MIN_ENTRIES` entries of that category and at least `_CUE_LIFT` times more likely
  there than under an even spread over the categories. "failed", "error", "exit status"
  are shared by every category and decide nothing; "time limit", "heap", "variable" do;
- a *weak* cue is a word that passes the same rule with lighter smoothing (0.5 instead
  of 1, so a word of two or three entries and of no other category qualifies: "heap",
  "corrupt"); weak cues decide only one more than the strong ones would (two for one).
  Words that report that a run ended ("exit", "status", "process", "step", "job"...) are
  never cues of either kind;
- only lines holding a cue word of some category vote (when any line does): a trailer
  such as "terminating with error status" names no cause, and its words would otherwise
  outvote the line that does.

Entries the catalog marks as non-diagnostic (confidence below the analyzers' `unknown`
floor, e.g. a bare `CrashLoopBackOff` status) and generic wrappers are not training
documents: they say a failure happened, not why.

The answer is a ranked list of categories with their posterior probability, the cue
words found and the line that holds most of them (quoted as evidence), plus the nearest
catalog entry (for its remediation). The analyzers give it a low confidence.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

import snowballstemmer

from sentinel_brain.models import Category
from sentinel_brain.signatures import SIGNATURES, Signature

# A cue must appear in at least this many entries of its category: a word of the
# category, not of one system's message.
_CUE_MIN_ENTRIES = 2
# ...and be this many times more likely under its category than under an even spread.
_CUE_LIFT = 3.5
_ALPHA = 1.0  # Laplace smoothing
_WEAK_ALPHA = 0.5  # the lighter smoothing of the weak-cue rule
_MAX_LINES = 60
_MAX_LINE = 500

_WORD = re.compile(r"[A-Za-z][A-Za-z']+")
# Split camelCase and ACRONYMWords: "AccessDeniedException" -> Access Denied Exception.
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_STOP = frozenset(
    "the a an of to in on for and or is was be been by with at as it its this that from are "
    "into than then there their which while when".split()
    # In failure text "code" is an exit, status or error code far more often than source code.
    + ["code"]
)
# Words that report that something ran and ended, not why: never cue words (they still
# weigh in the posterior).
_REPORT_WORDS = (
    "exit exited status returned process task job step run build command worker".split()
    + "terminated terminating".split()
    + "my your our we you".split()
)


# Where a line names code or a place rather than what happened: URLs and paths are
# dropped, a dotted name (`org.apache.kafka.connect.errors.ConnectException`) keeps its
# last part.
_URL_OR_PATH = re.compile(r"\w+://\S*|(?:[\w.~-]*/)+[\w.~-]*")
_DOTTED = re.compile(r"\b(?:[A-Za-z_][\w$]*\.)+([A-Za-z_][\w$]*)")
# Lines that locate code, not the failure: JVM/Go frames, a traceback header.
_CODE_LINE = re.compile(r"\s*(?:at [\w$.<>/]+\(|Traceback \(most recent call last\)|goroutine \d+)")


# The languages' base exception classes name no cause: "RuntimeException: Task failed" says
# nothing about a runtime environment.
_BASE_EXCEPTION = re.compile(
    r"\b(?:RuntimeException|RuntimeError|BaseException|Exception|Throwable|Error)\b(?=:|\s*$)",
    re.MULTILINE,
)


_STEMMER = snowballstemmer.stemmer("english")


@lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """The Snowball (Porter 2) English stem of a lowercase word: "refused" -> "refus"."""
    return str(_STEMMER.stemWord(word))


_REPORT_STEMS = frozenset(stem(w) for w in _REPORT_WORDS)


def words(text: str) -> list[str]:
    """Lowercase words of `text`, camelCase split, stop words and one-letter words dropped."""
    text = _BASE_EXCEPTION.sub(" ", _DOTTED.sub(r"\1", _URL_OR_PATH.sub(" ", text)))
    out: list[str] = []
    for word in _WORD.findall(text):
        for part in _CAMEL.sub(" ", word).split():
            p = part.lower().strip("'")
            if len(p) > 1 and p not in _STOP:
                out.append(p)
    return out


def tokens(text: str) -> list[str]:
    """The stems of `words(text)`."""
    return [stem(w) for w in words(text)]


def _pairs(t: Sequence[str]) -> set[str]:
    return {f"{a}_{b}" for a, b in zip(t, t[1:], strict=False)}


def _features_of(ws: Sequence[str]) -> set[str]:
    t = [stem(w) for w in ws]
    return set(t) | _pairs(t)


def features(text: str) -> set[str]:
    """Stems and adjacent stem pairs (`time_limit`)."""
    return _features_of(words(text))


def _spelled(per_line_words: Iterable[Sequence[str]]) -> dict[str, str]:
    """Each feature as the lines' words (`words()` of each line) spell it, first occurrence
    first: a stem pair `refus_connect` as "refused connection"."""
    out: dict[str, str] = {}
    for w in per_line_words:
        t = [stem(x) for x in w]
        for k, f in enumerate(t):
            out.setdefault(f, w[k])
            if k + 1 < len(t):
                out.setdefault(f"{f}_{t[k + 1]}", f"{w[k]} {w[k + 1]}")
    return out


_REGEX_SYNTAX = re.compile(r"\\[a-zA-Z]|\(\?[:=!<]*|[\\^$.|?*+()\[\]{}]")


def _literals(sig: Signature) -> list[str]:
    # Every word a pattern spells, alternatives included (`(?:read|connect) timeout`
    # teaches "read", "connect" and "timeout"); regex syntax becomes a word break.
    return [_REGEX_SYNTAX.sub(" ", rx.pattern) for rx in (sig.message, sig.text) if rx is not None]


def entry_document(sig: Signature) -> str:
    """The words one catalog entry contributes: cause, pattern literals, type names."""
    return "\n".join([sig.cause, *_literals(sig), *sig.type_names])


# The first thing to check for a category, whatever the system: a category read from
# words alone has no catalog entry of its own to say what to do.
FIRST_STEP: dict[Category, str] = {
    Category.CODE_ERROR: (
        "Read the failing line and the exception it raised: a bug in the job's code or "
        "a library's use."
    ),
    Category.SCHEMA_MISMATCH: (
        "Compare the columns and types the step expects with what the source or target holds now."
    ),
    Category.DATA_QUALITY: (
        "Find the offending records or values in the input and fix them at the source "
        "or filter them."
    ),
    Category.MISSING_INPUT: (
        "Check that what the step reads (file, table, object, key) exists where it "
        "looks, and that upstream produced it."
    ),
    Category.DEPENDENCY_UNAVAILABLE: (
        "Check that the service the step calls is up and reachable from the worker, then retry."
    ),
    Category.TIMEOUT: (
        "Find what was slow (the call, the query, the service) and speed it up, or "
        "raise the limit deliberately."
    ),
    Category.RATE_LIMITED: (
        "Slow the calls down (backoff, fewer parallel requests) or raise the quota."
    ),
    Category.AUTH_FAILURE: (
        "Check the credentials the step presents: present, valid, not expired or revoked."
    ),
    Category.PERMISSION_DENIED: (
        "Grant the step's identity the access it needs, or point it at something it may use."
    ),
    Category.RESOURCE_EXHAUSTION: (
        "Find which resource ran out (memory, disk, handles, slots) and give the step "
        "more or make it use less."
    ),
    Category.CONFIG_ERROR: (
        "Check the setting the message names against the system's documentation and the "
        "deployment's values."
    ),
    Category.ENVIRONMENT: (
        "Check the worker's installed packages, versions and system libraries against "
        "what the code needs."
    ),
    Category.CONCURRENCY: (
        "Find what else held or changed the same thing at that moment, and serialise the two."
    ),
    Category.INFRASTRUCTURE: (
        "Check the node, container or hardware the step ran on, and reschedule it on a healthy one."
    ),
}


@dataclass(frozen=True)
class VocabularyMatch:
    """The categories whose vocabulary the lines share, best first."""

    ranked: tuple[tuple[Category, float], ...]  # (category, posterior), best first
    cues: tuple[str, ...]  # the top category's cue words found in the lines
    line: str  # the line holding most of them
    nearest: Signature | None  # the top category's entry sharing most words with the lines

    @property
    def quoted_cues(self) -> str:
        """The first cue words, quoted, for a report's cause: '"time", "time limit"'."""
        return ", ".join(f'"{c}"' for c in self.cues[:4])


class Vocabulary:
    """Naive Bayes over catalog entries, with the cue rule (see the module docstring)."""

    def __init__(self, docs: Iterable[tuple[Category, str, Signature | None]]) -> None:
        self._counts: dict[Category, Counter[str]] = {}
        self._entries: dict[Category, list[tuple[Signature | None, frozenset[str]]]] = {}
        for cat, text, sig in docs:
            fs = frozenset(features(text))
            self._counts.setdefault(cat, Counter()).update(fs)
            self._entries.setdefault(cat, []).append((sig, fs))
        self.categories: tuple[Category, ...] = tuple(self._counts)
        self.vocab: frozenset[str] = frozenset(f for c in self._counts.values() for f in c)
        size = len(self.vocab)
        self._denominator = {
            c: sum(counts.values()) + _ALPHA * size for c, counts in self._counts.items()
        }

    @classmethod
    def from_signatures(cls, sigs: Sequence[Signature], floor: float) -> Vocabulary:
        return cls(
            (s.category, entry_document(s), s)
            for s in sigs
            if s.category is not Category.UNKNOWN and not s.generic and s.confidence >= floor
        )

    def _p(self, cat: Category, f: str) -> float:
        return (self._counts[cat][f] + _ALPHA) / self._denominator[cat]

    def posterior(self, fs: set[str]) -> list[tuple[Category, float]]:
        """P(category | features), uniform prior, best first."""
        known = fs & self.vocab
        logs = {c: sum(math.log(self._p(c, f)) for f in known) for c in self.categories}
        top = max(logs.values())
        z = sum(math.exp(v - top) for v in logs.values())
        ranked = [(c, math.exp(v - top) / z) for c, v in logs.items()]
        ranked.sort(key=lambda cp: (-cp[1], cp[0].value))
        return ranked

    def _is_any_cue(self, f: str) -> bool:
        return f in self.vocab and any(self.is_cue(f, c) for c in self.categories)

    def is_cue(self, f: str, cat: Category, alpha: float = _ALPHA) -> bool:
        """The cue rule; under `_WEAK_ALPHA` smoothing it names the weak cues."""
        if self._counts[cat][f] < _CUE_MIN_ENTRIES or f in _REPORT_STEMS:
            return False

        def q(c: Category) -> float:
            return (self._counts[c][f] + alpha) / self._denominator[c]

        share = q(cat) / sum(q(c) for c in self.categories)
        return share * len(self.categories) >= _CUE_LIFT

    def is_weak_cue(self, f: str, cat: Category) -> bool:
        return self.is_cue(f, cat, _WEAK_ALPHA)

    def match(
        self, lines: Sequence[str], min_cues: int = 1, *, weak: bool = True
    ) -> VocabularyMatch | None:
        """The ranked categories for `lines`, or None when fewer than `min_cues` cue words
        support the best one. With `weak`, weak cue words count too, one more of them
        than `min_cues` being needed."""
        lines = [
            ln[:_MAX_LINE] for ln in lines[-_MAX_LINES:] if ln.strip() and not _CODE_LINE.match(ln)
        ]
        if not lines or not self.categories:
            return None
        per_words = [words(ln) for ln in lines]
        per_line = [_features_of(w) for w in per_words]
        # A line with no cue word of any category names no cause ("terminating with error
        # status"): its words do not vote, unless no line has any.
        voting = [k for k, f in enumerate(per_line) if any(self._is_any_cue(x) for x in f)]
        if voting and len(voting) < len(lines):
            lines = [lines[k] for k in voting]
            per_words = [per_words[k] for k in voting]
            per_line = [per_line[k] for k in voting]
        fs: set[str] = set().union(*per_line)
        ranked = self.posterior(fs)
        best = ranked[0][0]
        cues = sorted(f for f in fs & self.vocab if self.is_cue(f, best))
        extra = [f for f in fs & self.vocab if weak and f not in cues and self.is_weak_cue(f, best)]
        if len(cues) < min_cues and len(cues) + len(extra) < min_cues + 1:
            return None
        cues = cues + sorted(extra)
        cue_set = set(cues)
        i = max(range(len(lines)), key=lambda k: (len(per_line[k] & cue_set), k))
        spelled = _spelled(per_words)
        nearest = max(
            self._entries[best], key=lambda e: (len(e[1] & cue_set), len(e[1] & fs)), default=None
        )
        return VocabularyMatch(
            ranked=tuple(ranked),
            cues=tuple(spelled.get(c, c.replace("_", " ")) for c in cues),
            line=lines[i].strip(),
            nearest=nearest[0] if nearest else None,
        )


@cache
def catalog_vocabulary(floor: float) -> Vocabulary:
    """The vocabulary of the packaged catalog (built once, on first use)."""
    return Vocabulary.from_signatures(SIGNATURES, floor)
