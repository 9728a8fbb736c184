"""The referral tree (R57): who referred whom across generations.

A referral's `friend` is the referred customer's own Participant in the same program (R3), so
the referrals made by the friends of generation n are generation n+1. A participant's tree
(`tree_of`) is read generation by generation, one query per generation, bounded in depth and in
size and safe against cycles (a participant already in the tree is not expanded again).

`tree_summary` measures a program's tree over a period with grouped queries (no loop over the
referrals):

- ``friends``: distinct referred customers with their own participant (the friends) of the
  period's referrals (``created_at`` in the period);
- ``friends_who_referred``: of those, the ones who have made at least one referral since
  (any time up to now); ``friends_who_referred_rate`` = that / friends * 100 (the share of
  referred customers who go on to refer);
- ``second_generation_referrals``: the period's referrals whose referrer was themselves referred
  (is the friend of some referral of the program), out of ``referrals``;
- ``second_generation_revenue``: per currency, the sales (``occurred_at`` in the period) minus
  the refunds (``occurred_at`` in the period) of referrals whose referrer was themselves
  referred. Minor units; currencies never added together;
- ``generations``: the period's referrals by their generation: 1 when the referrer was not
  referred by anyone, n+1 when the referrer is the friend of a generation-n referral, counted
  up to ``MAX_GENERATIONS`` (deeper ones are counted at that depth); ``outside_generations``
  counts referrals whose referrer sits only in a cycle (A referred B who referred A) and so
  has no first generation.
"""

from collections import defaultdict

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, Sum

from tular.analytics.kept import kept, recipe
from tular.analytics.metrics import Period, percent
from tular.participants.models import Participant
from tular.programs.models import Program
from tular.referrals.models import Conversion, ConversionKind, Referral

MAX_DEPTH = 10
MAX_NODES = 500
MAX_GENERATIONS = 10


def tree_of(*, participant, depth: int = 5, max_nodes: int = MAX_NODES) -> dict:
    """The referrals `participant` made, each with the referrals its friend made in turn, down
    to `depth` generations (1 to 10). At most `max_nodes` referrals are read; `truncated`
    says whether some were left out (too many, or deeper than `depth`)."""
    depth = max(1, min(depth, MAX_DEPTH))
    seen = {participant.pk}
    nodes: dict = {}  # referral id → node
    children: dict = defaultdict(list)  # participant id → their referrals' nodes
    frontier = [participant.pk]
    truncated = False
    count = 0
    for generation in range(1, depth + 1):
        if not frontier:
            break
        rows = (
            Referral.objects.filter(participant_id__in=frontier)
            .order_by("created_at", "pk")
            .values_list(
                "pk",
                "participant_id",
                "friend_id",
                "name",
                "email",
                "status",
                "created_at",
                "friend__name",
                "friend__email",
            )[: max_nodes - count + 1]
        )
        next_frontier = []
        for pk, referrer, friend, name, email, status, created_at, f_name, f_email in rows:
            if count >= max_nodes:
                truncated = True
                break
            count += 1
            node = {
                "referral_id": str(pk),
                "generation": generation,
                "friend_id": friend,
                "name": f_name or name or f_email or email or "",
                "email": f_email or email or "",
                "status": status,
                "created_at": created_at,
                "children": [],
                "repeat": False,
            }
            nodes[pk] = node
            children[referrer].append(node)
            if friend is None:
                continue
            if friend in seen:
                node["repeat"] = True  # a cycle or a second path: shown, not expanded again
                continue
            seen.add(friend)
            next_frontier.append(friend)
        if truncated:
            break
        frontier = next_frontier
    else:
        if frontier and Referral.objects.filter(participant_id__in=frontier).exists():
            truncated = True
    for node in nodes.values():
        if node["friend_id"] is not None and not node["repeat"]:
            node["children"] = children.get(node["friend_id"], [])
    for node in nodes.values():
        node["friend_id"] = str(node["friend_id"]) if node["friend_id"] else None
    return {
        "participant_id": str(participant.pk),
        "name": participant.name or participant.email,
        "depth": depth,
        "referrals": children.get(participant.pk, []),
        "count": count,
        "truncated": truncated,
    }


def _referred(program):
    """An Exists: the outer referral's referrer is the friend of some referral of the program."""
    return Exists(Referral.objects.filter(program=program, friend_id=OuterRef("participant_id")))


