"""`tular up --demo`: Toko Andalan's programs, people and 90 days of history in a workspace.

The tables are in `tular.demo.data`; this module turns them into rows. What carries rules goes
through the real services, so the demo is real configuration and real books: programs through
`program_create` (validated settings), every referred sign-up and sale through the tracking use
cases (`track_signup`, `track_sale`) at the moment it happened, holds through
`rewards_release_due`, payouts through `payout_create` and `payout_mark_paid`. What is only
volume is written in bulk: the enrolled referrers (validated as on enrolment) and their clicks.

Clicks are made up from a fixed seed: participants share their link now and then (more often
lately, more on weekdays and around payday), each share brings a burst of visits over the next
hours, a few referrers are very active and most are not. Everything is one transaction: the demo
loads completely or not at all, and loading it again adds nothing.
"""

from __future__ import annotations

import random
import unicodedata
from collections import Counter
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from tular.analytics.rollups import rollup_rebuild
from tular.core import clock
from tular.core.errors import Conflict, Invalid
from tular.core.ids import new_uuid7
from tular.demo.data import (
    ANDROID,
    BUY_RATE,
    CHANNEL_OF_REFERRER,
    CHANNELS,
    DEEP_LINKS,
    DEMO_SLUGS,
    DESKTOP,
    FRIEND_FIRST,
    FRIEND_LAST,
    HOUR_WEIGHTS,
    IN_APP,
    INSTAGRAM,
    IP_NETS,
    IPHONE,
    LANDING_COPY,
    LANDING_TEST_COUNTS,
    LANDING_TEST_DAYS_AGO,
    LEADERBOARD_CONSENT_EVERY,
    LINKEDIN,
    MAIL_DOMAINS,
    PAYOUT_EVERY_DAYS,
    PEOPLE,
    PROGRAMS,
    PURCHASES,
    SEED,
    SIGNUP_RATE,
    SITE_CHANNELS,
    UNREFERRED_CHANNELS,
    WEEKDAY_WEIGHTS,
    WIB,
    WINDOW_DAYS,
    Person,
    idr,
)
from tular.demo.enablement import make_enablement
from tular.demo.insight import make_insight
from tular.demo.partners import make_partner_channel
from tular.demo.pipeline import make_leads
from tular.participants.channels import tagged
from tular.participants.codes import ALPHABET, LENGTH
from tular.participants.models import Participant
from tular.participants.services import DEFAULT_PARTICIPANT_KIND, normalise_email, referral_url
from tular.programs.copy import copy_save
from tular.programs.models import LandingStat, Program
from tular.programs.rules import ProgramSettings
from tular.programs.services import program_create, program_set_status
from tular.referrals.models import Referral
from tular.referrals.services import referral_clear, referral_reject, track_sale, track_signup
from tular.rewards.payouts import payout_create, payout_mark_paid
from tular.rewards.services import rewards_release_due
from tular.tracking.models import Click
from tular.workspaces.audit import Actor
from tular.workspaces.models import Invitation, Membership, Role, Workspace
from tular.workspaces.services import api_key_create, api_key_revoke
from tular.workspaces.team import invitation_create

ACTOR = Actor.system("tular up --demo")
DEMO_WORKSPACE_NAME = "Toko Andalan"
# Keys of a program's table row that describe its history, not its settings.
HISTORY_KEYS = {"launched_days_ago", "clicks"}


