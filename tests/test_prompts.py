from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bot.core.questions import (
    CULTURE_STAGES,
    JOURNEY_STEPS,
    MATURITY_ASPECTS,
    MATURITY_LEVELS,
)
from bot.prompts import SHIPPED, load_question_set, load_question_sets
from bot.yamlfile import ConfigError

HEAD = """\
id: demo
title: Demo
description: A demo set.
questions:
"""  # the first question starts on line 5


def write(folder: Path, body: str, name: str = "demo.yaml", head: str = HEAD) -> Path:
    path = folder / name
    path.write_text(head + textwrap.dedent(body), encoding="utf-8")
    return path


def error_of(path: Path) -> str:
    with pytest.raises(ConfigError) as info:
        load_question_set(path)
    return str(info.value)


# --- shipped sets -----------------------------------------------------------------------------


def test_all_shipped_sets_load() -> None:
    sets = load_question_sets([SHIPPED])
    assert sorted(sets) == ["culture", "journey", "maturity", "pulse"]
    for name, question_set in sets.items():
        assert load_question_set(SHIPPED / f"{name}.yaml") == question_set


def test_pulse_set() -> None:
    pulse = load_question_set(SHIPPED / "pulse.yaml")
    assert [(q.id, q.kind) for q in pulse.questions] == [
        ("satisfaction", "scale"),
        ("last_task_ease", "scale"),
        ("blocker", "text"),
        ("enps", "nps"),
    ]
    assert all(q.framework is None for q in pulse.questions)
    enps = pulse.questions[3]
    assert "recommend" in enps.text
    assert [o.value for o in enps.options] == [str(n) for n in range(11)]
    for q in pulse.questions[:2]:
        assert q.emoji == {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5"}


def test_maturity_set_covers_each_aspect_once_with_four_levels() -> None:
    maturity = load_question_set(SHIPPED / "maturity.yaml")
    assert all(q.kind == "choice" and q.framework == "maturity" for q in maturity.questions)
    assert sorted(q.aspect or "" for q in maturity.questions) == sorted(MATURITY_ASPECTS)
    for q in maturity.questions:
        assert [o.stands_for for o in q.options] == list(MATURITY_LEVELS)


def test_culture_set_covers_stages_and_advice() -> None:
    culture = load_question_set(SHIPPED / "culture.yaml")
    (q,) = culture.questions
    assert (q.kind, q.framework) == ("choice", "culture")
    assert len(q.options) == 5
    assert [o.stands_for for o in q.options] == list(CULTURE_STAGES)
    assert sorted(culture.advice) == sorted(CULTURE_STAGES[:4])
    assert all(len(text) > 40 for text in culture.advice.values())


def test_journey_set() -> None:
    journey = load_question_set(SHIPPED / "journey.yaml")
    (q,) = journey.questions
    assert (q.kind, q.framework) == ("choice", "journey")
    assert [o.stands_for for o in q.options] == list(JOURNEY_STEPS)


# --- validation -------------------------------------------------------------------------------

CASES = [
    pytest.param(
        """\
          - id: a
            text: Pick one
            kind: choice
            options:
              - value: ""
                label: A
              - {value: b, label: B}
        """,
        9,
        "questions.0.options.0.value",
        "at least 1 character",
        id="empty-option-value",
    ),
    pytest.param(
        """\
          - id: a
            text: How?
            kind: scale
          - id: a
            text: How else?
            kind: scale
        """,
        8,
        "questions.1.id",
        "'a' is used twice",
        id="duplicate-question-id",
    ),
    pytest.param(
        """\
          - id: Bad-Id
            text: How?
            kind: scale
        """,
        5,
        "questions.0.id",
        "pattern",
        id="bad-question-id",
    ),
    pytest.param(
        """\
          - id: a
            text: How?
            kind: scale
            options: [{value: "1", label: Low}, {value: "2", label: High}]
        """,
        8,
        "questions.0.options",
        "values 1, 2, 3, 4, 5 in that order",
        id="scale-wrong-options",
    ),
    pytest.param(
        """\
          - id: a
            text: How likely?
            kind: nps
            options: [{value: "1", label: One}, {value: "2", label: Two}]
        """,
        8,
        "questions.0.options",
        "values 0, 1, 2",
        id="nps-wrong-options",
    ),
    pytest.param(
        """\
          - id: a
            text: Pick one
            kind: choice
            options: [{value: a, label: A}]
        """,
        8,
        "questions.0.options",
        "2 to 10 options (got 1)",
        id="choice-too-few",
    ),
    pytest.param(
        "  - id: a\n    text: Pick\n    kind: choice\n    options: ["
        + ", ".join(f"{{value: v{i}, label: V{i}}}" for i in range(11))
        + "]\n",
        8,
        "questions.0.options",
        "(got 11)",
        id="choice-too-many",
    ),
    pytest.param(
        """\
          - id: a
            text: Pick one
            kind: choice
            options:
              - {value: a, label: A}
              - {value: a, label: Also A}
        """,
        10,
        "questions.0.options.1.value",
        "'a' is used twice",
        id="choice-duplicate-values",
    ),
    pytest.param(
        """\
          - id: a
            text: Tell us
            kind: text
            options: [{value: a, label: A}, {value: b, label: B}]
        """,
        8,
        "questions.0.options",
        "take no options",
        id="text-with-options",
    ),
    pytest.param(
        """\
          - id: a
            text: Where?
            kind: choice
            framework: journey
            options:
              - {value: a, label: A, stands_for: discover}
              - {value: b, label: B, stands_for: flying}
        """,
        11,
        "questions.0.options.1.stands_for",
        "'flying' is not a journey value",
        id="bad-stands-for",
    ),
    pytest.param(
        """\
          - id: a
            text: Where?
            kind: choice
            options:
              - {value: a, label: A, stands_for: discover}
              - {value: b, label: B}
        """,
        9,
        "questions.0.options.0.stands_for",
        "set the question's framework",
        id="stands-for-without-framework",
    ),
    pytest.param(
        """\
          - id: a
            text: How mature?
            kind: choice
            framework: maturity
            aspect: vibes
            options:
              - {value: a, label: A, stands_for: provisional}
              - {value: b, label: B, stands_for: scalable}
        """,
        9,
        "questions.0.aspect",
        "one of investment, adoption",
        id="bad-maturity-aspect",
    ),
    pytest.param(
        """\
          - id: a
            text: How mature?
            kind: choice
            framework: maturity
            options:
              - {value: a, label: A, stands_for: operational}
              - {value: b, label: B, stands_for: scalable}
        """,
        5,
        "questions.0.aspect",
        "name the aspect",
        id="missing-maturity-aspect",
    ),
    pytest.param(
        """\
          - id: a
            text: Pick one
            kind: choice
            options:
              - {value: a, label: A, stands_for: scalable}
              - {value: b, label: B}
            framework: maturity
            aspect: adoption
            emoji:
              thumbsup: a
              tada: c
        """,
        15,
        "questions.0.emoji.tada",
        "'c' is not one of this question's option values",
        id="emoji-value-not-an-option",
    ),
    pytest.param(
        """\
          - id: a
            text: How?
            kind: scale
            emoji: {":one:": "1"}
        """,
        8,
        "questions.0.emoji.:one:",
        "without colons",
        id="emoji-with-colons",
    ),
    pytest.param(
        f"""\
          - id: a
            text: Pick one
            kind: choice
            options:
              - {{value: a, label: A}}
              - {{value: b, label: {"x" * 76}}}
        """,
        10,
        "questions.0.options.1.label",
        "at most 75 characters",
        id="label-too-long",
    ),
    pytest.param(
        f"""\
          - id: a
            text: {"x" * 301}
            kind: scale
        """,
        6,
        "questions.0.text",
        "at most 300 characters",
        id="question-text-too-long",
    ),
    pytest.param(
        """\
          - id: a
            text: "   "
            kind: scale
        """,
        6,
        "questions.0.text",
        "at least 1 character",
        id="blank-question-text",
    ),
    pytest.param(
        """\
          - id: a
            text: How?
            kind: stars
        """,
        7,
        "questions.0.kind",
        "'scale', 'nps', 'choice' or 'text'",
        id="unknown-kind",
    ),
    pytest.param(
        """\
          - id: a
            text: How?
            kind: scale
            colour: red
        """,
        8,
        "questions.0.colour",
        "Extra inputs are not permitted",
        id="unknown-field",
    ),
    pytest.param(
        """\
          - id: a
            text: Tell us
            kind: text
            framework: culture
        """,
        8,
        "questions.0.framework",
        "cannot stand for a framework value",
        id="text-with-framework",
    ),
]


@pytest.mark.parametrize(("body", "line", "field", "fragment"), CASES)
def test_invalid_question_is_rejected_with_file_line_and_field(
    tmp_path: Path, body: str, line: int, field: str, fragment: str
) -> None:
    path = write(tmp_path, body)
    message = error_of(path)
    assert message.startswith(f"{path}:{line}: {field}: "), message
    assert fragment in message


CULTURE_QUESTION = """\
  - id: team
    text: Which sounds like your team?
    kind: choice
    framework: culture
    options:
      - {value: a, label: A, stands_for: life_sucks}
      - {value: b, label: B, stands_for: were_great}
"""


def test_culture_set_without_advice_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, CULTURE_QUESTION)
    message = error_of(path)
    assert message.startswith(f"{path}:1: advice: "), message
    assert "missing: life_sucks, my_life_sucks, im_great, were_great" in message


