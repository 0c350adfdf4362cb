from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from bot.core.questions import (
    CULTURE_STAGES,
    FRAMEWORK_VALUES,
    Question,
    QuestionSet,
    framework_value,
    option_for_emoji,
)
from bot.prompts import SHIPPED, load_question_sets

SHIPPED_SETS = load_question_sets([SHIPPED])
SHIPPED_QUESTIONS = [q for s in SHIPPED_SETS.values() for q in s.questions]


def choice(**extra: Any) -> dict[str, Any]:
    return {
        "id": "q",
        "text": "Which?",
        "kind": "choice",
        "options": [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}],
        **extra,
    }


def test_scale_without_options_gets_one_to_five() -> None:
    q = Question.model_validate({"id": "s", "text": "How?", "kind": "scale"})
    assert [o.value for o in q.options] == ["1", "2", "3", "4", "5"]
    assert [o.label for o in q.options] == ["1", "2", "3", "4", "5"]


def test_nps_without_options_gets_zero_to_ten() -> None:
    q = Question.model_validate({"id": "n", "text": "How likely?", "kind": "nps"})
    assert [o.value for o in q.options] == [str(n) for n in range(11)]


def test_numbers_in_yaml_are_read_as_strings() -> None:
    q = Question.model_validate(
        {"id": "s", "text": "How?", "kind": "scale", "emoji": {"one": 1, "five": 5}}
    )
    assert q.emoji == {"one": "1", "five": "5"}


def test_error_points_at_the_nested_field() -> None:
    bad = {"id": "x", "title": "T", "description": "D", "questions": [choice(), choice()]}
    with pytest.raises(ValidationError) as info:
        QuestionSet.model_validate(bad)
    (error,) = info.value.errors()
    assert error["loc"] == ("questions", 1, "id")
    assert "used twice" in error["msg"]


def test_stands_for_error_has_option_location() -> None:
    q = choice(framework="journey")
    q["options"][1]["stands_for"] = "flying"
    with pytest.raises(ValidationError) as info:
        Question.model_validate(q)
    (error,) = info.value.errors()
    assert error["loc"] == ("options", 1, "stands_for")
    assert "discover" in error["msg"]


def test_models_are_frozen() -> None:
    q = Question.model_validate(choice())
    with pytest.raises(ValidationError):
        q.text = "changed"  # type: ignore[misc]


def test_option_for_emoji() -> None:
    q = SHIPPED_SETS["pulse"].question("satisfaction")
    assert q is not None
    three = option_for_emoji(q, "three")
    assert three is not None
    assert three.value == "3"
    assert option_for_emoji(q, ":five:") == q.option("5")
    assert option_for_emoji(q, "one::skin-tone-3") == q.option("1")
    assert option_for_emoji(q, "tada") is None
    text_question = SHIPPED_SETS["pulse"].question("blocker")
    assert text_question is not None
    assert option_for_emoji(text_question, "one") is None


def test_framework_value() -> None:
    maturity = SHIPPED_SETS["maturity"].question("interfaces")
    assert maturity is not None
    assert framework_value(maturity, "scalable") == "scalable"
    assert framework_value(maturity, "nope") is None
    pulse = SHIPPED_SETS["pulse"].question("satisfaction")
    assert pulse is not None
    assert framework_value(pulse, "5") is None


@given(data=st.data())
def test_framework_value_matches_stands_for(data: st.DataObject) -> None:
    question = data.draw(st.sampled_from(SHIPPED_QUESTIONS))
    values = [o.value for o in question.options]
    value = data.draw(st.sampled_from(values) if values else st.text(max_size=5))
    result = framework_value(question, value)
    option = question.option(value)
    if result is None:
        assert option is None or option.stands_for is None
    else:
        assert question.framework is not None
        assert result in FRAMEWORK_VALUES[question.framework]
        assert option is not None
        assert option.stands_for == result


@given(value=st.text(max_size=12))
def test_framework_value_of_unknown_value_is_none(value: str) -> None:
    question = SHIPPED_SETS["culture"].questions[0]
    expected = value if value in CULTURE_STAGES else None
    assert framework_value(question, value) == expected