def load_demo(*, workspace) -> str:
    """Load the demo programs, participants and their history into `workspace`; a summary line
    back. Safe to run again: when the demo programs are there, nothing is added."""
    existing = _existing_demo_programs(workspace)
    if existing:
        return _already_loaded(workspace, existing)
    rng = random.Random(SEED)
    now = clock.now()
    try:
        with transaction.atomic():
            if workspace.name == "Default":  # the workspace `tular up` made: the demo's shop
                Workspace.objects.filter(pk=workspace.pk).update(name=DEMO_WORKSPACE_NAME)
                workspace.name = DEMO_WORKSPACE_NAME
            programs = _create_programs(workspace=workspace, now=now)
            _write_landing_page(programs=programs, now=now)
            participants = _enrol_people(workspace=workspace, programs=programs, rng=rng, now=now)
            clicks = _make_clicks(programs=programs, participants=participants, rng=rng, now=now)
            Click.objects.bulk_create(clicks, batch_size=500)
            referrals, sales = _make_referrals(
                workspace=workspace, programs=programs, clicks=clicks, rng=rng, now=now
            )
            _pay_fortnightly(workspace=workspace, programs=programs, now=now)
            more_referrals, more_sales = _work_for_the_manager(
                workspace=workspace, programs=programs, rng=rng, now=now
            )
            referrals, sales = referrals + more_referrals, sales + more_sales
            referrals += make_leads(
                workspace=workspace, programs=programs, manager_email=TEAM[0][0], now=now
            )
            make_insight(workspace=workspace, programs=programs, rng=rng, now=now)
            manager = get_user_model()._default_manager.filter(email=TEAM[0][0]).first()
            deals, won = make_partner_channel(
                workspace=workspace, programs=programs, manager=manager, now=now, rng=rng
            )
            referrals, sales = referrals + won, sales + won
            make_enablement(programs=programs, manager=manager)
    except _AlreadyThere:  # another loader won the race between the check and the insert
        return _already_loaded(workspace, _existing_demo_programs(workspace))
    rollup_rebuild(
        program_ids=[p.pk for p in programs.values()], click_lag_seconds=0, drop_marks=True
    )
    everyone = Participant.objects.filter(workspace=workspace).count()
    return (
        f"Loaded demo data: {len(programs)} programs, {everyone} participants, "
        f"{len(clicks):,} clicks, {referrals} referrals, {sales} sales over the last "
        f"{WINDOW_DAYS} days, {deals} deal registrations."
    )


class _AlreadyThere(Exception):
    pass


def _existing_demo_programs(workspace) -> list[str]:
    return list(
        Program.objects.filter(workspace=workspace, slug__in=DEMO_SLUGS)
        .order_by("slug")
        .values_list("slug", flat=True)
    )


def _already_loaded(workspace, slugs: list[str]) -> str:
    return (
        f"Demo data is already loaded in workspace {workspace.slug!r} "
        f"({', '.join(slugs)}); nothing was added."
    )


# ---------------------------------------------------------------- programs and people


def _create_programs(*, workspace, now: datetime) -> dict[str, Program]:
    programs = {}
    for spec in PROGRAMS:
        settings = ProgramSettings.model_validate(
            {key: value for key, value in spec.items() if key not in HISTORY_KEYS}
            | {"destination_url": landing_page_url(spec["slug"])}
        )
        try:
            program = program_create(workspace=workspace, config=settings, actor=ACTOR)
        except Conflict:
            raise _AlreadyThere from None
        launched = now - timedelta(days=spec["launched_days_ago"])
        Program.objects.filter(pk=program.pk).update(created_at=launched, updated_at=launched)
        program.created_at = program.updated_at = launched
        programs[program.slug] = program
    return programs


def landing_page_url(slug: str) -> str:
    """The program's landing page on the demo's own server: where its links lead."""
    base = settings.TULAR_PUBLIC_URL or "http://localhost:8000"
    return f"{base}/join/{slug}"


def _write_landing_page(*, programs, now: datetime) -> None:
    """One program's landing page in the manager's own Indonesian words, through the
    service (audited), and its A/B test with three weeks of visitors and sign-ups."""
    program = programs[LANDING_COPY["program"]]
    language = LANDING_COPY["language"]
    started = now - timedelta(days=LANDING_TEST_DAYS_AGO)
    with clock.frozen(started):  # the test started then (copy_save stamps it)
        copy_save(program=program, language=language, changes=LANDING_COPY["changes"], actor=ACTOR)
    LandingStat.objects.bulk_create(
        LandingStat(
            program=program, language=language, variant=variant, visitors=seen, signups=joined
        )
        for variant, (seen, joined) in LANDING_TEST_COUNTS.items()
    )


