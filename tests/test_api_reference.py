"""The API reference (docs/api.rst) documents everything the docs and the hooks hand to plugins.

Required: every name of ``entcore.__all__`` and of the public modules'
``__all__``; every entcore class a hook specification's parameters name or its
docstring mentions; every entcore class or function the docs pages refer to;
and, transitively, every entcore class named by the signatures and fields of
those (what a plugin receives from ``app.timetable.validate`` must be
documented as well as ``app.timetable`` itself).  "Documented" means an autodoc
directive (or a ``py:`` directive) of the docs names the object itself, under
any of its names, or an ``automodule`` with ``:members:`` covers it.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import sys
import typing
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from types import FunctionType, ModuleType

import attrs

import entcore
import entcore.hookspecs

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = sorted([*DOCS.glob("*.rst"), *DOCS.glob("howto/*.rst")])
PUBLIC_MODULES = [
    "entcore",
    "entcore.model",
    "entcore.protocols",
    "entcore.safexml",
    "entcore.schoolyear",
    "entcore.testing",
    "entcore.timetable",
]
DIRECTIVE = re.compile(
    r"^(?P<indent>[ \t]*)\.\. (?P<kind>auto\w+|py:\w+):: (?P<target>[\w.]+)[^\n]*"
    r"(?P<options>(?:\n(?P=indent)[ \t]+:[\w-]+:[^\n]*)*)",
    re.MULTILINE,
)
ROLE = re.compile(r":(?:py:)?(class|func|meth|attr|exc|data|mod):`~?(entcore(?:\.[\w.]+)?)`")
IDENTIFIER = re.compile(r"[A-Za-z_]\w*")


def resolve(target: str) -> object:
    """The object a dotted name designates (the longest importable module, then attributes)."""
    parts = target.split(".")
    for split in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for name in parts[split:]:
            obj = getattr(obj, name)
        return obj
    raise ImportError(target)


def is_api_object(obj: object) -> bool:
    """An entcore class or function (what the reference must show), not data nor aliases."""
    return (
        (inspect.isclass(obj) or isinstance(obj, FunctionType))
        and getattr(obj, "__module__", "").startswith("entcore")
        and not getattr(obj, "__name__", "_").startswith("_")
    )


@cache
def documented() -> frozenset[int]:
    """The ids of the objects (and modules) the docs describe."""
    return frozenset(id(obj) for obj, _ in directives())


@cache
def opaque() -> frozenset[int]:
    """Objects described by hand (``py:class``): handles whose insides are not API."""
    return frozenset(id(obj) for obj, kind in directives() if kind.startswith("py:"))


@cache
def directives() -> tuple[tuple[object, str], ...]:
    """Every object a directive of the docs describes, with the directive's kind."""
    found: list[tuple[object, str]] = []
    for page in PAGES:
        for match in DIRECTIVE.finditer(page.read_text(encoding="utf-8")):
            kind, target, options = match["kind"], match["target"], match["options"]
            if ":no-index:" in options:
                continue
            obj = resolve(target)
            found.append((obj, kind))
            if kind == "automodule" and ":members:" in options:
                assert isinstance(obj, ModuleType)
                found.extend((member, kind) for member in module_members(obj))
    return tuple(found)


def module_members(module: ModuleType) -> Iterator[object]:
    """What ``automodule`` with ``:members:`` shows: documented members defined in the module."""
    names = getattr(module, "__all__", None) or vars(module)
    for name in names:
        member = getattr(module, name, None)
        if (
            not name.startswith("_")
            and getattr(member, "__module__", None) == module.__name__
            and inspect.getdoc(member)
        ):
            yield member


@cache
def imported_names(module_name: str) -> dict[str, str]:
    """``name -> module`` of every ``from module import name`` in a module, TYPE_CHECKING included."""
    module = sys.modules[module_name]
    source = inspect.getsource(module)
    names: dict[str, str] = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module:
            base = node.module
            if node.level:
                base = ".".join([*module_name.split(".")[: -node.level], node.module])
            for alias in node.names:
                names[alias.asname or alias.name] = base
    return names


def annotation_objects(annotation: object, module_name: str) -> Iterator[object]:
    """The entcore classes an annotation (a string under ``from __future__ import annotations``) names."""
    text = annotation if isinstance(annotation, str) else repr(annotation)
    module = sys.modules[module_name]
    for identifier in set(IDENTIFIER.findall(text)):
        obj = vars(module).get(identifier)
        if obj is None and identifier in imported_names(module_name):
            source = importlib.import_module(imported_names(module_name)[identifier])
            obj = getattr(source, identifier, None)
        if is_api_object(obj):
            yield obj


