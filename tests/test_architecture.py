"""The core does not know which chat platform it runs on (issue 6): no Slack or Teams import in
bot/core, bot/services or storage, checked on the source itself."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PLATFORM_NEUTRAL = ["bot/core", "bot/services", "storage"]
FORBIDDEN = ("slack_bolt", "slack_sdk", "microsoft_teams", "bot.adapters")


def imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append(node.module)
    return found


@pytest.mark.parametrize("folder", PLATFORM_NEUTRAL)
def test_no_platform_imports(folder: str) -> None:
    files = sorted((ROOT / folder).rglob("*.py"))
    assert files, f"{folder} has no Python files"
    offending = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in files
        for name in imports(path)
        if name.startswith(FORBIDDEN)
    ]
    assert offending == []
