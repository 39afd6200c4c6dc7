"""A string from a submission (a file name, an error quoting its code, a kernel's answer) as plain text, wherever it
is shown: a terminal obeys control characters, a file cannot encode every character, and a page or a log line must
stay short."""

from __future__ import annotations

MAX_SHOWN_CHARS = 300


def plain(text, limit: int = MAX_SHOWN_CHARS) -> str:
    """``text`` as plain text: every control or unencodable character replaced by U+FFFD, at most ``limit`` long."""
    text = "".join(c if c.isprintable() else "\ufffd" for c in str(text))
    return text if len(text) <= limit else text[: limit - 1] + "…"