def _spec(slug: str) -> dict:
    return next(spec for spec in PROGRAMS if spec["slug"] == slug)


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def _email_for(person: Person, index: int) -> str:
    if person.email:
        return person.email
    parts = _ascii(person.name).split()
    local = ".".join(parts[:2]) if index % 3 else "".join(parts[:2]) + str(70 + index % 30)
    return f"{local}@{MAIL_DOMAINS[index % len(MAIL_DOMAINS)]}"


def _draw_code(rng: random.Random) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(LENGTH))


def _enrol_people(*, workspace, programs, rng: random.Random, now: datetime) -> list[Participant]:
    """The referrers of the tables, in one INSERT: the fields `participant_enrol` would set
    (normalised e-mail, the program's default kind), each joined some time after its program
    launched and at least a week ago."""
    participants = []
    for index, person in enumerate(PEOPLE):
        program = programs[person.program]
        code = person.code or _draw_code(rng)
        launched = now - timedelta(days=_spec(person.program)["launched_days_ago"])
        span = (now - timedelta(days=7) - launched).total_seconds()
        email = _email_for(person, index)
        participants.append(
            Participant(
                workspace=workspace,
                program=program,
                external_id=f"demo-{index + 1:03d}",
                email=email,
                email_normalised=normalise_email(email),
                name=person.name,
                kind=person.kind or DEFAULT_PARTICIPANT_KIND[program.kind],
                locale=person.locale,
                code=code,
                created_at=launched + timedelta(seconds=rng.uniform(0, span)),
                leaderboard_consent=index % LEADERBOARD_CONSENT_EVERY == 0,
            )
        )
    _draw_free_codes(participants, rng)
    Participant.objects.bulk_create(participants)  # with the dates they joined
    return participants


def _draw_free_codes(participants: list[Participant], rng: random.Random) -> None:
    """Codes are unique across workspaces: a code already taken (the demo loaded in another
    workspace, a vanity code someone has) is drawn again."""
    taken = set(
        Participant.objects.filter(code__in=[p.code for p in participants]).values_list(
            "code", flat=True
        )
    )
    for participant in participants:
        while participant.code in taken:
            participant.code = _draw_code(rng)
        taken.add(participant.code)


# ---------------------------------------------------------------- clicks


def _day_weight(day: datetime, *, days_ago: int) -> float:
    trend = 1.0 + 1.5 * (WINDOW_DAYS - days_ago) / WINDOW_DAYS  # the program is catching on
    payday = 1.3 if day.day >= 25 or day.day <= 2 else 1.0  # gajian: people shop, and share
    return trend * WEEKDAY_WEIGHTS[day.weekday()] * payday


def _share_times(*, rng: random.Random, count: int, since: datetime, now: datetime) -> list:
    """When a participant shared their link: `count` moments between `since` and `now`."""
    today = now.astimezone(WIB).replace(hour=0, minute=0, second=0, microsecond=0)
    days = [today - timedelta(days=ago) for ago in range(WINDOW_DAYS)]
    weights = [
        _day_weight(day, days_ago=ago) if day + timedelta(days=1) > since else 0.0
        for ago, day in enumerate(days)
    ]
    moments = []
    for day in rng.choices(days, weights=weights, k=count):
        hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
        moment = day + timedelta(hours=hour, minutes=rng.randrange(60))
        moment = max(moment, since)
        if moment >= now:
            moment = now - timedelta(minutes=rng.randint(5, 120))
        moments.append(moment)
    return moments


def _user_agent(rng: random.Random, referrer: str) -> str:
    if referrer in IN_APP and rng.random() < 0.8:
        return rng.choice(IN_APP[referrer])
    if referrer == LINKEDIN or (referrer == "" and rng.random() < 0.5):
        return rng.choice(DESKTOP if rng.random() < 0.6 else ANDROID)
    return rng.choice(ANDROID if rng.random() < 0.8 else IPHONE)


