"""``python -m reviewboard ...``: the ``reviewboard`` command, from this interpreter (the embedded job worker's
child process is started so, jobs/embedded.py)."""

from reviewboard.entry import main

main()
