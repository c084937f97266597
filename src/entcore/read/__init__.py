"""The read API for integrators and connectors (``app.read``): typed views, streamed from the store.

This engine reads the store and builds the views of :mod:`entcore.model.views`;
it imports only the model and the store.
"""

from entcore.read.paging import DEFAULT_BATCH_SIZE
from entcore.read.service import ReadService

__all__ = ["DEFAULT_BATCH_SIZE", "ReadService"]
