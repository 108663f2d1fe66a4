"""Vocabulary of indexed words and the one-typo correction step (SymSpell-like, edit distance 1)."""

from __future__ import annotations

from sqlalchemy import delete, func, or_, select

from marketplace.database import dialect_insert
from marketplace.extensions import db

from ..models import SearchTerm
from .base import TYPO_MIN_LENGTH

MAX_CANDIDATES = 6


def add_words(documents: list[dict]) -> None:
    """Remember every word of these documents (existing words are left alone)."""
    words = {w for doc in documents for w in doc["document"].split() if 2 <= len(w) <= 60 and w.isalnum()}
    if not words:
        return
    rows = [{"word": w, "length": len(w)} for w in sorted(words)]
    for start in range(0, len(rows), 500):
        db.session.execute(dialect_insert(SearchTerm).values(rows[start : start + 500]).on_conflict_do_nothing())


def clear_words() -> None:
    db.session.execute(delete(SearchTerm))


def _prefix_known(term: str) -> bool:
    upper = term[:-1] + chr(ord(term[-1]) + 1)
    return (
        db.session.scalar(select(SearchTerm.word).where(SearchTerm.word >= term, SearchTerm.word < upper).limit(1))
        is not None
    )


def within_one_edit(a: str, b: str) -> bool:
    """True when a and b differ by at most one insertion, deletion, substitution or swap of neighbours."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diffs = [i for i in range(la) if a[i] != b[i]]
        if len(diffs) == 1:
            return True
        return (
            len(diffs) == 2 and diffs[1] == diffs[0] + 1 and a[diffs[0]] == b[diffs[1]] and a[diffs[1]] == b[diffs[0]]
        )
    if la > lb:
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1 :]


def _candidates(term: str) -> list[str]:
    """The known words that can be one edit away from `term` (three letters or more), a few dozen instead of every
    word of about its length: one edit leaves the first letter alone, or it is that edit, and then the word is the
    term's rest after any letter (a first letter changed or added), that rest itself (dropped) or the first two
    letters swapped. `within_one_edit` decides; this only spares it the words that cannot be."""
    n, rest = len(term), term[1:]
    words = select(SearchTerm.word).where(
        SearchTerm.length.between(n - 1, n + 1),
        or_(
            func.substr(SearchTerm.word, 1, 1) == term[0],
            func.substr(SearchTerm.word, 2).in_([rest, term]),
            SearchTerm.word.in_([rest, term[1] + term[0] + term[2:]]),
        ),
    )
    return list(db.session.scalars(words))


def corrections(term: str) -> list[str]:
    """Known words one edit away from a term that matches nothing; [] when it matches or is too short."""
    if len(term) < TYPO_MIN_LENGTH or _prefix_known(term):
        return []
    found = sorted({w for w in _candidates(term) if within_one_edit(term, w)})
    return found[:MAX_CANDIDATES]
