"""Survey question sets from YAML: the shipped ``prompts/`` folder plus the operator's own.

Errors name the file, the line and the field, e.g.
``prompts/pulse.yaml:12: questions.2.options.0.value: ...``; see ``prompts/README.md``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from bot.core.questions import QuestionSet
from bot.yamlfile import ConfigError, validate_yaml

SHIPPED = Path(__file__).resolve().parent.parent / "prompts"
SUFFIXES = (".yaml", ".yml")


def shipped_folder(configured: Path | None = None) -> Path:
    """Where the shipped sets are: PULSE_PROMPTS_DIR if set, else ``prompts/`` beside the code (a
    checkout), else ``prompts/`` in the working directory (the Docker image's /app)."""
    if configured is not None:
        return configured
    return SHIPPED if SHIPPED.is_dir() else Path.cwd() / "prompts"


def question_folders(prompts_dir: Path | None, questions_dir: Path | None) -> list[Path]:
    """The folders question sets are loaded from: the shipped ones, then the operator's."""
    folders = [shipped_folder(prompts_dir)]
    if questions_dir is not None:
        folders.append(questions_dir)
    return folders


def load_question_set(path: Path) -> QuestionSet:
    """One question set from one YAML file; ConfigError if it is not valid."""
    return validate_yaml(path, QuestionSet)


def load_question_sets(folders: Iterable[Path]) -> dict[str, QuestionSet]:
    """Every ``*.yaml``/``*.yml`` file in ``folders`` (e.g. ``[SHIPPED, operator_folder]``), by set
    id. All problems are reported together in one ConfigError; a set id defined in two files is
    one of them."""
    sets: dict[str, QuestionSet] = {}
    origin: dict[str, Path] = {}
    problems: list[str] = []
    for folder in folders:
        if not folder.is_dir():
            problems.append(f"{folder}: question set folder not found")
            continue
        for path in sorted(p for p in folder.iterdir() if p.suffix in SUFFIXES and p.is_file()):
            try:
                question_set = load_question_set(path)
            except ConfigError as exc:
                problems.append(str(exc))
                continue
            first = origin.get(question_set.id)
            if first is not None:
                problems.append(
                    f"{path}: question set id {question_set.id!r} is already defined in {first}; "
                    "give one of them another id"
                )
                continue
            sets[question_set.id] = question_set
            origin[question_set.id] = path
    if problems:
        raise ConfigError("\n".join(problems))
    return sets