def test_culture_advice_must_cover_every_stage_but_the_last(tmp_path: Path) -> None:
    body = CULTURE_QUESTION + (
        "advice: {life_sucks: Start small., my_life_sucks: Build confidence.,\n"
        "  im_great: Share goals.,\n"
        "  life_is_great: Keep going.}\n"
    )
    path = write(tmp_path, body)
    message = error_of(path)
    lines = message.splitlines()
    assert lines[0] == (
        f"{path}:14: advice.life_is_great: life_is_great is the last stage; "
        "advice is for moving to the next one"
    )
    assert lines[1].startswith(f"{path}:12: advice: ")
    assert "missing: were_great" in lines[1]


def test_advice_without_culture_question_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "  - {id: a, text: How, kind: scale}\nadvice: {life_sucks: Hi.}\n")
    assert error_of(path).startswith(f"{path}:6: advice: advice is only used")


def test_bad_set_id_and_missing_title(tmp_path: Path) -> None:
    head = "id: My Set\ndescription: D\nquestions:\n"
    path = write(tmp_path, "  - {id: a, text: How, kind: scale}\n", head=head)
    message = error_of(path)
    assert f"{path}:1: id: String should match pattern" in message
    assert f"{path}:1: title: Field required" in message


def test_set_without_questions_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "", head=HEAD.replace("questions:\n", "questions: []\n"))
    assert error_of(path).startswith(f"{path}:4: questions: List should have at least 1 item")


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- id: a\n", encoding="utf-8")
    assert error_of(path).startswith(f"{path}:1: expected a mapping")


