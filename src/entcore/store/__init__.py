"""The store: typed schema, migrations and the database handle."""

from entcore.store.database import Store
from entcore.store.schema import Base, utcnow

__all__ = ["Base", "Store", "utcnow"]
