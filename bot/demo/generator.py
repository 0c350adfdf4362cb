"""A seeded synthetic community, written out as a real Slack workspace export.

Why: demos, tests and the import benchmark need data that looks like a real workspace (threads,
reactions, mentions, system messages, the odd extra files importers must tolerate) and that shows
the orbit personas the product detects: multipliers, fans, sceptics, observers and silent members,
plus the platform team answering questions.

How: a *plan* (members, personas, channels, who joins when, who posts how often) is drawn first
from seeded ``random.Random`` instances; then each channel is generated day by day and every day
file is written as soon as it is complete, keeping only the replies still to come in memory. The
same profile, seed and end date give byte-identical output.
"""

from __future__ import annotations

import json
import math
import random
import string
import unicodedata
import zipfile
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from itertools import accumulate
from operator import itemgetter
from pathlib import Path
from typing import Any

from bot.adapters.slack.translate import SLACKBOT

Json = dict[str, Any]
Rng = random.Random

TEAM_ID = "T0DEMO"
BOT_NAME = "deploy-bot"
UNLISTED_CHANNEL = "legacy-migration"

DAY_S = 86_400
HOUR_US = 3_600_000_000
DAY_US = 24 * HOUR_US
#: Share of human messages that are thread replies.
REPLY_SHARE = 0.30
_RHO = REPLY_SHARE / (1 - REPLY_SHARE)
_SEP = (",", ":")


class Persona(StrEnum):
    """The ground truth behind each member's behaviour (what the orbit map should find)."""

    MULTIPLIER = "multiplier"
    FAN = "fan"
    SCEPTIC = "sceptic"
    OBSERVER = "observer"
    SILENT = "silent"
    TEAM = "team"


@dataclass(frozen=True)
class CommunityProfile:
    """Size and shape of the synthetic community."""

    members: int  # workspace users (humans), including the platform team
    channels: int  # community channels (besides the platform team channel)
    days: int  # history length, ending on `end`
    messages: int  # approximate number of messages (top-level + replies), +-10%
    team_size: int = 4
    silent_share: float = 0.45  # share of channel members who never post
    seed: int = 7


DEMO = CommunityProfile(members=160, channels=4, days=120, messages=4000)
#: The import benchmark's data set.
BENCHMARK = CommunityProfile(members=10_000, channels=40, days=365, messages=1_000_000)


@dataclass(frozen=True)
class ExportStats:
    """What was written. ``messages`` counts every message object in every day file (system
    messages and the unlisted folder included); ``replies`` those with a parent thread;
    ``reactions`` single reactions (one user, one emoji); ``mentions`` ``<@U…>`` in human
    messages; ``users``/``channels`` the entries of users.json/channels.json."""

    messages: int
    replies: int
    reactions: int
    mentions: int
    users: int
    channels: int
    files: int


# ---------------------------------------------------------------------------------------------
# Vocabulary. Small lists, many slots: the product of the choices keeps exact repeats rare.


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_FIRST = _words(
    "Ada Alan Grace Linus Margaret Ken Barbara Dennis Radia Guido Frances Tim Hedy Edsger "
    "Katherine Donald Anita Bjarne Sophie Yukihiro Joan Leslie Karen Niklaus Shafi Whitfield "
    "Mary Rasmus Jean Anders Lin Mei Wei Aiko Haruki Priya Arjun Ananya Rohan Fatima Omar Leila "
    "Yusuf Amara Kwame Chiamaka Tunde Zanele Sipho Lucía Mateo Camila Diego Valentina João "
    "Beatriz Thiago Zoë Lukas Léa Jonas Émile Marta Łukasz Agnieszka Søren Ingrid Björn "
    "Aleksandr Olga Dmitri Noa Eitan Ayşe Emre Nikos Eleni Siobhan Ciarán Aoife Hamish Isla"
)
_LAST = _words(
    "Lovelace Turing Hopper Torvalds Hamilton Thompson Liskov Ritchie Perlman Rossum Allen "
    "Berners-Lee Lamarr Dijkstra Johnson Knuth Borg Stroustrup Wilson Matsumoto Clarke Lamport "
    "Jones Wirth Goldwasser Diffie Smith Lerdorf Sammet Hejlsberg Chen Wang Zhang Tanaka Sato "
    "Sharma Patel Iyer Gupta Khan Haddad Nasser Yilmaz Okafor Mensah Adeyemi Ndlovu Dlamini "
    "García Fernández López Martínez Silva Santos Oliveira Müller Schmidt Fischer Dubois "
    "Lefèvre Rossi Bianchi Nowak Kowalski Wiśniewska Hansen Nielsen Johansson Lindqvist Ivanov "
    "Petrova Cohen Levi Papadopoulos O'Brien Murphy Kelly MacLeod Campbell Novák Horváth Kim "
    "Park Nguyen Tran"
)

_TOPICS = (
    "the deploy pipeline",
    "the golden path",
    "the service template",
    "the staging cluster",
    "the prod cluster",
    "Argo CD",
    "the Helm charts",
    "the developer portal",
    "Backstage",
    "the platform docs",
    "the on-call rotation",
    "the CI runners",
    "the build cache",
    "the Terraform modules",
    "Vault",
    "the ingress setup",
    "the service mesh",
    "the observability stack",
    "the Grafana dashboards",
    "the alerting rules",
    "the log pipeline",
    "the preview environments",
    "the scaffolder",
    "the platform CLI",
    "the API gateway",
    "the cost dashboard",
    "the SLO reports",
    "the runbooks",
    "the feature flag service",
    "the container registry",
    "the base images",
    "Renovate",
    "the canary rollouts",
    "the database operator",
    "the self-service portal",
    "the onboarding guide",
    "the platform roadmap",
    "the secrets rotation",
    "the Kafka setup",
    "the cluster autoscaler",
    "GitHub Actions",
    "the release train",
    "the tracing setup",
    "the tech radar",
    "the paved road",
    "the k8s upgrade",
    "the network policies",
    "the namespace quotas",
)
_SVC_A = _words(
    "payments checkout search billing auth ledger catalog inventory notifications profile "
    "reporting shipping pricing orders identity gateway analytics recommendations fraud "
    "loyalty media invoices onboarding sessions accounts cart tax subscriptions wallet "
    "messaging feeds routing warehouse returns reviews coupons partners"
)
_SVC_B = ("api", "service", "worker", "web", "consumer", "jobs", "cron", "sync")
_ENVS = ("dev", "staging", "prod", "prod-eu", "prod-us", "sandbox", "qa", "perf")
_FEATURES = (
    "auto-rollback",
    "the new pipeline syntax",
    "ephemeral environments",
    "the cost report",
    "SSO for the portal",
    "the secrets sync",
    "the service scorecards",
    "multi-region deploys",
    "the new base image",
    "the approval step",
    "PR previews",
    "self-service databases",
    "the dependency dashboard",
    "the on-call handover bot",
    "the template upgrade command",
    "the build insights page",
    "the OpenTelemetry exporter",
    "namespace quotas",
    "the golden path for Python",
    "the golden path for Java",
    "the Go service template",
    "the deploy freeze calendar",
    "the new runner images",
    "drift detection",
)
_ACTIONS = (
    "roll back a deploy",
    "rotate a secret",
    "add a new environment",
    "bump the base image",
    "get access to the prod cluster",
    "set up alerts",
    "create a new service from the template",
    "debug a failing pipeline",
    "increase the memory limit",
    "add a custom domain",
    "run database migrations",
    "cache dependencies in CI",
    "promote a release to prod",
    "enable tracing",
    "request a new namespace",
    "skip the flaky tests",
    "pin a Helm chart version",
    "set up a cron job",
    "expose a service internally",
    "connect to the staging database",
    "onboard a new team",
    "upgrade to the latest template",
)
_FIXES = (
    "clearing the build cache",
    "re-running the job with debug logs on",
    "bumping the chart version",
    "adding the team label to the namespace",
    "re-syncing the app in Argo",
    "using the v2 pipeline template",
    "restarting the runner",
    "setting the resource requests explicitly",
    "regenerating the token in the portal",
    "merging main into your branch",
    "deleting the stuck pod",
    "adding the service to the catalog first",
    "switching to the shared runners",
    "running the template upgrade",
)
_DOCS = (
    "the getting started guide",
    "the troubleshooting page",
    "the golden path docs",
    "the FAQ in the portal",
    "the migration guide",
    "the runbook",
    "the pinned message",
    "the README of the template",
    "the ADR on this",
    "the office hours notes",
    "the platform handbook",
)
_TOOLS = (
    "kubectl",
    "helm",
    "terraform",
    "the platform CLI",
    "argocd",
    "docker",
    "gradle",
    "poetry",
    "node",
    "the VS Code plugin",
    "pnpm",
    "go",
)
_POS = (
    "great",
    "awesome",
    "excellent",
    "amazing",
    "really nice",
    "super smooth",
    "brilliant",
    "perfect",
    "wonderful",
    "so much better",
    "really good",
    "impressive",
    "delightful",
    "fantastic",
    "nice and easy",
)
_NEG = (
    "terrible",
    "awful",
    "really bad",
    "horrible",
    "painful",
    "frustrating",
    "confusing",
    "broken",
    "annoying",
    "useless",
    "so slow",
    "disappointing",
    "ridiculous",
    "worse than before",
    "a bad experience",
)
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
_PERIODS = ("sprint", "week", "month", "quarter")
_WHEN = ("today", "tomorrow", "this week", "on Monday", "after the freeze", "in the next release")
_ARTIFACTS = ("pipeline link", "error log", "values file", "namespace name", "trace id", "PR")
_STAGES = ("build", "test", "scan", "package", "deploy", "smoke-test")


