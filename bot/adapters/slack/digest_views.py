"""The weekly digest and experiments → Slack Block Kit. Plain dicts only: no Slack SDK calls, no
I/O. Text is escaped and clipped, and limits kept, as in :mod:`bot.adapters.slack.views`.

* :func:`digest_blocks` is the weekly digest posted to the platform team's channel: headline
  numbers with their change since the last digest, who moved, who drifted away, who to listen to,
  the surveys (:func:`~bot.adapters.slack.survey_views.overview_blocks`), the experiments and,
  with ``images``, the pictures next to the part they illustrate.
* :func:`experiment_modal` is the form that starts an experiment; :func:`read_experiment_form`
  reads its ``view.state.values`` back into the plain field values
  :func:`bot.services.experiments.parse_form` validates, and :func:`form_errors` shows what is
  wrong under each field.
* :func:`experiment_list_blocks`, :func:`experiment_started_blocks`,
  :func:`experiment_closed_blocks` and :func:`experiment_verdict_blocks` answer the experiment
  commands and announce a verdict.

Every metric value (baseline, current, final, target) is worded by :func:`format_metric`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any, Final

from bot.adapters.slack.survey_views import (
    MAX_INPUT_LABEL,
    MAX_PLACEHOLDER,
    MAX_VIEW_TITLE,
    overview_blocks,
)
from bot.adapters.slack.translate import PayloadError
from bot.adapters.slack.views import (
    LISTEN_SHOWN,
    MESSAGE_MAX,
    NAME_MAX,
    Block,
    _context,
    _divider,
    _fields,
    _fit,
    _header,
    _image,
    _sections,
    clip,
    escape_mrkdwn,
    who,
)
from bot.core.digest import MOVES_SHOWN, Digest, Drift, Movement
from bot.core.experiments import (
    CATALOGUE,
    VERDICT_TEXT,
    Experiment,
    ExperimentStatus,
    Metric,
    MetricSpec,
    Verdict,
    verdict,
)
from bot.core.questions import CULTURE_STAGES, LABELS, MATURITY_ASPECTS, MATURITY_LEVELS
from bot.core.summary import COUNT_KEYS, Quadrant
from bot.render.markdown import (
    COUNT_HINTS,
    COUNT_TITLES,
    format_count,
    format_sentiment,
    more_text,
    orbit_name,
)
from bot.render.surveys import format_enps, format_share

# --- pictures -----------------------------------------------------------------------------------

#: Keys of ``digest_blocks(images=...)``, with each picture's title. Other keys are ignored.
IMAGE_TITLES: Final[dict[str, str]] = {
    "orbit": "Orbit map",
    "quadrants": "Quadrant counts over time",
    "maturity": "Platform maturity",
    "culture": "Team culture",
    "journey": "Platform journey",
}
#: The survey pictures, shown (in this order) with the surveys part.
SURVEY_IMAGES: Final = ("maturity", "culture", "journey")

# --- display choices ----------------------------------------------------------------------------

#: Experiments listed in a digest before "… and N more".
DIGEST_EXPERIMENTS_SHOWN: Final = 10
#: Running and ended experiments listed by ``experiment_list_blocks``.
RUNNING_SHOWN: Final = 20
ENDED_SHOWN: Final = 10
#: Characters of a hypothesis in one-line listings, and anywhere (the form takes 500).
HYPOTHESIS_LINE_MAX: Final = 200
HYPOTHESIS_MAX: Final = 500
#: Characters of a "who to listen to" reason in the digest.
REASON_MAX: Final = 200
#: Days an experiment runs by default in the form.
DEFAULT_DAYS: Final = 28

NO_EXPERIMENTS: Final = "No experiments yet — start one with `/orbit experiment new`."

_DASH: Final = "—"
_SYMBOL: Final = {"increase": "≥", "decrease": "≤"}
_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{1,30}$")
_ARTICLE: Final = {
    Quadrant.MULTIPLIER: "a multiplier",
    Quadrant.FAN: "a fan",
    Quadrant.SCEPTIC: "a sceptic",
    Quadrant.OBSERVER: "an observer",
}
_QUADRANT: Final = {q: q.value.capitalize() for q in Quadrant}

# --- the experiment form: wire conventions ------------------------------------------------------

EXPERIMENT_CALLBACK: Final = "experiment_new"
#: Each input's ``block_id``; its element's ``action_id`` is the same string.
HYPOTHESIS: Final = "hypothesis"
ACTION: Final = "action"
METRIC: Final = "metric"
PARAM: Final = "param"
CHANNEL: Final = "channel"
DIRECTION: Final = "direction"
THRESHOLD: Final = "threshold"
START: Final = "start"
END: Final = "end"
EXPERIMENT_FIELDS: Final = (
    HYPOTHESIS,
    ACTION,
    METRIC,
    PARAM,
    CHANNEL,
    DIRECTION,
    THRESHOLD,
    START,
    END,
)
#: Value of the channel select's "All channels" option.
ALL_CHANNELS: Final = "*"
#: Longest hypothesis and action the form takes (as ``bot.services.experiments.TEXT_MAX``).
TEXT_INPUT_MAX: Final = 500
#: Options of a ``static_select``; one is "All channels". With more channels the form uses a
#: ``conversations_select`` instead.
MAX_SELECT_OPTIONS: Final = 100
MAX_OPTION_TEXT: Final = 75
MAX_OPTION_VALUE: Final = 150
MAX_HINT: Final = 2000

#: Element types ``read_experiment_form`` accepts for each field.
_FIELD_TYPES: Final[dict[str, frozenset[str]]] = {
    HYPOTHESIS: frozenset({"plain_text_input"}),
    ACTION: frozenset({"plain_text_input"}),
    METRIC: frozenset({"static_select", "radio_buttons"}),
    PARAM: frozenset({"plain_text_input"}),
    CHANNEL: frozenset({"static_select", "conversations_select", "channels_select"}),
    DIRECTION: frozenset({"static_select", "radio_buttons"}),
    THRESHOLD: frozenset({"plain_text_input", "number_input"}),
    START: frozenset({"datepicker"}),
    END: frozenset({"datepicker"}),
}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


# --- values -------------------------------------------------------------------------------------


def _number(value: float) -> str:
    """A whole number without decimals (``12``, ``1,204``), else one decimal (``12.5``)."""
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.1f}"


def format_metric(spec: MetricSpec, value: float | None) -> str:
    """A value of ``spec``'s metric as every experiment view shows it (an em dash for None).

    Counts as whole numbers (``12``); shares as percentages (``40%``); love and reach medians and
    question averages to one decimal (``2.5``); eNPS signed (``+20``, ``0``); a maturity level
    with its name (``2 (Operational)``). A target typed between two levels or counts keeps its
    decimal (``2.5``) rather than being rounded into a different claim.
    """
    if value is None:
        return _DASH
    match spec.metric:
        case Metric.QUADRANT_COUNT:
            return _number(value)
        case Metric.MEDIAN_LOVE | Metric.MEDIAN_REACH | Metric.QUESTION_AVERAGE:
            return f"{value:,.1f}"
        case Metric.SILENT_SHARE | Metric.RESPONSE_RATE | Metric.CULTURE_SHARE:
            return format_share(value)
        case Metric.ENPS:
            if float(value).is_integer():
                return format_enps(int(value))
            return f"{value:+.1f}"
        case Metric.MATURITY_LEVEL:
            if float(value).is_integer() and 1 <= value <= len(MATURITY_LEVELS):
                level = int(value)
                return f"{level} ({LABELS[MATURITY_LEVELS[level - 1]]})"
            return f"{value:.1f}"
    return _number(value)  # pragma: no cover - every metric is matched above


def _target(experiment: Experiment) -> str:
    return f"{_SYMBOL[experiment.direction]} {format_metric(experiment.spec, experiment.threshold)}"


def _metric_label(spec: MetricSpec) -> str:
    """``spec.label()`` in ``mrkdwn``: the parameter escaped, the channel as a mention."""
    text = escape_mrkdwn(MetricSpec(spec.metric, spec.param).label())
    channel = spec.channel
    if channel is None:
        return text
    if _CHANNEL_ID.match(channel):
        return f"{text} in <#{channel}>"
    return f"{text} in #{escape_mrkdwn(clip(channel.lstrip('#'), NAME_MAX))}"


def _text(text: str, limit: int) -> str:
    return escape_mrkdwn(clip(" ".join(text.split()), limit))


def _ended(status: ExperimentStatus) -> bool:
    return status.experiment.closed or status.verdict is not None


def _verdict_of(status: ExperimentStatus) -> Verdict:
    """The stored verdict, else the one the status' value gives."""
    e = status.experiment
    return status.verdict or verdict(e.direction, e.threshold, status.current)


