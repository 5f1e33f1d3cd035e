"""``podcast doctor``: which tools a build uses, and how to fix them."""

from __future__ import annotations

import typer

from podcast.cli.common import fail, user_errors


@user_errors
def doctor() -> None:
    """Say which espeak-ng, ffmpeg and voices a build uses, and how to fix any problem."""
    from podcast.inspect.doctor import FAIL, build_can_work, run_checks

    checks = run_checks()
    for check in checks:
        typer.echo(f"{check.status:>8}  {check.name}: {check.detail}")
        if check.fix and check.status != "ok":
            typer.echo(f"{'':>8}  -> {check.fix}")
    if not build_can_work(checks):
        problems = sum(c.status == FAIL for c in checks)
        fail(f"{problems} problem(s) stop a build; see above")