def handed_out(obj: object) -> Iterator[tuple[str, object]]:
    """The entcore classes a class's or function's public signatures and fields name."""
    if isinstance(obj, FunctionType):
        signature_owner = obj
        for name, annotation in obj.__annotations__.items():
            for found in annotation_objects(annotation, signature_owner.__module__):
                yield f"{obj.__name__}({name})", found
        return
    assert inspect.isclass(obj)
    module_name = obj.__module__
    if attrs.has(obj):
        for field in attrs.fields(obj):
            if not field.name.startswith("_"):
                for found in annotation_objects(field.type, module_name):
                    yield f"{obj.__qualname__}.{field.name}", found
    for name, member in vars(obj).items():
        if name.startswith("_") and name != "__init__":
            continue
        function = getattr(member, "fget", None) or getattr(member, "func", None) or member
        if isinstance(member, staticmethod | classmethod):
            function = member.__func__
        annotations = getattr(function, "__annotations__", None)
        if isinstance(function, FunctionType) and annotations:
            for parameter, annotation in annotations.items():
                for found in annotation_objects(annotation, function.__module__):
                    yield f"{obj.__qualname__}.{name}({parameter})", found


def roots() -> Iterator[tuple[str, object]]:
    """Where each required object is handed to plugins, and the object."""
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if is_api_object(obj):
                yield f"{module_name}.__all__", obj
    for name, hook in vars(entcore.hookspecs).items():
        if name.startswith("entcore_") and isinstance(hook, FunctionType):
            for where, obj in handed_out(hook):
                yield f"hook {where}", obj
            for match in ROLE.finditer(inspect.getdoc(hook) or ""):
                yield f"docstring of hook {name}", owner_of(match[1], match[2])
    for page in PAGES:
        for match in ROLE.finditer(page.read_text(encoding="utf-8")):
            yield f"{page.relative_to(ROOT)}", owner_of(match[1], match[2])


def owner_of(role: str, target: str) -> object:
    """The object a reference needs documented: itself, or for a method or attribute its class."""
    obj = resolve(target)
    if role in ("meth", "attr") or (role == "data" and not is_api_object(obj)):
        obj = resolve(target.rsplit(".", 1)[0])
    return obj


def required() -> dict[int, tuple[str, object]]:
    """Every object the reference must document, with the first place that hands it out."""
    found: dict[int, tuple[str, object]] = {}
    pending = list(roots())
    while pending:
        where, obj = pending.pop()
        if id(obj) in found or not (is_api_object(obj) or isinstance(obj, ModuleType)):
            continue
        found[id(obj)] = (where, obj)
        if is_api_object(obj) and id(obj) not in opaque():
            pending.extend(handed_out(obj))
    return found


def test_the_reference_documents_what_plugins_are_handed() -> None:
    missing = sorted(
        f"{getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', obj)} (from {where})"
        if not isinstance(obj, ModuleType)
        else f"module {obj.__name__} (from {where})"
        for key, (where, obj) in required().items()
        if key not in documented()
    )
    assert not missing, "not in the API reference:\n" + "\n".join(missing)


def test_the_walk_reaches_the_services_and_their_reports() -> None:
    """The requirement is not vacuous: the services and what they return are required."""
    from entcore.directory.service import DirectoryService
    from entcore.store.database import Store
    from entcore.timetable.expand import PlannedSession
    from entcore.timetable.report import ImportedCounts
    from entcore.timetable.service import TimetableService

    reached = {key for key, _ in required().items()}
    for obj in (
        entcore.TimetableReport,
        TimetableService,
        DirectoryService,
        Store,
        PlannedSession,
        ImportedCounts,
        entcore.schoolyear.school_year_of,
        entcore.FormatContext,
    ):
        assert id(obj) in reached, obj


def test_an_undocumented_object_is_caught(monkeypatch: typing.Any) -> None:
    """A class handed out by a hook but absent from the docs is reported, by name."""

    class Undocumented:
        """Handed to plugins but not documented."""

    Undocumented.__module__ = "entcore.hookspecs"

    def entcore_fake_hook(thing: Undocumented) -> None:
        """A hook."""

    monkeypatch.setattr(entcore.hookspecs, "Undocumented", Undocumented, raising=False)
    monkeypatch.setattr(entcore.hookspecs, "entcore_fake_hook", entcore_fake_hook, raising=False)
    entcore_fake_hook.__module__ = "entcore.hookspecs"
    entcore_fake_hook.__annotations__ = {"thing": "Undocumented", "return": "None"}
    missing = [where for key, (where, _) in required().items() if key not in documented()]
    assert missing == ["hook entcore_fake_hook(thing)"]
