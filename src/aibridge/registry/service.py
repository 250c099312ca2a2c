"""The registry service: every read and write the CLI, API and web app perform.

Writes take an :class:`~aibridge.registry.auth.Actor` first, are authorised, run in one
transaction (nothing half-written) and append an audit entry (before/after) in that same
transaction. Reads of public records need no actor.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from alembic.util.exc import CommandError as AlembicCommandError
from pydantic import BaseModel
from sqlalchemy import Select, func, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from aibridge.errors import (
    AuthenticationFailed,
    ConfigError,
    ConflictError,
    NotFoundError,
    PermissionDenied,
    RegistryError,
    ValidationFailed,
)
from aibridge.registry import iati as iati_xml
from aibridge.registry import models as m
from aibridge.registry import schemas as s
from aibridge.registry.auth import Actor, hash_token, new_token, split_token, verify_token
from aibridge.registry.db import WRITING, make_engine, upgrade
from aibridge.registry.matching import GapSignal, MatchMatrix, MatchWeights, score_matrix
from aibridge.registry.resolutions import economy_role
from aibridge.settings import get_settings

__all__ = ["IatiImportReport", "Registry"]

R = TypeVar("R", bound=m.Base)
P = TypeVar("P", bound=BaseModel)


def _organisation_of(row: Any) -> int | None:
    return getattr(row, "organisation_id", None)


def _id_of(row: Any) -> Any:
    return getattr(row, "id", None)


@dataclass(frozen=True)
class _Kind(Generic[R, P]):
    """A record type of the service's generic operations (``_one``, ``_all``, ``_create``,
    ``_update``, ``_delete``)."""

    entity: str  # in the audit log and in messages ("edit the need")
    model: type[R]
    public: Callable[[R], P]
    #: the organisation a record belongs to: contributors write only their own's records
    owner: Callable[[R], int | None] = _organisation_of
    #: the record's key in the audit log
    key: Callable[[R], Any] = _id_of


_TOUCH_EVERY = dt.timedelta(hours=1)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


@dataclass(frozen=True)
class IatiImportReport:
    """What an IATI import did (all activities were written, or none)."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    project_ids: list[int] = field(default_factory=list)


