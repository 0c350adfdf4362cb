"""Hand-made Slack workspace exports for tests.

The layout is the one Slack produces: ``users.json``, ``channels.json`` (and optionally
``groups.json``, ``dms.json``, ``mpims.json``) at the top, one folder per channel holding
``YYYY-MM-DD.json`` day files (each a JSON list of message objects), plus whatever extra files a
test adds::

    folder = (
        ExportBuilder(tmp_path)
        .user("U1", "ada")
        .channel("C1", "general", members=["U1"])
        .day("general", "2026-06-01", [msg("U1", slack_ts("2026-06-01", 10), "hello")])
        .write()
    )
    archive = ExportBuilder(...).zip(tmp_path / "export.zip", prefix="export")
"""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

Message = dict[str, Any]


def slack_ts(day: str, second: int = 0, micro: int = 0) -> str:
    """A Slack message timestamp (``"1780272010.000100"``) ``second`` seconds into ``day`` (UTC)."""
    start = datetime.fromisoformat(day).replace(tzinfo=UTC).timestamp()
    return f"{int(start) + second}.{micro:06d}"


def epoch_day(ts: str) -> int:
    """The rollup day (days since 1970-01-01 UTC) of a Slack timestamp."""
    return int(float(ts) // 86_400)


def msg(user: str | None, ts: str, text: str = "", **fields: Any) -> Message:
    """A message object as it appears in a day file; ``fields`` adds or overrides keys
    (``subtype``, ``thread_ts``, ``parent_user_id``, ``reactions``, ``bot_id`` ...)."""
    out: Message = {"type": "message", "ts": ts, "text": text}
    if user is not None:
        out["user"] = user
    out.update(fields)
    return out


def reply(user: str, ts: str, thread_ts: str, parent: str | None, text: str = "") -> Message:
    """A thread reply; ``parent=None`` leaves out ``parent_user_id`` like older exports do."""
    fields: dict[str, Any] = {"thread_ts": thread_ts}
    if parent is not None:
        fields["parent_user_id"] = parent
    return msg(user, ts, text, **fields)


def reactions(by_emoji: dict[str, list[str]]) -> list[dict[str, Any]]:
    """``reactions({"+1": ["U1", "U2"]})`` → the ``reactions`` field of a message."""
    return [{"name": name, "users": users, "count": len(users)} for name, users in by_emoji.items()]


class ExportBuilder:
    """Builds an export folder under ``root`` (``root / name``) and optionally zips it."""

    def __init__(self, root: Path, name: str = "export") -> None:
        self.folder = root / name
        self.users: list[dict[str, Any]] | None = []
        self.listings: dict[str, list[dict[str, Any]]] = {"channels.json": []}
        self.days: dict[str, dict[str, Any]] = {}
        self.files: dict[str, str | bytes] = {}

    # --- listings -------------------------------------------------------------------------
    def user(self, user_id: str, name: str, **fields: Any) -> Self:
        assert self.users is not None, "users.json was removed"
        self.users.append({"id": user_id, "name": name, **fields})
        return self

    def bot(self, user_id: str, name: str) -> Self:
        return self.user(user_id, name, is_bot=True)

    def channel(
        self,
        channel_id: str,
        name: str,
        members: list[str] | None = None,
        listing: str = "channels.json",
    ) -> Self:
        entry = {"id": channel_id, "name": name, "members": list(members or []), "created": 0}
        self.listings.setdefault(listing, []).append(entry)
        return self

    def dm(self, dm_id: str, members: list[str]) -> Self:
        self.listings.setdefault("dms.json", []).append({"id": dm_id, "members": members})
        return self

    def mpim(self, mpim_id: str, name: str, members: list[str]) -> Self:
        entry = {"id": mpim_id, "name": name, "members": members}
        self.listings.setdefault("mpims.json", []).append(entry)
        return self

    def without_users(self) -> Self:
        self.users = None
        return self

    # --- content --------------------------------------------------------------------------
    def day(self, folder: str, day: str, messages: Any) -> Self:
        """A day file ``folder/day.json``; ``messages`` is dumped as JSON (normally a list)."""
        self.days.setdefault(folder, {})[day] = messages
        return self

    def file(self, relpath: str, content: str | bytes | Any) -> Self:
        """Any other file: ``str``/``bytes`` are written as they are, anything else as JSON."""
        if not isinstance(content, str | bytes):
            content = json.dumps(content)
        self.files[relpath] = content
        return self

    # --- output ---------------------------------------------------------------------------
    def entries(self) -> dict[str, bytes]:
        """Relative POSIX path → file content."""
        out: dict[str, bytes] = {}
        if self.users is not None:
            out["users.json"] = json.dumps(self.users).encode()
        for listing, entries in self.listings.items():
            out[listing] = json.dumps(entries).encode()
        for folder, days in self.days.items():
            for day, messages in days.items():
                out[f"{folder}/{day}.json"] = json.dumps(messages, indent=1).encode()
        for relpath, content in self.files.items():
            out[relpath] = content.encode() if isinstance(content, str) else content
        return out

    def write(self) -> Path:
        """Write the export as a folder (replacing files already there) and return the folder."""
        for relpath, content in self.entries().items():
            target = self.folder / relpath
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        return self.folder

    def zip(self, path: Path, prefix: str = "") -> Path:
        """Zip the export to ``path``. With ``prefix`` every entry sits under that top-level
        folder (with directory entries, as ``zip -r`` makes when a user re-zips the folder)."""
        prefix = prefix.strip("/") + "/" if prefix else ""
        entries = self.entries()
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            if prefix:
                folders = {prefix} | {
                    prefix + rel.rsplit("/", 1)[0] + "/" for rel in entries if "/" in rel
                }
                for folder in sorted(folders):
                    archive.writestr(folder, b"")
            for relpath, content in entries.items():
                archive.writestr(prefix + relpath, content)
        return path
