"""Reading a Slack workspace export (zip or folder) and turning its day files into activity rows.

Layout: ``users.json``, ``channels.json`` (public), optionally ``groups.json`` (private channels),
``dms.json``/``mpims.json`` (direct messages: never read), one folder per channel holding
``YYYY-MM-DD.json`` day files, and assorted extra files that are reported and skipped.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from bot.adapters.slack.translate import (
    CHANNEL_ID_MAX,
    PayloadError,
    channel_from_export,
    chat_message,
    member_from_user,
)
from bot.core.errors import BadInputError
from bot.core.model import ActivityRow, Channel, ChatMessage, Directory, Kind, Member
from bot.core.sentiment import polarity
from bot.core.signals import COUNTED_SUBTYPES, JOIN_SUBTYPE, activities_for_message

DAY_FILE = re.compile(r"^\d{4}-\d{2}-\d{2}\.json$")
LISTINGS = {"users.json", "channels.json", "groups.json", "dms.json", "mpims.json"}


class ExportError(BadInputError):
    """The export cannot be imported; the message names the file and the problem."""


@dataclass(frozen=True, slots=True)
class DayFile:
    channel_id: str
    channel_name: str
    path: str  # relative to the export root, POSIX style


class ExportSource:
    """Uniform read access to an export folder or zip file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._zip: zipfile.ZipFile | None = None
        self._prefix = ""
        if path.is_dir():
            self._names = sorted(
                p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file()
            )
        elif path.is_file():
            try:
                self._zip = zipfile.ZipFile(path)
                self._names = sorted(n for n in self._zip.namelist() if not n.endswith("/"))
            except zipfile.BadZipFile:
                raise ExportError(
                    f"{path}: not a zip file or a truncated one; download the export again "
                    "or pass the unzipped folder"
                ) from None
        else:
            raise ExportError(f"{path}: no such file or folder")
        roots = [n for n in self._names if PurePosixPath(n).name == "users.json"]
        if "users.json" not in self._names and len(roots) == 1:
            self._prefix = roots[0][: -len("users.json")]
            self._names = [
                n[len(self._prefix) :] for n in self._names if n.startswith(self._prefix)
            ]
        if "users.json" not in self._names:
            raise ExportError(
                f"{path}: users.json is missing; this does not look like a Slack export "
                "(expected users.json, channels.json and one folder per channel)"
            )

    @property
    def names(self) -> list[str]:
        return self._names

    def read_bytes(self, name: str) -> bytes:
        try:
            if self._zip is not None:
                return self._zip.read(self._prefix + name)
            return (self.path / self._prefix / name).read_bytes()
        except (zipfile.BadZipFile, EOFError, OSError, KeyError) as exc:
            raise ExportError(f"{self.path}: {name}: cannot be read ({exc})") from None
        except Exception as exc:  # zlib.error and friends from a damaged archive
            raise ExportError(f"{self.path}: {name}: damaged archive member ({exc})") from None

    def size(self, name: str) -> int:
        """Uncompressed size of a file in the export."""
        if self._zip is not None:
            return self._zip.getinfo(self._prefix + name).file_size
        return (self.path / self._prefix / name).stat().st_size

    def read_json(self, name: str) -> Any:
        data = self.read_bytes(name)
        try:
            return json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ExportError(f"{self.path}: {name}: malformed JSON ({exc})") from None

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()


def read_users(source: ExportSource) -> list[Member]:
    users = source.read_json("users.json")
    if not isinstance(users, list):
        raise ExportError(f"{source.path}: users.json: expected a list of users")
    members = []
    for i, user in enumerate(users):
        try:
            if not isinstance(user, dict):
                raise PayloadError("not an object")
            members.append(member_from_user(user))
        except PayloadError as exc:
            raise ExportError(f"{source.path}: users.json: entry {i}: {exc}") from None
    return members


def read_channels(source: ExportSource, listing: str) -> list[Channel]:
    if listing not in source.names:
        return []
    raw = source.read_json(listing)
    if not isinstance(raw, list):
        raise ExportError(f"{source.path}: {listing}: expected a list of channels")
    channels = []
    for i, entry in enumerate(raw):
        try:
            if not isinstance(entry, dict):
                raise PayloadError("not an object")
            channels.append(channel_from_export(entry))
        except PayloadError as exc:
            raise ExportError(f"{source.path}: {listing}: entry {i}: {exc}") from None
    return channels


def direct_message_folders(source: ExportSource) -> set[str]:
    """Folders of DMs and group DMs, which are never read (privacy)."""
    folders: set[str] = set()
    for listing in ("dms.json", "mpims.json"):
        if listing in source.names:
            raw = source.read_json(listing)
            for entry in raw if isinstance(raw, list) else []:
                if isinstance(entry, dict):
                    folders.update(str(entry[k]) for k in ("id", "name") if entry.get(k))
    return folders


