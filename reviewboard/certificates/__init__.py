"""System certificates: a signed in-toto statement per certified system version, its live status and the
signed status list a deployment gate reads (issue 12, parts 3-5)."""
