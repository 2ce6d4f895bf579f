"""Who administers accounts and who edits a profile.

Administrators are the committee chairs: they have created and deactivated accounts since the first release
(reviewboard/auth/permissions.can_admin_users, the one definition), and the multi-factor policy that is
required for administrators applies to chairs as well. No separate role was added: a second privileged
role would need its own separation rules without protecting anything more.
"""

from __future__ import annotations

from reviewboard.auth.permissions import can_admin_users


def can_administer_accounts(user) -> bool:
    return can_admin_users(user)


def can_edit_profile(user) -> bool:
    return user.is_authenticated and user.active