def _track_text(on_track: bool | None) -> str:
    if on_track is None:
        return "no data yet"
    return "on track" if on_track else "not on track"


def _days_left(end: date, today: date) -> str:
    days = (end - today).days
    if days > 1:
        return f"{days:,} days left"
    if days == 1:
        return "1 day left"
    if days == 0:
        return "ends today"
    return f"ended {end.isoformat()}, verdict at the next check"


def _values_text(status: ExperimentStatus) -> str:
    """``baseline 2.0 → now 2.5 · target ≥ 3.0`` (``final`` once ended)."""
    e = status.experiment
    now = "final" if _ended(status) else "now"
    return (
        f"baseline {format_metric(e.spec, e.baseline)} → {now} "
        f"{format_metric(e.spec, status.current)} · target {_target(e)}"
    )


def _dates(e: Experiment) -> str:
    return f"{e.start.isoformat()} → {e.end.isoformat()}"


def _outcome(status: ExperimentStatus) -> str:
    return f"verdict *{VERDICT_TEXT[_verdict_of(status)]}*"


def _ordered(statuses: Sequence[ExperimentStatus]) -> tuple[list[ExperimentStatus], ...]:
    """(running, soonest end first; ended, latest end first)."""
    running = sorted(
        (s for s in statuses if not _ended(s)),
        key=lambda s: (s.experiment.end, s.experiment.id),
    )
    ended = sorted(
        (s for s in statuses if _ended(s)),
        key=lambda s: (s.experiment.end, s.experiment.id),
        reverse=True,
    )
    return running, ended