def _dur(r: Rng) -> str:
    x = r.random()
    if x < 0.45:
        return f"{r.randint(3, 55)} minutes"
    if x < 0.8:
        return f"{r.randint(2, 9)} hours"
    return r.choice(("half a day", "a whole afternoon", "two days", "most of the morning"))


def _ver(r: Rng) -> str:
    return f"{r.randint(1, 4)}.{r.randint(0, 19)}.{r.randint(0, 9)}"


_SLOTS: dict[str, Callable[[Rng], str]] = {
    "topic": lambda r: r.choice(_TOPICS),
    "svc": lambda r: f"{r.choice(_SVC_A)}-{r.choice(_SVC_B)}",
    "env": lambda r: r.choice(_ENVS),
    "feature": lambda r: r.choice(_FEATURES),
    "action": lambda r: r.choice(_ACTIONS),
    "fix": lambda r: r.choice(_FIXES),
    "doc": lambda r: r.choice(_DOCS),
    "tool": lambda r: r.choice(_TOOLS),
    "pos": lambda r: r.choice(_POS),
    "neg": lambda r: r.choice(_NEG),
    "n": lambda r: str(r.randint(2, 99)),
    "mm": lambda r: f"{r.randrange(60):02d}",
    "build": lambda r: str(r.randint(1000, 99999)),
    "ver": _ver,
    "dur": _dur,
    "weekday": lambda r: r.choice(_WEEKDAYS),
    "hh": lambda r: str(r.randint(8, 17)),
    "period": lambda r: r.choice(_PERIODS),
    "when": lambda r: r.choice(_WHEN),
    "artifact": lambda r: r.choice(_ARTIFACTS),
    "stage": lambda r: r.choice(_STAGES),
}

_Template = tuple[tuple[str, Callable[[Rng], str] | None], ...]


def _compile(texts: Sequence[str]) -> tuple[_Template, ...]:
    """Pre-parse ``{slot}`` templates so rendering only calls the slots a template uses."""
    out = []
    for t in texts:
        parts = tuple(
            (lit, _SLOTS[name] if name else None) for lit, name, _, _ in string.Formatter().parse(t)
        )
        out.append(parts)
    return tuple(out)


