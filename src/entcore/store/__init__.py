"""The store: typed schema, migrations and the database handle."""

from entcore.store import (
    access_schema,  # noqa: F401 - registers the access tables on Base
    auth_schema,  # noqa: F401 - registers the sign-in tables on Base
    saml_schema,  # noqa: F401 - registers the SAML tables on Base
    timetable_schema,  # noqa: F401 - registers the timetable tables on Base
)
from entcore.store.database import Store
from entcore.store.schema import Base, utcnow

__all__ = ["Base", "Store", "utcnow"]
