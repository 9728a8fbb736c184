"""Demo data for `tular up --demo` (placeholder until the full loader lands)."""


def load_demo(*, workspace) -> str:
    raise NotImplementedError
