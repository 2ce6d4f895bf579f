"""What a certificate reads from the system register (reviewboard.systems, reviewboard.registration): the
version to certify, its artifacts and the registration duties with their filings, and a certified duty's title in
a reader's language. Kept in one place, so the certificate code depends on those packages through these functions
only."""

from __future__ import annotations

from reviewboard.core.language import SOURCE_LANGUAGE
from reviewboard.registration.rules import RulesetError, ruleset
from reviewboard.registration.services import registration_state
from reviewboard.systems.services import current_version


def version_to_certify(project):
    """The project's current system version, or None when it has none."""
    return current_version(project)


def artifacts_of(version) -> list:
    return list(version.artifacts)


def registration_duties(project) -> list[dict]:
    """Each duty the ruleset raises on the project's facts, with its reasons and its current filing (None while
    not filed; a Deployment is not approved while a duty due by then is unfiled)."""
    state = registration_state(project)
    return [{"code": d["code"], "title": d["title"], "authority": d["authority"], "reasons": d["reasons"],
             "ruleset": state["ruleset"],
             "filing": None if d["filing"] is None else {"authority": d["filing"]["authority"],
                                                         "reference": d["filing"]["reference"],
                                                         "date": d["filing"]["filed_on"]}}
            for d in state["duties"]]


def duty_title(duty: dict, language: str) -> str:
    """A certified duty's title (as the certificate's statement keeps it: English, with its code and ruleset
    version) in ``language``, from that version of the ruleset; the kept title when the version does not give the
    language (1.0.0) or is not shipped."""
    kept = duty.get("title") or duty["code"]
    if language == SOURCE_LANGUAGE:
        return kept
    try:
        definition = ruleset(duty.get("ruleset"), language).definition(duty["code"])
    except RulesetError:
        return kept
    return definition.title if definition else kept
