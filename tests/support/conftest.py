"""Personas of support: Toko Andalan's reseller program `mitra` with the partners Sinar and
Cahaya, an owner, a manager (Rina) and a viewer of the workspace, each with a console client,
and portal clients of the partners."""

from datetime import UTC, datetime

import pytest

from tests.console.conftest import client_for, make_member
from tests.deals.conftest import make_partner, make_partner_program
from tests.portal.conftest import portal_client_for
from tular.support.services import ticket_open
from tular.workspaces.audit import Actor
from tular.workspaces.models import Role


@pytest.fixture
def clock_start() -> datetime:
    return datetime(2026, 5, 18, 9, 0, tzinfo=UTC)  # a Monday morning


@pytest.fixture
def program(workspace):
    return make_partner_program(workspace)


@pytest.fixture
def sinar(program):
    return make_partner(program, "mitra_sinar", "PT Sinar")


@pytest.fixture
def cahaya(program):
    return make_partner(program, "mitra_cahaya", "CV Cahaya")


@pytest.fixture
def owner(workspace):
    return make_member(workspace, "owner@toko.example", Role.OWNER)


@pytest.fixture
def manager(workspace):
    user = make_member(workspace, "rina@toko.example", Role.MANAGER)
    user.first_name = "Rina"
    user.save()
    return user


@pytest.fixture
def viewer(workspace):
    return make_member(workspace, "viewer@toko.example", Role.VIEWER)


@pytest.fixture
def manager_client(manager):
    return client_for(manager)


@pytest.fixture
def viewer_client(viewer):
    return client_for(viewer)


@pytest.fixture
def sinar_portal(sinar):
    return portal_client_for(sinar)


@pytest.fixture
def cahaya_portal(cahaya):
    return portal_client_for(cahaya)


def open_ticket(partner, subject="Komisi bulan April belum masuk", **extra):
    values = {
        "body": "Halo, komisi untuk deal PT Maju belum terlihat di saldo kami.",
        "category": "commissions",
        "actor": Actor(label=f"{partner.name} (portal)"),
        **extra,
    }
    return ticket_open(participant=partner, subject=subject, **values)
