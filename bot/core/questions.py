"""Survey question sets (DESIGN.md "Pulse surveys") as validated data.

A question set is a list of questions; a question has a kind (``scale`` 1–5, ``nps`` 0–10,
``choice``, ``text``) and options. An option may stand for a value of a framework: a maturity
level (of the question's ``aspect``), a culture stage or a journey step, so answers can be read as
"where the team is". Rules that span several fields raise errors located at the exact field
(``questions.2.options.0.stands_for``) so the YAML loader can name the line.

Scale and NPS questions may leave ``options`` out: they are then filled in with the values and
labels ``"1"``..``"5"`` (scale) or ``"0"``..``"10"`` (nps). If options are given they must be
exactly those values, in that order (labels are free).
"""

from __future__ import annotations

import re
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

Framework = Literal["maturity", "culture", "journey"]
Kind = Literal["scale", "nps", "choice", "text"]

MATURITY_ASPECTS: Final = ("investment", "adoption", "interfaces", "operations", "measurement")
MATURITY_LEVELS: Final = ("provisional", "operational", "scalable", "optimizing")
CULTURE_STAGES: Final = ("life_sucks", "my_life_sucks", "im_great", "were_great", "life_is_great")
JOURNEY_STEPS: Final = ("discover", "evaluate", "learn", "build", "scale")

FRAMEWORK_VALUES: Final[dict[Framework, tuple[str, ...]]] = {
    "maturity": MATURITY_LEVELS,
    "culture": CULTURE_STAGES,
    "journey": JOURNEY_STEPS,
}

LABELS: Final[dict[str, str]] = {
    "investment": "Investment",
    "adoption": "Adoption",
    "interfaces": "Interfaces",
    "operations": "Operations",
    "measurement": "Measurement",
    "provisional": "Provisional",
    "operational": "Operational",
    "scalable": "Scalable",
    "optimizing": "Optimizing",
    "life_sucks": "Life sucks",
    "my_life_sucks": "My life sucks",
    "im_great": "I'm great (and you're not)",
    "were_great": "We're great",
    "life_is_great": "Life is great",
    "discover": "Discover",
    "evaluate": "Evaluate",
    "learn": "Learn",
    "build": "Build",
    "scale": "Scale",
}
"""Display names of aspects, levels, stages and steps."""

ID_PATTERN: Final = r"^[a-z0-9_]+$"
EMOJI_PATTERN: Final = r"^[a-z0-9_+\-]+$"
OPTION_LABEL_MAX: Final = 75  # Slack button text limit
TITLE_MAX: Final = 150
QUESTION_TEXT_MAX: Final = 300
DESCRIPTION_MAX: Final = 300
ADVICE_MAX: Final = 600
CHOICE_MIN: Final = 2
CHOICE_MAX: Final = 10

_IMPLIED: Final[dict[str, tuple[str, ...]]] = {
    "scale": tuple(str(n) for n in range(1, 6)),
    "nps": tuple(str(n) for n in range(11)),
}

Loc = tuple[str | int, ...]


class _Strict(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=True, coerce_numbers_to_str=True
    )


def _raise(title: str, problems: list[tuple[Loc, str, Any]]) -> None:
    """Raise one ValidationError whose errors point at the fields at fault."""
    if problems:
        raise ValidationError.from_exception_data(
            title,
            [
                InitErrorDetails(
                    type=PydanticCustomError("question_set", "{reason}", {"reason": msg}),
                    loc=loc,
                    input=value,
                )
                for loc, msg, value in problems
            ],
        )


def _listed(values: tuple[str, ...] | list[str]) -> str:
    return ", ".join(values)


class Option(_Strict):
    value: str = Field(min_length=1, max_length=OPTION_LABEL_MAX)
    label: str = Field(min_length=1, max_length=OPTION_LABEL_MAX)
    stands_for: str | None = None


