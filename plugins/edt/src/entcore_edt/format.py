"""The ``edt`` timetable format: recognises and parses both kinds of EDT/PRONOTE ENT export."""

from __future__ import annotations

import io
from typing import IO, TYPE_CHECKING

from entcore import FormatContext, InvalidFileError
from lxml import etree

from entcore_edt.container import decrypt, load_private_key, missing_partner_reason, read_container
from entcore_edt.detect import CONTAINER_ROOT, EXPORT_ROOT, HEAD_SIZE, read_root, require_root
from entcore_edt.reader import FORMAT_NAME, ExportReader
from entcore_edt.settings import EdtSettings, describe

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from entcore.model import Timetable

_EXPECTED = "export EDT/PRONOTE (EXPORT_INDEX_EDUCATION chiffré ou ExportEmploiDuTemps en clair)"


class EdtFormat:
    """Index Éducation's "ENT" export, encrypted (``EXPORT_INDEX_EDUCATION``) or clear.

    Implements :class:`entcore.TimetableFormat`.  The settings it reads are
    those of :data:`entcore_edt.settings.SETTINGS`.
    """

    name = FORMAT_NAME
    label = "EDT / PRONOTE (Index Éducation)"

    def sniff(self, path: Path, head: bytes, settings: Mapping[str, object]) -> bool:
        """True for an encrypted container or a clear export, judged by the root element.

        Both are recognised whatever the settings: refusing a clear export is
        :meth:`parse`'s job, with a message that says why.
        """
        try:
            root = read_root(head[:HEAD_SIZE])
            if root is None and len(head) < HEAD_SIZE:
                # The caller's head stopped before the root start tag.
                with path.open("rb") as handle:
                    root = read_root(handle.read(HEAD_SIZE))
        except (etree.LxmlError, OSError, ValueError):
            return False
        return root is not None and root.tag in (CONTAINER_ROOT, EXPORT_ROOT)

    def parse(self, path: Path, context: FormatContext) -> Timetable:
        """The snapshot of the export at ``path``; decrypts it first when it is a container."""
        settings = EdtSettings.from_mapping(context.settings)
        name = context.filename
        try:
            # A buffer as large as the head lets peek() return all of it.
            handle = io.BufferedReader(io.FileIO(path, "r"), HEAD_SIZE)
        except OSError as error:
            reason = error.strerror or type(error).__name__
            raise InvalidFileError(name, f"lecture impossible : {reason}") from None
        with handle:
            head = handle.peek(HEAD_SIZE)[:HEAD_SIZE]
            root = require_root(head, name, (CONTAINER_ROOT, EXPORT_ROOT), _EXPECTED)
            if root.tag == CONTAINER_ROOT:
                return self._parse_container(handle, name, settings)
            if not settings.accept_clear:
                raise InvalidFileError(
                    name,
                    "export en clair refusé : seuls les exports chiffrés par EDT/PRONOTE sont "
                    f"acceptés ({describe('accept_clear')})",
                )
            return ExportReader(name).read(handle)

    def _parse_container(self, handle: IO[bytes], name: str, settings: EdtSettings) -> Timetable:
        container = read_container(handle, name)
        partner = settings.partner
        if partner is None or container.key_block(partner) is None:
            raise InvalidFileError(name, missing_partner_reason(container, partner))
        if settings.private_key is None:
            raise InvalidFileError(
                name,
                f"fichier chiffré : indiquez notre clé privée dans le {describe('private_key')}",
            )
        key = load_private_key(settings.private_key, name)
        clear = decrypt(container, partner, key, name)
        return ExportReader(name).read(
            io.BufferedReader(io.BytesIO(clear), HEAD_SIZE),
            software=container.software,
            generated_at=container.generated_at,
            uai=container.uai,
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"
