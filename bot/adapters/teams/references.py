"""Conversation references: what the bot needs to post in a Teams conversation on its own
(a scheduled survey, a reminder, the weekly digest) — the conversation id, the Bot Connector
service URL of its region, the tenant and the bot's own id.

Teams hands them over with every activity from a conversation (messages, the app being added
to a team...). They are kept in a small JSON file (``TEAMS_REFERENCES_FILE``) rather than in the
database, one entry per channel id (and ``personal:<member id>`` for personal chats), written
atomically and only when something changed. Each replica keeps its own file; a replica that
has not seen a channel yet learns it from the next activity there, or from the app's
installation.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

FORMAT = 1


@dataclass(frozen=True, slots=True)
class Reference:
    conversation_id: str
    service_url: str
    bot_id: str
    kind: str = "channel"
    name: str = ""
    tenant_id: str | None = None
    team_id: str | None = None


def load_references(path: Path) -> dict[str, Reference]:
    """The references kept in ``path`` (none if the file does not exist). Entries that do not
    read as references are skipped with a warning; an unreadable file is an empty store."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("Teams references in %s not readable (%s); starting afresh", path, exc)
        return {}
    entries = data.get("references") if isinstance(data, dict) else None
    if not isinstance(entries, dict):
        log.warning("Teams references in %s have no 'references' object; ignored", path)
        return {}
    found: dict[str, Reference] = {}
    for key, entry in entries.items():
        try:
            found[str(key)] = Reference(**entry)
        except TypeError:
            log.warning("Teams reference %r in %s is not valid; ignored", key, path)
    return found


def save_references(path: Path, references: dict[str, Reference]) -> None:
    """Write all references to ``path`` atomically (a temporary file renamed over it)."""
    payload: dict[str, Any] = {
        "format": FORMAT,
        "references": {key: asdict(ref) for key, ref in sorted(references.items())},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(payload, out, indent=2, sort_keys=True)
            out.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class ReferenceStore:
    """The references in memory, backed by the JSON file; safe to use from several threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._refs = load_references(path)

    def get(self, key: str) -> Reference | None:
        with self._lock:
            return self._refs.get(key)

    def remember(self, key: str, reference: Reference) -> bool:
        """Keep ``reference`` under ``key``; True (and the file rewritten) if it changed."""
        with self._lock:
            if self._refs.get(key) == reference:
                return False
            self._refs[key] = reference
            try:
                save_references(self.path, self._refs)
            except OSError as exc:
                log.warning("could not write Teams references to %s: %s", self.path, exc)
            return True

    def forget(self, key: str) -> bool:
        with self._lock:
            if self._refs.pop(key, None) is None:
                return False
            try:
                save_references(self.path, self._refs)
            except OSError as exc:
                log.warning("could not write Teams references to %s: %s", self.path, exc)
            return True

    def any_service_url(self) -> str | None:
        """A service URL seen from this tenant (they are per region, not per conversation)."""
        with self._lock:
            return next((r.service_url for r in self._refs.values()), None)

    def all(self) -> dict[str, Reference]:
        with self._lock:
            return dict(self._refs)
