"""IATI 2.03 activity XML: safe parsing, schema validation, import to and export from
:class:`~aibridge.registry.schemas.IatiActivity`.

Safety: a document is first screened with defusedxml with DTDs forbidden (no billion laughs,
no external entities, no network), then parsed by lxml with entity resolution, DTD loading
and network access all off, and validated against the official 2.03 schema vendored in
``iati_schema/`` (CC BY 4.0, see its LICENSE.md).

Round trip: every modelled element and attribute is read into the model; every attribute and
child element we do not model is kept verbatim (``extra_attrs`` / ``extra_xml``) and emitted
again. On export, children are put back in the order the schema's sequences require, so an
activity re-exported after an edit still validates.
"""

from __future__ import annotations

import copy as copy_module
import datetime as dt
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

import defusedxml.ElementTree as safe_et
import pycountry
import xmlschema
from defusedxml import DefusedXmlException
from lxml import etree

from aibridge.errors import IatiError, ValidationFailed
from aibridge.registry import schemas as s

__all__ = [
    "SCHEMA_DIR",
    "check_activity",
    "organisation_kind",
    "parse_activities",
    "recipient_iso3",
    "validate_xml",
    "write_activities",
]

SCHEMA_DIR = Path(__file__).with_name("iati_schema")
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
MAX_BYTES = 200 * 1024 * 1024


@lru_cache(maxsize=1)
def _lxml_schema() -> etree.XMLSchema:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    doc = etree.parse(str(SCHEMA_DIR / "iati-activities-schema.xsd"), parser)
    return etree.XMLSchema(doc)


@lru_cache(maxsize=1)
def _xsd() -> Any:
    """The schema as xmlschema objects: used for the order of child elements."""
    return xmlschema.XMLSchema(str(SCHEMA_DIR / "iati-activities-schema.xsd"))


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def _parse_safely(data: bytes | str) -> etree._Element:
    if isinstance(data, str):
        data = data.encode("utf-8") if not data.lstrip().startswith("<?xml") else data.encode()
    if len(data) > MAX_BYTES:
        raise IatiError(f"IATI file too large ({len(data)} bytes; limit {MAX_BYTES})")
    try:  # screen: no DTD at all (billion laughs, external entities, network fetches)
        safe_et.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise IatiError(
            f"refused IATI XML: it declares a DTD or entities ({type(exc).__name__}); IATI "
            "files never need one"
        ) from None
    except safe_et.ParseError as exc:
        raise IatiError(f"malformed XML: {exc}") from None
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise IatiError(f"malformed XML: {exc}") from None
    return root


def validate_xml(data: bytes | str) -> list[str]:
    """Schema errors of an IATI activity document (``[]`` = valid). Hostile or malformed
    XML raises IatiError."""
    root = _parse_safely(data)
    return _schema_errors(root)


def _schema_errors(root: etree._Element) -> list[str]:
    schema = _lxml_schema()
    if schema.validate(root):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]


def parse_activities(data: bytes | str) -> list[s.IatiActivity]:
    """Every activity of an IATI 2.03 activity file, after safe parsing and validation."""
    root = _parse_safely(data)
    if etree.QName(root).localname != "iati-activities":
        raise IatiError(f"not an IATI activity file: root element is <{root.tag}>")
    errors = _schema_errors(root)
    if errors:
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        raise IatiError(
            "the file does not validate against the IATI 2.03 activity schema: "
            + "; ".join(errors[:5])
            + more
        )
    out = []
    for el in root:
        if isinstance(el.tag, str) and el.tag == "iati-activity":
            try:
                out.append(_activity(el))
            except ValidationFailed as exc:  # e.g. a value our model is stricter about
                raise IatiError(f"line {el.sourceline}: {exc}") from None
    return out


# --- reading ------------------------------------------------------------------------------
def _raw(el: etree._Element) -> str:
    """An element verbatim, in a canonical compact form: whitespace-only text dropped (it is
    layout, not content) and only the namespace declarations it uses."""
    copy = copy_module.deepcopy(el)
    copy.tail = None
    for node in copy.iter():
        if node.text is not None and not node.text.strip() and len(node):
            node.text = None
        if node.tail is not None and not node.tail.strip():
            node.tail = None
    etree.cleanup_namespaces(copy)
    return etree.tostring(copy, encoding="unicode", with_tail=False)


