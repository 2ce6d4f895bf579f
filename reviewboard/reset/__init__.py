"""Password reset by e-mail: a single-use link, valid for PASSWORD_RESET_TTL, kept only as a SHA-256."""
