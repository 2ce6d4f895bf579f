"""Single sign-on through an organisation's OpenID Connect provider (Authlib): sign-in with just-in-time accounts
and roles mapped from a claim, and the fresh login at the provider that re-proves an SSO user's identity when they
sign a decision (21 CFR 11.200) instead of a password."""