# Indexed by mood: 0 neutral, 1 positive, 2 negative.
_TOP = (
    _compile(
        (
            "how do I {action} for {svc} in {env}?",
            "does {topic} support {feature} yet? asking for {svc}",
            "is there a runbook for how to {action} in {env}? {svc} needs it",
            "we are planning to move {svc} to {topic} next {period}, any gotchas?",
            "where can I find the docs for {feature}? {svc} wants to try it in {env}",
            "what is the recommended way to {action} with {topic} for {svc}?",
            "anyone else seeing timeouts from {svc} in {env}? started around {hh}:{mm}",
            "opened ticket PLAT-{build} about {feature} for {svc}",
            "trying to {action} for {svc}, which {tool} version should I use?",
            "is {feature} available in {env} or only in prod? {svc} needs it",
            "who owns {topic} these days? {svc} has a question about {feature}",
            "before I {action}: do I need an approval for {svc} in {env}?",
            "{svc} build #{build} is waiting on {topic}, is that expected?",
            "question about {topic}: can {svc} {action} on its own or do we ask the team?",
            "{svc} in {env} shows {n} restarts since the {topic} change, expected?",
        )
    ),
    _compile(
        (
            "{topic} is {pos} now, {svc} went to {env} in {n} minutes",
            "just migrated {svc} to {topic} and it was {pos}",
            "huge thanks to the platform folks, {topic} is {pos} for {svc}",
            "{feature} is {pos}, {svc} uses it since {weekday} :tada:",
            "{svc} is finally on the golden path, took {dur}. {pos} work",
            "{pos} experience with {topic} today, {svc} had zero surprises",
            "shoutout: {feature} saved us {dur} this {period} on {svc}",
            "tried {feature} on {svc}, honestly {pos}",
            "the new docs for {topic} are {pos}, found everything in {n} seconds",
            "we went from {dur} to {n} minutes per deploy with {topic}, {pos}",
            "PSA: {feature} makes it {pos} to {action}, tried it on {svc}",
            "first deploy of {svc} via {topic}, {pos} :rocket:",
            "{n} services of ours are on {topic} now and it is {pos}",
        )
    ),
    _compile(
        (
            "{topic} is {neg} again, {svc} has been stuck for {n} minutes",
            "honestly {topic} feels {neg}, I lost {dur} trying to {action}",
            "build #{build} failed on {topic} for the third time, this is {neg}",
            "why is it still so {neg} to {action}? we waste {dur} every {period}",
            "not a fan of {feature}, it is {neg} and {svc} did fine without it",
            "{env} deploys of {svc} are {neg} since the {topic} change",
            "{topic} docs are {neg}, nothing matches what {tool} {ver} does",
            "the approval step on {topic} is {neg}, {svc} missed the release window",
            "we keep fighting {topic} on {svc}, {neg} for a team our size",
            "{feature} broke {svc} in {env}, {neg}",
            "I really don't get why {svc} needs {topic}, it feels {neg}",
            "another {period}, another {topic} outage, {n} minutes down. {neg}",
        )
    ),
)
_DISCUSS = (
    _compile(
        (
            "how does this work with {feature} on {svc} in {env}?",
            "did you try it in {env} first? we did that for {svc} in {n} minutes",
            "curious how long it takes to {action} for {svc} now, used to be {dur}",
            "we do it a bit differently for {svc}: {fix}, works since {ver}",
            "would love to see this in {doc}, {svc} and {n} other services could use it",
            "does this also apply to {svc} on {tool} {ver}?",
            "what about teams still on {tool} {ver}? {svc} is one of them",
            "is there a ticket for this? PLAT-{build}?",
            "interesting, we saw the same on {svc} last {period}, {n} times",
            "how many services use this already? we have {n} on {topic}, {svc} is next",
        )
    ),
    _compile(
        (
            "+1, {topic} has been {pos} for {svc} too",
            "this is {pos}, we should do the same for {svc} in {env}, {n} deploys a day",
            "agree, {pos} writeup, sharing it with the {svc} folks, they run {n} services",
            "{pos} idea, {feature} would help {svc} a lot",
            "this saved me {dur} on {svc} with {topic}, thanks",
            "same experience on {svc} in {env} since {ver}, {pos}",
        )
    ),
    _compile(
        (
            "same here, {topic} is {neg} for {svc} too",
            "honestly I agree, trying to {action} is {neg} on {svc}",
            "we gave up on {feature} for {svc}, it was {neg}",
            "{neg}, {svc} hit this {n} times this {period}",
            "not convinced, {topic} still feels {neg} to me after {dur}",
            "this is exactly why {svc} stayed off {topic}, {neg}",
        )
    ),
)
_ANSWER = (
    _compile(
        (
            "try {fix} and re-run #{build}, that should do it for {svc}",
            "this is covered in {doc}, section on {topic}, step {n}",
            "you need to {action} first, then re-run #{build}",
            "we had the same thing on {svc}, {fix} fixed it in {n} minutes",
            "can you share the {artifact} for {svc}? the one from {env} around {hh}:{mm}",
            "looking into it now, probably {topic} in {env}, {svc} looks fine on our side",
            "known issue with {topic}, a fix goes out {when} (PLAT-{build})",
            "which {tool} version is {svc} on? we need {ver} or newer",
            "I can pair with you on {svc} at {hh}:{mm}, bring the {artifact}",
            "just merged a fix, can you retry build #{build}?",
            "that is expected in {env} for {svc}, check {doc}",
            "thanks for flagging, tracking it in PLAT-{build}",
            "I'll add this to {doc}, {svc} and {n} others asked this {period}",
            "looks like {svc} is still on {tool} {ver}, please upgrade",
        )
    ),
    _compile(
        (
            "good news, {feature} handles this since {ver}, see {doc}",
            "great question! {fix} works for {svc}, and {doc} has the details",
            "nice catch, fixed in {ver}, {svc} picks it up on the next deploy",
            "glad it helped, {doc} is updated too (PLAT-{build})",
        )
    ),
    _compile(
        (
            "sorry, that is a bad bug in {topic}, we are on it (PLAT-{build})",
            "yeah {topic} is painful right now, {fix} is the workaround until {ver}",
            "ugh, {topic} is broken for {env}, rollback of {svc} in progress",
        )
    ),
)
_FOLLOWUP = (
    _compile(
        (
            "ok, trying that on {svc} now, build #{build}",
            "will check {svc} in {env} and report back by {hh}:{mm}",
            "{svc} is on {tool} {ver}",
            "here you go: build #{build}",
            "it only happens in {env}, {n} times so far on {svc}",
            "the {artifact} is in PLAT-{build}",
        )
    ),
    _compile(
        (
            "thanks, that worked, {svc} is on {ver} now :pray:",
            "perfect, build #{build} is green, thank you!",
            "great, {svc} is green again after {n} failed runs",
            "awesome, that fixed {svc} in {env}, deploy took {n} seconds",
            "nice, {fix} did the trick for {svc} in {env}",
            "that was fast, {svc} is back after {n} minutes, thanks a lot",
        )
    ),
    _compile(
        (
            "still failing on #{build}, same error",
            "nope, {svc} is still broken on {env}, see #{build}",
            "that didn't help, {svc} is still {neg} in {env}",
            "tried {fix} on {svc}, no luck. {neg}",
        )
    ),
)
_TEAM_POST = (
    _compile(
        (
            "reminder: platform office hours on {weekday} at {hh}:{mm} UTC, topic: {topic}",
            "maintenance window for {topic} on {weekday} at {hh}:{mm}, {env} only",
            "we are collecting feedback on {feature}, {n} answers so far, {svc} went first",
            "heads up: {topic} moves to version {ver} next {period}",
            "RFC: changing how we {action}, comments welcome in PLAT-{build}",
            "{feature} is now in beta for {env}, {svc} is the first user",
        )
    ),
    _compile(
        (
            ":rocket: {feature} is live, {pos} work everyone (PLAT-{build})",
            "new in {topic} {ver}: {feature}. Feedback very welcome!",
            "{feature} {ver} shipped, deploys are {n}% faster :tada:",
            "thanks to the {svc} team for testing {feature}, it is {pos}",
        )
    ),
    _compile(
        (
            "incident: {topic} is degraded in {env} since {hh}:{mm}, we are on it (PLAT-{build})",
            "sorry for the {neg} deploys yesterday, postmortem in PLAT-{build}",
            "known issue: {feature} {ver} is broken for {svc}, workaround in thread",
        )
    ),
)
_PLATFORM_TALK = (
    _compile(
        (
            "standup: working on {feature} today, PLAT-{build}",
            "who is on call for {env} this week? {svc} asked about PLAT-{build}",
            "can someone review my PR for {topic}? #{build}",
            "planning for next {period}: {feature} and {topic} cleanup, {n} points",
            "the help channel had {n} questions about {topic} this week, {svc} asked most",
            "should we deprecate {feature}? only {n} teams use it, {svc} included",
        )
    ),
    _compile(
        (
            "{feature} adoption is up again, {n} teams now, {pos}",
            "{svc} team migrated to {topic}, {pos} feedback",
            "the office hours were {pos} today, {n} people came, mostly about {topic}",
        )
    ),
    _compile(
        (
            "the {topic} alerts were {neg} last night, {n} pages",
            "we need to talk about {feature}, the feedback from {svc} is {neg}",
            "pager went off {n} times for {svc} in {env}, {neg}",
        )
    ),
)
_DETAIL = _compile(
    (
        " We are on {tool} {ver}.",
        " Only happens in {env}.",
        " Logs are in the thread.",
        " Ticket is PLAT-{build}.",
        " It's for {svc}.",
        " Happened twice since {weekday}.",
        " Not urgent.",
        " Blocking our release though.",
        " Build #{build} if that helps.",
        " Context: {svc} in {env}.",
    )
)
_REPLY_OPENERS = ("yep, ", "ah, ", "hmm, ", "ok ", "so ", "fwiw ", "update: ", "btw ")
_OPENERS = (
    "hey folks, ",
    "hi all, ",
    "quick question: ",
    "fwiw ",
    "ok so ",
    "heads up: ",
    "hmm, ",
    "morning! ",
    "update: ",
    "so ",
    "random thought: ",
    "team, ",
)
_CLOSERS = (
    (" any ideas?", " :thinking_face:", " :eyes:", " lmk", " thanks!", " :pray:", "?"),
    (" :tada:", " :rocket:", " :raised_hands:", "!", " thanks!", " :100:", " :heart:"),
    (" :disappointed:", " :sweat_smile:", " (again)", "...", " :face_palm:", " sigh", "!"),
)
_EMOJI = (
    ("+1", "eyes", "white_check_mark", "pray", "thinking_face", "bulb", "raised_hands"),
    ("tada", "heart", "raised_hands", "rocket", "100", "+1", "clap", "fire", "star-struck"),
    ("eyes", "sweat_smile", "-1", "confused", "scream", "disappointed", "+1", "bug"),
)
_FILES = (
    ("pipeline-error.log", "text/plain", "text"),
    ("screenshot.png", "image/png", "png"),
    ("values.yaml", "text/plain", "yaml"),
    ("Dockerfile", "text/plain", "text"),
    ("deploy-plan.pdf", "application/pdf", "pdf"),
    ("grafana-panel.png", "image/png", "png"),
    ("trace.json", "application/json", "json"),
    ("terraform-plan.txt", "text/plain", "text"),
    ("architecture.png", "image/png", "png"),
    ("notes.md", "text/plain", "markdown"),
)
_CHANNEL_NAMES = (
    "general",
    "help-platform",
    "random",
    "kubernetes",
    "ci-cd",
    "observability",
    "golden-paths",
    "dev-portal",
    "terraform",
    "security",
    "on-call",
    "docs",
    "announcements",
    "databases",
    "service-mesh",
    "secrets",
    "cloud-cost",
    "incident-review",
    "frontend-platform",
    "data-platform",
    "ml-platform",
    "release-train",
    "api-gateway",
    "feature-flags",
    "testing",
    "performance",
    "mobile-ci",
    "backstage",
    "gitops",
    "sre",
    "dx-feedback",
    "platform-roadmap",
    "infra-requests",
    "networking",
    "logging",
    "tracing",
    "alerts",
    "build-cache",
    "containers",
    "help-python",
    "help-java",
    "help-golang",
    "help-node",
)
# Hour-of-day weights (UTC): a European day with an American afternoon tail.
_HOUR_W = (1, 1, 1, 1, 1, 2, 4, 8, 16, 24, 28, 28, 22, 26, 28, 28, 25, 20, 14, 10, 7, 4, 2, 1)
_HOURS = tuple(h for h, w in enumerate(_HOUR_W) for _ in range(w))

# Persona parameters.
_POST_RATE = {
    Persona.MULTIPLIER: 1.0,
    Persona.FAN: 0.45,
    Persona.OBSERVER: 0.035,
    Persona.TEAM: 0.6,
}
_ENGAGE = {Persona.MULTIPLIER: 1.0, Persona.FAN: 0.7, Persona.OBSERVER: 0.1, Persona.SCEPTIC: 0.08}
_REACT = {Persona.MULTIPLIER: 0.6, Persona.FAN: 0.5, Persona.OBSERVER: 1.0, Persona.SCEPTIC: 0.1}
# (positive, negative) probabilities of a message's mood.
_MOOD = {
    Persona.MULTIPLIER: (0.5, 0.12),
    Persona.FAN: (0.6, 0.08),
    Persona.SCEPTIC: (0.1, 0.6),
    Persona.OBSERVER: (0.25, 0.2),
    Persona.TEAM: (0.35, 0.05),
}


@dataclass(frozen=True, slots=True)
class _ThreadShape:
    """Base chance that a top-level message gets a thread, how long threads run (continuation
    probability of a geometric length), the share of answers from the platform team and how
    often the author follows up in their own thread."""

    chance: float
    more: float
    team: float
    author: float

    @property
    def mean(self) -> float:
        return self.chance / (1 - self.more)


_SCEPTIC_SIZES = (5, 12)
_SCEPTIC_THREAD = sum(_SCEPTIC_SIZES) / 2
_SHAPES = {
    Persona.MULTIPLIER: _ThreadShape(0.26, 0.55, 0.15, 0.25),
    Persona.FAN: _ThreadShape(0.14, 0.40, 0.99, 0.35),
    Persona.OBSERVER: _ThreadShape(0.45, 0.45, 0.97, 0.40),
    Persona.TEAM: _ThreadShape(0.18, 0.50, 0.15, 0.30),
    Persona.SCEPTIC: _ThreadShape(1.0, 0.0, 0.12, 0.20),
}


# ---------------------------------------------------------------------------------------------
# The plan.


@dataclass(slots=True)
class _Member:
    idx: int
    uid: str
    name: str
    real_name: str
    display_name: str
    persona: Persona
    energy: float
    start: int = 0  # first day the member shows up
    stop: int = 0  # first day without any activity (``days`` if they never stop)
    ramp: bool = False  # activity fades in over a few weeks
    pulled_in: bool = False  # first activity is a reply in someone else's thread
    deleted: bool = False
    channels: list[int] = field(default_factory=list)


