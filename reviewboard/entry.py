"""The ``reviewboard`` console script.

``reviewboard cert verify`` (the deployment gate) runs on CI machines that have neither ReviewBoard's database
nor the system libraries its PDF renderer loads (WeasyPrint needs Pango), so it is dispatched before the
application's command group is imported; every other command goes to :func:`reviewboard.cli.main`.
"""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:3] == ["cert", "verify"]:
        from reviewboard.certificates.commands import cert_cli

        cert_cli.main(args=sys.argv[2:], prog_name="reviewboard cert")
        return
    from reviewboard.cli import main as full

    full()