def _share_channel(referrer: str, tags: random.Random) -> str:
    """The share button behind a visit from `referrer` (Click.channel; "site" is an
    affiliate's own site)."""
    if referrer in CHANNEL_OF_REFERRER:
        return CHANNEL_OF_REFERRER[referrer]
    if referrer and referrer != "site":
        return ""  # a link in a bio or under a video: shared as it is
    channels, weights = zip(*(SITE_CHANNELS if referrer else UNREFERRED_CHANNELS), strict=True)
    return tags.choices(channels, weights=weights)[0]


def _make_clicks(*, programs, participants, rng: random.Random, now: datetime) -> list[Click]:
    window_start = now - timedelta(days=WINDOW_DAYS) + timedelta(minutes=1)
    # The share buttons are drawn from their own sequence: the rest of the history stays as
    # it was before clicks had channels.
    tags = random.Random(SEED + 1)
    people = {id(p): person for p, person in zip(participants, PEOPLE, strict=True)}
    rows = []
    for spec in PROGRAMS:
        members = [p for p in participants if p.program_id == programs[spec["slug"]].pk]
        # A few very active referrers and a long tail (Pareto), some with no click at all.
        activity = [rng.paretovariate(1.3) if rng.random() < 0.85 else 0.0 for _ in members]
        per_member = Counter(rng.choices(range(len(members)), weights=activity, k=spec["clicks"]))
        channels, channel_weights = zip(*CHANNELS[spec["kind"]], strict=True)
        for index, count in sorted(per_member.items()):
            participant = members[index]
            person = people[id(participant)]
            since = max(participant.created_at, window_start)
            shares = _share_times(
                rng=rng, count=max(1, round(count / rng.uniform(3, 8))), since=since, now=now
            )
            share_channels = rng.choices(channels, weights=channel_weights, k=len(shares))
            share_tags = [_share_channel(referrer, tags) for referrer in share_channels]
            reach = [rng.paretovariate(2.5) for _ in shares]
            for _ in range(count):
                share = rng.choices(range(len(shares)), weights=reach)[0]
                # Most visits come within hours of a share; some trickle in over the days after.
                at = shares[share] + timedelta(hours=rng.expovariate(1 / 5))
                if at >= now:
                    at = shares[share] + (now - shares[share]) * rng.random()
                referrer = share_channels[share]
                if referrer == "site":
                    referrer = person.site or INSTAGRAM
                channel = share_tags[share]
                landing = referral_url(participant.code)
                if spec["kind"] == "affiliate" and rng.random() < 0.4:
                    landing += f"?to={rng.choice(DEEP_LINKS)}"
                if channel:
                    landing = tagged(landing, channel)
                rows.append(
                    (
                        at,
                        participant,
                        referrer,
                        landing,
                        _user_agent(rng, referrer),
                        rng.choice(IP_NETS) + str(rng.randint(1, 254)),
                        channel,
                    )
                )
    rows.sort(key=lambda row: row[0])  # so the time-ordered ids follow the click times
    return [
        Click(
            id=new_uuid7(),
            workspace_id=participant.workspace_id,
            program_id=participant.program_id,
            participant=participant,
            created_at=at.astimezone(UTC),
            source="redirect",
            landing_url=landing,
            referrer=referrer,
            ip=ip,
            user_agent=user_agent,
            channel=channel,
        )
        for at, participant, referrer, landing, user_agent, ip, channel in rows
    ]


# ---------------------------------------------------------------- sign-ups, sales, payouts


