"""Forms of the cooperation board for projects (IATI activities) and pledge progress.

The web form asks for what people who report to IATI expect (identifier, title, description,
status, dates, sectors, Action Plan areas, recipient countries, budget) and turns it into the
:class:`aibridge.registry.schemas.IatiActivity` the registry stores. Every field is checked
here first, so a mistake is shown next to its field in the reader's language; the registry
then validates again (Pydantic, and the official IATI 2.03 schema) before anything is written.

Editing keeps everything the form does not show: other-language narratives, other description
types, participating organisations, transactions, results, other sector vocabularies and
unknown XML (``extra_xml``) are carried over untouched.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

import pycountry

from aibridge.errors import ValidationFailed
from aibridge.registry import schemas as s
from aibridge.web.views import _t

__all__ = [
    "ACTIVITY_STATUSES",
    "DATE_FIELDS",
    "PARTICIPATING_ROLES",
    "activity_status_name",
    "parse_progress_form",
    "parse_project_form",
    "pledge_status_name",
    "project_form_values",
    "role_name",
    "service_error_field",
]

#: IATI ActivityStatus codes (codelist 2.03).
ACTIVITY_STATUSES: Final = ("1", "2", "3", "4", "5", "6")
#: IATI OrganisationRole codes.
PARTICIPATING_ROLES: Final = ("1", "2", "3", "4")
#: form field -> IATI ActivityDateType code
DATE_FIELDS: Final = {
    "planned_start": "1",
    "actual_start": "2",
    "planned_end": "3",
    "actual_end": "4",
}
#: our organisation kinds -> IATI OrganisationType codes
_ORG_TYPE: Final = {
    "government": "10",
    "un_entity": "40",
    "multilateral": "40",
    "development_bank": "40",
    "university": "80",
    "research": "80",
    "company": "70",
    "ngo": "21",
    "foundation": "60",
    "other": "90",
}
#: languages a new project's title and description may be written in (its xml:lang)
TEXT_LANGUAGES: Final = ("ar", "zh", "en", "fr", "ru", "es")
_ORG_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]*-[A-Za-z0-9._:-]+$")
_SECTOR = re.compile(r"^\d{5}$")
_BAD_ID_CHARS = re.compile(r"[\s/&|?]")


def activity_status_name(lang: str, code: str | None) -> str:
    names = {
        "1": _t(lang, "Pipeline/identification"),
        "2": _t(lang, "Implementation"),
        "3": _t(lang, "Finalisation"),
        "4": _t(lang, "Closed"),
        "5": _t(lang, "Cancelled"),
        "6": _t(lang, "Suspended"),
    }
    return names.get(code or "", code or "—")


def role_name(lang: str, code: str | None) -> str:
    names = {
        "1": _t(lang, "Funding"),
        "2": _t(lang, "Accountable"),
        "3": _t(lang, "Extending"),
        "4": _t(lang, "Implementing"),
    }
    return names.get(code or "", code or "—")


def pledge_status_name(lang: str, status: str) -> str:
    names = {
        "pledged": _t(lang, "Pledged"),
        "in_progress": _t(lang, "In progress"),
        "fulfilled": _t(lang, "Fulfilled"),
        "cancelled": _t(lang, "Cancelled"),
    }
    return names.get(status, status)


def date_type_name(lang: str, code: str) -> str:
    names = {
        "1": _t(lang, "Planned start"),
        "2": _t(lang, "Actual start"),
        "3": _t(lang, "Planned end"),
        "4": _t(lang, "Actual end"),
    }
    return names.get(code, code)


# -- small parsers ---------------------------------------------------------------------------


def _codes(raw: str) -> list[str]:
    return [c.strip() for c in raw.replace(";", ",").split(",") if c.strip()]


def _alpha2(code: str) -> str | None:
    """ISO 3166-1 alpha-2 of an alpha-2 or alpha-3 code (Kosovo: XK), else None."""
    code = code.strip().upper()
    if code in ("XK", "XKX"):
        return "XK"
    country = None
    if len(code) == 3:
        country = pycountry.countries.get(alpha_3=code)
    elif len(code) == 2:
        country = pycountry.countries.get(alpha_2=code)
    return None if country is None else str(country.alpha_2)


def _alpha3(code: str) -> str:
    if code.upper() == "XK":
        return "XKX"
    country = pycountry.countries.get(alpha_2=code.upper())
    return code if country is None else str(country.alpha_3)


def _date(lang: str, raw: str, errors: dict[str, str], name: str) -> dt.date | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        errors[name] = _t(lang, "Enter a date as YYYY-MM-DD, e.g. 2027-01-31.")
        return None


def _amount(lang: str, raw: str, errors: dict[str, str], name: str) -> float | None:
    raw = raw.strip().replace(" ", "").replace("\u00a0", "")
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        errors[name] = _t(lang, "Enter a number, e.g. 250000 or 1250.50.")
        return None
    if not value >= 0 or value == float("inf"):
        errors[name] = _t(lang, "Enter an amount of zero or more.")
        return None
    return value


def _currency(lang: str, raw: str, errors: dict[str, str], name: str) -> str | None:
    code = raw.strip().upper()
    if not code:
        return None
    if pycountry.currencies.get(alpha_3=code) is None:
        errors[name] = _t(lang, "Enter an ISO 4217 currency code, e.g. USD, EUR or KES.")
        return None
    return code


def _shares(n: int) -> list[Decimal | None]:
    """Equal percentages that add up to exactly 100 (none when there is one item)."""
    if n <= 1:
        return [None] * n
    base = (Decimal(100) / n).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    shares = [base] * n
    shares[-1] = Decimal(100) - base * (n - 1)
    return list(shares)


def _pick(narratives: list[dict[str, Any]], lang: str | None) -> int | None:
    """Index of the narrative the form edits (as IatiActivity.title_text picks it)."""
    for i, n in enumerate(narratives):
        if n.get("lang") in (None, "en", lang):
            return i
    return 0 if narratives else None


def _narrative_text(narratives: list[dict[str, Any]], lang: str | None) -> str:
    i = _pick(narratives, lang)
    return "" if i is None else str(narratives[i].get("text", ""))


def _set_narrative(narratives: list[dict[str, Any]], lang: str | None, text: str) -> None:
    i = _pick(narratives, lang)
    if i is None:
        narratives.append({"text": text, "lang": None})
    else:
        narratives[i] = {**narratives[i], "text": text}


# -- project form ----------------------------------------------------------------------------


def _general_description(activity: dict[str, Any]) -> dict[str, Any] | None:
    for d in activity.get("descriptions", []):
        if d.get("type") in (None, "1"):
            return dict(d)
    return None


def _form_sectors(activity: dict[str, Any]) -> list[dict[str, Any]]:
    return [x for x in activity.get("sectors", []) if x.get("vocabulary") in (None, "1")]


def project_form_values(
    project: s.ProjectPublic | None, org: s.OrganisationPublic | None
) -> dict[str, Any]:
    """What the project form shows: empty for a new project of ``org``, else ``project``'s."""
    if project is None:
        ref = (org.iati_ref if org else None) or ""
        return {
            "organisation_id": org.id if org else None,
            "reporting_ref": ref,
            "iati_identifier": f"{ref}-" if ref else "",
            "activity_status": "1",
            "role": "4",
            "areas": [],
            "actions": [],
            "budget_lines": 0,
        }
    a = project.activity.model_dump(mode="json")
    description = _general_description(a)
    values: dict[str, Any] = {
        "organisation_id": project.organisation_id,
        "version": project.version,
        "reporting_ref": a["reporting_org"].get("ref") or "",
        "iati_identifier": a["iati_identifier"],
        "title": _narrative_text(a["title"], a.get("lang")),
        "description": _narrative_text(description["narratives"], a.get("lang"))
        if description
        else "",
        "activity_status": a.get("activity_status") or "",
        "areas": project.areas,
        "actions": project.actions,
        "need_id": project.need_id or "",
        "offer_id": project.offer_id or "",
        "countries": ", ".join(_alpha3(c["code"]) for c in a["recipient_countries"]),
        "sectors": ", ".join(x["code"] for x in _form_sectors(a)),
        "budget_lines": len(a["budgets"]),
        "role": "",
    }
    for name, code in DATE_FIELDS.items():
        values[name] = next(
            (d["iso_date"][:10] for d in a["activity_dates"] if d["type"] == code), ""
        )
    if len(a["budgets"]) == 1:
        value = a["budgets"][0]["value"]
        values["budget"] = value["amount"]
        values["currency"] = value.get("currency") or a.get("default_currency") or ""
    else:
        values["currency"] = a.get("default_currency") or ""
    ref = values["reporting_ref"]
    for p in a["participating_orgs"]:
        if ref and p.get("ref") == ref:
            values["role"] = p.get("role") or ""
            break
    return values