# --- the weekly digest --------------------------------------------------------------------------


def _change(now: int, before: int | None) -> str:
    """`` (+2)``, `` (-1)``, `` (±0)`` as ``format_change`` words it; empty without ``before``."""
    if before is None:
        return ""
    delta = now - before
    return " (±0)" if delta == 0 else f" ({delta:+d})"


def _picture(images: Mapping[str, str], key: str, alt_text: str) -> list[Block]:
    file_id = images.get(key)
    if not file_id:
        return []
    return [_image(file_id, alt_text, IMAGE_TITLES[key])]


def _headline(digest: Digest) -> list[Block]:
    summary = digest.summary
    fields = [
        f"*Active members*\n{digest.active:,}{_change(digest.active, digest.previous_active)}"
        "\n_any activity in the window_"
    ]
    fields += [
        f"*{COUNT_TITLES[key]}*\n{format_count(key, summary)}\n_{COUNT_HINTS[key]}_"
        for key in COUNT_KEYS
    ]
    blocks = _fields(fields)
    if summary.previous_counts is not None or digest.previous_active is not None:
        since = (
            f"the last digest ({digest.previous_as_of.isoformat()})"
            if digest.previous_as_of is not None
            else "the previous snapshot"
        )
        blocks.append(_context(f"Changes in brackets are since {since}."))
    return blocks


def _move_line(move: Movement) -> str:
    m = move.member
    return f"• {who(m.id, m.name)} → *{orbit_name(m)}* (from {_QUADRANT[move.before]})"


def _drift_line(drift: Drift, window_days: int) -> str:
    since = (
        f"no activity since {drift.last_active.isoformat()}"
        if drift.last_active is not None
        else f"no activity in the last {window_days:,} days"
    )
    return f"• {who(drift.id, drift.name)} — {_ARTICLE[drift.before]} with {since}"