def _make_referrals(*, workspace, programs, clicks, rng: random.Random, now: datetime):
    """Some visitors sign up, and most of those buy: through the tracking use cases, as the
    API records them, at the moments they happened (the clock is set back for each event)."""
    kinds = {program.pk: program.kind for program in programs.values()}
    referrals = sales = 0
    for click in clicks:
        kind = kinds[click.program_id]
        if kind not in PURCHASES or rng.random() > SIGNUP_RATE:
            continue
        referrals += 1
        customer_id = f"demo_cust_{referrals:04d}"
        first, last = rng.choice(FRIEND_FIRST), rng.choice(FRIEND_LAST)
        signed_up = min(
            click.created_at + timedelta(minutes=rng.randint(2, 90)), now - timedelta(minutes=1)
        )
        with clock.frozen(signed_up):
            track_signup(
                workspace=workspace,
                event_id=f"demo-signup-{customer_id}",
                customer_external_id=customer_id,
                email=f"{_ascii(first)}.{_ascii(last)}{referrals}@example.com",
                name=f"{first} {last}",
                click_id=str(click.id),
            )
        if rng.random() > BUY_RATE:
            continue
        (low, high), (fewest, most) = PURCHASES[kind]
        paid_at = signed_up
        for number in range(rng.randint(fewest, most)):
            paid_at += timedelta(days=rng.uniform(0.5, 30) if number else rng.uniform(0, 5))
            if paid_at >= now:
                break
            amount = idr(rng.randrange(low, high + 1, 1000) if high > low else low)
            with clock.frozen(paid_at):
                track_sale(
                    workspace=workspace,
                    event_id=f"demo-sale-{customer_id}-{number}",
                    customer_external_id=customer_id,
                    amount=amount,
                    currency="IDR",
                    invoice_id=f"INV-{customer_id}-{number}",
                )
            sales += 1
    return referrals, sales


def _pay_fortnightly(*, workspace, programs, now: datetime) -> None:
    """The programs were run well: holds released and approved rewards paid every two weeks,
    so the time-to-reward figures have something to show."""
    for days_ago in range(WINDOW_DAYS - PAYOUT_EVERY_DAYS, 0, -PAYOUT_EVERY_DAYS):
        with clock.frozen(now - timedelta(days=days_ago)) as payday:
            rewards_release_due(now=payday)
            for program in programs.values():
                if program.monetary_rewards_allowed:
                    _pay(workspace=workspace, program=program)
    rewards_release_due(now=now)


# The self-referrals a manager finds in the flagged queue: referrers who signed up through
# their own link, (days ago, participant number in the program).
SELF_REFERRALS = [(2, 3), (5, 7), (11, 12)]
# Two older ones the marketing manager already reviewed (cleared one, rejected one).
REVIEWED_SELF_REFERRALS = [(25, 15), (28, 18)]
# Company orders through affiliates: (days ago, amount in rupiah).
COMPANY_ORDERS = [(33, 95_000_000), (36, 120_000_000)]


