"""Fingerprints of the source articles, so tests can prove no sentence of them was copied.

The articles themselves are not kept in the repository. `seed_shingles.txt` holds a short hash of every
run of `SHINGLE_WORDS` consecutive words in them; any copied sentence of that many words or more
shares at least one run with its source. Regenerate after adding an article:

    .venv/bin/python -m techniques.tests.originality /path/to/seeds/*.txt > techniques/tests/seed_shingles.txt
"""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

SHINGLE_WORDS = 8
FINGERPRINTS = Path(__file__).with_name("seed_shingles.txt")

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-"})


def words(text: str) -> list[str]:
    """Lower-cased words with punctuation dropped, so a change of comma or quote mark hides nothing."""
    text = text.translate(_QUOTES).lower().replace("'", "")
    return re.findall(r"[a-z0-9]+", text)


def shingle_hashes(text: str, size: int = SHINGLE_WORDS) -> set[str]:
    tokens = words(text)
    return {
        hashlib.sha256(" ".join(tokens[i : i + size]).encode()).hexdigest()[:16]
        for i in range(len(tokens) - size + 1)
    }


def seed_fingerprints() -> set[str]:
    lines = FINGERPRINTS.read_text().splitlines()
    return {line for line in lines if line and not line.startswith("#")}


def main(paths: list[str]) -> None:
    hashes: set[str] = set()
    for path in paths:
        hashes |= shingle_hashes(Path(path).read_text())
    print(f"# {SHINGLE_WORDS}-word runs of the source articles, hashed; see originality.py")
    print("\n".join(sorted(hashes)))


if __name__ == "__main__":
    main(sys.argv[1:])