@dataclass(slots=True)
class _Seat:
    """A member in one channel: when they join and how much they post, reply and react there."""

    member: int
    join_day: int  # day of the channel_join message, -1 for none
    active_from: int
    stop: int
    poster: float
    engager: float
    reactor: float
    ramp: bool

    def schedule(self, ramp_len: int) -> list[tuple[int, float]]:
        """(day, activity factor) changes; the factor is 0 before the first entry."""
        if self.active_from >= self.stop:
            return []
        if self.ramp:
            steps = [(self.active_from + i * ramp_len, (i + 1) / 4) for i in range(4)]
            out = [s for s in steps if s[0] < self.stop]
        else:
            out = [(self.active_from, 1.0)]
        return [*out, (self.stop, 0.0)]


@dataclass(slots=True)
class _Channel:
    idx: int
    cid: str
    name: str
    kind: str  # general, help, random, topic, platform
    attract: float
    created: int
    created_us: int = 0
    creator: int = 0
    members: list[int] = field(default_factory=list)
    seats: list[_Seat] = field(default_factory=list)
    # (day, subtype, member, value) for channel_topic / channel_purpose messages
    settings: list[tuple[int, str, int, str]] = field(default_factory=list)
    bot_days: list[tuple[int, str]] = field(default_factory=list)  # (day, "bot"|"app"|"slackbot")
    has_bot: bool = False  # the deploy-bot user is a member


@dataclass(slots=True)
class _Plan:
    profile: CommunityProfile
    days: int
    day0: int  # epoch day of the first day
    members: list[_Member]
    team: list[int]
    channels: list[_Channel]
    bot_uid: str
    bot_id: str
    incident: list[bool]
    ramp_len: int
    scale: float = 0.0
    mass: list[float] = field(default_factory=list)
    # (channel, day) -> sceptics posting there that day; -> (thread starter, pulled-in member)
    sceptic_posts: dict[tuple[int, int], list[int]] = field(default_factory=dict)
    pullins: dict[tuple[int, int], list[tuple[int, int]]] = field(default_factory=dict)
    file_ids: set[str] = field(default_factory=set)


def _make_id(r: Rng, prefix: str, used: set[str]) -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
    while True:
        out = prefix + "0" + "".join(r.choice(alphabet) for _ in range(8))
        if out not in used:
            used.add(out)
            return out


def _ascii(s: str) -> str:
    s = s.replace("Ł", "L").replace("ł", "l").replace("ø", "o").replace("Ø", "O")
    s = unicodedata.normalize("NFKD", s)
    return "".join(c for c in s if c.isascii() and (c.isalnum() or c == "-")).lower()


def _lognormal(r: Rng, sigma: float) -> float:
    """Heavy-tailed factor with mean 1."""
    return math.exp(r.gauss(-sigma * sigma / 2, sigma))


def _validate(p: CommunityProfile) -> None:
    if p.team_size < 1:
        raise ValueError("team_size must be at least 1")
    if p.members < p.team_size + 5:
        raise ValueError("members must exceed team_size by at least 5")
    if p.channels < 1 or p.days < 1 or p.messages < 0:
        raise ValueError("channels and days must be positive, messages not negative")
    if not 0 <= p.silent_share < 1:
        raise ValueError("silent_share must be in [0, 1)")


def _persona_counts(p: CommunityProfile) -> list[Persona]:
    community = p.members - p.team_size
    mult = max(1, round(0.04 * community))
    fan = max(1, round(0.12 * community))
    scep = max(1, round(0.06 * community))
    silent = min(round(p.silent_share * community), community - mult - fan - scep - 1)
    obs = community - mult - fan - scep - silent
    return (
        [Persona.MULTIPLIER] * mult
        + [Persona.FAN] * fan
        + [Persona.SCEPTIC] * scep
        + [Persona.OBSERVER] * obs
        + [Persona.SILENT] * max(0, silent)
    )


def _make_members(p: CommunityProfile) -> list[_Member]:
    """Humans with names, ids and personas; depends on the profile's seed only."""
    r = Rng(f"{p.seed}:members")
    personas = _persona_counts(p)
    r.shuffle(personas)
    personas = [Persona.TEAM] * p.team_size + personas
    used_ids: set[str] = {SLACKBOT}
    used_names: dict[str, int] = {}
    out = []
    for i, persona in enumerate(personas):
        first, last = r.choice(_FIRST), r.choice(_LAST)
        base = f"{_ascii(first)}.{_ascii(last)}"
        n = used_names.get(base, 0) + 1
        used_names[base] = n
        name = base if n == 1 else f"{base}{n}"
        x = r.random()
        display = (
            _ascii(first)
            if x < 0.4
            else ""
            if x < 0.7
            else first
            if x < 0.9
            else f"{first} {last[0]}"
        )
        out.append(
            _Member(
                idx=i,
                uid=_make_id(r, "U", used_ids),
                name=name,
                real_name=f"{first} {last}",
                display_name=display,
                persona=persona,
                energy=_lognormal(r, 0.7),
            )
        )
    return out


def member_personas(profile: CommunityProfile = DEMO) -> dict[str, Persona]:
    """Ground truth: user id -> persona for every human the generator writes (the deleted user
    included). Useful to check that scoring finds what the data was built to show."""
    _validate(profile)
    return {m.uid: m.persona for m in _make_members(profile)}


def _weekday_factor(epoch_day: int) -> float:
    return 0.2 if (epoch_day + 3) % 7 >= 5 else 1.0


