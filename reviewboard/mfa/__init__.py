"""Multi-factor authentication: TOTP (RFC 6238) with recovery codes, the policy of who must use it, and the
second step of sign-in (ASVS 5.0 V6.5/V6.6)."""
