"""Near-identical share texts: what makes colleagues' posts look copy-pasted.

rapidfuzz (a maintained C++ implementation of Levenshtein-based similarity) compares two texts after the parts
that always differ are taken out: each person's short link (any URL) and spacing and case. `fuzz.ratio` is the
normalised Indel similarity (0–100): one word changed in a 20-word post stays above 90, while a post with a
sentence of the person's own drops well below. MinHash would only pay off for thousands of texts; a post's
shares on one network in one day are a few dozen, compared pairwise in microseconds.
"""

import re

from rapidfuzz import fuzz

URL_RE = re.compile(r"https?://\S+", re.IGNORECASE)
SPACE_RE = re.compile(r"\s+")


def normalised(text: str) -> str:
    return SPACE_RE.sub(" ", URL_RE.sub(" ", text or "")).strip().casefold()


def similarity(a: str, b: str) -> float:
    """0–100: how alike two share texts read, links and spacing aside."""
    return fuzz.ratio(normalised(a), normalised(b))


def near_identical(a: str, b: str, *, threshold: float) -> bool:
    return similarity(a, b) >= threshold


def largest_near_identical_group(texts: list[str], *, threshold: float) -> int:
    """How many of `texts` read near-identically to one another (greedy grouping around the first of each)."""
    groups: list[tuple[str, int]] = []
    for text in texts:
        clean = normalised(text)
        for i, (head, size) in enumerate(groups):
            if fuzz.ratio(clean, head, score_cutoff=threshold):
                groups[i] = (head, size + 1)
                break
        else:
            groups.append((clean, 1))
    return max((size for _, size in groups), default=0)