def test_invalid_yaml_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "  - id: a\n    text: [unclosed\n    kind: scale\n")
    message = error_of(path)
    assert message.startswith(f"{path}:7: not valid YAML"), message


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    assert error_of(path) == f"{path}: file not found"


# --- loading folders --------------------------------------------------------------------------


def test_operator_folder_adds_sets(tmp_path: Path) -> None:
    write(tmp_path, "  - {id: mood, text: How was your week, kind: scale}\n", name="mine.yml")
    (tmp_path / "notes.txt").write_text("ignored", encoding="utf-8")
    sets = load_question_sets([SHIPPED, tmp_path])
    assert sorted(sets) == ["culture", "demo", "journey", "maturity", "pulse"]
    assert sets["demo"].questions[0].id == "mood"


def test_duplicate_set_id_across_folders_names_both_files(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    one = write(first, "  - {id: a, text: How, kind: scale}\n", name="one.yaml")
    two = write(second, "  - {id: b, text: Why, kind: text}\n", name="two.yaml")
    with pytest.raises(ConfigError) as info:
        load_question_sets([first, second])
    message = str(info.value)
    assert str(one) in message
    assert str(two) in message
    assert "'demo'" in message


def test_shipped_set_id_cannot_be_reused(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "  - {id: a, text: How, kind: scale}\n",
        head=HEAD.replace("id: demo", "id: pulse"),
    )
    with pytest.raises(ConfigError, match="pulse") as info:
        load_question_sets([SHIPPED, tmp_path])
    assert str(SHIPPED / "pulse.yaml") in str(info.value)
    assert str(path) in str(info.value)


def test_all_broken_files_are_reported_together(tmp_path: Path) -> None:
    a = write(tmp_path, "  - {id: a, text: How, kind: stars}\n", name="a.yaml")
    b = write(tmp_path, "  - {id: B, text: How, kind: scale}\n", name="b.yaml")
    with pytest.raises(ConfigError) as info:
        load_question_sets([tmp_path])
    message = str(info.value)
    assert f"{a}:5: questions.0.kind" in message
    assert f"{b}:5: questions.0.id" in message


def test_missing_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="folder not found"):
        load_question_sets([tmp_path / "absent"])