def _listed(title: str, lines: Sequence[str], noun: str, empty: str) -> list[str]:
    out = [f"*{title} ({len(lines):,})*" if lines else f"*{title}*"]
    if not lines:
        return [*out, f"_{empty}_"]
    shown = lines[:MOVES_SHOWN]
    out += shown
    more = more_text(len(shown), len(lines), noun)
    return [*out, f"_{more}_"] if more else out


def _movement(digest: Digest, team: set[str]) -> list[Block]:
    if digest.previous_as_of is None and not (digest.moved_up or digest.drifted):
        return _sections(
            [
                "*Movement*",
                "_This is the first digest: who moved and who drifted away show from the "
                "next one on._",
            ]
        )
    up = [_move_line(m) for m in digest.moved_up if m.member.id not in team]
    down = [_move_line(m) for m in digest.moved_down if m.member.id not in team]
    drift = [_drift_line(d, digest.summary.window_days) for d in digest.drifted if d.id not in team]
    lines = _listed("Moved up", up, "members", "Nobody moved up this week.")
    if down:
        lines += ["", *_listed("Moved down", down, "members", "")]
    lines += ["", *_listed("Drifted away", drift, "members", "Nobody drifted away.")]
    return _sections(lines)


def _listen(digest: Digest, team: set[str]) -> list[Block]:
    picks = [p for p in digest.summary.listen if p.member.id not in team]
    lines = ["*Who to listen to*"]
    if not picks:
        return _sections([*lines, "_Nobody stands out this time._"])
    shown = picks[:LISTEN_SHOWN]
    for pick in shown:
        m = pick.member
        line = f"• {who(m.id, m.name)} · {orbit_name(m)}"
        if m.sentiment is not None:
            line += f" · sentiment {format_sentiment(m.sentiment)}"
        reason = _text(pick.reason, REASON_MAX)
        lines.append(line + (f" — {reason}" if reason else ""))
    more = more_text(len(shown), len(picks), "people")
    if more:
        lines.append(f"_{more}_")
    return _sections(lines)


def _experiment_line(status: ExperimentStatus, today: date) -> str:
    e = status.experiment
    head = f"• *#{e.id}* {_text(e.hypothesis, HYPOTHESIS_LINE_MAX)}"
    body = f"{_metric_label(e.spec)}: {_values_text(status)}"
    if _ended(status):
        tail = f"ended {e.end.isoformat()} · {_outcome(status)}"
    else:
        tail = f"*{_track_text(status.on_track)}* · {_days_left(e.end, today)}"
    return f"{head}\n   {body} · {tail}"


def _experiments(digest: Digest) -> list[Block]:
    running, ended = _ordered(digest.experiments)
    ordered = running + ended
    if not ordered:
        return _sections(["*Experiments*", f"_{NO_EXPERIMENTS}_"])
    shown = ordered[:DIGEST_EXPERIMENTS_SHOWN]
    lines = [f"*Experiments* ({len(running):,} running, {len(ended):,} ended)"]
    lines += [_experiment_line(s, digest.summary.as_of) for s in shown]
    more = more_text(len(shown), len(ordered), "experiments")
    if more:
        lines.append(f"_{more} — `/orbit experiment list` shows them all_")
    return _sections(lines)


def _history_alt(digest: Digest) -> str:
    points = digest.history
    if not points:
        return "Quadrant counts over time: no snapshots kept yet."
    first, last = points[0], points[-1]
    parts = [
        f"{COUNT_TITLES[key].split(' ')[0].lower()} {first.counts.get(key, 0):,} → "
        f"{last.counts.get(key, 0):,}"
        for key in COUNT_KEYS
        if key != "silent"
    ]
    return (
        f"Quadrant counts over {len(points):,} snapshots from {first.day.isoformat()} to "
        f"{last.day.isoformat()}: " + ", ".join(parts) + "."
    )


def _label(key: str | None) -> str:
    return _DASH if key is None else LABELS.get(key, key)


