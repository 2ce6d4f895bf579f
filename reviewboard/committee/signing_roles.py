"""The role a signature states ("Committee chair and legal reviewer", "Delegate of Ava Away"), in one place:
committee/services.py composes the stored English with :func:`role_title` and :func:`delegate_title`, and pages
read the same form back into its parts with :func:`role_parts` to word it in the reader's language
(reviews/labels.py). A wording changed here changes both, so a signed role is never half-translated."""

from __future__ import annotations

from collections.abc import Sequence

from reviewboard.auth.models import Role

DELEGATE_OF = "Delegate of "


def delegate_title(name: str) -> str:
    return f"{DELEGATE_OF}{name}"


def role_title(chair: bool, expertise: Sequence[str]) -> str:
    """"Committee chair", "Legal reviewer", "Committee chair and legal and privacy reviewer", or
    "Ethics reviewer" for neither."""
    roles = [Role.CHAIR.title] if chair else []
    if expertise:
        listed = " and ".join([", ".join(expertise[:-1]), expertise[-1]] if len(expertise) > 1 else expertise)
        roles.append(f"{listed} reviewer")
    if not roles:
        return Role.REVIEWER.title
    title = " and ".join(roles)
    return title[:1].upper() + title[1:]


def role_parts(title: str, known: Sequence[str]) -> tuple[bool, list[str]] | None:
    """(chair, expertise) that :func:`role_title` composes ``title`` from, the expertise among ``known``; None for
    a title not in that form (a delegate's, or one signed under another wording)."""
    chair = title.startswith(Role.CHAIR.title)
    if role_title(chair, []) == title:  # "Ethics reviewer" is a reviewer's title before it is ethics expertise
        return chair, []
    rest = title[len(Role.CHAIR.title):].removeprefix(" and ") if chair else title[:1].lower() + title[1:]
    listed = rest.removesuffix(" reviewer").replace(" and ", ", ").split(", ") if rest.endswith(" reviewer") else []
    if not listed or not all(e in known for e in listed):
        return None
    return (chair, listed) if role_title(chair, listed) == title else None
