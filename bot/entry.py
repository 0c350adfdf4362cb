"""The ``pulse`` console script. The cyclic garbage collector is switched off before anything is
imported: every command but ``pulse run`` is short-lived and frees everything at exit, so the
collector would only rescan the import graph and per-member objects (``run`` turns it back on)."""

from __future__ import annotations

import gc


def main() -> None:
    gc.disable()
    from bot.cli import main as cli_main

    cli_main()