def _survey_alts(digest: Digest) -> dict[str, str]:
    overview = digest.surveys
    alts = {
        "maturity": "Platform maturity: the median level of each aspect.",
        "culture": "Team culture: the share of answers at each culture stage.",
        "journey": "Platform journey: how many people are at each step or later.",
    }
    if overview is None:
        return alts
    if overview.maturity:
        alts["maturity"] = "Platform maturity, median level per aspect: " + ", ".join(
            f"{_label(m.aspect)} {_label(m.median)}" for m in overview.maturity
        )
    if overview.culture is not None:
        alts["culture"] = "Team culture, share of answers per stage: " + ", ".join(
            f"{_label(stage)} {format_share(share)}" for stage, share in overview.culture.shares
        )
    if overview.journey is not None:
        alts["journey"] = "Platform journey, people at each step or later: " + ", ".join(
            f"{_label(step)} {count:,}" for step, count in overview.journey.funnel
        )
    return alts


def _survey_part(digest: Digest, pictures: Mapping[str, str]) -> list[Block]:
    """The survey overview, each survey picture right after the section it illustrates (or
    after the whole part when the overview has no such section)."""
    blocks = [] if digest.surveys is None else overview_blocks(digest.surveys)
    alts = _survey_alts(digest)
    for key in SURVEY_IMAGES:
        picture = _picture(pictures, key, alts[key])
        if not picture:
            continue
        lead = f"*{IMAGE_TITLES[key]}*"
        at = next(
            (
                i + 1
                for i, b in enumerate(blocks)
                if b.get("type") == "section" and b.get("text", {}).get("text", "").startswith(lead)
            ),
            len(blocks),
        )
        blocks[at:at] = picture
    return blocks


def digest_blocks(digest: Digest, *, images: Mapping[str, str] | None = None) -> list[Block]:
    """The weekly digest for the platform team's channel.

    In order: header and date; headline numbers (active members, each quadrant, silent) with
    their change since the last digest (no bracket without one); the orbit map; who moved up
    (and down) and who drifted away, at most ``MOVES_SHOWN`` each; the quadrant counts over
    time; who to listen to; the surveys (``overview_blocks``) with their pictures; the
    experiments, one line each. ``images`` maps a key of ``IMAGE_TITLES`` to a Slack file id.
    Platform team members are never listed. At most ``MAX_MESSAGE_BLOCKS`` blocks.
    """
    pictures: Mapping[str, str] = images or {}
    summary = digest.summary
    team = {t.id for t in summary.team}

    about = [f"As of {summary.as_of.isoformat()}", f"last {summary.window_days:,} days"]
    if summary.channel:
        channel = summary.channel
        about.append(
            f"<#{channel}>"
            if _CHANNEL_ID.match(channel)
            else "#" + escape_mrkdwn(clip(channel.lstrip("#"), NAME_MAX))
        )
    if digest.previous_as_of is None:
        about.append("first digest")
    blocks: list[Block] = [
        _header(f"Community digest · week {digest.period}"),
        _context(" · ".join(about)),
    ]
    blocks += _headline(digest)
    blocks += _picture(
        pictures,
        "orbit",
        f"Orbit map: {digest.active:,} active members placed by love (across) and reach (up).",
    )

    blocks.append(_divider())
    blocks += _movement(digest, team)
    blocks += _picture(pictures, "quadrants", _history_alt(digest))

    blocks.append(_divider())
    blocks += _listen(digest, team)

    blocks += _survey_part(digest, pictures)

    blocks.append(_divider())
    blocks += _experiments(digest)
    return _fit(blocks)


# --- the experiment form ------------------------------------------------------------------------


def _plain_text(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(" ".join(text.split()), limit) or " "}


def _option(text: str, value: str) -> dict[str, Any]:
    return {"text": _plain_text(text, MAX_OPTION_TEXT), "value": value[:MAX_OPTION_VALUE]}


def _input(
    block_id: str,
    label: str,
    element: dict[str, Any],
    *,
    optional: bool = False,
    hint: str | None = None,
) -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": _plain_text(label, MAX_INPUT_LABEL),
        "element": {**element, "action_id": block_id},
    }
    if optional:
        block["optional"] = True
    if hint:
        block["hint"] = _plain_text(hint, MAX_HINT)
    return block