def _work_for_the_manager(
    *, workspace, programs, rng: random.Random, now: datetime
) -> tuple[int, int]:
    """What a manager opening the console finds to do: a few self-referrals flagged for review,
    rewards waiting for a decision (sales above the auto-approval threshold, left by the
    tracking), and the approved rewards of the customer program gathered in a draft payout.
    Returns the numbers of referrals and sales it added."""
    program = programs["ajak-teman"]
    referrers = list(
        Participant.objects.filter(program=program)
        .exclude(pk__in=Referral.objects.filter(program=program).values("friend"))
        .order_by("created_at", "pk")
    )
    manager = _team_and_keys(workspace=workspace, now=now)
    # Hiring is frozen this quarter: the employee programme is paused (links keep working).
    with clock.frozen(now - timedelta(days=6)):
        program_set_status(program=programs["referensi-karyawan"], status="paused", actor=manager)
    flagged = []
    for days_ago, number in SELF_REFERRALS + REVIEWED_SELF_REFERRALS:
        referrer = referrers[number % len(referrers)]
        with clock.frozen(now - timedelta(days=days_ago, hours=rng.randint(1, 9))):
            flagged.append(
                track_signup(
                    workspace=workspace,
                    event_id=f"demo-self-{referrer.code}",
                    customer_external_id=f"demo_self_{referrer.code}",
                    email=referrer.email,
                    name=referrer.name,
                    code=referrer.code,
                )
            )
    # The manager already decided on the oldest two: one cleared, one rejected, with reasons.
    decided = flagged[len(SELF_REFERRALS) :]
    with clock.frozen(now - timedelta(days=20)):
        referral_clear(
            referral=Referral.objects.get(pk=decided[0].referral_id),
            reason="Akun keluarga: istri mendaftar dengan e-mail suami, orang yang berbeda.",
            actor=manager,
        )
        referral_reject(
            referral=Referral.objects.get(pk=decided[1].referral_id),
            reason="Akun yang sama mendaftar lewat tautannya sendiri.",
            actor=manager,
        )
    # Two company orders through affiliates, past their 30-day hold: each commission is
    # above the Rp7.500.000 auto-approval threshold, so it waits for the manager's review.
    big_buyers = Referral.objects.filter(
        program=programs["afiliasi"], created_at__lt=now - timedelta(days=40)
    ).order_by("created_at", "pk")[: len(COMPANY_ORDERS)]
    orders = list(zip(big_buyers, COMPANY_ORDERS, strict=False))
    for referral, (days_ago, rupiah) in orders:
        with clock.frozen(now - timedelta(days=days_ago)):
            track_sale(
                workspace=workspace,
                event_id=f"demo-company-order-{referral.customer_external_id}",
                customer_external_id=referral.customer_external_id,
                amount=idr(rupiah),
                currency="IDR",
                invoice_id=f"INV-PO-{referral.customer_external_id}",
            )
    rewards_release_due(now=now)
    try:
        with transaction.atomic():
            payout_create(workspace=workspace, program=program, currency="IDR", actor=ACTOR)
    except Invalid:  # nothing approved at this moment: no draft to show
        pass
    return len(flagged), len(orders)


# The shop's team: (e-mail, name, role); and keys: (name, publishable, revoked).
TEAM = [
    ("rina.marketing@tokoandalan.example", "Rina Wulandari", Role.MANAGER),
    ("bayu.keuangan@tokoandalan.example", "Bayu Prakoso", Role.VIEWER),
]
INVITED = ("dimas.partnership@tokoandalan.example", Role.MANAGER)
KEYS = [
    ("Server toko online", False, False),
    ("Situs web (snippet)", True, False),
    ("Integrasi lama", False, True),
]


def _team_and_keys(*, workspace, now: datetime) -> Actor:
    """Teammates (a marketing manager and a finance viewer; they sign in once an owner sets
    their passwords or they reset them), one pending invitation, and API keys. Returns the
    marketing manager, who acts on the demo's reviews."""
    users = get_user_model()._default_manager
    members = []
    for email, name, role in TEAM:
        first, _space, last = name.partition(" ")
        user, created = users.get_or_create(
            username=email, defaults={"email": email, "first_name": first, "last_name": last}
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        Membership.objects.get_or_create(
            workspace=workspace, user=user, defaults={"role": role, "created_at": now}
        )
        members.append(user)
    manager = Actor.for_user(members[0])
    email, role = INVITED
    if not Invitation.objects.filter(workspace=workspace, email=email).exists():
        invitation_create(
            workspace=workspace,
            email=email,
            role=role,
            base_url=settings.TULAR_PUBLIC_URL or "http://localhost:8000",
            actor=manager,
        )
    for name, publishable, revoked in KEYS:
        key, _raw = api_key_create(
            workspace=workspace, name=name, publishable=publishable, actor=manager
        )
        if revoked:
            api_key_revoke(workspace=workspace, key_id_or_prefix=str(key.pk), actor=manager)
    return manager


def _pay(*, workspace, program: Program) -> None:
    try:
        with transaction.atomic():  # a refused payout leaves nothing behind
            payout = payout_create(
                workspace=workspace, program=program, currency="IDR", actor=ACTOR
            )
    except Invalid:  # nothing approved to pay yet
        return
    payout_mark_paid(payout=payout, actor=ACTOR)
