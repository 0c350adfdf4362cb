"""Rich answers as terminal text. The bot's answers are built once, as Block Kit, by the pure
builders in ``bot.adapters.slack.*views`` (no Slack SDK involved); the console shows the same
content as lines of text, so it says exactly what Slack says."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

Block = Mapping[str, Any]

_USER = re.compile(r"<@([A-Z0-9._-]+)(?:\|([^>]*))?>", re.IGNORECASE)
_CHANNEL = re.compile(r"<#([A-Z0-9._-]+)(?:\|([^>]*))?>", re.IGNORECASE)
_DATE = re.compile(r"<!date\^[^|>]*\|([^>]*)>")
_LINK = re.compile(r"<(https?://[^|>]+)(?:\|([^>]*))?>")
_SPECIAL = re.compile(r"<!(here|channel|everyone)>")
_BOLD = re.compile(r"(?<![\w*])\*(?!\s)([^*\n]+?)\*(?![\w*])")


def plain(
    mrkdwn: str,
    name: Callable[[str], str] = lambda i: i,
    channel: Callable[[str], str] = lambda i: i,
) -> str:
    """Slack mrkdwn → readable text: mentions and channels by name, dates by their fallback,
    ``*bold*`` without stars, entities unescaped."""
    text = _USER.sub(lambda m: "@" + (m.group(2) or name(m.group(1))), mrkdwn)
    text = _CHANNEL.sub(lambda m: "#" + (m.group(2) or channel(m.group(1))), text)
    text = _DATE.sub(lambda m: m.group(1), text)
    text = _LINK.sub(lambda m: m.group(2) or m.group(1), text)
    text = _SPECIAL.sub(lambda m: "@" + m.group(1), text)
    text = _BOLD.sub(lambda m: m.group(1), text)
    return html.unescape(text)


def _texts(elements: Iterable[Any]) -> list[str]:
    out = []
    for element in elements:
        if isinstance(element, Mapping) and isinstance(element.get("text"), str):
            out.append(element["text"])
    return out


def blocks_to_lines(
    blocks: Sequence[Block],
    name: Callable[[str], str] = lambda i: i,
    channel: Callable[[str], str] = lambda i: i,
) -> list[str]:
    """Every block as text lines: headers underlined, fields as ``label: value``, buttons as
    ``[value] label`` so they can be typed back, images by their alt text."""
    lines: list[str] = []

    def add(text: str) -> None:
        lines.extend(plain(text, name, channel).splitlines())

    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            title = plain(str(block.get("text", {}).get("text", "")), name, channel)
            lines += [title, "=" * min(len(title), 60)]
        elif kind == "section":
            text = block.get("text")
            if isinstance(text, Mapping) and isinstance(text.get("text"), str):
                add(text["text"])
            for field in _texts(block.get("fields", [])):
                add(field.replace("\n", ": ", 1))
        elif kind == "context":
            for text in _texts(block.get("elements", [])):
                add(f"  {text}")
        elif kind == "divider":
            lines.append("-" * 40)
        elif kind == "image":
            alt = str(block.get("alt_text", "picture"))
            lines.append(f"[picture: {alt}]")
        elif kind == "actions":
            buttons = []
            for element in block.get("elements", []):
                label = str(element.get("text", {}).get("text", ""))
                value = str(element.get("value", ""))
                option = value.rsplit("|", 1)[-1] if value.count("|") == 2 else ""
                buttons.append(
                    f"[{option}] {label}" if option and option != label else f"[{label}]"
                )
            lines.append("  " + "  ".join(buttons))
    return lines