def _attrs(el: etree._Element, known: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    values = {f: el.get(a) for f, a in known.items() if el.get(a) is not None}
    extra = {str(k): str(v) for k, v in el.attrib.items() if k not in known.values()}
    return values, extra


def _narratives(el: etree._Element | None) -> list[s.Narrative]:
    if el is None:
        return []
    return [
        s.Narrative(text=n.text or "", lang=n.get(XML_LANG))
        for n in el
        if isinstance(n.tag, str) and n.tag == "narrative"
    ]


def _split(
    el: etree._Element, known: Sequence[str]
) -> tuple[dict[str, list[etree._Element]], list[str]]:
    """Children by tag for ``known`` tags; every other child verbatim."""
    found: dict[str, list[etree._Element]] = {k: [] for k in known}
    extra = []
    for child in el:
        if not isinstance(child.tag, str):
            continue
        if child.tag in found:
            found[child.tag].append(child)
        else:
            extra.append(_raw(child))
    return found, extra


def _with_narratives(
    el: etree._Element, known_attrs: dict[str, str], model: type[Any], **more: Any
) -> Any:
    values, extra_attrs = _attrs(el, known_attrs)
    _kids, extra_xml = _split(el, ["narrative"])
    return s.validate(
        model,
        {
            **values,
            **more,
            "narratives": _narratives(el),
            "extra_attrs": extra_attrs,
            "extra_xml": extra_xml,
        },
    )


def _org(el: etree._Element, activity_attr: str = "activity-id") -> s.IatiOrg:
    known = {"ref": "ref", "type": "type", "role": "role", "activity_id": activity_attr}
    org: s.IatiOrg = _with_narratives(el, known, s.IatiOrg)
    return org


def _value(el: etree._Element) -> s.IatiValue:
    values, extra_attrs = _attrs(el, {"currency": "currency", "value_date": "value-date"})
    try:
        amount = Decimal((el.text or "").strip())
    except InvalidOperation:
        raise IatiError(f"line {el.sourceline}: value {el.text!r} is not a number") from None
    return s.IatiValue(amount=amount, extra_attrs=extra_attrs, **values)


def _only_attr(el: etree._Element, attr: str, extra: dict[str, str] | None = None) -> str:
    """The one modelled attribute of a small child element (``<activity-status code>``);
    its other attributes go to the parent's ``extra`` as ``"tag|attr"``."""
    if extra is not None:
        for k, v in el.attrib.items():
            if k != attr:
                extra[f"{el.tag}|{k}"] = str(v)
    return el.get(attr) or ""


def _budget(el: etree._Element) -> s.IatiBudget:
    values, extra_attrs = _attrs(el, {"type": "type", "status": "status"})
    kids, extra_xml = _split(el, ["period-start", "period-end", "value"])
    return s.validate(
        s.IatiBudget,
        {
            **values,
            "period_start": _only_attr(kids["period-start"][0], "iso-date", extra_attrs),
            "period_end": _only_attr(kids["period-end"][0], "iso-date", extra_attrs),
            "value": _value(kids["value"][0]),
            "extra_attrs": extra_attrs,
            "extra_xml": extra_xml,
        },
    )


def _transaction(el: etree._Element) -> s.IatiTransaction:
    values, extra_attrs = _attrs(el, {"ref": "ref", "humanitarian": "humanitarian"})
    known = [
        "transaction-type",
        "transaction-date",
        "value",
        "description",
        "provider-org",
        "receiver-org",
    ]
    kids, extra_xml = _split(el, known)
    return s.validate(
        s.IatiTransaction,
        {
            **values,
            "transaction_type": _only_attr(kids["transaction-type"][0], "code", extra_attrs),
            "transaction_date": _only_attr(kids["transaction-date"][0], "iso-date", extra_attrs),
            "value": _value(kids["value"][0]),
            "description": _narratives(kids["description"][0] if kids["description"] else None),
            "provider_org": _org(kids["provider-org"][0], "provider-activity-id")
            if kids["provider-org"]
            else None,
            "receiver_org": _org(kids["receiver-org"][0], "receiver-activity-id")
            if kids["receiver-org"]
            else None,
            "extra_attrs": extra_attrs,
            "extra_xml": extra_xml,
        },
    )


def _result_value(el: etree._Element) -> s.IatiResultValue:
    values, extra_attrs = _attrs(el, {"value": "value", "year": "year", "iso_date": "iso-date"})
    kids, extra_xml = _split(el, ["comment"])
    return s.validate(
        s.IatiResultValue,
        {
            **values,
            "comment": _narratives(kids["comment"][0] if kids["comment"] else None),
            "extra_attrs": extra_attrs,
            "extra_xml": extra_xml,
        },
    )


def _period(el: etree._Element) -> s.IatiPeriod:
    _values, extra_attrs = _attrs(el, {})
    kids, extra_xml = _split(el, ["period-start", "period-end", "target", "actual"])
    return s.validate(
        s.IatiPeriod,
        {
            "period_start": _only_attr(kids["period-start"][0], "iso-date", extra_attrs),
            "period_end": _only_attr(kids["period-end"][0], "iso-date", extra_attrs),
            "targets": [_result_value(x) for x in kids["target"]],
            "actuals": [_result_value(x) for x in kids["actual"]],
            "extra_attrs": extra_attrs,
            "extra_xml": extra_xml,
        },
    )


def _indicator(el: etree._Element) -> s.IatiIndicator:
    values, extra_attrs = _attrs(
        el,
        {
            "measure": "measure",
            "ascending": "ascending",
            "aggregation_status": "aggregation-status",
        },
    )
    kids, extra_xml = _split(el, ["title", "description", "baseline", "period"])
    return s.validate(
        s.IatiIndicator,
        {
            **values,
            "title": _narratives(kids["title"][0] if kids["title"] else None),
            "description": _narratives(kids["description"][0] if kids["description"] else None),
            "baselines": [_result_value(b) for b in kids["baseline"]],
            "periods": [_period(p) for p in kids["period"]],
            "extra_attrs": extra_attrs,
            "extra_xml": extra_xml,
        },
    )


def _result(el: etree._Element) -> s.IatiResult:
    values, extra_attrs = _attrs(el, {"type": "type", "aggregation_status": "aggregation-status"})
    kids, extra_xml = _split(el, ["title", "description", "indicator"])
    return s.validate(
        s.IatiResult,
        {
            **values,
            "title": _narratives(kids["title"][0] if kids["title"] else None),
            "description": _narratives(kids["description"][0] if kids["description"] else None),
            "indicators": [_indicator(i) for i in kids["indicator"]],
            "extra_attrs": extra_attrs,
            "extra_xml": extra_xml,
        },
    )


_ACTIVITY_ATTRS = {
    "default_currency": "default-currency",
    "lang": XML_LANG,
    "last_updated_datetime": "last-updated-datetime",
    "hierarchy": "hierarchy",
    "humanitarian": "humanitarian",
}
_ACTIVITY_CHILDREN = [
    "iati-identifier",
    "reporting-org",
    "title",
    "description",
    "participating-org",
    "activity-status",
    "activity-date",
    "recipient-country",
    "sector",
    "budget",
    "transaction",
    "result",
]


def _activity(el: etree._Element) -> s.IatiActivity:
    values, extra_attrs = _attrs(el, _ACTIVITY_ATTRS)
    kids, extra_xml = _split(el, _ACTIVITY_CHILDREN)
    for tag in ("iati-identifier", "reporting-org", "title", "activity-status"):
        if len(kids[tag]) > 1:  # the schema allows one; keep our model honest
            raise IatiError(f"line {el.sourceline}: more than one <{tag}>")
    ident = kids["iati-identifier"]
    status = kids["activity-status"]
    return s.validate(
        s.IatiActivity,
        {
            **values,
            "iati_identifier": (ident[0].text or "").strip() if ident else "",
            "namespaces": {str(k): str(v) for k, v in el.nsmap.items() if k and k != "xml"},
            "reporting_org": _org(kids["reporting-org"][0]),
            "title": _narratives(kids["title"][0]),
            "descriptions": [
                _with_narratives(d, {"type": "type"}, s.IatiText) for d in kids["description"]
            ],
            "participating_orgs": [_org(p) for p in kids["participating-org"]],
            "activity_status": _only_attr(status[0], "code", extra_attrs) if status else None,
            "activity_dates": [
                _with_narratives(d, {"type": "type", "iso_date": "iso-date"}, s.IatiDate)
                for d in kids["activity-date"]
            ],
            "recipient_countries": [
                _with_narratives(c, {"code": "code", "percentage": "percentage"}, s.IatiCountry)
                for c in kids["recipient-country"]
            ],
            "sectors": [
                _with_narratives(
                    c,
                    {
                        "code": "code",
                        "vocabulary": "vocabulary",
                        "vocabulary_uri": "vocabulary-uri",
                        "percentage": "percentage",
                    },
                    s.IatiSector,
                )
                for c in kids["sector"]
            ],
            "budgets": [_budget(b) for b in kids["budget"]],
            "transactions": [_transaction(t) for t in kids["transaction"]],
            "results": [_result(r) for r in kids["result"]],
            "extra_attrs": extra_attrs,
            "extra_xml": extra_xml,
        },
    )


# --- writing ------------------------------------------------------------------------------
def _text(v: Any) -> str:
    return format(v, "f") if isinstance(v, Decimal) else str(v)


def _el(parent: etree._Element, tag: str, attrs: dict[str, Any] | None = None) -> etree._Element:
    el = etree.SubElement(parent, tag)
    for k, v in (attrs or {}).items():
        if v is not None:
            el.set(k, _text(v))
    return el


def _put_narratives(el: etree._Element, narratives: Sequence[s.Narrative]) -> None:
    for n in narratives:
        nar = _el(el, "narrative", {XML_LANG: n.lang})
        nar.text = n.text


def _put_extra(el: etree._Element, item: s._Iati) -> None:
    for k, v in item.extra_attrs.items():
        if "|" in k:  # an attribute of a flattened child element (see _only_attr)
            tag, attr = k.split("|", 1)
            child = el.find(tag)
            if child is not None:
                child.set(attr, v)
            continue
        el.set(k, v)
    for frag in item.extra_xml:
        el.append(etree.fromstring(frag, _parser()))


def _put_org(
    parent: etree._Element, tag: str, org: s.IatiOrg, activity_attr: str = "activity-id"
) -> None:
    el = _el(
        parent,
        tag,
        {"ref": org.ref, "type": org.type, "role": org.role, activity_attr: org.activity_id},
    )
    _put_narratives(el, org.narratives)
    _put_extra(el, org)


def _put_value(parent: etree._Element, v: s.IatiValue) -> None:
    el = _el(parent, "value", {"currency": v.currency, "value-date": v.value_date})
    el.text = _text(v.amount)
    _put_extra(el, v)


def _put_result_value(parent: etree._Element, tag: str, v: s.IatiResultValue) -> None:
    el = _el(parent, tag, {"year": v.year, "iso-date": v.iso_date, "value": v.value})
    if v.comment:
        _put_narratives(_el(el, "comment"), v.comment)
    _put_extra(el, v)


def _activity_xml(parent: etree._Element, a: s.IatiActivity) -> etree._Element:
    el = _el(
        parent,
        "iati-activity",
        {xml: getattr(a, field) for field, xml in _ACTIVITY_ATTRS.items()},
    )
    _el(el, "iati-identifier").text = a.iati_identifier
    _put_org(el, "reporting-org", a.reporting_org)
    _put_narratives(_el(el, "title"), a.title)
    for d in a.descriptions:
        de = _el(el, "description", {"type": d.type})
        _put_narratives(de, d.narratives)
        _put_extra(de, d)
    for p in a.participating_orgs:
        _put_org(el, "participating-org", p)
    if a.activity_status is not None:
        _el(el, "activity-status", {"code": a.activity_status})
    for ad in a.activity_dates:
        de = _el(el, "activity-date", {"type": ad.type, "iso-date": ad.iso_date})
        _put_narratives(de, ad.narratives)
        _put_extra(de, ad)
    for c in a.recipient_countries:
        ce = _el(el, "recipient-country", {"code": c.code, "percentage": c.percentage})
        _put_narratives(ce, c.narratives)
        _put_extra(ce, c)
    for sec in a.sectors:
        se = _el(
            el,
            "sector",
            {
                "vocabulary": sec.vocabulary,
                "vocabulary-uri": sec.vocabulary_uri,
                "code": sec.code,
                "percentage": sec.percentage,
            },
        )
        _put_narratives(se, sec.narratives)
        _put_extra(se, sec)
    for b in a.budgets:
        be = _el(el, "budget", {"type": b.type, "status": b.status})
        _el(be, "period-start", {"iso-date": b.period_start})
        _el(be, "period-end", {"iso-date": b.period_end})
        _put_value(be, b.value)
        _put_extra(be, b)
    for t in a.transactions:
        te = _el(el, "transaction", {"ref": t.ref, "humanitarian": t.humanitarian})
        _el(te, "transaction-type", {"code": t.transaction_type})
        _el(te, "transaction-date", {"iso-date": t.transaction_date})
        _put_value(te, t.value)
        if t.description:
            _put_narratives(_el(te, "description"), t.description)
        if t.provider_org is not None:
            _put_org(te, "provider-org", t.provider_org, "provider-activity-id")
        if t.receiver_org is not None:
            _put_org(te, "receiver-org", t.receiver_org, "receiver-activity-id")
        _put_extra(te, t)
    for r in a.results:
        re_ = _el(el, "result", {"type": r.type, "aggregation-status": r.aggregation_status})
        _put_narratives(_el(re_, "title"), r.title)
        if r.description:
            _put_narratives(_el(re_, "description"), r.description)
        for ind in r.indicators:
            ie = _el(
                re_,
                "indicator",
                {
                    "measure": ind.measure,
                    "ascending": ind.ascending,
                    "aggregation-status": ind.aggregation_status,
                },
            )
            _put_narratives(_el(ie, "title"), ind.title)
            if ind.description:
                _put_narratives(_el(ie, "description"), ind.description)
            for base in ind.baselines:
                _put_result_value(ie, "baseline", base)
            for period in ind.periods:
                pe = _el(ie, "period")
                _el(pe, "period-start", {"iso-date": period.period_start})
                _el(pe, "period-end", {"iso-date": period.period_end})
                for rv in period.targets:
                    _put_result_value(pe, "target", rv)
                for rv in period.actuals:
                    _put_result_value(pe, "actual", rv)
                _put_extra(pe, period)
            _put_extra(ie, ind)
        _put_extra(re_, r)
    _put_extra(el, a)
    _reorder(el, _xsd().elements["iati-activity"])
    return el


def _reorder(el: etree._Element, xsd_el: Any) -> None:
    """Sort children into the order the schema's sequence requires (stable)."""
    try:
        kids_xsd = list(xsd_el.iterchildren())
    except (AttributeError, TypeError):
        return
    if not kids_xsd:
        return
    index: dict[str, tuple[int, Any]] = {}
    wildcard = len(kids_xsd)
    for k, child in enumerate(kids_xsd):
        name = getattr(child, "local_name", None)
        if name is None:
            wildcard = k
        elif name not in index:
            index[name] = (k, child)
    children = [c for c in el if isinstance(c.tag, str)]
    for c in children:
        if c.tag in index:
            _reorder(c, index[c.tag][1])
    ordered = sorted(children, key=lambda c: index[c.tag][0] if c.tag in index else wildcard)
    if ordered != children:
        for c in children:
            el.remove(c)
        el.extend(ordered)


def write_activities(
    activities: Sequence[s.IatiActivity], *, generated: dt.datetime | None = None
) -> bytes:
    """An ``iati-activities`` 2.03 document; IatiError if it would not validate."""
    generated = generated or dt.datetime.now(dt.UTC).replace(microsecond=0)
    nsmap: dict[str, str] = {}
    for a in activities:
        for prefix, uri in a.namespaces.items():
            if prefix not in nsmap and uri not in nsmap.values():
                nsmap[prefix] = uri
    root = etree.Element(
        "iati-activities",
        {"version": "2.03", "generated-datetime": generated.isoformat().replace("+00:00", "Z")},
        nsmap=nsmap,
    )
    for a in activities:
        _activity_xml(root, a)
    errors = _schema_errors(root)
    if errors:
        raise IatiError(
            "the exported activities do not validate against the IATI 2.03 schema: "
            + "; ".join(errors[:5])
        )
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True, pretty_print=True)


