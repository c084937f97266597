"""Which identity federation an account signs in through, from the store's facts.

The store keeps one profile per account and a ``federated`` flag (set by the
directory source: AAF accounts are federated, guests of a guest list are
not).  The federation follows from the profile, as the académies run them:
students and relatives sign in through EduConnect, teachers and personnels
through the académie's agents federation (the ``ac-*`` portals); guests have
no federation.
"""

from __future__ import annotations

from entcore.model.directory import Profile

#: The federation of each profile that has one.
FEDERATIONS = {
    Profile.STUDENT: "educonnect",
    Profile.RELATIVE: "educonnect",
    Profile.TEACHER: "agents",
    Profile.PERSONNEL: "agents",
}


def federation_of(profile: Profile, federated: bool) -> str | None:
    """``educonnect`` or ``agents`` for a federated account of a profile that has one; else ``None``."""
    if not federated:
        return None
    return FEDERATIONS.get(profile)
