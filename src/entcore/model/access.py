"""Access blocking: the views ``app.access`` hands out (blocks, their history, refusals).

A *block* closes the ENT to one profile, for one structure or for the whole
platform, with a French message for the users concerned and an optional end.
These frozen records are what :class:`~entcore.access.AccessService` returns;
``to_json()`` gives the mapping the command line prints.
"""

from __future__ import annotations

import enum
from datetime import datetime

from attrs import frozen

from entcore.model._converter import JsonView
from entcore.model.directory import Profile

#: Shown to a blocked user when the block was set without a message.
DEFAULT_BLOCK_MESSAGE = "L'accès à l'ENT est momentanément fermé pour votre profil."


class BlockScope(enum.StrEnum):
    """What a block covers."""

    PLATFORM = "platform"
    """Every account of the profile, whatever its structures."""
    STRUCTURE = "structure"
    """The accounts of the profile in one structure."""


class BlockAction(enum.StrEnum):
    """A change recorded in the blocks' history."""

    BLOCK = "block"
    """A block set, or changed (new message or end)."""
    UNBLOCK = "unblock"
    """A block lifted by an operator."""
    EXPIRE = "expire"
    """A block that reached its end date."""


@frozen
class BlockView(JsonView):
    """A block in force."""

    uai: str | None
    """The blocked structure's UAI; ``None`` for the whole platform."""
    profile: Profile
    message: str | None
    """The French message given when blocking; ``None``: the default one is shown."""
    until: datetime | None
    """The instant the block ends (UTC); ``None``: until it is lifted."""
    since: datetime
    """When the block was set or last changed (UTC)."""
    by: str
    """Who set it."""

    @property
    def scope(self) -> BlockScope:
        """Platform or structure."""
        return BlockScope.PLATFORM if self.uai is None else BlockScope.STRUCTURE

    @property
    def shown_message(self) -> str:
        """The message the users concerned see."""
        return self.message or DEFAULT_BLOCK_MESSAGE


@frozen
class BlockEvent(JsonView):
    """One change in the blocks' history (append-only)."""

    at: datetime
    """When the change took effect (an expiry: the block's end)."""
    action: BlockAction
    uai: str | None
    """``None`` for the platform."""
    profile: Profile
    message: str | None
    until: datetime | None
    since: datetime | None
    """When the block concerned was set (for ``unblock`` and ``expire``)."""
    by: str
    """Who made the change; ``entcore`` for an expiry."""


@frozen
class Refusal(JsonView):
    """Why an account may not use the ENT now: what to show, and what blocks it.

    A platform block wins over structure blocks.  Among structure blocks (the
    account is refused only when every structure of theirs blocks its
    profile) the one that ends first is shown: it is the one whose end
    reopens access.
    """

    message: str
    """The French message to show (the default one when the block has none)."""
    scope: BlockScope
    uais: tuple[str, ...]
    """The blocking structures' UAIs (every structure of the account); empty for a platform block."""
    until: datetime | None
    """When the block shown ends (UTC); ``None``: until it is lifted."""


@frozen
class AccountAccess(JsonView):
    """How an account signs in, and whether it may now: what ``accounts show`` adds."""

    federated: bool
    """Signs in through an identity federation (the store's flag)."""
    provider: str | None
    """``educonnect`` (students, relatives) or ``agents`` (teachers, personnels) when
    federated; ``None`` otherwise (guests have no federation)."""
    local_sign_in: bool
    """The profile may sign in with an ENT password (setting ``[auth] local_profiles``)."""
    blocked: Refusal | None
    """Why access is refused now, or ``None``."""
