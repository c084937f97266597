"""A directory lifecycle hook that fails after the import was committed, for tests."""

from __future__ import annotations

from typing import Any

import entcore


@entcore.hookimpl
def entcore_directory_applied(app: Any, report: Any) -> None:
    raise OSError(28, "No space left on device")