def check_activity(activity: s.IatiActivity) -> None:
    """ValidationFailed (naming the schema rule) unless ``activity`` exports as valid IATI."""
    root = etree.Element("iati-activities", {"version": "2.03"})
    try:
        _activity_xml(root, activity)
    except etree.XMLSyntaxError as exc:
        raise ValidationFailed(
            f"field 'activity.extra_xml' failed rule 'well_formed': malformed XML: {exc}",
            field="activity.extra_xml",
            rule="well_formed",
        ) from None
    errors = _schema_errors(root)
    if errors:
        raise ValidationFailed(
            f"field 'activity' failed rule 'iati_2.03_schema': activity "
            f"{activity.iati_identifier} would not be valid IATI 2.03: {errors[0]}",
            field="activity",
            rule="iati_2.03_schema",
        )


# --- code lists ---------------------------------------------------------------------------
def recipient_iso3(activity: s.IatiActivity) -> set[str]:
    """ISO3 codes of the activity's recipient countries (IATI uses ISO 3166-1 alpha-2)."""
    out = set()
    for c in activity.recipient_countries:
        code = c.code.strip().upper()
        if code == "XK":
            out.add("XKX")
            continue
        country = pycountry.countries.get(alpha_2=code)
        if country is not None:
            out.add(str(country.alpha_3))
    return out


_ORG_KIND: dict[str, str] = {
    "10": "government",
    "11": "government",
    "15": "government",
    "21": "ngo",
    "22": "ngo",
    "23": "ngo",
    "24": "ngo",
    "30": "other",
    "40": "multilateral",
    "60": "foundation",
    "70": "company",
    "71": "company",
    "72": "company",
    "73": "company",
    "80": "university",
    "90": "other",
}


def organisation_kind(iati_type: str | None) -> str:
    """Our organisation kind for an IATI OrganisationType code (unknown: ``other``)."""
    return _ORG_KIND.get(iati_type or "", "other")
