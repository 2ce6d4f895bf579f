"""Personal access tokens: how scripts and CI authenticate to the API (reviewboard.api)."""
