"""The store's typed schema (SQLAlchemy 2.0 declarative, ``Mapped[...]``).

Every table is created by an Alembic migration under ``migrations/versions``;
the metadata's constraint naming convention keeps those migrations stable.
Instants are stored in UTC; keys taken from feeds are strings.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC instant, stored naive-UTC so that SQLite and PostgreSQL agree."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    """The current instant, aware, in UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base of every entcore table (plugins' tables too)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads this class attribute
        str: String(),
        datetime: UTCDateTime(),
        date: Date(),
        bytes: LargeBinary(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }


class Structure(Base):
    """A school or other structure."""

    __tablename__ = "structures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(unique=True)
    """Feed key, académie prefix included."""
    uai: Mapped[str | None] = mapped_column(unique=True)
    name: Mapped[str]
    type: Mapped[str | None]
    academy: Mapped[str | None]
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """Address, contacts and other facts of the feed that need no column of their own."""
    source: Mapped[str]
    fingerprint: Mapped[bytes]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    timetable_mode: Mapped[str] = mapped_column(default="directory", server_default="directory")
    """Piloting mode: ``directory`` (the timetable feeds only the cahier de textes) or ``timetable``."""
    school_year: Mapped[str | None]
    """Current school year (``2024-2025``), set by the last validated timetable import."""


class Subject(Base):
    """A subject of the national nomenclature."""

    __tablename__ = "subjects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(unique=True)
    label: Mapped[str]
    source: Mapped[str]
    fingerprint: Mapped[bytes]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Mef(Base):
    """A MEF (course of study)."""

    __tablename__ = "mefs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(unique=True)
    label: Mapped[str]
    attachment: Mapped[str | None]
    statistical: Mapped[str | None]
    source: Mapped[str]
    fingerprint: Mapped[bytes]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Account(Base):
    """A person's account: student, relative, teacher, personnel or guest."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(unique=True)
    profile: Mapped[str]
    login: Mapped[str] = mapped_column(unique=True)
    """Given once, never changed by later imports."""
    display_name: Mapped[str]
    last_name: Mapped[str]
    first_name: Mapped[str]
    birth_name: Mapped[str | None]
    birth_date: Mapped[date | None]
    title: Mapped[str | None]
    email: Mapped[str | None]
    ine: Mapped[str | None]
    mef: Mapped[str | None]
    structure_id: Mapped[int | None] = mapped_column(
        ForeignKey("structures.id", ondelete="SET NULL"), index=True
    )
    """The structure the account is counted in: its first attachment (a copy, for fast reports)."""
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """Facts of the feed kept whole: other first names, address, phones, class periods, MEFs..."""
    federated: Mapped[bool] = mapped_column(Boolean, default=True)
    """Signs in through an identity federation (EduConnect, agents): has no password."""
    password_hash: Mapped[str | None]
    source: Mapped[str]
    fingerprint: Mapped[bytes]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    disappeared_at: Mapped[datetime | None]
    """Set when a full import of the account's structures no longer lists it."""


class AccountStructure(Base):
    """An account attached to a structure (administrative attachment or function)."""

    __tablename__ = "account_structures"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    structure_id: Mapped[int] = mapped_column(
        ForeignKey("structures.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(primary_key=True)
    """``attachment`` or ``function``."""


class SchoolClass(Base):
    """A class of a structure, created by the directory import."""

    __tablename__ = "classes"
    __table_args__ = (UniqueConstraint("structure_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    structure_id: Mapped[int] = mapped_column(ForeignKey("structures.id", ondelete="CASCADE"))
    code: Mapped[str]
    label: Mapped[str | None]
    created_at: Mapped[datetime]


class ClassSpace(Base):
    """The content space (*rubrique*) of a class, created with it."""

    __tablename__ = "class_spaces"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), unique=True)
    name: Mapped[str]
    created_at: Mapped[datetime]


class Group(Base):
    """An option or functional group of a structure."""

    __tablename__ = "groups"
    __table_args__ = (UniqueConstraint("structure_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    structure_id: Mapped[int] = mapped_column(ForeignKey("structures.id", ondelete="CASCADE"))
    code: Mapped[str]
    label: Mapped[str | None]
    kind: Mapped[str] = mapped_column(default="option")
    """``option`` (option group) or ``functional``."""
    created_at: Mapped[datetime]


class ClassMember(Base):
    """An account in a class, as student, teacher or head teacher."""

    __tablename__ = "class_members"

    class_id: Mapped[int] = mapped_column(
        ForeignKey("classes.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(primary_key=True)
    """``student``, ``teacher`` or ``head_teacher``."""
    source: Mapped[str] = mapped_column(primary_key=True)
    """``directory`` or ``timetable``: each import manages only its own memberships."""


class GroupMember(Base):
    """An account in a group, as student or teacher."""

    __tablename__ = "group_members"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(primary_key=True)


class TeachingAssignment(Base):
    """A subject a teacher teaches to a class or a group."""

    __tablename__ = "teachings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    class_id: Mapped[int | None] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    subject_code: Mapped[str | None]


class Function(Base):
    """A staff member's function in a structure."""

    __tablename__ = "functions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    structure_id: Mapped[int] = mapped_column(ForeignKey("structures.id", ondelete="CASCADE"))
    code: Mapped[str]
    label: Mapped[str]
    discipline_code: Mapped[str]
    discipline_label: Mapped[str]


class RelativeLinkRow(Base):
    """A student's responsible adult; the relative is named by external id so either may come first."""

    __tablename__ = "relative_links"

    student_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    relative_external_id: Mapped[str] = mapped_column(primary_key=True, index=True)
    relationship: Mapped[str]
    code: Mapped[str]
    financial: Mapped[bool] = mapped_column(Boolean)
    legal: Mapped[bool] = mapped_column(Boolean)
    in_charge: Mapped[bool] = mapped_column(Boolean)
    contact: Mapped[bool] = mapped_column(Boolean)
    payer: Mapped[bool] = mapped_column(Boolean)


class DirectoryImport(Base):
    """A committed directory import and its report."""

    __tablename__ = "directory_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str]
    mode: Mapped[str]
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime]
    report: Mapped[dict[str, Any]] = mapped_column(JSON)
