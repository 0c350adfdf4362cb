"""Message sentiment with TextBlob's bundled pattern lexicon (works offline, no corpora).

``TextBlob(text).sentiment`` builds a new namedtuple class on every call, which doubles its cost;
the lexicon analyser behind it gives the same polarity directly. TextBlob (and NLTK under it)
weigh about 70 MB, so they are loaded on first use: a process that never scores text (the writer
of a parallel import, a report) never pays for them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache


@cache
def _analyser() -> Callable[[str], tuple[float, float]]:
    from textblob.en import sentiment

    analyse: Callable[[str], tuple[float, float]] = sentiment
    return analyse


def polarity(text: str) -> float:
    """Polarity in [-1, 1]; 0 for empty or neutral text."""
    if not text:
        return 0.0
    value = float(_analyser()(text)[0])
    return max(-1.0, min(1.0, value))
