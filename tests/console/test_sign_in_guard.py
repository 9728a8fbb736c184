"""Guessing passwords: after ten failures for one address in 15 minutes, sign-in waits."""

from tests.console.conftest import PASSWORD
from tular.workspaces.auth import MAX_FAILURES_PER_ADDRESS, sign_in_failures_prune
from tular.workspaces.models import SignInFailure


def _try(client, password, email="manager@toko.example", ip="203.0.113.7"):
    return client.post("/console/login/", {"username": email, "password": password}, REMOTE_ADDR=ip)


def test_ten_wrong_passwords_lock_the_address_for_a_while(anonymous_client, manager, frozen_clock):
    # given
    for _ in range(MAX_FAILURES_PER_ADDRESS):
        assert _try(anonymous_client, "salah").status_code == 200
    # when: even the right password is refused, without being checked
    response = _try(anonymous_client, PASSWORD)
    # then
    assert response.status_code == 200
    assert "Terlalu banyak percobaan masuk yang gagal" in response.content.decode()
    assert "15 menit" in response.content.decode()
    # and after the window, the right password works again and clears the failures
    frozen_clock.advance(minutes=15, seconds=1)
    assert _try(anonymous_client, PASSWORD).status_code == 302
    assert not SignInFailure.objects.exists()


def test_a_locked_address_does_not_lock_another(anonymous_client, manager, owner, frozen_clock):
    for _ in range(MAX_FAILURES_PER_ADDRESS):
        _try(anonymous_client, "salah", email="manager@toko.example")
    assert _try(anonymous_client, PASSWORD, email="owner@toko.example").status_code == 302


def test_many_addresses_from_one_ip_are_stopped_too(anonymous_client, owner, frozen_clock):
    for number in range(50):
        _try(anonymous_client, "salah", email=f"tebak{number}@toko.example", ip="198.51.100.9")
    assert (
        _try(anonymous_client, PASSWORD, email="owner@toko.example", ip="198.51.100.9").status_code
        == 200
    )
    assert (
        _try(anonymous_client, PASSWORD, email="owner@toko.example", ip="198.51.100.10").status_code
        == 302
    )


def test_old_failures_are_pruned(anonymous_client, manager, frozen_clock):
    _try(anonymous_client, "salah")
    frozen_clock.advance(days=1, seconds=1)
    assert sign_in_failures_prune() == 1
    assert not SignInFailure.objects.exists()


def test_failures_keep_no_address_in_clear(anonymous_client, manager, frozen_clock):
    _try(anonymous_client, "salah")
    failure = SignInFailure.objects.get()
    assert "manager" not in failure.email_hash
    assert failure.ip == "203.0.113.7"