def _activity_windows(r: Rng, members: list[_Member], days: int) -> None:
    """Who starts late (fading in), who is pulled in, who drifts away, who was deleted."""
    for m in members:
        m.stop = days
    active = [m for m in members if m.persona not in (Persona.SILENT, Persona.TEAM)]
    mults = [m for m in active if m.persona is Persona.MULTIPLIER]
    drifter = mults[0] if mults and days >= 40 else None
    if drifter is not None:
        drifter.stop = days - 31 - r.randrange(max(1, days // 12))
    observers = [m for m in active if m.persona is Persona.OBSERVER]
    deleted = observers[-1] if len(observers) >= 2 else None
    if deleted is not None:
        deleted.deleted = True
        deleted.stop = max(2, days // 3)
    late_lo, late_hi = max(1, days // 10), max(1, int(days * 0.7))
    if days < 10:
        return
    share = {Persona.MULTIPLIER: 0.15, Persona.FAN: 0.2, Persona.OBSERVER: 0.2}
    for m in active:
        if m is drifter or m is deleted or m.persona not in share:
            continue
        if r.random() < share[m.persona]:
            m.start, m.ramp = r.randint(late_lo, late_hi), True
            m.pulled_in = m.persona is not Persona.MULTIPLIER and r.random() < 0.4
    if not any(m.pulled_in for m in active):
        pool = [m for m in active if m.persona in (Persona.FAN, Persona.OBSERVER)]
        pool = [m for m in pool if m is not deleted] or pool
        if pool:
            m = pool[0]
            if not m.ramp:
                m.start, m.ramp = r.randint(late_lo, late_hi), True
            m.pulled_in = True


def _make_channels(
    r: Rng, p: CommunityProfile, members: list[_Member], team: list[int], platform_channel: str
) -> list[_Channel]:
    names = [n for n in _CHANNEL_NAMES if n not in (platform_channel, UNLISTED_CHANNEL)]
    i = 2
    while len(names) < p.channels:
        names += [f"{n}-{i}" for n in _CHANNEL_NAMES[3:] if f"{n}-{i}" != platform_channel]
        i += 1
    used_ids: set[str] = set()
    days = p.days
    chans = []
    for idx, name in enumerate(names[: p.channels]):
        kind = (
            "general"
            if idx == 0
            else "help"
            if name.startswith("help")
            else "random"
            if name == "random"
            else "topic"
        )
        attract = {"general": 1.5, "help": 3.0, "random": 0.6, "topic": 1.0}[kind]
        attract *= _lognormal(r, 0.5) if kind == "topic" else 1.0
        late = kind == "topic" and days >= 20 and r.random() < 0.3
        created = r.randint(1, days // 2) if late else 0
        chans.append(_Channel(idx, _make_id(r, "C", used_ids), name, kind, attract, created))
    chans.append(
        _Channel(len(chans), _make_id(r, "C", used_ids), platform_channel, "platform", 1.0, 0)
    )
    return chans


def _join_memberships(r: Rng, plan: _Plan) -> None:
    """Who is a member of which channel (general: everyone; the platform channel: the team)."""
    community = plan.channels[:-1]
    popularity = list(accumulate(c.attract for c in community[1:]))
    for m in plan.members:
        if m.persona is Persona.TEAM:
            m.channels = [c.idx for c in plan.channels]
            continue
        chosen = [0]
        extra = 0
        while r.random() < 0.72 and extra < len(community) - 1:
            extra += 1
        while len(chosen) < extra + 1 and popularity:
            pick = 1 + bisect_right(popularity, r.random() * popularity[-1])
            if pick not in chosen:
                chosen.append(pick)
        m.channels = sorted(chosen)
    for m in plan.members:
        for c in m.channels:
            plan.channels[c].members.append(m.idx)


def _seat_channels(r: Rng, plan: _Plan) -> None:
    """Join days, activity windows and per-channel rates for every member of every channel."""
    days = plan.days
    spread = min(14, days // 8)
    team = plan.team
    for ch in plan.channels:
        if ch.kind == "platform":
            ch.creator = team[0]
        elif ch.kind in ("general", "help"):
            ch.creator = team[r.randrange(len(team))]
        else:
            mults = [
                i
                for i in ch.members
                if plan.members[i].persona is Persona.MULTIPLIER
                and not plan.members[i].pulled_in
                and plan.members[i].start == 0
                and plan.members[i].stop > ch.created + 1
            ]
            ch.creator = r.choice(mults) if mults else team[r.randrange(len(team))]
        ch.created_us = (plan.day0 + ch.created) * DAY_US + r.randrange(60, 1800) * 1_000_000
    for m in plan.members:
        if m.persona is Persona.SILENT:
            continue
        weights = [plan.channels[c].attract * _lognormal(r, 0.6) for c in m.channels]
        if m.persona is Persona.TEAM:
            weights[-1] = 0.55 * sum(weights[:-1]) + 1e-9
        total = sum(weights)
        for c, w in zip(m.channels, weights, strict=True):
            ch = plan.channels[c]
            base = max(m.start, ch.created)
            if m.idx == ch.creator:
                join: int | None = ch.created
            elif m.pulled_in:
                join = None
            elif m.persona is Persona.TEAM:
                join = ch.created + r.randrange(2)
            elif m.start == 0:
                join = base + r.randrange(spread + 1)
            else:
                join = base + (0 if ch.kind == "general" else r.randrange(4))
            active_from = (join if join is not None else base) + 1
            join_day = join if join is not None and join < min(days, m.stop) else -1
            persona = m.persona
            team_here = persona is Persona.TEAM
            energy = 1.0 if team_here else m.energy
            platform = ch.kind == "platform"
            ch.seats.append(
                _Seat(
                    member=m.idx,
                    join_day=join_day,
                    active_from=active_from,
                    stop=m.stop,
                    poster=_POST_RATE.get(persona, 0.0) * energy * w / total,
                    engager=(1.0 if platform else 0.0)
                    if team_here
                    else _ENGAGE[persona] * m.energy**0.5,
                    reactor=(1.0 if platform else 0.0)
                    if team_here
                    else _REACT[persona] * m.energy**0.5,
                    ramp=m.ramp,
                )
            )


def _plan_events(r: Rng, plan: _Plan) -> None:
    """Sceptic posting days, pull-in threads, topic changes and bot activity."""
    days = plan.days
    members = plan.members
    seat_index = {(ch.idx, s.member): s for ch in plan.channels for s in ch.seats}
    for m in members:
        if m.persona is not Persona.SCEPTIC:
            continue
        k = max(1, round(days / 30))
        chans = [c for c in m.channels if plan.channels[c].kind != "platform"]
        for i in range(k):
            lo, hi = i * days // k, max(i * days // k, (i + 1) * days // k - 1)
            weights = [1.0 if plan.channels[c].kind == "general" else 2.0 for c in chans]
            c = r.choices(chans, weights)[0]
            seat = seat_index[(c, m.idx)]
            lo = max(lo, seat.active_from)
            if lo > hi or lo >= seat.stop:
                continue
            day = r.randint(lo, hi)
            posts = 1 if r.random() < 0.7 else 2
            plan.sceptic_posts.setdefault((c, day), []).extend([m.idx] * posts)
    for m in members:
        if not m.pulled_in or m.start >= days:
            continue
        day = m.start
        options: list[tuple[int, int]] = []
        fallback: list[tuple[int, int]] = []
        for c in m.channels:
            ch = plan.channels[c]
            if ch.kind == "platform" or ch.created >= day:
                continue
            for s in ch.seats:
                o = members[s.member]
                if o.idx == m.idx or o.pulled_in or not s.active_from <= day < s.stop:
                    continue
                if o.persona is Persona.MULTIPLIER:
                    options.append((c, o.idx))
                elif o.persona in (Persona.TEAM, Persona.FAN):
                    fallback.append((c, o.idx))
        choice = options or fallback
        if choice:
            c, parent = r.choice(choice)
            plan.pullins.setdefault((c, day), []).append((parent, m.idx))
    for ch in plan.channels:
        value = {
            "general": "Company-wide announcements and work-based matters",
            "help": "Ask the platform team anything. Search first, then ask :)",
            "random": "Non-work banter and water cooler conversation",
            "platform": "The platform team's own channel",
        }.get(ch.kind, f"All things {ch.name.replace('-', ' ')}")
        ch.settings.append((ch.created, "channel_purpose", ch.creator, value))
        if ch.kind != "random":
            topic = f"Office hours {r.choice(_WEEKDAYS)} {r.randint(9, 16)}:00 UTC"
            ch.settings.append((ch.created, "channel_topic", ch.creator, topic))
        if ch.kind in ("help", "general") and days >= 30:
            topic = f"Docs: portal/{ch.name} | on call: see pinned"
            day = r.randint(ch.created + 7, days - 1)
            who = plan.team[r.randrange(len(plan.team))]
            ch.settings.append((day, "channel_topic", who, topic))
    community = plan.channels[:-1]
    bot_home = next((c for c in community if c.name == "ci-cd"), None)
    bot_home = bot_home or next((c for c in community if c.kind == "help"), community[0])
    for d in range(bot_home.created + 1, days):
        if _weekday_factor(plan.day0 + d) < 1:
            continue
        if r.random() < 0.5:
            bot_home.bot_days.append((d, "bot"))
        if r.random() < 0.15:
            bot_home.bot_days.append((d, "app"))
    general = community[0]
    for d in range(3, days, 14):
        general.bot_days.append((d, "slackbot"))
    bot_home.has_bot = True


def _mass(plan: _Plan) -> list[float]:
    """Expected number of top-level messages at scale 1, per channel, summed over days."""
    out = []
    factors = [
        _weekday_factor(plan.day0 + d) * (2.0 if plan.incident[d] else 1.0)
        for d in range(plan.days)
    ]
    for ch in plan.channels:
        diff = [0.0] * (plan.days + 1)
        for seat in ch.seats:
            if seat.poster <= 0:
                continue
            prev = 0.0
            for day, f in seat.schedule(plan.ramp_len):
                if day < plan.days:
                    diff[day] += seat.poster * (f - prev)
                prev = f
        level = total = 0.0
        for d in range(plan.days):
            level += diff[d]
            if d >= ch.created:
                total += level * factors[d]
        out.append(total)
    return out


def _system_count(plan: _Plan) -> int:
    joins = sum(1 for ch in plan.channels for s in ch.seats if s.join_day >= 0)
    settings = sum(len(ch.settings) for ch in plan.channels)
    bots = sum(len(ch.bot_days) for ch in plan.channels)
    return joins + settings + bots + _UNLISTED_MESSAGES


_UNLISTED_MESSAGES = 9


def _make_plan(p: CommunityProfile, end: date, platform_channel: str) -> _Plan:
    _validate(p)
    days = p.days
    members = _make_members(p)
    r = Rng(f"{p.seed}:plan")
    _activity_windows(r, members, days)
    team = [m.idx for m in members if m.persona is Persona.TEAM]
    day0 = (end - date(1970, 1, 1)).days - days + 1
    used_ids = {m.uid for m in members} | {SLACKBOT}
    bot_uid = _make_id(r, "U", used_ids)
    bot_id = _make_id(r, "B", used_ids)
    plan = _Plan(
        profile=p,
        days=days,
        day0=day0,
        members=members,
        team=team,
        channels=_make_channels(r, p, members, team, platform_channel),
        bot_uid=bot_uid,
        bot_id=bot_id,
        incident=[r.random() < 0.02 for _ in range(days)],
        ramp_len=max(1, min(7, days // 20)),
    )
    _join_memberships(r, plan)
    _seat_channels(r, plan)
    _plan_events(r, plan)
    scheduled = sum(len(v) for v in plan.sceptic_posts.values())
    scheduled += sum(len(v) for v in plan.pullins.values())
    human = max(0, p.messages - _system_count(plan))
    tops = max(0.0, human * (1 - REPLY_SHARE) - scheduled)
    plan.mass = _mass(plan)
    total = sum(plan.mass)
    plan.scale = tops / total if total > 0 else 0.0
    return plan


# ---------------------------------------------------------------------------------------------
# Generation.


class _Pool:
    """Members of a channel weighted by activity; weights change on schedule days."""

    __slots__ = ("base", "cum", "dirty", "members", "total", "w")

    def __init__(self, members: list[int], base: list[float]) -> None:
        self.members = members
        self.base = base
        self.w = [0.0] * len(base)
        self.cum: list[float] = []
        self.total = 0.0
        self.dirty = True

    def set(self, pos: int, factor: float) -> None:
        self.w[pos] = self.base[pos] * factor
        self.dirty = True

    def refresh(self) -> None:
        if self.dirty:
            self.cum = list(accumulate(self.w))
            self.total = self.cum[-1] if self.cum else 0.0
            self.dirty = False

    def pick(self, r: Rng, k: int) -> list[int]:
        if k <= 0 or self.total <= 0:
            return []
        return r.choices(self.members, cum_weights=self.cum, k=k)

    def distinct(self, r: Rng, k: int, exclude: int) -> list[int]:
        """Up to ``k`` different members, never ``exclude``."""
        if k <= 0 or self.total <= 0:
            return []
        out: list[int] = []
        seen = {exclude}
        for _ in range(4):
            for m in r.choices(self.members, cum_weights=self.cum, k=k - len(out) + 1):
                if m not in seen:
                    seen.add(m)
                    out.append(m)
                    if len(out) == k:
                        return out
        return out


def _render(r: Rng, tpl: _Template) -> str:
    return "".join(lit + fn(r) if fn is not None else lit for lit, fn in tpl)


def _ts(us: int) -> str:
    return f"{us // 1_000_000}.{us % 1_000_000:06d}"


_Item = tuple[int, Json]


class _ChannelWriter:
    """Generates and writes one channel, day by day."""

    def __init__(self, plan: _Plan, ch: _Channel, dest: Path) -> None:
        self.plan = plan
        self.ch = ch
        self.folder = dest / ch.name
        self.r = Rng(f"{plan.profile.seed}:channel:{ch.name}")
        self.platform = ch.kind == "platform"
        self.persona = [m.persona for m in plan.members]
        self.uid = [m.uid for m in plan.members]
        self.end_us = (plan.day0 + plan.days) * DAY_US
        seats = [s for s in ch.seats if s.poster > 0 or s.engager > 0 or s.reactor > 0]
        ids = [s.member for s in seats]
        self.posters = _Pool(ids, [s.poster for s in seats])
        self.engagers = _Pool(ids, [s.engager for s in seats])
        self.reactors = _Pool(ids, [s.reactor for s in seats])
        self.events: dict[int, list[tuple[int, float]]] = {}
        for pos, s in enumerate(seats):
            for day, f in s.schedule(plan.ramp_len):
                self.events.setdefault(day, []).append((pos, f))
        listed = set(ch.members)
        self.team = [i for i in plan.team if i in listed]
        self.mults = [s for s in ch.seats if plan.members[s.member].persona is Persona.MULTIPLIER]
        self.joins: dict[int, list[int]] = {}
        for s in ch.seats:
            if s.join_day >= 0:
                self.joins.setdefault(s.join_day, []).append(s.member)
        self.settings: dict[int, list[tuple[str, int, str]]] = {}
        for day, sub, who, value in ch.settings:
            self.settings.setdefault(day, []).append((sub, who, value))
        self.bots: dict[int, list[str]] = {}
        for day, kind in ch.bot_days:
            self.bots.setdefault(day, []).append(kind)
        self.team_set = set(plan.team)
        self.pending: dict[int, list[_Item]] = {}
        self.used: dict[int, set[int]] = {}
        # Reply budget: sceptic and pull-in threads are fixed, the other threads share the rest.
        n_sceptic = sum(len(v) for k, v in plan.sceptic_posts.items() if k[0] == ch.idx)
        n_pulled = sum(len(v) for k, v in plan.pullins.items() if k[0] == ch.idx)
        tops = plan.scale * plan.mass[ch.idx] + n_sceptic + n_pulled
        fixed = _SCEPTIC_THREAD * n_sceptic + 1.7 * n_pulled
        self.free_rho = max(0.0, _RHO * tops - fixed) / max(1.0, tops - n_sceptic - n_pulled)
        self.free_tops = 0
        self.tops = 0
        self.replies_done = 0
        self.fixed_replies = 0
        self.base_expect = 0.0
        self.expected = 0.0  # top-level messages the posting rates call for so far
        self.realized = 0
        self.mood_shift = 0.0
        self.stats = [0, 0, 0, 0, 0]  # messages, replies, reactions, mentions, files

    # -- time ---------------------------------------------------------------------------------

    def _reserve(self, ts: int) -> int:
        """Make ``ts`` unique in the channel (bumping by a microsecond) and record it."""
        step = 1
        used = self.used
        while True:
            if ts >= self.end_us:
                ts, step = self.end_us - 1, -1
            key = ts // DAY_US
            s = used.get(key)
            if s is None:
                s = used[key] = set()
            if ts not in s:
                s.add(ts)
                return ts
            ts += step

    def _time(self, d: int) -> int:
        r = self.r
        ts = (
            (self.plan.day0 + d) * DAY_US
            + _HOURS[int(r.random() * len(_HOURS))] * HOUR_US
            + int(r.random() * HOUR_US)
        )
        if ts <= self.ch.created_us:
            ts = self.ch.created_us + 1 + int(r.random() * HOUR_US)
        return self._reserve(ts)

    # -- text ---------------------------------------------------------------------------------

    def _mood(self, persona: Persona) -> int:
        pos, neg = _MOOD.get(persona, (0.3, 0.15))
        x = self.r.random()
        neg = min(0.9, neg + self.mood_shift)
        if x < neg:
            return 2
        return 1 if x < neg + pos else 0

    def _text(self, table: tuple[tuple[_Template, ...], ...], mood: int, top: bool) -> str:
        r = self.r
        text = _render(r, r.choice(table[mood]))
        if r.random() < 0.3:
            text = r.choice(_OPENERS if top else _REPLY_OPENERS) + text
        if r.random() < (0.25 if top else 0.1):
            if text[-1] not in ".?!:":
                text += "."
            text += _render(r, r.choice(_DETAIL))
        if r.random() < 0.3:
            closer = r.choice(_CLOSERS[mood])
            if closer[1:2].isalpha() and text[-1] not in ".?!:)":
                text += "."
            text += closer
        return text

    def _with_mention(self, text: str, uid: str) -> str:
        self.stats[3] += 1
        x = self.r.random()
        if x < 0.35:
            return f"<@{uid}> {text}"
        if x < 0.7:
            return f"{text} cc <@{uid}>"
        if x < 0.85:
            return f"as <@{uid}> said, {text}"
        return f"{text} (thanks <@{uid}>)"

    def _mention_target(self, d: int, author: int) -> int | None:
        """Someone people would tag: a multiplier active today, or the platform team."""
        r = self.r
        x = r.random()
        if self.platform:
            return r.choice(self.team) if x < 0.08 else None
        if x < 0.05 and self.mults:
            s = r.choice(self.mults)
            if s.active_from <= d < s.stop and s.member != author:
                return s.member
        elif x < (0.16 if self.ch.kind == "help" else 0.08) and author not in self.team_set:
            return r.choice(self.team)
        return None

    # -- messages -----------------------------------------------------------------------------

    def _message(self, user: int, text: str, ts: int) -> Json:
        return {
            "type": "message",
            "user": self.uid[user],
            "text": text,
            "ts": _ts(ts),
            "client_msg_id": "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}".format(
                *(self.r.getrandbits(b) for b in (32, 16, 12)),
                0x8000 | self.r.getrandbits(14),
                self.r.getrandbits(48),
            ),
        }

    def _reactions(self, d: int, author: int, mood: int, reply: bool) -> list[Json] | None:
        r = self.r
        persona = self.persona[author]
        others: list[int] = []
        if self.platform:
            if r.random() < (0.1 if reply else 0.35):
                others = [r.choice(self.team)]
        else:
            n, team_p = 0, 0.0
            if persona is Persona.MULTIPLIER:
                n, team_p = _poisson(r, 0.35 if reply else 2.0), 0.15
            elif persona is Persona.SCEPTIC:
                n, team_p = (_poisson(r, 0.8) if reply else 1 + _poisson(r, 5.0)), 0.3
            elif persona is Persona.TEAM:
                n, team_p = (1 if r.random() < 0.08 else 0) if reply else _poisson(r, 1.5), 0.2
            elif not reply:
                # Fans and observers: the team reacts, the community hardly ever does.
                n = 1 if r.random() < (0.004 if persona is Persona.FAN else 0.01) else 0
                team_p = 0.25 if persona is Persona.FAN else 0.2
            else:
                team_p = 0.05
            if n:
                others = self.reactors.distinct(r, n, author)
            if r.random() < team_p:
                t = r.choice(self.team)
                if t != author and t not in others:
                    others.append(t)
        others = [o for o in others if o != author]
        if not others:
            return None
        emoji = _EMOJI[mood]
        names: list[str] = []
        users: list[list[str]] = []
        for o in others:
            if not names or (len(names) < 3 and r.random() < 0.25):
                name = r.choice(emoji)
                if name not in names:
                    names.append(name)
                    users.append([])
            users[r.randrange(len(names)) if r.random() < 0.3 else 0].append(self.uid[o])
        self.stats[2] += len(others)
        return [
            {"name": n, "users": u, "count": len(u)} for n, u in zip(names, users, strict=True) if u
        ]

    def _thread_size(self, author: int) -> int:
        """Replies this top-level message gets, steered so replies stay ~30% of messages."""
        r = self.r
        persona = self.persona[author]
        shape = _SHAPES[Persona.TEAM if self.platform else persona]
        if persona is Persona.SCEPTIC and not self.platform:
            size = r.randint(*_SCEPTIC_SIZES)
            self.fixed_replies += size
            return size
        self.free_tops += 1
        self.base_expect += shape.mean
        want = self.free_rho * self.free_tops
        gain = want / self.base_expect
        deficit = want - (self.replies_done - self.fixed_replies)
        gain *= min(1.5, max(0.5, 1 + deficit / (4 + 0.05 * want)))
        gain = min(6.0, max(0.02, gain))
        if r.random() >= min(0.97, shape.chance * gain):
            return 0
        size = 1
        while r.random() < shape.more and size < 40:
            size += 1
        return size

    def _repliers(self, d: int, author: int, size: int) -> list[int]:
        r = self.r
        persona = self.persona[author]
        shape = _SHAPES[Persona.TEAM if self.platform else persona]
        team = [t for t in self.team if t != author]
        n_team = sum(1 for _ in range(size) if r.random() < shape.team) if team else 0
        if self.platform:
            community: list[int] = []
            n_team = size
        else:
            community = self.engagers.distinct(r, size - n_team, author)
        if not team and not community:
            return []
        helpers = community + [r.choice(team) for _ in range(n_team)] if team else community
        r.shuffle(helpers)
        seq: list[int] = []
        k = 0
        for _ in range(size):
            if seq and seq[-1] != author and r.random() < shape.author:
                seq.append(author)
            elif helpers:
                seq.append(helpers[k % len(helpers)])
                k += 1
            else:
                seq.append(author)
        return seq

    def _reply_times(self, parent: int, n: int) -> list[int]:
        r = self.r
        limit = min(parent + 2 * DAY_US - 1, self.end_us - 1)
        out = []
        for _ in range(n):
            x = r.random()
            if x < 0.6:
                delay = int(r.expovariate(1 / (20 * 60)) * 1_000_000) + 20_000_000
            elif x < 0.92:
                delay = int(r.uniform(1, 8) * HOUR_US)
            else:
                delay = int(r.uniform(8, 47) * HOUR_US)
            t = parent + delay
            if t > limit:
                t = parent + 1 + int(r.random() * max(1, limit - parent - 1))
            out.append(t)
        return sorted(self._reserve(t) for t in out)

    def _post(self, d: int, author: int, items: list[_Item], *, pulled: int | None = None) -> None:
        """A top-level message by ``author`` with its thread and reactions."""
        r = self.r
        persona = self.persona[author]
        if pulled is not None:
            base = (self.plan.day0 + d) * DAY_US + 8 * HOUR_US
            ts = self._reserve(max(base + int(r.random() * 8 * HOUR_US), self.ch.created_us + 1))
        else:
            ts = self._time(d)
        mood = self._mood(persona)
        if self.platform:
            text = self._text(_PLATFORM_TALK, mood, True)
        elif persona is Persona.TEAM:
            text = self._text(_TEAM_POST, mood, True)
        else:
            text = self._text(_TOP, mood, True)
        target = self._mention_target(d, author)
        if target is not None:
            text = self._with_mention(text, self.uid[target])
        msg = self._message(author, text, ts)
        if r.random() < 0.015:
            self._attach(msg, author, ts)
        self.tops += 1
        if pulled is not None:
            seq = [pulled] + ([author] if r.random() < 0.7 else [])
            self.fixed_replies += len(seq)
        else:
            size = self._thread_size(author)
            seq = self._repliers(d, author, size) if size else []
        if seq:
            if pulled is not None:
                limit = min(self.end_us, (self.plan.day0 + d + 1) * DAY_US) - 1
                first = min(ts + int(r.uniform(5, 90) * 60_000_000), limit)
                times = sorted(self._reserve(t) for t in [first, first + 600_000_000][: len(seq)])
            else:
                times = self._reply_times(ts, len(seq))
            self._thread(d, msg, author, persona, mood, seq, times, items)
        reactions = self._reactions(d, author, mood, False)
        if reactions:
            msg["reactions"] = reactions
        items.append((ts, msg))

    def _attach(self, msg: Json, author: int, ts: int) -> None:
        r = self.r
        name, mime, ftype = r.choice(_FILES)
        fid = _make_id(r, "F", self.plan.file_ids)
        sec = ts // 1_000_000
        msg["files"] = [
            {
                "id": fid,
                "created": sec,
                "timestamp": sec,
                "name": name,
                "title": name,
                "mimetype": mime,
                "filetype": ftype,
                "user": self.uid[author],
                "size": r.randint(300, 900_000),
                "mode": "hosted",
            }
        ]
        msg["upload"] = True
        msg["display_as_bot"] = False
        if r.random() < 0.2:
            msg["text"] = ""
        self.stats[4] += 1

    def _thread(
        self,
        d: int,
        msg: Json,
        author: int,
        persona: Persona,
        mood: int,
        seq: list[int],
        times: list[int],
        items: list[_Item],
    ) -> None:
        r = self.r
        parent_ts = msg["ts"]
        parent_uid = self.uid[author]
        replies = []
        reply_users: list[str] = []
        for who, t in zip(seq, times, strict=True):
            wp = self.persona[who]
            if who == author:
                table = _FOLLOWUP
                rmood = self._mood(wp)
            elif wp is Persona.TEAM or persona in (Persona.FAN, Persona.OBSERVER):
                table = _ANSWER
                rmood = self._mood(wp)
            else:
                table = _DISCUSS
                rmood = self._mood(wp)
            text = self._text(table, rmood, False)
            mention_p = 0.2 if persona in (Persona.MULTIPLIER, Persona.SCEPTIC) else 0.08
            if who != author and r.random() < mention_p:
                text = self._with_mention(text, parent_uid)
            reply = self._message(who, text, t)
            reply["thread_ts"] = parent_ts
            reply["parent_user_id"] = parent_uid
            if r.random() < 0.03:
                reply["subtype"] = "thread_broadcast"
            reactions = self._reactions(d, who, rmood, True)
            if reactions:
                reply["reactions"] = reactions
            uid = self.uid[who]
            replies.append({"user": uid, "ts": reply["ts"]})
            if uid not in reply_users:
                reply_users.append(uid)
            day = t // DAY_US - self.plan.day0
            if day == d:
                items.append((t, reply))
            else:
                self.pending.setdefault(day, []).append((t, reply))
        self.replies_done += len(seq)
        self.stats[1] += len(seq)
        msg["thread_ts"] = parent_ts
        msg["reply_count"] = len(replies)
        msg["reply_users_count"] = len(reply_users)
        msg["latest_reply"] = replies[-1]["ts"]
        msg["reply_users"] = reply_users
        msg["replies"] = replies
        msg["is_locked"] = False
        msg["subscribed"] = False

    # -- system messages ----------------------------------------------------------------------

    def _system(self, d: int, items: list[_Item]) -> None:
        r = self.r
        day_us = (self.plan.day0 + d) * DAY_US
        for who in self.joins.get(d, ()):
            if who == self.ch.creator and d == self.ch.created:
                ts = self._reserve(self.ch.created_us)
            else:
                ts = self._reserve(max(day_us + int(r.uniform(5, 9) * HOUR_US), self.ch.created_us))
            uid = self.uid[who]
            items.append(
                (
                    ts,
                    {
                        "type": "message",
                        "subtype": "channel_join",
                        "user": uid,
                        "text": f"<@{uid}> has joined the channel",
                        "ts": _ts(ts),
                    },
                )
            )
        for sub, who, value in self.settings.get(d, ()):
            base = self.ch.created_us + 1_000_000 if d == self.ch.created else day_us
            ts = self._reserve(base + int(r.uniform(0.01, 0.5) * HOUR_US))
            uid = self.uid[who]
            word = "topic" if sub == "channel_topic" else "purpose"
            items.append(
                (
                    ts,
                    {
                        "type": "message",
                        "subtype": sub,
                        "user": uid,
                        "text": f"<@{uid}> set the channel {word}: {value}",
                        word: value,
                        "ts": _ts(ts),
                    },
                )
            )
        for kind in self.bots.get(d, ()):
            ts = self._reserve(max(day_us + int(r.uniform(7, 18) * HOUR_US), self.ch.created_us))
            msg: Json
            if kind == "bot":
                text = _render(r, r.choice(_BOT_TEXT))
                msg = {
                    "type": "message",
                    "subtype": "bot_message",
                    "text": text,
                    "ts": _ts(ts),
                    "username": BOT_NAME,
                    "bot_id": self.plan.bot_id,
                }
            elif kind == "app":
                msg = {
                    "type": "message",
                    "user": self.plan.bot_uid,
                    "bot_id": self.plan.bot_id,
                    "text": _render(r, r.choice(_APP_TEXT)),
                    "ts": _ts(ts),
                }
            else:
                msg = {
                    "type": "message",
                    "user": SLACKBOT,
                    "text": "Reminder: platform office hours today at 15:00 UTC.",
                    "ts": _ts(ts),
                }
            items.append((ts, msg))

    # -- the day loop -------------------------------------------------------------------------

    def run(self) -> list[int]:
        plan = self.plan
        r = self.r
        self.folder.mkdir()
        sceptic = plan.sceptic_posts
        pullins = plan.pullins
        pools = (self.posters, self.engagers, self.reactors)
        for d in range(self.ch.created, plan.days):
            for pos, f in self.events.get(d, ()):
                for pool in pools:
                    pool.set(pos, f)
            for pool in pools:
                pool.refresh()
            items = self.pending.pop(d, [])
            self._system(d, items)
            incident = plan.incident[d]
            self.mood_shift = 0.3 if incident else 0.0
            # Bursty days, but pulled back towards the expected total so that the export's
            # size stays close to the profile's even for small communities.
            expect = (
                plan.scale
                * self.posters.total
                * _weekday_factor(plan.day0 + d)
                * (2.0 if incident else 1.0)
            )
            lam = max(0.0, expect * _lognormal(r, 0.35) + 0.3 * (self.expected - self.realized))
            self.expected += expect
            authors = self.posters.pick(r, _poisson(r, lam))
            self.realized += len(authors)
            for author in authors:
                self._post(d, author, items)
            for author in sceptic.get((self.ch.idx, d), ()):
                self._post(d, author, items)
            for parent, pulled in pullins.get((self.ch.idx, d), ()):
                self._post(d, parent, items, pulled=pulled)
            if items:
                items.sort(key=itemgetter(0))
                self._write(d, [m for _, m in items])
            self.used.pop(plan.day0 + d, None)
        return self.stats

    def _write(self, d: int, msgs: list[Json]) -> None:
        self.stats[0] += len(msgs)
        day = date(1970, 1, 1) + timedelta(days=self.plan.day0 + d)
        data = json.dumps(msgs, ensure_ascii=False, separators=_SEP)
        (self.folder / f"{day.isoformat()}.json").write_text(data, encoding="utf-8")


_BOT_TEXT = _compile(
    (
        "Deployed {svc} {ver} to {env}",
        "Deployed {svc} {ver} to {env} (build #{build})",
        "Rollback of {svc} to {ver} in {env} finished",
    )
)
_APP_TEXT = _compile(
    (
        "Pipeline #{build} for {svc} failed at stage {stage}",
        "Pipeline #{build} for {svc} passed in {n} minutes",
        "Weekly report: {n} deploys, {n} rollbacks, {n} failed pipelines",
    )
)


def _poisson(r: Rng, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(r.gauss(lam, math.sqrt(lam))))
    limit = math.exp(-lam)
    k = 0
    p = r.random()
    while p > limit:
        k += 1
        p *= r.random()
    return k


# ---------------------------------------------------------------------------------------------
# Export-level files.


def _dump(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=4), encoding="utf-8")


def _users(plan: _Plan) -> list[Json]:
    out: list[Json] = [
        {
            "id": m.uid,
            "team_id": TEAM_ID,
            "name": m.name,
            "real_name": m.real_name,
            "deleted": m.deleted,
            "is_bot": False,
            "profile": {"real_name": m.real_name, "display_name": m.display_name},
        }
        for m in plan.members
    ]
    out.append(
        {
            "id": plan.bot_uid,
            "team_id": TEAM_ID,
            "name": BOT_NAME,
            "real_name": BOT_NAME,
            "deleted": False,
            "is_bot": True,
            "profile": {"real_name": BOT_NAME, "display_name": "", "bot_id": plan.bot_id},
        }
    )
    # Like real exports: Slackbot is listed, and is *not* flagged as a bot.
    out.append(
        {
            "id": SLACKBOT,
            "team_id": TEAM_ID,
            "name": "slackbot",
            "real_name": "Slackbot",
            "deleted": False,
            "is_bot": False,
            "profile": {"real_name": "Slackbot", "display_name": "Slackbot"},
        }
    )
    return out


def _setting(plan: _Plan, ch: _Channel, sub: str) -> Json:
    last = [s for s in ch.settings if s[1] == sub]
    if not last:
        return {"value": "", "creator": "", "last_set": 0}
    day, _, who, value = max(last, key=itemgetter(0))
    return {
        "value": value,
        "creator": plan.members[who].uid,
        "last_set": (plan.day0 + day) * DAY_S,
    }


def _channels(plan: _Plan) -> list[Json]:
    out = []
    for ch in plan.channels:
        members = [plan.members[i].uid for i in ch.members if not plan.members[i].deleted]
        if ch.has_bot:
            members.append(plan.bot_uid)
        out.append(
            {
                "id": ch.cid,
                "name": ch.name,
                "created": ch.created_us // 1_000_000,
                "creator": plan.members[ch.creator].uid,
                "is_archived": False,
                "is_general": ch.kind == "general",
                "members": members,
                "pins": [],
                "topic": _setting(plan, ch, "channel_topic"),
                "purpose": _setting(plan, ch, "channel_purpose"),
            }
        )
    return out


def _unlisted(plan: _Plan, dest: Path) -> int:
    """A folder for a since-deleted channel: real exports have these, channels.json does not."""
    r = Rng(f"{plan.profile.seed}:unlisted")
    folder = dest / UNLISTED_CHANNEL
    folder.mkdir()
    general = plan.channels[0]
    lo = min(2, plan.days - 1)
    hi = max(lo, plan.days // 3)
    day_list = sorted({r.randint(lo, hi) for _ in range(3)})
    per_day = [_UNLISTED_MESSAGES // len(day_list)] * len(day_list)
    per_day[-1] += _UNLISTED_MESSAGES - sum(per_day)
    written = 0
    for d, n in zip(day_list, per_day, strict=True):
        authors = [
            s.member
            for s in general.seats
            if plan.members[s.member].persona in (Persona.TEAM, Persona.MULTIPLIER)
            and s.active_from <= d < s.stop
        ] or plan.team
        base = (plan.day0 + d) * DAY_US + 9 * HOUR_US
        times = sorted({base + r.randrange(8 * HOUR_US) for _ in range(n)})
        while len(times) < n:
            times = sorted({*times, base + r.randrange(8 * HOUR_US)})
        msgs = [
            {
                "type": "message",
                "user": plan.members[r.choice(authors)].uid,
                "text": f"migration of {r.choice(_SVC_A)} to {r.choice(_TOPICS)}: "
                f"step {i + 1} done",
                "ts": _ts(t),
            }
            for i, t in enumerate(times)
        ]
        day = date(1970, 1, 1) + timedelta(days=plan.day0 + d)
        data = json.dumps(msgs, ensure_ascii=False, separators=_SEP)
        (folder / f"{day.isoformat()}.json").write_text(data, encoding="utf-8")
        written += len(msgs)
    return written


def _extras(plan: _Plan, dest: Path) -> None:
    """Files a real export carries that importers must skip over."""
    admin = plan.members[plan.team[0]]
    since = plan.day0 * DAY_S + 10 * 3600
    _dump(
        dest / "integration_logs.json",
        [
            {
                "user_id": admin.uid,
                "user_name": admin.name,
                "bot_id": plan.bot_id,
                "date": str(since),
                "change_type": "added",
                "service_type": BOT_NAME,
                "scope": "incoming-webhook,chat:write",
                "reason": "",
            }
        ],
    )
    _dump(
        dest / "canvases.json",
        [
            {
                "id": "F0CANVAS01",
                "title": "Platform onboarding",
                "date_created": since,
                "date_updated": since + 7 * DAY_S,
                "created_by": admin.uid,
            }
        ],
    )
    _dump(dest / "huddle_transcripts.json", [])


def generate_export(
    dest: Path,
    profile: CommunityProfile = DEMO,
    *,
    end: date,
    platform_channel: str = "platform-team",
) -> ExportStats:
    """Write a Slack export folder at dest (created; must be empty or absent)."""
    dest = Path(dest)
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise FileExistsError(f"{dest} exists and is not an empty folder")
    if not platform_channel or platform_channel == UNLISTED_CHANNEL or "/" in platform_channel:
        raise ValueError(f"unusable platform channel name: {platform_channel!r}")
    plan = _make_plan(profile, end, platform_channel)
    dest.mkdir(parents=True, exist_ok=True)
    users = _users(plan)
    channels = _channels(plan)
    _dump(dest / "users.json", users)
    _dump(dest / "channels.json", channels)
    _extras(plan, dest)
    totals = [0, 0, 0, 0, 0]
    for ch in plan.channels:
        for i, v in enumerate(_ChannelWriter(plan, ch, dest).run()):
            totals[i] += v
    totals[0] += _unlisted(plan, dest)
    return ExportStats(
        messages=totals[0],
        replies=totals[1],
        reactions=totals[2],
        mentions=totals[3],
        users=len(users),
        channels=len(channels),
        files=totals[4],
    )


def zip_export(folder: Path, zip_path: Path) -> None:
    """Zip an export folder the way Slack does: entries relative to the export root
    (``users.json``, ``general/2026-06-01.json``). Fixed timestamps keep the zip reproducible."""
    folder = Path(folder)
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(path.relative_to(folder).as_posix(), (1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, path.read_bytes())
