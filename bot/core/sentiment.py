"""Message sentiment with TextBlob's bundled pattern lexicon (works offline, no corpora).

``TextBlob(text).sentiment`` builds a new namedtuple class on every call, which doubles its cost;
the lexicon analyser behind it gives the same polarity directly.
"""

from __future__ import annotations

from textblob.en import sentiment as _pattern_sentiment


def polarity(text: str) -> float:
    """Polarity in [-1, 1]; 0 for empty or neutral text."""
    if not text:
        return 0.0
    value = float(_pattern_sentiment(text)[0])
    return max(-1.0, min(1.0, value))