class Question(_Strict):
    id: str = Field(pattern=ID_PATTERN, max_length=64)
    text: str = Field(min_length=1, max_length=QUESTION_TEXT_MAX)
    kind: Kind
    options: list[Option] = Field(default_factory=list)
    framework: Framework | None = None
    aspect: str | None = None
    emoji: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _implied_options(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("kind") in _IMPLIED and not data.get("options"):
            values = _IMPLIED[data["kind"]]
            return {**data, "options": [{"value": v, "label": v} for v in values]}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Question:
        problems: list[tuple[Loc, str, Any]] = []
        values = [o.value for o in self.options]

        if self.kind in _IMPLIED:
            expected = _IMPLIED[self.kind]
            if tuple(values) != expected:
                problems.append(
                    (
                        ("options",),
                        f"{self.kind} questions have options with values {_listed(expected)} "
                        f"in that order, or no options at all (got {_listed(values)})",
                        values,
                    )
                )
        elif self.kind == "choice":
            if not CHOICE_MIN <= len(values) <= CHOICE_MAX:
                problems.append(
                    (
                        ("options",),
                        f"choice questions need {CHOICE_MIN} to {CHOICE_MAX} options "
                        f"(got {len(values)})",
                        values,
                    )
                )
            seen: set[str] = set()
            for i, value in enumerate(values):
                if value in seen:
                    problems.append(
                        (("options", i, "value"), f"value {value!r} is used twice", value)
                    )
                seen.add(value)
        elif values:
            problems.append(
                (("options",), "text questions are answered in words and take no options", values)
            )

        if self.kind == "text" and self.framework is not None:
            problems.append(
                (("framework",), "a text answer cannot stand for a framework value", self.framework)
            )

        if self.framework == "maturity":
            if self.aspect not in MATURITY_ASPECTS:
                problems.append(
                    (
                        ("aspect",),
                        f"maturity questions name the aspect they ask about, one of "
                        f"{_listed(MATURITY_ASPECTS)} (got {self.aspect!r})",
                        self.aspect,
                    )
                )
        elif self.aspect is not None:
            problems.append(
                (("aspect",), "aspect is only used with framework: maturity", self.aspect)
            )

        for i, option in enumerate(self.options):
            if option.stands_for is None:
                continue
            loc: Loc = ("options", i, "stands_for")
            if self.framework is None:
                problems.append(
                    (
                        loc,
                        "set the question's framework (maturity, culture or journey) "
                        "for its options to stand for something",
                        option.stands_for,
                    )
                )
            elif option.stands_for not in FRAMEWORK_VALUES[self.framework]:
                valid = _listed(FRAMEWORK_VALUES[self.framework])
                problems.append(
                    (
                        loc,
                        f"{option.stands_for!r} is not a {self.framework} value; use one of "
                        f"{valid}",
                        option.stands_for,
                    )
                )

        for name, value in self.emoji.items():
            if not re.fullmatch(EMOJI_PATTERN, name):
                problems.append(
                    (
                        ("emoji", name),
                        "emoji names are written without colons, like thumbsup or one",
                        name,
                    )
                )
            elif value not in values:
                problems.append(
                    (
                        ("emoji", name),
                        f"{value!r} is not one of this question's option values "
                        f"({_listed(values) or 'it has none'})",
                        value,
                    )
                )

        _raise("Question", problems)
        return self

    def option(self, value: str) -> Option | None:
        return next((o for o in self.options if o.value == value), None)


class QuestionSet(_Strict):
    id: str = Field(pattern=ID_PATTERN, max_length=64)
    title: str = Field(min_length=1, max_length=TITLE_MAX)
    description: str = Field(min_length=1, max_length=DESCRIPTION_MAX)
    questions: list[Question] = Field(min_length=1)
    advice: dict[str, str] = Field(
        default_factory=dict,
        description="culture stage → advice for moving to the next stage",
    )

    @model_validator(mode="after")
    def _consistent(self) -> QuestionSet:
        problems: list[tuple[Loc, str, Any]] = []
        seen: set[str] = set()
        for i, question in enumerate(self.questions):
            if question.id in seen:
                problems.append(
                    (
                        ("questions", i, "id"),
                        f"question id {question.id!r} is used twice",
                        question.id,
                    )
                )
            seen.add(question.id)

        needs_advice = CULTURE_STAGES[:-1]
        if any(q.framework == "culture" for q in self.questions):
            for stage, text in self.advice.items():
                if stage == CULTURE_STAGES[-1]:
                    problems.append(
                        (
                            ("advice", stage),
                            f"{stage} is the last stage; advice is for moving to the next one",
                            stage,
                        )
                    )
                elif stage not in CULTURE_STAGES:
                    problems.append(
                        (
                            ("advice", stage),
                            f"{stage!r} is not a culture stage; use one of {_listed(needs_advice)}",
                            stage,
                        )
                    )
                elif not text or len(text) > ADVICE_MAX:
                    problems.append(
                        (
                            ("advice", stage),
                            f"advice is 1 to {ADVICE_MAX} characters (got {len(text)})",
                            text,
                        )
                    )
            missing = [s for s in needs_advice if s not in self.advice]
            if missing:
                problems.append(
                    (
                        ("advice",),
                        f"culture sets give advice for moving on from every stage but the last; "
                        f"missing: {_listed(missing)}",
                        sorted(self.advice),
                    )
                )
        elif self.advice:
            problems.append(
                (("advice",), "advice is only used in sets with a culture question", self.advice)
            )

        _raise("QuestionSet", problems)
        return self

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)


def option_for_emoji(question: Question, emoji: str) -> Option | None:
    """The option a reaction answers, or None. Accepts ``:one:`` and skin-tone suffixes."""
    name = emoji.strip().strip(":").split("::", 1)[0].lower()
    value = question.emoji.get(name)
    return None if value is None else question.option(value)


def framework_value(question: Question, value: str) -> str | None:
    """The framework value (level, stage or step) an answer stands for, or None."""
    option = question.option(value)
    if option is None or question.framework is None:
        return None
    return option.stands_for