def tree_summary(*, program, period: Period, with_generations: bool = True) -> dict:
    """The program's referral tree over `period` (see the module's docstring).
    `with_generations`: also the period's referrals by generation, a recursive walk of the
    program's whole tree (the tree's own page shows it; the dashboard leaves it out, it grows
    with every referral the program ever had). Kept once computed (analytics.kept): a friend
    referring later changes the period's figures, so every day from the period's first on
    counts, and for the generations every day of the program."""
    kind = "tree_generations" if with_generations else "tree_summary"
    return kept(kind, programs=[program.pk], period=period)


@recipe("tree_summary", open_ended=True)
def _summary_recipe(*, programs, period: Period, extra: str) -> dict:
    program = Program.objects.get(pk=programs[0])
    return _tree_summary(program=program, period=period, with_generations=False)


@recipe("tree_generations", open_ended=True, from_epoch=True)
def _generations_recipe(*, programs, period: Period, extra: str) -> dict:
    program = Program.objects.get(pk=programs[0])
    return _tree_summary(program=program, period=period, with_generations=True)


def _tree_summary(*, program, period: Period, with_generations: bool) -> dict:
    in_period = Referral.objects.filter(
        program=program, created_at__gte=period.start, created_at__lt=period.end
    )
    friends = in_period.filter(friend__isnull=False).values("friend_id").distinct().count()
    # The period's friends first (a short list through the (program, created_at) index), then
    # whether each referred anyone: never a pass over every participant of the program.
    friends_who_referred = (
        Participant.objects.filter(
            pk__in=in_period.filter(friend__isnull=False).values("friend_id")
        )
        .filter(Exists(Referral.objects.filter(participant_id=OuterRef("pk"))))
        .count()
    )
    counts = in_period.aggregate(
        referrals=Count("pk"),
        second=Count("pk", filter=Q(_referred(program))),
    )
    revenue: dict = defaultdict(int)
    rows = (
        Conversion.objects.filter(
            program=program,
            kind__in=(ConversionKind.sale, ConversionKind.refund),
            occurred_at__gte=period.start,
            occurred_at__lt=period.end,
        )
        .filter(
            Exists(
                Referral.objects.filter(
                    program=program, friend_id=OuterRef("referral__participant_id")
                )
            )
        )
        .values("kind", "currency")
        .annotate(total=Sum("amount"))
    )
    for row in rows:
        sign = 1 if row["kind"] == ConversionKind.sale else -1
        revenue[row["currency"]] += sign * (row["total"] or 0)
    generations = _generations(program=program, period=period) if with_generations else {}
    in_generations = sum(generations.values())
    return {
        "referrals": counts["referrals"],
        "friends": friends,
        "friends_who_referred": friends_who_referred,
        "friends_who_referred_rate": percent(friends_who_referred, friends),
        "second_generation_referrals": counts["second"],
        "second_generation_revenue": [
            {"currency": code, "amount": revenue[code]} for code in sorted(revenue)
        ],
        "generations": [
            {"generation": number, "referrals": generations[number]}
            for number in sorted(generations)
        ],
        "outside_generations": counts["referrals"] - in_generations if with_generations else None,
    }


def _generations(*, program, period: Period) -> dict[int, int]:
    """The period's referrals by generation: one recursive query over the program's referrals
    (bounded at MAX_GENERATIONS, so a cycle ends)."""
    table = Referral._meta.db_table
    sql = f"""
        WITH RECURSIVE gen(participant_id, g) AS (
            SELECT DISTINCT r.participant_id, 1 FROM {table} r
            WHERE r.program_id = %s AND NOT EXISTS (
                SELECT 1 FROM {table} p WHERE p.program_id = %s AND p.friend_id = r.participant_id
            )
            UNION
            SELECT r.friend_id, gen.g + 1 FROM {table} r
            JOIN gen ON r.participant_id = gen.participant_id
            WHERE r.program_id = %s AND r.friend_id IS NOT NULL AND gen.g < %s
        ),
        depth(participant_id, g) AS (
            SELECT participant_id, MIN(g) FROM gen GROUP BY participant_id
        )
        SELECT depth.g, COUNT(*) FROM {table} r
        JOIN depth ON depth.participant_id = r.participant_id
        WHERE r.program_id = %s AND r.created_at >= %s AND r.created_at < %s
        GROUP BY depth.g
    """  # noqa: S608 - the table name is the model's own; every value is a parameter
    pk = Program._meta.pk.get_db_prep_value(program.pk, connection)
    start = connection.ops.adapt_datetimefield_value(period.start)
    end = connection.ops.adapt_datetimefield_value(period.end)
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk, pk, pk, MAX_GENERATIONS, pk, start, end])
        return {int(g): int(n) for g, n in cursor.fetchall()}