@dataclass(slots=True)
class Plan:
    """What an import will read and what it skips, before any row is written."""

    members: list[Member]
    channels: list[Channel]
    day_files: list[DayFile]
    skipped_files: Counter[str] = field(default_factory=Counter)
    unlisted_channels: list[str] = field(default_factory=list)


def plan_import(source: ExportSource) -> Plan:
    members = read_users(source)
    listed = read_channels(source, "channels.json") + read_channels(source, "groups.json")
    by_name = {c.name: c for c in listed}
    private = direct_message_folders(source)
    plan = Plan(members=members, channels=list(listed), day_files=[])
    for name in source.names:
        parts = name.split("/")
        if len(parts) == 1:
            if name not in LISTINGS:
                plan.skipped_files[f"{name}: not used by the importer"] += 1
            continue
        folder = parts[0]
        if folder in private:
            plan.skipped_files["direct-message folders (never read)"] += 1
            continue
        if len(parts) != 2 or not DAY_FILE.match(parts[1]):
            plan.skipped_files["files in channel folders that are not day files"] += 1
            continue
        channel = by_name.get(folder)
        if channel is None and len(folder) > CHANNEL_ID_MAX:
            plan.skipped_files["folders with names too long for a channel"] += 1
            continue
        if channel is None:
            channel = Channel(id=folder, name=folder)
            by_name[folder] = channel
            plan.channels.append(channel)
            plan.unlisted_channels.append(folder)
        plan.day_files.append(DayFile(channel.id, channel.name, name))
    plan.day_files.sort(key=lambda f: (f.channel_name, f.path))
    return plan


@dataclass(slots=True)
class FileResult:
    """Rows from one day file, replies whose thread starter the file did not name, thread
    starters it contains, and counts of what was skipped and why."""

    rows: list[ActivityRow] = field(default_factory=list)
    orphan_replies: list[tuple[int, str]] = field(default_factory=list)  # (row index, thread ts)
    starters: dict[str, str] = field(default_factory=dict)  # thread ts -> author
    messages: int = 0
    skipped: Counter[str] = field(default_factory=Counter)


def _skip_reason(msg: ChatMessage, directory: Directory) -> str | None:
    """Why a message yields no post of its own (for the import report), or None."""
    if msg.subtype == JOIN_SUBTYPE:
        return "joins by bots or opted-out members" if directory.ignores(msg.user) else None
    if msg.subtype == "bot_message" or msg.bot_id or msg.user in directory.bots:
        return "bot messages"
    if msg.subtype not in COUNTED_SUBTYPES:
        return f"system messages ({msg.subtype})"
    if msg.user is None:
        return "messages without a user"
    if msg.user in directory.opted_out:
        return "opted-out members"
    return None


def parse_day_file(
    source: ExportSource,
    day_file: DayFile,
    directory: Directory,
    *,
    store_text: bool = False,
) -> FileResult:
    """Parse one day file into rows (sentiment included). Raises ExportError on malformed JSON."""
    raw = source.read_json(day_file.path)
    if not isinstance(raw, list):
        raise ExportError(f"{source.path}: {day_file.path}: expected a list of messages")
    result = FileResult()
    channel = day_file.channel_id
    for entry in raw:
        if not isinstance(entry, dict) or entry.get("type", "message") != "message":
            result.skipped["malformed messages"] += 1
            continue
        result.messages += 1
        try:
            msg = chat_message(channel, entry)
        except PayloadError:
            result.skipped["malformed messages"] += 1
            continue
        reason = _skip_reason(msg, directory)
        if reason is not None:
            result.skipped[reason] += 1
        if msg.thread_ts == msg.ts and msg.user:
            result.starters[msg.ts] = msg.user
        for activity in activities_for_message(msg, directory, polarity, store_text=store_text):
            if activity.kind is Kind.REPLY and activity.target is None and msg.parent_user is None:
                assert msg.thread_ts is not None
                result.orphan_replies.append((len(result.rows), msg.thread_ts))
            result.rows.append(activity.as_row())
    return result


# Worker-process state for parallel imports, set once per process by init_worker. These live here
# (not in the import service) so that a spawned worker imports only the parsing modules.
_worker: tuple[ExportSource, Directory, bool] | None = None


def init_worker(path: Path, directory: Directory, store_text: bool) -> None:
    global _worker
    _worker = (ExportSource(path), directory, store_text)


def parse_in_worker(day_file: DayFile) -> FileResult:
    assert _worker is not None, "worker not initialised"
    source, directory, store_text = _worker
    return parse_day_file(source, day_file, directory, store_text=store_text)