class Registry:
    """The cooperation registry at ``url`` (default: ``settings.registry_database_url``).

    Create one per process (e.g. at API start-up) and share it: every call opens its own
    session, so it is safe to use from several threads.

    ``gap`` is the AI Capacity Index gap signal used by the matching priority term (see
    :mod:`aibridge.registry.matching`); ``migrate`` brings the schema to the newest revision.
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        gap: GapSignal | None = None,
        migrate: bool = True,
        weights: MatchWeights | None = None,
    ) -> None:
        self.url = url or get_settings().registry_database_url
        self.engine = make_engine(self.url)
        if migrate:
            try:
                upgrade(self.engine)
            except AlembicCommandError as exc:
                raise ConfigError(
                    f"cannot migrate the registry at {self.engine.url!r}: {exc} (is the "
                    "database newer than this aibridge? upgrade aibridge)"
                ) from exc
            except OperationalError as exc:
                raise ConfigError(
                    f"cannot open the registry at {self.engine.url!r}: {exc.orig}"
                ) from exc
        self.gap = gap
        self.weights = weights or MatchWeights()
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions --------------------------------------------------------------------
    @contextmanager
    def _read(self) -> Iterator[Session]:
        with self._sessions() as session:
            yield session

    @contextmanager
    def _write(self) -> Iterator[Session]:
        token = WRITING.set(True)
        try:
            with self._sessions() as session, session.begin():
                yield session
        except StaleDataError as exc:
            raise ConflictError(
                f"the record was changed by someone else meanwhile; reload and retry ({exc})"
            ) from exc
        except IntegrityError as exc:
            raise _integrity(exc) from exc
        except OperationalError as exc:
            if "locked" in str(exc).lower() or "deadlock" in str(exc).lower():
                raise ConflictError(f"the registry is busy; retry ({exc.orig})") from exc
            raise
        finally:
            WRITING.reset(token)

    def _audit(
        self,
        session: Session,
        actor: Actor,
        action: str,
        entity: str,
        entity_id: Any,
        before: BaseModel | dict[str, Any] | None,
        after: BaseModel | dict[str, Any] | None,
    ) -> None:
        def dump(x: BaseModel | dict[str, Any] | None) -> dict[str, Any] | None:
            return x.model_dump(mode="json") if isinstance(x, BaseModel) else x

        session.add(
            m.AuditEntry(
                at=_now(),
                account_id=actor.account_id,
                actor=actor.name,
                action=action,
                entity=entity,
                entity_id=None if entity_id is None else str(entity_id),
                before=dump(before),
                after=dump(after),
            )
        )

    @staticmethod
    def _get(session: Session, model: type[R], key: Any, *, lock: bool = False) -> R:
        row = session.get(model, key, with_for_update=lock or None)
        if row is None:
            raise NotFoundError(f"no {model.__tablename__[:-1]} with id {key!r} in the registry")
        return row

    @staticmethod
    def _check_version(row: Any, sent: int | None, entity: str) -> None:
        if sent is not None and sent != row.version:
            raise ConflictError(
                f"{entity} {row.id} is at version {row.version} but the edit was based on "
                f"version {sent}: someone changed it meanwhile; reload and retry"
            )

    # -- authentication, accounts, tokens ------------------------------------------------
    def authenticate(self, token: str | None) -> Actor:
        """The actor owning ``token``; AuthenticationFailed if missing, unknown, revoked."""
        if not token:
            raise AuthenticationFailed(
                "an API token is required (create one with `aibridge registry token create`)"
            )
        prefix = split_token(token)
        with self._read() as session:
            row = session.scalar(select(m.ApiToken).where(m.ApiToken.prefix == prefix))
            if row is None or not verify_token(row.token_hash, token):
                raise AuthenticationFailed("unknown API token")
            now = _now()
            if row.revoked_at is not None:
                raise AuthenticationFailed("this API token was revoked")
            expires = row.expires_at
            if expires is not None and expires.replace(tzinfo=dt.UTC) <= now:
                raise AuthenticationFailed("this API token has expired; create a new one")
            account = session.get(m.Account, row.account_id)
            if account is None or not account.active:
                raise AuthenticationFailed("the account of this API token is deactivated")
            actor = Actor(account.id, account.name, account.role, account.organisation_id)
            last = row.last_used_at
            token_id = row.id
        if last is None or last.replace(tzinfo=dt.UTC) < now - _TOUCH_EVERY:
            with self._write() as session:  # bookkeeping, not audited; at most hourly
                session.execute(
                    update(m.ApiToken).where(m.ApiToken.id == token_id).values(last_used_at=now)
                )
        return actor

    def has_accounts(self) -> bool:
        with self._read() as session:
            return bool(session.scalar(select(func.count()).select_from(m.Account)))

    def create_account(
        self, actor: Actor, data: s.AccountCreate | dict[str, Any]
    ) -> s.AccountPublic:
        """Add an account (admin only)."""
        actor.require("admin", "create accounts")
        data = s.validate(s.AccountCreate, data)
        with self._write() as session:
            if data.organisation_id is not None:
                self._get(session, m.Organisation, data.organisation_id)
            row = m.Account(**data.model_dump())
            session.add(row)
            session.flush()
            out = s.AccountPublic.model_validate(row)
            self._audit(session, actor, "create", "account", row.id, None, out)
            return out

    def update_account(
        self,
        actor: Actor,
        account_id: int,
        *,
        role: str | None = None,
        active: bool | None = None,
        organisation_id: int | None = None,
    ) -> s.AccountPublic:
        """Change an account's role, organisation or active flag (admin only)."""
        actor.require("admin", "change accounts")
        with self._write() as session:
            row = self._get(session, m.Account, account_id, lock=True)
            before = s.AccountPublic.model_validate(row)
            merged = s.validate(
                s.AccountCreate,
                {
                    "name": row.name,
                    "role": role or row.role,
                    "organisation_id": organisation_id
                    if organisation_id is not None
                    else row.organisation_id,
                    "email": row.email,
                },
            )
            if merged.organisation_id is not None:
                self._get(session, m.Organisation, merged.organisation_id)
            row.role, row.organisation_id = merged.role, merged.organisation_id
            if active is not None:
                row.active = active
            session.flush()
            out = s.AccountPublic.model_validate(row)
            self._audit(session, actor, "update", "account", row.id, before, out)
            return out

    def list_accounts(self, actor: Actor) -> list[s.AccountPublic]:
        actor.require("admin", "list accounts")
        with self._read() as session:
            rows = session.scalars(select(m.Account).order_by(m.Account.id))
            return [s.AccountPublic.model_validate(r) for r in rows]

    def get_account(self, actor: Actor, name_or_id: str | int) -> s.AccountPublic:
        with self._read() as session:
            if isinstance(name_or_id, int) or str(name_or_id).isdigit():
                row = session.get(m.Account, int(name_or_id))
            else:
                row = session.scalar(select(m.Account).where(m.Account.name == name_or_id))
            if row is None:
                raise NotFoundError(f"no account {name_or_id!r}")
            if row.id != actor.account_id:
                actor.require("admin", "read other accounts")
            return s.AccountPublic.model_validate(row)

    def create_token(
        self,
        actor: Actor,
        account_id: int | None = None,
        *,
        label: str = "",
        expires_at: dt.datetime | None = None,
    ) -> s.TokenCreated:
        """A new API token for ``account_id`` (default: the actor's own account).

        Anyone may create tokens for themselves; admins for anyone. The secret is returned
        once, only its argon2 hash is stored.
        """
        target = account_id if account_id is not None else actor.account_id
        if target is None:
            raise ValidationFailed(
                "account_id is required for the system actor", field="account_id", rule="required"
            )
        if target != actor.account_id:
            actor.require("admin", "create tokens for other accounts")
        if len(label) > 100:
            raise ValidationFailed(
                "label must be at most 100 characters", field="label", rule="max_length"
            )
        token, prefix = new_token()
        with self._write() as session:
            account = self._get(session, m.Account, target)
            if not account.active:
                raise ValidationFailed(
                    f"account {account.name} is deactivated", field="account_id", rule="active"
                )
            row = m.ApiToken(
                account_id=target,
                prefix=prefix,
                token_hash=hash_token(token),
                label=label,
                created_at=_now(),
                expires_at=expires_at,
            )
            session.add(row)
            session.flush()
            public = s.TokenPublic.model_validate(row)
            self._audit(session, actor, "create", "api_token", row.id, None, public)
            return s.TokenCreated(**public.model_dump(), token=token)

    def list_tokens(self, actor: Actor, account_id: int | None = None) -> list[s.TokenPublic]:
        target = account_id if account_id is not None else actor.account_id
        if target != actor.account_id:
            actor.require("admin", "list other accounts' tokens")
        with self._read() as session:
            rows = session.scalars(
                select(m.ApiToken).where(m.ApiToken.account_id == target).order_by(m.ApiToken.id)
            )
            return [s.TokenPublic.model_validate(r) for r in rows]

    def revoke_token(self, actor: Actor, token_id: int) -> s.TokenPublic:
        with self._write() as session:
            row = self._get(session, m.ApiToken, token_id, lock=True)
            if row.account_id != actor.account_id:
                actor.require("admin", "revoke other accounts' tokens")
            before = s.TokenPublic.model_validate(row)
            row.revoked_at = row.revoked_at or _now()
            session.flush()
            out = s.TokenPublic.model_validate(row)
            self._audit(session, actor, "revoke", "api_token", row.id, before, out)
            return out

    # -- generic record operations -------------------------------------------------------
    def _one(self, kind: _Kind[R, P], key: Any) -> P:
        with self._read() as session:
            return kind.public(self._get(session, kind.model, key))

    def _all(self, kind: _Kind[R, P], query: Select[Any]) -> list[P]:
        with self._read() as session:
            return [kind.public(r) for r in session.scalars(query)]

    def _create(
        self,
        actor: Actor,
        kind: _Kind[R, P],
        values: dict[str, Any],
        check: Callable[[Session], None] | None = None,
    ) -> P:
        """Insert a record (after ``check``; a record of an organisation also needs that
        organisation to exist) and audit it, in one transaction."""
        with self._write() as session:
            if "organisation_id" in values:
                self._org_exists(values["organisation_id"])(session)
            if check is not None:
                check(session)
            row = kind.model(**values)
            session.add(row)
            session.flush()
            out = kind.public(row)
            self._audit(session, actor, "create", kind.entity, kind.key(row), None, out)
            return out

    def _update(
        self,
        actor: Actor,
        kind: _Kind[R, P],
        key: Any,
        apply: Callable[[Session, R], None],
        version: int | None,
        *,
        audit_unchanged: bool = False,
    ) -> P:
        """Lock the record, check the actor may edit it and the ``version`` it was read at,
        ``apply`` the edit and audit it (only if it changed anything, unless
        ``audit_unchanged``), in one transaction."""
        with self._write() as session:
            row = self._get(session, kind.model, key, lock=True)
            owner = kind.owner(row)
            if owner is not None:
                actor.require_org(owner, f"edit the {kind.entity}")
            self._check_version(row, version, kind.entity)
            before = kind.public(row)
            apply(session, row)
            session.flush()
            out = kind.public(row)
            if audit_unchanged or out.model_dump() != before.model_dump():
                self._audit(session, actor, "update", kind.entity, key, before, out)
            return out

    def _setter(
        self,
        kind: _Kind[R, P],
        data: BaseModel,
        *,
        recheck: type[BaseModel] | None = None,
        check: Callable[[Session, dict[str, Any]], None] | None = None,
    ) -> Callable[[Session, R], None]:
        """The usual edit: ``check`` the fields sent, set them, and validate the record as it
        would be afterwards against ``recheck`` (its create model's cross-field rules)."""
        fields = self._fields(data)

        def apply(session: Session, row: R) -> None:
            if check is not None:
                check(session, fields)
            for k, v in fields.items():
                setattr(row, k, v)
            if recheck is not None:
                _recheck(recheck, kind.public(row))

        return apply

    def _delete(self, actor: Actor, kind: _Kind[R, P], key: Any) -> None:
        with self._write() as session:
            row = self._get(session, kind.model, key, lock=True)
            owner = kind.owner(row)
            if owner is not None:
                actor.require_org(owner, f"delete the {kind.entity}")
            before = kind.public(row)
            session.delete(row)
            session.flush()
            self._audit(session, actor, "delete", kind.entity, key, before, None)

    @staticmethod
    def _fields(data: BaseModel, *, exclude: set[str] | None = None) -> dict[str, Any]:
        return data.model_dump(exclude_unset=True, exclude={"version", *(exclude or set())})

    # -- organisations --------------------------------------------------------------------
    def create_organisation(
        self, actor: Actor, data: s.OrganisationCreate | dict[str, Any]
    ) -> s.OrganisationPublic:
        """Register an organisation (moderators and admins)."""
        actor.require("moderator", "register organisations")
        data = s.validate(s.OrganisationCreate, data)
        return self._create(actor, _ORGANISATION, data.model_dump())

    def update_organisation(
        self, actor: Actor, organisation_id: int, data: s.OrganisationUpdate | dict[str, Any]
    ) -> s.OrganisationPublic:
        """Edit an organisation (its own contributors, moderators, admins)."""
        data = s.validate(s.OrganisationUpdate, data)
        _not_null(data, {"name", "kind"})
        apply = self._setter(_ORGANISATION, data)
        return self._update(
            actor, _ORGANISATION, organisation_id, apply, data.version, audit_unchanged=True
        )

    def delete_organisation(self, actor: Actor, organisation_id: int) -> None:
        """Remove an organisation with no records left (admins)."""
        actor.require("admin", "delete organisations")
        self._delete(actor, _ORGANISATION, organisation_id)

    def get_organisation(self, organisation_id: int) -> s.OrganisationPublic:
        return self._one(_ORGANISATION, organisation_id)

    def find_organisation(self, name_or_ref: str) -> s.OrganisationPublic:
        """An organisation by id, exact name or IATI organisation identifier."""
        with self._read() as session:
            row = None
            if name_or_ref.isdigit():
                row = session.get(m.Organisation, int(name_or_ref))
            row = row or session.scalar(
                select(m.Organisation).where(
                    (m.Organisation.name == name_or_ref) | (m.Organisation.iati_ref == name_or_ref)
                )
            )
            if row is None:
                raise NotFoundError(f"no organisation named or with IATI ref {name_or_ref!r}")
            return s.OrganisationPublic.model_validate(row)

    def list_organisations(
        self, *, kind: str | None = None, country: str | None = None, search: str | None = None
    ) -> list[s.OrganisationPublic]:
        q = select(m.Organisation).order_by(m.Organisation.name)
        if kind:
            q = q.where(m.Organisation.kind == kind)
        if country:
            q = q.where(m.Organisation.country == country.upper())
        if search:
            q = q.where(m.Organisation.name.ilike(f"%{search}%"))
        return self._all(_ORGANISATION, q)

    def _org_exists(self, organisation_id: int) -> Callable[[Session], None]:
        def check(session: Session) -> None:
            if session.get(m.Organisation, organisation_id) is None:
                raise ValidationFailed(
                    f"organisation_id {organisation_id} does not exist; register it first",
                    field="organisation_id",
                    rule="exists",
                )

        return check

    # -- needs ----------------------------------------------------------------------------
    def create_need(self, actor: Actor, data: s.NeedCreate | dict[str, Any]) -> s.NeedPublic:
        """Post a need for the actor's organisation."""
        data = s.validate(s.NeedCreate, data)
        actor.require_org(data.organisation_id, "post needs")
        return self._create(actor, _NEED, data.model_dump())

    def update_need(
        self, actor: Actor, need_id: int, data: s.NeedUpdate | dict[str, Any]
    ) -> s.NeedPublic:
        data = s.validate(s.NeedUpdate, data)
        _not_null(data, {"economy", "title", "areas", "status"})
        apply = self._setter(_NEED, data, recheck=s.NeedCreate)
        return self._update(actor, _NEED, need_id, apply, data.version)

    def delete_need(self, actor: Actor, need_id: int) -> None:
        self._delete(actor, _NEED, need_id)

    def get_need(self, need_id: int) -> s.NeedPublic:
        return self._one(_NEED, need_id)

    def list_needs(
        self,
        *,
        economy: str | None = None,
        area: int | None = None,
        status: str | None = None,
        organisation_id: int | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[s.NeedPublic]:
        q = select(m.Need).order_by(m.Need.id)
        if economy:
            q = q.where(m.Need.economy == economy.upper())
        if status:
            q = q.where(m.Need.status == status)
        if organisation_id is not None:
            q = q.where(m.Need.organisation_id == organisation_id)
        rows = self._all(_NEED, q)
        if area is not None:
            rows = [r for r in rows if area in r.areas]
        return _window(rows, limit, offset)

    # -- offers ---------------------------------------------------------------------------
    def create_offer(self, actor: Actor, data: s.OfferCreate | dict[str, Any]) -> s.OfferPublic:
        """Post an offer for the actor's organisation."""
        data = s.validate(s.OfferCreate, data)
        actor.require_org(data.organisation_id, "post offers")
        return self._create(actor, _OFFER, data.model_dump())

    def update_offer(
        self, actor: Actor, offer_id: int, data: s.OfferUpdate | dict[str, Any]
    ) -> s.OfferPublic:
        data = s.validate(s.OfferUpdate, data)
        _not_null(data, {"kind", "title", "areas", "status"})
        apply = self._setter(_OFFER, data, recheck=s.OfferCreate)
        return self._update(actor, _OFFER, offer_id, apply, data.version)

    def delete_offer(self, actor: Actor, offer_id: int) -> None:
        self._delete(actor, _OFFER, offer_id)

    def get_offer(self, offer_id: int) -> s.OfferPublic:
        return self._one(_OFFER, offer_id)

    def list_offers(
        self,
        *,
        kind: str | None = None,
        area: int | None = None,
        status: str | None = None,
        organisation_id: int | None = None,
        eligible_for: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[s.OfferPublic]:
        q = select(m.Offer).order_by(m.Offer.id)
        if kind:
            q = q.where(m.Offer.kind == kind)
        if status:
            q = q.where(m.Offer.status == status)
        if organisation_id is not None:
            q = q.where(m.Offer.organisation_id == organisation_id)
        rows = self._all(_OFFER, q)
        if area is not None:
            rows = [r for r in rows if area in r.areas]
        if eligible_for:
            e = eligible_for.upper()
            rows = [r for r in rows if not r.eligible_economies or e in r.eligible_economies]
        return _window(rows, limit, offset)

    # -- projects (IATI activities) --------------------------------------------------------
    @staticmethod
    def _activity_columns(activity: s.IatiActivity, *, check: bool = True) -> dict[str, Any]:
        if check:  # every stored activity must export as valid IATI 2.03
            iati_xml.check_activity(activity)
        return {
            # an empty identifier is valid IATI; stored as NULL (unique only when given)
            "iati_identifier": activity.iati_identifier.strip() or None,
            "title": activity.title_text[:500],
            "activity_status": activity.activity_status,
            "default_currency": activity.default_currency,
            "iati": activity.model_dump(mode="json"),
        }

    def _links_exist(self, need_id: int | None, offer_id: int | None) -> Callable[[Session], None]:
        def check(session: Session) -> None:
            for name, model, key in (("need_id", m.Need, need_id), ("offer_id", m.Offer, offer_id)):
                if key is not None and session.get(model, key) is None:
                    raise ValidationFailed(
                        f"{name} {key} does not exist", field=name, rule="exists"
                    )

        return check

    def create_project(
        self, actor: Actor, data: s.ProjectCreate | dict[str, Any]
    ) -> s.ProjectPublic:
        """Record a project (an IATI activity) for the actor's organisation."""
        data = s.validate(s.ProjectCreate, data)
        actor.require_org(data.organisation_id, "record projects")
        values = {
            "organisation_id": data.organisation_id,
            "areas": data.areas,
            "actions": data.actions,
            "need_id": data.need_id,
            "offer_id": data.offer_id,
            **self._activity_columns(data.activity),
        }
        check = self._links_exist(data.need_id, data.offer_id)
        return self._create(actor, _PROJECT, values, check)

    def update_project(
        self, actor: Actor, project_id: int, data: s.ProjectUpdate | dict[str, Any]
    ) -> s.ProjectPublic:
        data = s.validate(s.ProjectUpdate, data)

        def apply(session: Session, row: m.Project) -> None:
            fields = self._fields(data, exclude={"activity"})
            self._links_exist(fields.get("need_id"), fields.get("offer_id"))(session)
            for k, v in fields.items():
                setattr(row, k, v)
            if data.activity is not None:
                for k, v in self._activity_columns(data.activity).items():
                    setattr(row, k, v)

        return self._update(actor, _PROJECT, project_id, apply, data.version)

    def delete_project(self, actor: Actor, project_id: int) -> None:
        self._delete(actor, _PROJECT, project_id)

    def get_project(self, project_id: int | str) -> s.ProjectPublic:
        """A project by id or IATI identifier."""
        with self._read() as session:
            if isinstance(project_id, int):
                return _project_public(self._get(session, m.Project, project_id))
            row = session.scalar(select(m.Project).where(m.Project.iati_identifier == project_id))
            if row is None:
                raise NotFoundError(f"no project with IATI identifier {project_id!r}")
            return _project_public(row)

    def list_projects(
        self,
        *,
        economy: str | None = None,
        organisation_id: int | None = None,
        status: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[s.ProjectPublic]:
        q = select(m.Project).order_by(m.Project.id)
        if organisation_id is not None:
            q = q.where(m.Project.organisation_id == organisation_id)
        if status:
            q = q.where(m.Project.activity_status == status)
        rows = self._all(_PROJECT, q)
        if economy:
            e = economy.upper()
            rows = [r for r in rows if e in iati_xml.recipient_iso3(r.activity)]
        return _window(rows, limit, offset)

    # -- pledges ---------------------------------------------------------------------------
    def create_pledge(self, actor: Actor, data: s.PledgeCreate | dict[str, Any]) -> s.PledgePublic:
        data = s.validate(s.PledgeCreate, data)
        actor.require_org(data.organisation_id, "record pledges")
        values = data.model_dump()
        return self._create(
            actor, _PLEDGE, values, lambda session: self._pledge_links(session, values)
        )

    def update_pledge(
        self, actor: Actor, pledge_id: int, data: s.PledgeUpdate | dict[str, Any]
    ) -> s.PledgePublic:
        data = s.validate(s.PledgeUpdate, data)
        _not_null(data, {"title", "status"})
        fields = self._fields(data)

        def apply(session: Session, row: m.Pledge) -> None:
            # the links as they will be after the edit (a link left out is kept)
            links = {k: fields.get(k, getattr(row, k)) for k in ("project_id", "need_id")}
            self._pledge_links(session, links, changed=fields.keys())
            for k, v in fields.items():
                setattr(row, k, v)

        return self._update(actor, _PLEDGE, pledge_id, apply, data.version)

    def delete_pledge(self, actor: Actor, pledge_id: int) -> None:
        self._delete(actor, _PLEDGE, pledge_id)

    def get_pledge(self, pledge_id: int) -> s.PledgePublic:
        return self._one(_PLEDGE, pledge_id)

    def _pledge_links(
        self,
        session: Session,
        fields: dict[str, Any],
        *,
        changed: Iterable[str] = ("project_id", "need_id"),
    ) -> None:
        """A pledge's ``project_id``, when given, must be an existing project (404); its
        ``need_id`` an existing need (422); with both, the project must be recorded as
        meeting that need (422). ``changed``: the links the write sends (an edit that leaves
        both links alone is not refused for a project whose need changed since)."""
        project_id, need_id = fields.get("project_id"), fields.get("need_id")
        if not {"project_id", "need_id"} & set(changed):
            return
        project = None if project_id is None else self._get(session, m.Project, project_id)
        if need_id is not None and session.get(m.Need, need_id) is None:
            raise ValidationFailed(
                f"need_id {need_id} does not exist", field="need_id", rule="exists"
            )
        if project is not None and need_id is not None and project.need_id != need_id:
            towards = f"need {project.need_id}" if project.need_id is not None else "no need"
            raise ValidationFailed(
                f"need_id {need_id} does not match project {project_id}, which answers "
                f"{towards}; pledge towards the project's need, leave need_id out, or link "
                "the project to this need first",
                field="need_id",
                rule="project_need",
            )

    def list_pledges(
        self,
        *,
        organisation_id: int | None = None,
        economy: str | None = None,
        need_id: int | None = None,
        project_id: int | None = None,
    ) -> list[s.PledgePublic]:
        q = select(m.Pledge).order_by(m.Pledge.id)
        if organisation_id is not None:
            q = q.where(m.Pledge.organisation_id == organisation_id)
        if need_id is not None:
            q = q.where(m.Pledge.need_id == need_id)
        if project_id is not None:
            q = q.where(m.Pledge.project_id == project_id)
        rows = self._all(_PLEDGE, q)
        if economy:
            rows = [r for r in rows if economy.upper() in r.economies]
        return rows

    def record_progress(
        self, actor: Actor, pledge_id: int, data: s.PledgeProgressCreate | dict[str, Any]
    ) -> s.PledgeProgressPublic:
        """Add a progress update to a pledge: the pledge's progress and disbursed total move
        in the same transaction, under a row lock, so concurrent updates all count."""
        data = s.validate(s.PledgeProgressCreate, data)
        with self._write() as session:
            pledge = self._get(session, m.Pledge, pledge_id, lock=True)
            actor.require_org(pledge.organisation_id, "report progress on the pledge")
            before = s.PledgePublic.model_validate(pledge)
            update = m.PledgeUpdate(
                pledge_id=pledge_id,
                reported_on=data.reported_on,
                progress_pct=data.progress_pct,
                disbursed_delta=data.disbursed_delta,
                note=data.note,
                account_id=actor.account_id,
                created_at=_now(),
            )
            session.add(update)
            pledge.disbursed = (pledge.disbursed or 0.0) + data.disbursed_delta
            if data.progress_pct is not None:
                pledge.progress_pct = data.progress_pct
                if data.progress_pct >= 100 and pledge.status in ("pledged", "in_progress"):
                    pledge.status = "fulfilled"
                elif data.progress_pct > 0 and pledge.status == "pledged":
                    pledge.status = "in_progress"
            session.flush()
            out = s.PledgeProgressPublic.model_validate(update)
            self._audit(
                session,
                actor,
                "progress",
                "pledge",
                pledge_id,
                before,
                {
                    **s.PledgePublic.model_validate(pledge).model_dump(mode="json"),
                    "progress_update": out.model_dump(mode="json"),
                },
            )
            return out

    def list_progress(self, pledge_id: int) -> list[s.PledgeProgressPublic]:
        with self._read() as session:
            self._get(session, m.Pledge, pledge_id)
            rows = session.scalars(
                select(m.PledgeUpdate)
                .where(m.PledgeUpdate.pledge_id == pledge_id)
                .order_by(m.PledgeUpdate.reported_on, m.PledgeUpdate.id)
            )
            return [s.PledgeProgressPublic.model_validate(r) for r in rows]

    # -- matching --------------------------------------------------------------------------
    def _accepted(self, session: Session) -> dict[int, int]:
        rows = session.execute(
            select(m.Match.offer_id, func.count())
            .where(m.Match.status == "accepted")
            .group_by(m.Match.offer_id)
        )
        return {int(k): int(v) for k, v in rows}

    def _matrix(
        self,
        needs: Sequence[s.NeedPublic],
        offers: Sequence[s.OfferPublic],
        weights: MatchWeights | None,
        today: dt.date | None,
    ) -> MatchMatrix:
        with self._read() as session:
            accepted = self._accepted(session)
        return score_matrix(
            needs,
            offers,
            weights=weights or self.weights,
            gap=self.gap,
            accepted=accepted,
            today=today,
        )

    def match_offers(
        self,
        need_id: int,
        *,
        limit: int = 10,
        include_ineligible: bool = False,
        weights: MatchWeights | None = None,
        today: dt.date | None = None,
    ) -> list[s.MatchPublic]:
        """Open offers ranked for a need, each with its score terms."""
        need = self.get_need(need_id)
        offers = self.list_offers(status="open")
        mx = self._matrix([need], offers, weights, today)
        return mx.top_offers(0, limit, include_ineligible=include_ineligible)

    def match_needs(
        self,
        offer_id: int,
        *,
        limit: int = 10,
        include_ineligible: bool = False,
        weights: MatchWeights | None = None,
        today: dt.date | None = None,
    ) -> list[s.MatchPublic]:
        """Open needs ranked for an offer, each with its score terms."""
        offer = self.get_offer(offer_id)
        needs = self.list_needs(status="open")
        mx = self._matrix(needs, [offer], weights, today)
        return mx.top_needs(0, limit, include_ineligible=include_ineligible)

    def match_all(
        self, *, weights: MatchWeights | None = None, today: dt.date | None = None
    ) -> dict[int, s.MatchPublic | None]:
        """The top eligible open offer for every open need (None where there is none)."""
        needs = self.list_needs(status="open")
        offers = self.list_offers(status="open")
        mx = self._matrix(needs, offers, weights, today)
        best = mx.best_offer_per_need()
        return {
            need.id: (mx.explain(i, int(best[i])) if best[i] >= 0 else None)
            for i, need in enumerate(needs)
        }

    def propose_match(
        self, actor: Actor, need_id: int, offer_id: int, *, note: str = ""
    ) -> s.MatchPublic:
        """Record a match between a need and an offer (either side, or a moderator); the
        score and its terms are stored as computed now."""
        need, offer = self.get_need(need_id), self.get_offer(offer_id)
        _either_side(actor, need.organisation_id, offer.organisation_id, "propose this match")
        scored = self._matrix([need], [offer], None, None).explain(0, 0)
        return self._create(
            actor,
            _MATCH,
            {
                "need_id": need_id,
                "offer_id": offer_id,
                "score": scored.score,
                "terms": [t.model_dump() for t in scored.terms],
                "status": "proposed",
                "note": note,
                "proposed_by": actor.account_id,
            },
        )

    def set_match_status(
        self, actor: Actor, match_id: int, status: str, *, version: int | None = None
    ) -> s.MatchPublic:
        """Accept, reject or withdraw a match (either side, or a moderator)."""
        if status not in s.MATCH_STATUSES:
            raise ValidationFailed(
                f"status must be one of {', '.join(s.MATCH_STATUSES)}; got {status!r}",
                field="status",
                rule="enum",
            )
        with self._write() as session:
            row = self._get(session, m.Match, match_id, lock=True)
            need = self._get(session, m.Need, row.need_id)
            offer = self._get(session, m.Offer, row.offer_id, lock=True)
            _either_side(actor, need.organisation_id, offer.organisation_id, "answer this match")
            self._check_version(row, version, "match")
            if status == "accepted" and row.status != "accepted" and offer.capacity is not None:
                used = self._accepted(session).get(offer.id, 0)
                if used >= offer.capacity:
                    raise ConflictError(
                        f"offer {offer.id} has no capacity left ({used} of {offer.capacity} "
                        "places taken)"
                    )
            before = _match_public(row)
            row.status = status
            session.flush()
            out = _match_public(row)
            self._audit(session, actor, "update", "match", row.id, before, out)
            return out

    def get_match(self, match_id: int) -> s.MatchPublic:
        return self._one(_MATCH, match_id)

    def list_matches(
        self,
        *,
        need_id: int | None = None,
        offer_id: int | None = None,
        status: str | None = None,
    ) -> list[s.MatchPublic]:
        q = select(m.Match).order_by(m.Match.id)
        if need_id is not None:
            q = q.where(m.Match.need_id == need_id)
        if offer_id is not None:
            q = q.where(m.Match.offer_id == offer_id)
        if status:
            q = q.where(m.Match.status == status)
        return self._all(_MATCH, q)

    # -- resolutions -----------------------------------------------------------------------
    def list_resolutions(self) -> list[s.ResolutionPublic]:
        return self._all(_RESOLUTION, select(m.Resolution).order_by(m.Resolution.adopted_on))

    def get_resolution(self, symbol: str) -> s.ResolutionPublic:
        return self._one(_RESOLUTION, symbol)

    def resolutions_for(self, economy: str) -> list[s.ResolutionPublic]:
        """Every tracked resolution with ``role`` = how ``economy`` relates to it (for
        country profiles): proposer, introduced on behalf of, co-sponsor, or adopted
        without a vote."""
        iso3 = _iso3(economy)
        out = []
        for r in self.list_resolutions():
            out.append(r.model_copy(update={"role": economy_role(r, iso3)}))
        return out

    def add_resolution(
        self, actor: Actor, data: s.ResolutionCreate | dict[str, Any]
    ) -> s.ResolutionPublic:
        """Track another resolution (admins)."""
        actor.require("admin", "add resolutions")
        data = s.validate(s.ResolutionCreate, data)

        def check(session: Session) -> None:
            if session.get(m.Resolution, data.symbol) is not None:
                raise ConflictError(f"resolution {data.symbol} is already tracked")

        return self._create(actor, _RESOLUTION, data.model_dump(), check)

    # -- audit log -------------------------------------------------------------------------
    def audit_log(
        self,
        actor: Actor,
        *,
        entity: str | None = None,
        entity_id: Any = None,
        account: str | None = None,
        since: dt.datetime | None = None,
        limit: int = 100,
    ) -> list[s.AuditPublic]:
        """Audit entries, newest first (moderators and admins)."""
        actor.require("moderator", "read the audit log")
        q = select(m.AuditEntry).order_by(m.AuditEntry.id.desc()).limit(limit)
        if entity:
            q = q.where(m.AuditEntry.entity == entity)
        if entity_id is not None:
            q = q.where(m.AuditEntry.entity_id == str(entity_id))
        if account:
            q = q.where(m.AuditEntry.actor == account)
        if since is not None:
            if since.tzinfo is not None and self.engine.dialect.name == "sqlite":
                since = since.astimezone(dt.UTC).replace(tzinfo=None)  # stored naive UTC
            q = q.where(m.AuditEntry.at >= since)
        with self._read() as session:
            return [s.AuditPublic.model_validate(r) for r in session.scalars(q)]

    # -- IATI --------------------------------------------------------------------------------
    def import_iati(
        self,
        actor: Actor,
        source: bytes | str | Path,
        *,
        organisation_id: int | None = None,
    ) -> IatiImportReport:
        """Import IATI 2.03 activity XML (validated against the official schema) as projects.

        Each activity becomes a project keyed by its ``iati-identifier`` (existing ones are
        updated; activities with an empty identifier, which the schema allows, are always
        added). The owning organisation is ``organisation_id``, else the organisation whose
        ``iati_ref`` is the activity's reporting-org ref; moderators and admins may let the
        import register missing reporting organisations. All activities or none are written.
        """
        actor.require("contributor", "import IATI activities")
        if isinstance(source, Path):
            source = source.read_bytes()
        activities = iati_xml.parse_activities(source)
        created: list[str] = []
        updated: list[str] = []
        ids: list[int] = []
        with self._write() as session:
            for act in activities:
                org_id = organisation_id or self._iati_org(session, actor, act)
                actor.require_org(org_id, f"import activity {act.iati_identifier}")
                if session.get(m.Organisation, org_id) is None:
                    raise ValidationFailed(
                        f"organisation_id {org_id} does not exist",
                        field="organisation_id",
                        rule="exists",
                    )
                ident = act.iati_identifier.strip()
                row = (
                    session.scalar(
                        select(m.Project)
                        .where(m.Project.iati_identifier == ident)
                        .with_for_update()
                    )
                    if ident
                    else None  # no identifier: nothing to update, always a new project
                )
                cols = self._activity_columns(act, check=False)  # file validated
                if row is None:
                    row = m.Project(organisation_id=org_id, areas=[], actions=[], **cols)
                    session.add(row)
                    session.flush()
                    self._audit(
                        session, actor, "import", "project", row.id, None, _project_public(row)
                    )
                    created.append(act.iati_identifier)
                else:
                    actor.require_org(row.organisation_id, f"update project {row.iati_identifier}")
                    before = _project_public(row)
                    for k, v in cols.items():
                        setattr(row, k, v)
                    session.flush()
                    self._audit(
                        session,
                        actor,
                        "import",
                        "project",
                        row.id,
                        before,
                        _project_public(row),
                    )
                    updated.append(act.iati_identifier)
                ids.append(row.id)
        return IatiImportReport(created=created, updated=updated, project_ids=ids)

    def _iati_org(self, session: Session, actor: Actor, act: s.IatiActivity) -> int:
        ref = act.reporting_org.ref
        if ref:
            org = session.scalar(select(m.Organisation).where(m.Organisation.iati_ref == ref))
            if org is not None:
                return org.id
        if not actor.at_least("moderator"):
            if actor.organisation_id is None:
                raise PermissionDenied(f"{actor.name} has no organisation to import into")
            return actor.organisation_id
        name = next((n.text for n in act.reporting_org.narratives), None) or ref
        if not name:
            raise ValidationFailed(
                f"activity {act.iati_identifier}: reporting-org has neither ref nor name; pass "
                "organisation_id",
                field="reporting-org",
                rule="required",
            )
        existing = session.scalar(select(m.Organisation).where(m.Organisation.name == name))
        if existing is not None:
            return existing.id
        org = m.Organisation(
            name=name[:300],
            kind=iati_xml.organisation_kind(act.reporting_org.type),
            iati_ref=ref,
            description="registered by IATI import",
        )
        session.add(org)
        session.flush()
        self._audit(
            session,
            actor,
            "import",
            "organisation",
            org.id,
            None,
            s.OrganisationPublic.model_validate(org),
        )
        return org.id

    def export_iati(
        self,
        project_ids: Sequence[int] | None = None,
        *,
        organisation_id: int | None = None,
    ) -> bytes:
        """IATI 2.03 activity XML of the chosen projects (default all), schema-validated."""
        projects = self.list_projects(organisation_id=organisation_id)
        if project_ids is not None:
            wanted = set(project_ids)
            projects = [p for p in projects if p.id in wanted]
            missing = wanted - {p.id for p in projects}
            if missing:
                raise NotFoundError(f"no project(s) with id {sorted(missing)}")
        if not projects:
            raise NotFoundError("no projects to export (an IATI file needs at least one)")
        return iati_xml.write_activities([p.activity for p in projects])


# --- helpers -----------------------------------------------------------------------------
def _project_public(row: m.Project) -> s.ProjectPublic:
    return s.ProjectPublic(
        id=row.id,
        organisation_id=row.organisation_id,
        iati_identifier=row.iati_identifier,
        title=row.title,
        activity_status=row.activity_status,
        default_currency=row.default_currency,
        areas=list(row.areas or []),
        actions=list(row.actions or []),
        need_id=row.need_id,
        offer_id=row.offer_id,
        activity=s.IatiActivity.model_validate(row.iati),
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _match_public(row: m.Match) -> s.MatchPublic:
    return s.MatchPublic(
        id=row.id,
        need_id=row.need_id,
        offer_id=row.offer_id,
        score=row.score,
        terms=[s.MatchTerm.model_validate(t) for t in row.terms],
        status=row.status,
        note=row.note,
        version=row.version,
    )


_ORGANISATION = _Kind(
    "organisation", m.Organisation, s.OrganisationPublic.model_validate, owner=lambda r: r.id
)
_NEED = _Kind("need", m.Need, s.NeedPublic.model_validate)
_OFFER = _Kind("offer", m.Offer, s.OfferPublic.model_validate)
_PROJECT = _Kind("project", m.Project, _project_public)
_PLEDGE = _Kind("pledge", m.Pledge, s.PledgePublic.model_validate)
_MATCH = _Kind("match", m.Match, _match_public)
_RESOLUTION = _Kind(
    "resolution", m.Resolution, s.ResolutionPublic.model_validate, key=lambda r: r.symbol
)


def _window(rows: list[P], limit: int | None, offset: int) -> list[P]:
    return rows[offset : None if limit is None else offset + limit]


def _either_side(actor: Actor, need_org: int, offer_org: int, what: str) -> None:
    if actor.at_least("moderator"):
        return
    actor.require("contributor", what)
    if actor.organisation_id not in (need_org, offer_org):
        raise PermissionDenied(
            f"{actor.name} may not {what}: its organisation ({actor.organisation_id}) is "
            f"neither the need's ({need_org}) nor the offer's ({offer_org})"
        )


def _not_null(data: BaseModel, names: set[str]) -> None:
    for name in names & data.model_fields_set:
        if getattr(data, name) is None:
            raise ValidationFailed(
                f"{type(data).__name__}: field {name!r} failed rule 'not_null': it cannot be "
                "cleared",
                field=name,
                rule="not_null",
            )


def _recheck(create: type[BaseModel], merged: BaseModel) -> None:
    """Validate the record as it would be after a partial update (cross-field rules)."""
    fields = set(create.model_fields)
    s.validate(create, merged.model_dump(include=fields))


def _iso3(economy: str) -> str:
    try:
        return s._economy(economy)
    except ValueError as exc:
        raise ValidationFailed(str(exc), field="economy", rule="iso3166") from None


def _integrity(exc: IntegrityError) -> RegistryError:
    text = str(exc.orig).lower()
    if "unique" in text or "duplicate" in text:
        return ConflictError(f"a record with the same unique key already exists ({exc.orig})")
    if "foreign key" in text or "violates foreign" in text:
        return ValidationFailed(
            f"the record refers to a missing record, or other records still refer to it "
            f"({exc.orig})",
            field="(reference)",
            rule="foreign_key",
        )
    return ValidationFailed(f"the database refused the write ({exc.orig})", rule="constraint")
