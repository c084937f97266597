"""Access blocking (``app.access``): close the ENT to a profile per structure or platform-wide.

This engine reads and writes the store's access tables and builds the views
of :mod:`entcore.model.access`; it imports only the model and the store.
"""

from entcore.access.rules import FEDERATIONS, federation_of
from entcore.access.service import AccessService, InvalidBlock, profile_of

__all__ = ["FEDERATIONS", "AccessService", "InvalidBlock", "federation_of", "profile_of"]
