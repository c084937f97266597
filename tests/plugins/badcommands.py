"""A plugin whose command registration raises: the CLI must leave it out and keep working."""

from __future__ import annotations

import entcore


@entcore.hookimpl
def entcore_register_commands(registry: entcore.CommandRegistry) -> None:
    raise RuntimeError("commande cassée")