def _text_input(
    value: str | None, placeholder: str, *, multiline: bool = False, max_length: int | None = None
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "placeholder": _plain_text(placeholder, MAX_PLACEHOLDER),
    }
    if multiline:
        element["multiline"] = True
    if max_length is not None:
        element["max_length"] = max_length
    if value:
        element["initial_value"] = value[:max_length] if max_length else value
    return element


def _select(
    options: Sequence[dict[str, Any]], chosen: str | None, placeholder: str
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "static_select",
        "placeholder": _plain_text(placeholder, MAX_PLACEHOLDER),
        "options": list(options),
    }
    initial = next((o for o in options if o["value"] == chosen), None)
    if initial is not None:
        element["initial_option"] = initial
    return element


def _date(value: str | None, default: date) -> str:
    if value and _DATE.fullmatch(value):
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    return default.isoformat()


def param_hint() -> str:
    """What the parameter is for each metric that needs one, from the catalogue."""
    quadrants = ", ".join(q.value for q in Quadrant) + " or silent"
    needs = {
        "quadrant": quadrants,
        "question": "set.question, e.g. pulse.satisfaction",
        "aspect": ", ".join(MATURITY_ASPECTS),
        "stage": ", ".join(CULTURE_STAGES),
    }
    examples = {Metric.ENPS: "set.question, e.g. pulse.enps"}
    parts = [
        f"{name}: {examples.get(metric, needs[need])}"
        for metric, (name, need) in CATALOGUE.items()
        if need is not None
    ]
    return "Only some metrics take one. " + " · ".join(parts) + "."


def _channel_element(channels: Sequence[tuple[str, str]], chosen: str | None) -> dict[str, Any]:
    if len(channels) < MAX_SELECT_OPTIONS:
        options = [_option("All channels", ALL_CHANNELS)]
        options += [_option(f"#{name.lstrip('#')}", channel_id) for channel_id, name in channels]
        return _select(options, chosen or ALL_CHANNELS, "All channels")
    # Too many channels for a static select: Slack's own picker (empty means all channels).
    element: dict[str, Any] = {
        "type": "conversations_select",
        "placeholder": _plain_text("All channels", MAX_PLACEHOLDER),
        "filter": {"include": ["public", "private"], "exclude_bot_users": True},
    }
    if chosen and chosen != ALL_CHANNELS:
        element["initial_conversation"] = chosen
    return element


