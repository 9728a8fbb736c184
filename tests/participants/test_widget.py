"""The "Invite friends" panel's token (participants/widget.py): it names one participant for ten
minutes and nothing else opens the panel."""

from datetime import timedelta

from django.core import signing

from tests.rewards.books import make_participant, make_program
from tular.participants.widget import (
    SALT,
    widget_participant,
    widget_token,
    widget_token_expired,
)
from tular.workspaces.services import workspace_get_or_create


def people(db):
    workspace = workspace_get_or_create(slug="toko", name="Toko")[0]
    program = make_program(workspace, slug="hadiah")
    return (
        make_participant(program, name="Andi", email="andi@example.com"),
        make_participant(program, name="Budi", email="budi@example.com"),
    )


def test_a_token_names_its_participant_for_ten_minutes(db, frozen_clock):
    andi, budi = people(db)
    token, expires_at = widget_token(participant=andi)
    assert expires_at == frozen_clock.now + timedelta(minutes=10)
    assert widget_participant(token=token) == andi
    # another participant's token names that other participant, never Andi
    other, _ = widget_token(participant=budi)
    assert widget_participant(token=other) == budi
    # still valid a second before the end
    frozen_clock.advance(minutes=9, seconds=59)
    assert widget_participant(token=token) == andi
    assert not widget_token_expired(token=token)


def test_an_expired_token_opens_nothing(db, frozen_clock):
    andi, _ = people(db)
    token, _ = widget_token(participant=andi)
    frozen_clock.advance(minutes=10)
    assert widget_participant(token=token) is None
    assert widget_token_expired(token=token)


def test_a_tampered_token_opens_nothing(db, frozen_clock):
    andi, budi = people(db)
    token, _ = widget_token(participant=andi)
    # a changed character anywhere
    for index in (1, len(token) // 2, len(token) - 2):
        changed = token[:index] + ("A" if token[index] != "A" else "B") + token[index + 1 :]
        assert widget_participant(token=changed) is None
        assert not widget_token_expired(token=changed)
    # Budi's id in Andi's token's place, signed with another salt or another key
    forged = {"p": budi.pk.hex, "e": int(frozen_clock.now.timestamp()) + 600}
    assert widget_participant(token=signing.dumps(forged, salt="other")) is None
    assert widget_participant(token=signing.dumps(forged, salt=SALT, key="x" * 50)) is None
    # a payload without a participant or an expiry, and rubbish
    assert widget_participant(token=signing.dumps({"p": budi.pk.hex}, salt=SALT)) is None
    assert widget_participant(token=signing.dumps(["x"], salt=SALT)) is None
    for rubbish in ("", "abc", "a:b:c", "x" * 600):
        assert widget_participant(token=rubbish) is None


def test_a_token_of_a_removed_participant_opens_nothing(db, frozen_clock):
    andi, _ = people(db)
    token, _ = widget_token(participant=andi)
    andi.delete()
    assert widget_participant(token=token) is None