def parse_project_form(
    lang: str,
    form: dict[str, Any],
    *,
    org: s.OrganisationPublic,
    existing: s.ProjectPublic | None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """(registry payload, errors by form field) for a posted project form.

    The payload is ``ProjectCreate`` input (``organisation_id`` is added by the caller) or,
    when ``existing`` is given, ``ProjectUpdate`` input built on the stored activity.
    """
    errors: dict[str, str] = {}

    def text(name: str) -> str:
        return str(form.get(name, "")).strip()

    ref = text("reporting_ref")
    if not ref:
        errors["reporting_ref"] = _t(
            lang,
            "Enter your organisation's IATI identifier, e.g. XM-DAC-41114 or GB-COH-1234567.",
        )
    elif not _ORG_REF.match(ref):
        errors["reporting_ref"] = _t(
            lang,
            "An IATI organisation identifier is an agency prefix and a number joined by a "
            "hyphen, without spaces, e.g. XM-DAC-41114.",
        )
    identifier = text("iati_identifier")
    if not identifier:
        errors["iati_identifier"] = _t(
            lang, "Enter the project's IATI identifier, e.g. XM-DAC-41114-PROJ-001."
        )
    elif len(identifier) > 200 or _BAD_ID_CHARS.search(identifier):
        errors["iati_identifier"] = _t(
            lang, "An IATI identifier has at most 200 characters and no spaces, /, &, | or ?."
        )
    elif (
        existing is None and "reporting_ref" not in errors and not identifier.startswith(f"{ref}-")
    ):
        errors["iati_identifier"] = _t(
            lang,
            "An IATI identifier starts with the reporting organisation's identifier and a "
            "hyphen: %(prefix)s",
        ) % {"prefix": f"{ref}-"}
    title = text("title")
    if len(title) < 3 or len(title) > 500:
        errors["title"] = _t(lang, "Enter a title of 3 to 500 characters.")
    description = text("description")
    old_descriptions = existing.activity.descriptions if existing else []
    if len(description) > 20_000:
        errors["description"] = _t(lang, "The description may have at most 20,000 characters.")
    elif not description and not [d for d in old_descriptions if d.type not in (None, "1")]:
        # IATI 2.03 requires at least one description
        errors["description"] = _t(lang, "Describe the project in a few sentences.")
    status = text("activity_status")
    if status not in ACTIVITY_STATUSES:
        errors["activity_status"] = _t(lang, "Choose the project's status.")
    role = text("role")
    if role and role not in PARTICIPATING_ROLES:
        errors["role"] = _t(lang, "Choose your organisation's role.")

    dates = {name: _date(lang, text(name), errors, name) for name in DATE_FIELDS}
    start = dates["actual_start"] or dates["planned_start"]
    end = dates["actual_end"] or dates["planned_end"]
    for lo, hi in (("planned_start", "planned_end"), ("actual_start", "actual_end")):
        first, last = dates[lo], dates[hi]
        if first is not None and last is not None and last < first and hi not in errors:
            errors[hi] = _t(lang, "The end date must not be before the start date.")
    if start is None and "planned_start" not in errors and "actual_start" not in errors:
        errors["planned_start"] = _t(lang, "Give a planned or an actual start date.")

    countries: list[str] = []
    bad = []
    for code in _codes(text("countries")):
        a2 = _alpha2(code)
        if a2 is None:
            bad.append(code)
        elif a2 not in countries:
            countries.append(a2)
    if bad:
        errors["countries"] = _t(
            lang, "Unknown country codes: %(codes)s. Use ISO codes such as KEN or KE."
        ) % {"codes": ", ".join(bad)}

    sectors: list[str] = []
    bad = []
    for code in _codes(text("sectors")):
        if _SECTOR.match(code):
            if code not in sectors:
                sectors.append(code)
        else:
            bad.append(code)
    if bad:
        errors["sectors"] = _t(
            lang,
            "Sector codes are the OECD DAC's five-digit purpose codes, e.g. 22040 or 11430; "
            "not valid: %(codes)s",
        ) % {"codes": ", ".join(bad)}

    budget = _amount(lang, text("budget"), errors, "budget")
    currency = _currency(lang, text("currency"), errors, "currency")
    old = existing.activity.model_dump(mode="json") if existing else None
    budget_managed = old is None or len(old["budgets"]) <= 1
    if budget_managed and budget is not None:
        if currency is None and "currency" not in errors:
            errors["currency"] = _t(lang, "Give the budget's currency, e.g. USD.")
        if (start is None or end is None) and "budget" not in errors:
            errors["budget"] = _t(
                lang, "A budget needs the project's start and end dates (its period)."
            )

    links: dict[str, int | None] = {}
    for name in ("need_id", "offer_id"):
        raw = text(name)
        links[name] = int(raw) if raw.isdigit() else None
        if raw and not raw.isdigit():
            errors[name] = _t(lang, "Choose an entry from the list.")

    areas = [int(a) for a in form.get("areas", []) if str(a).isdigit()]
    actions = [str(a) for a in form.get("actions", [])]
    if not areas:
        errors["areas"] = _t(lang, "Choose at least one Action Plan area.")

    if errors:
        return {}, errors

    # -- build the activity: the stored one (edit) or a new one ------------------------------
    a: dict[str, Any] = old or {
        "iati_identifier": identifier,
        "reporting_org": {},
        "title": [],
        "descriptions": [],
        "participating_orgs": [],
        "activity_dates": [],
        "recipient_countries": [],
        "sectors": [],
        "budgets": [],
    }
    if old is None:
        text_lang = text("text_lang") or lang
        a["lang"] = text_lang if text_lang in TEXT_LANGUAGES else None
    org_type = _ORG_TYPE.get(org.kind, "90")
    a["iati_identifier"] = identifier
    a["reporting_org"] = {
        **a["reporting_org"],
        "ref": ref,
        "type": a["reporting_org"].get("type") or org_type,
        "narratives": a["reporting_org"].get("narratives") or [{"text": org.name}],
    }
    _set_narrative(a["title"], a.get("lang"), title)
    general = _general_description(a)
    if description:
        if general is None:
            a["descriptions"].insert(0, {"type": "1", "narratives": [{"text": description}]})
        else:
            i = a["descriptions"].index(general)
            narratives = list(general.get("narratives", []))
            _set_narrative(narratives, a.get("lang"), description)
            a["descriptions"][i] = {**general, "narratives": narratives}
    elif general is not None:
        a["descriptions"].remove(general)
    a["activity_status"] = status
    kept = [d for d in a["activity_dates"] if d["type"] not in DATE_FIELDS.values()]
    for name, code in DATE_FIELDS.items():
        when = dates[name]
        if when is not None:
            kept.append({"type": code, "iso_date": when.isoformat()})
    a["activity_dates"] = sorted(kept, key=lambda d: d["type"])
    if [c["code"].upper() for c in a["recipient_countries"]] != countries:
        a["recipient_countries"] = [
            {"code": c, "percentage": None if p is None else str(p)}
            for c, p in zip(countries, _shares(len(countries)), strict=True)
        ]
    if [x["code"] for x in _form_sectors(a)] != sectors:
        other = [x for x in a["sectors"] if x.get("vocabulary") not in (None, "1")]
        a["sectors"] = [
            {"code": c, "vocabulary": "1", "percentage": None if p is None else str(p)}
            for c, p in zip(sectors, _shares(len(sectors)), strict=True)
        ] + other
    if budget_managed:
        if budget is None:
            a["budgets"] = []
        else:
            assert start is not None and end is not None and currency is not None
            previous = a["budgets"][0] if a["budgets"] else {}
            a["budgets"] = [
                {
                    **previous,
                    "type": previous.get("type") or "1",
                    "status": previous.get("status") or "1",
                    "period_start": start.isoformat(),
                    "period_end": end.isoformat(),
                    "value": {
                        **previous.get("value", {}),
                        "amount": str(budget),
                        "currency": currency,
                        "value_date": start.isoformat(),
                    },
                }
            ]
    if currency is not None:
        a["default_currency"] = currency
    participant = next((p for p in a["participating_orgs"] if p.get("ref") == ref), None)
    if participant is None:
        a["participating_orgs"].insert(
            0,
            {
                "ref": ref,
                "type": org_type,
                "role": role or "4",
                "narratives": [{"text": org.name}],
            },
        )
    elif role:
        participant["role"] = role

    payload: dict[str, Any] = {
        "activity": a,
        "areas": areas,
        "actions": actions,
        "need_id": links["need_id"],
        "offer_id": links["offer_id"],
    }
    if existing is not None:
        version = text("version")
        payload["version"] = int(version) if version.isdigit() else None
    return payload, errors


#: registry error fields -> the form field that shows them
_SERVICE_FIELDS: Final = {
    "activity.iati_identifier": "iati_identifier",
    "activity.reporting_org.ref": "reporting_ref",
    "activity.title": "title",
    "activity.activity_status": "activity_status",
    "activity.default_currency": "currency",
    "areas": "areas",
    "actions": "actions",
    "need_id": "need_id",
    "offer_id": "offer_id",
    "project_id": "project_id",
    "reported_on": "reported_on",
    "progress_pct": "progress_pct",
    "disbursed_delta": "disbursed_delta",
    "note": "note",
    "amount": "amount",
    "currency": "currency",
    "title": "title",
    "description": "description",
    "economies": "economies",
    "announced_on": "announced_on",
    "due_date": "due_date",
    "status": "status",
    "economy": "economy",
    "kind": "kind",
    "languages": "languages",
    "eligible_economies": "eligible_economies",
    "capacity": "capacity",
    "capacity_unit": "capacity_unit",
    "available_from": "available_from",
    "available_until": "available_until",
    "start_date": "start_date",
    "end_date": "end_date",
    "budget_min": "budget_min",
    "budget_max": "budget_max",
    "organisation_id": "organisation_id",
}


def service_error_field(exc: ValidationFailed) -> str | None:
    """The form field a registry ValidationFailed belongs to (None: the whole form)."""
    field = exc.field or ""
    if field in _SERVICE_FIELDS:
        return _SERVICE_FIELDS[field]
    for prefix in ("activity.budgets", "activity.recipient_countries", "activity.sectors"):
        if field.startswith(prefix):
            return {"activity.budgets": "budget"}.get(
                prefix, "countries" if "countries" in prefix else "sectors"
            )
    head = field.split(".")[0]
    return _SERVICE_FIELDS.get(head)


# -- pledge progress -------------------------------------------------------------------------


def parse_progress_form(
    lang: str, form: dict[str, Any], today: dt.date
) -> tuple[dict[str, Any], dict[str, str]]:
    """(``PledgeProgressCreate`` input, errors by form field) for a progress report."""
    errors: dict[str, str] = {}

    def text(name: str) -> str:
        return str(form.get(name, "")).strip()

    reported = _date(lang, text("reported_on"), errors, "reported_on")
    if reported is None and "reported_on" not in errors:
        errors["reported_on"] = _t(lang, "Give the date of this report.")
    elif reported is not None and reported > today:
        errors["reported_on"] = _t(lang, "The report date must not be in the future.")
    pct_raw = text("progress_pct")
    pct: float | None = None
    if pct_raw:
        try:
            pct = float(pct_raw)
        except ValueError:
            pct = None
        if pct is None or not 0 <= pct <= 100:
            errors["progress_pct"] = _t(lang, "Enter a percentage from 0 to 100.")
            pct = None
    delta = _amount(lang, text("disbursed_delta"), errors, "disbursed_delta")
    note = text("note")
    if len(note) > 20_000:
        errors["note"] = _t(lang, "The note may have at most 20,000 characters.")
    if not errors and pct is None and not delta and not note:
        errors["progress_pct"] = _t(
            lang, "Report a progress percentage, an amount disbursed, or a note."
        )
    if errors:
        return {}, errors
    payload: dict[str, Any] = {
        "reported_on": reported,
        "disbursed_delta": delta or 0.0,
        "note": note,
    }
    if pct is not None:
        payload["progress_pct"] = pct
    return payload, errors