def experiment_modal(
    channels: Sequence[tuple[str, str]],
    *,
    today: date,
    values: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The "New experiment" modal. ``channels`` are (id, name) pairs for the channel select
    (with an "All channels" option, value ``ALL_CHANNELS``; with 100 channels or more, Slack's
    conversation picker instead). ``values`` fills fields in (a field's ``block_id`` → value as
    ``read_experiment_form`` returns it), e.g. to reopen the form; start defaults to ``today``
    and end to ``DEFAULT_DAYS`` later, direction to "increase"."""
    given = dict(values or {})
    metrics = [_option(name, metric.value) for metric, (name, _) in CATALOGUE.items()]
    directions = [
        _option("Increase: at or above the target", "increase"),
        _option("Decrease: at or below the target", "decrease"),
    ]
    direction: dict[str, Any] = {"type": "radio_buttons", "options": directions}
    chosen_direction = given.get(DIRECTION) or "increase"
    initial = next((o for o in directions if o["value"] == chosen_direction), None)
    if initial is not None:
        direction["initial_option"] = initial
    blocks: list[Block] = [
        _context(
            "An experiment tests one change: what you expect, what you will do, and the number "
            "that tells. The baseline is measured when it starts; each weekly digest shows how "
            "it is going, and at the end it gets a verdict."
        ),
        _input(
            HYPOTHESIS,
            "Hypothesis",
            _text_input(
                given.get(HYPOTHESIS),
                "If we …, then …",
                multiline=True,
                max_length=TEXT_INPUT_MAX,
            ),
        ),
        _input(
            ACTION,
            "What we will do",
            _text_input(
                given.get(ACTION),
                "e.g. Office hours every Thursday in #platform-help",
                multiline=True,
                max_length=TEXT_INPUT_MAX,
            ),
        ),
        _input(METRIC, "Metric", _select(metrics, given.get(METRIC), "Pick a metric")),
        _input(
            PARAM,
            "Parameter",
            _text_input(given.get(PARAM), "e.g. multiplier or pulse.satisfaction", max_length=100),
            optional=True,
            hint=param_hint(),
        ),
        _input(
            CHANNEL,
            "Channel",
            _channel_element(channels, given.get(CHANNEL)),
            optional=True,
            hint="Measure the metric in one channel only, or across all of them.",
        ),
        _input(DIRECTION, "Direction", direction),
        _input(
            THRESHOLD,
            "Target",
            _text_input(given.get(THRESHOLD), "e.g. 12, 3.5 or 40%", max_length=20),
            hint="A number: a count (12), a score or level (3.5) or a share as a percentage (40%).",
        ),
        _input(
            START,
            "Start",
            {"type": "datepicker", "initial_date": _date(given.get(START), today)},
        ),
        _input(
            END,
            "End",
            {
                "type": "datepicker",
                "initial_date": _date(given.get(END), today + timedelta(days=DEFAULT_DAYS)),
            },
        ),
    ]
    return {
        "type": "modal",
        "callback_id": EXPERIMENT_CALLBACK,
        "title": _plain_text("New experiment", MAX_VIEW_TITLE),
        "submit": _plain_text("Start", MAX_VIEW_TITLE),
        "close": _plain_text("Cancel", MAX_VIEW_TITLE),
        "blocks": blocks,
    }


def _optional_str(value: Any, what: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise PayloadError(f"{what} is not text")


def _field_value(state_values: Mapping[str, Any], field: str) -> str | None:
    block = state_values.get(field)
    if not isinstance(block, Mapping):
        raise PayloadError(f"the experiment form has no {field!r} field")
    element = block.get(field)
    if not isinstance(element, Mapping):
        raise PayloadError(f"the experiment form's {field!r} field has no value")
    kind = element.get("type")
    if kind not in _FIELD_TYPES[field]:
        raise PayloadError(f"the experiment form's {field!r} field is not a known input")
    what = f"the {field!r} field's value"
    if kind in ("static_select", "radio_buttons"):
        option = element.get("selected_option")
        if option is None:
            return None
        if not isinstance(option, Mapping):
            raise PayloadError(f"{what} is not an option")
        return _optional_str(option.get("value"), what)
    if kind == "datepicker":
        day = _optional_str(element.get("selected_date"), what)
        if day is not None:
            try:
                date.fromisoformat(day)
            except ValueError:
                raise PayloadError(f"{what} is not a date") from None
            if not _DATE.fullmatch(day):
                raise PayloadError(f"{what} is not a date")
        return day
    if kind == "conversations_select":
        return _optional_str(element.get("selected_conversation"), what)
    if kind == "channels_select":
        return _optional_str(element.get("selected_channel"), what)
    return _optional_str(element.get("value"), what)


def read_experiment_form(state_values: Mapping[str, Any]) -> dict[str, str | None]:
    """Each field of ``EXPERIMENT_FIELDS`` → its value in the submitted ``view.state.values``:
    the option's value for selects and radio buttons, the ISO date for datepickers, the text for
    inputs; None when left empty. The channel is ``ALL_CHANNELS`` for "All channels".
    Values are returned as typed: ``bot.services.experiments.parse_form`` validates them.
    PayloadError when a field is missing or not shaped as Slack sends it."""
    if not isinstance(state_values, Mapping):
        raise PayloadError("the experiment form's state is not an object")
    return {field: _field_value(state_values, field) for field in EXPERIMENT_FIELDS}


def form_errors(errors: Mapping[str, str]) -> dict[str, Any]:
    """The ``ack`` payload showing each message under its field. Messages for a name that is not
    a field of the form are shown under the first field (Slack rejects unknown block ids)."""
    shown: dict[str, str] = {}
    for field, message in errors.items():
        text = clip(" ".join(message.split()), MESSAGE_MAX) or "Check this field."
        key = field if field in EXPERIMENT_FIELDS else HYPOTHESIS
        shown[key] = clip(f"{shown[key]} {text}", MESSAGE_MAX) if key in shown else text
    return {"response_action": "errors", "errors": shown}


# --- experiment answers -------------------------------------------------------------------------


def _entry(status: ExperimentStatus) -> str:
    e = status.experiment
    state = _outcome(status) if _ended(status) else f"*{_track_text(status.on_track)}*"
    return (
        f"*#{e.id}* · {_text(e.hypothesis, HYPOTHESIS_LINE_MAX)}\n"
        f"{_metric_label(e.spec)} · {_values_text(status)} · {state}\n"
        f"_{_dates(e)}_"
    )


def _group(title: str, statuses: Sequence[ExperimentStatus], limit: int, noun: str) -> list[str]:
    if not statuses:
        return []
    shown = statuses[:limit]
    lines = [f"*{title} ({len(statuses):,})*", *map(_entry, shown)]
    more = more_text(len(shown), len(statuses), noun)
    return [*lines, f"_{more}_"] if more else lines


def experiment_list_blocks(statuses: Sequence[ExperimentStatus]) -> list[Block]:
    """``/orbit experiment list``: running experiments (soonest end first), then ended ones
    (latest first), each with its hypothesis, metric, values, dates and verdict."""
    blocks: list[Block] = [_header("Experiments")]
    if not statuses:
        return [*blocks, *_sections([NO_EXPERIMENTS])]
    running, ended = _ordered(statuses)
    lines = _group("Running", running, RUNNING_SHOWN, "running experiments")
    if running and ended:
        lines.append("")
    lines += _group("Ended", ended, ENDED_SHOWN, "ended experiments")
    blocks += _sections(lines)
    blocks.append(_context("Values are measured at each weekly digest; the target is the goal."))
    return _fit(blocks)


def _outcome_blocks(status: ExperimentStatus, verb: str) -> list[Block]:
    e = status.experiment
    result = _verdict_of(status)
    meaning = {
        Verdict.MET: "The metric reached the target.",
        Verdict.NOT_MET: "The metric did not reach the target.",
        Verdict.NOT_ENOUGH_DATA: "There was no data for the metric at the end.",
    }[result]
    lines = [
        f"*Experiment #{e.id} {verb}: verdict {VERDICT_TEXT[result]}*",
        f"_{_text(e.hypothesis, HYPOTHESIS_MAX)}_",
        meaning,
    ]
    blocks = _sections(lines)
    blocks += _fields(
        [
            f"*Metric*\n{_metric_label(e.spec)}",
            f"*Target*\n{_target(e)}",
            f"*Baseline*\n{format_metric(e.spec, e.baseline)}",
            f"*Final*\n{format_metric(e.spec, status.current)}",
            f"*Ran*\n{_dates(e)}",
            f"*What we did*\n{_text(e.action, HYPOTHESIS_MAX)}",
        ]
    )
    return _fit(blocks)


def experiment_closed_blocks(status: ExperimentStatus) -> list[Block]:
    """The answer to closing an experiment by hand: its verdict and values."""
    return _outcome_blocks(status, "closed")


def experiment_verdict_blocks(status: ExperimentStatus) -> list[Block]:
    """The message posted when an experiment reaches its end date: its verdict and values."""
    return _outcome_blocks(status, "ended")


def experiment_started_blocks(experiment: Experiment) -> list[Block]:
    """The confirmation once an experiment starts, with the baseline just captured."""
    e = experiment
    baseline = (
        format_metric(e.spec, e.baseline)
        if e.baseline is not None
        else "no data yet (the first digest with data compares against the target)"
    )
    blocks = _sections(
        [
            f"*Experiment #{e.id} started*",
            f"_{_text(e.hypothesis, HYPOTHESIS_MAX)}_",
        ]
    )
    blocks += _fields(
        [
            f"*Metric*\n{_metric_label(e.spec)}",
            f"*Target*\n{_target(e)}",
            f"*Baseline*\n{baseline}",
            f"*Runs*\n{_dates(e)}",
            f"*What we will do*\n{_text(e.action, HYPOTHESIS_MAX)}",
        ]
    )
    blocks.append(
        _context(
            "Each weekly digest shows whether it is on track; at the end it gets a verdict: "
            "met, not met or not enough data."
        )
    )
    return _fit(blocks)
