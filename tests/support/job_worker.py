"""`reviewboard worker --burst` for the job tests, with a test-only hook that makes each render slow.

    python -m tests.support.job_worker   (configured through the environment, as tests/support/live_server does)

RB_RENDER_DELAY seconds of sleep before each render, and RB_RENDER_STARTED a file created when a render starts,
so a test can SIGKILL the process in the middle of one.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from reviewboard import create_app
from reviewboard.extensions import db
from reviewboard.jobs.queue import sweep
from reviewboard.records import pdf


def _slow(render):
    def slow_render(data, **kwargs):
        Path(os.environ["RB_RENDER_STARTED"]).touch()
        time.sleep(float(os.environ.get("RB_RENDER_DELAY", "0")))
        return render(data, **kwargs)

    return slow_render


def main() -> None:
    pdf.render_record_pdf = _slow(pdf.render_record_pdf)
    app = create_app()
    with app.app_context():
        while sweep():  # the no-Redis worker's loop, until no job is due
            pass
        db.session.remove()


if __name__ == "__main__":
    main()
