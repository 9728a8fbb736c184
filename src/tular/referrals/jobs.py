"""Periodic jobs of the pipeline, run by `tular worker`: late service levels, dark leads due
for another try, and the progress note that keeps a referrer from radio silence. Each claims
its rows with a conditional UPDATE, so several workers tell once."""

from tular.core.schedule import every
from tular.referrals import notify, sla


@every(seconds=60)
def tell_overdue_owners() -> None:
    sla.overdue_tell()


@every(seconds=300)
def tell_recontact_due() -> None:
    sla.recontact_tell()


@every(seconds=600)
def send_quiet_notes() -> None:
    """No radio silence (R19): a progress note for leads quiet longer than the program's
    quiet_days."""
    notify.quiet_notes_send()
