"""IATI 2.03: schema validation, the standard's conformance files, round trip, unknown
elements kept, hostile XML refused."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from lxml import etree
from registry_iati_samples import ACTIVITY, BILLION_LAUGHS, EXTERNAL_DTD, EXTERNAL_ENTITY

from aibridge.errors import IatiError
from aibridge.registry import iati


def _canonical(el: etree._Element) -> str:
    """C14N of an element with whitespace-only text dropped (pretty-printing differs)."""
    el = etree.fromstring(etree.tostring(el))
    for node in el.iter():
        if node.text is not None and not node.text.strip():
            node.text = None
        if node.tail is not None and not node.tail.strip():
            node.tail = None
    return etree.tostring(el, method="c14n2", strip_text=True, with_comments=False).decode()


def _activities(doc: bytes) -> list[str]:
    root = etree.fromstring(doc)
    return [_canonical(a) for a in root if a.tag == "iati-activity"]


def test_schema_is_vendored_with_licence() -> None:
    names = {p.name for p in iati.SCHEMA_DIR.iterdir()}
    assert {"iati-activities-schema.xsd", "iati-common.xsd", "xml.xsd", "LICENSE.md"} <= names
    assert "Creative Commons Attribution 4.0" in (iati.SCHEMA_DIR / "LICENSE.md").read_text()


def test_round_trip_keeps_every_field_and_unknown_elements() -> None:
    acts = iati.parse_activities(ACTIVITY)
    a = acts[0]
    assert a.iati_identifier == "XM-DAC-41114-AI-001"
    assert [n.lang for n in a.title] == [None, "fr"]
    assert a.budgets[0].value.amount.as_tuple().exponent == -2  # "250000.50" exactly
    assert a.transactions[0].provider_org and a.transactions[0].provider_org.activity_id
    assert any("flow-type" in x for x in a.transactions[0].extra_xml)
    assert any("<location" in x for x in a.extra_xml)
    assert any("ext:note" in x for x in a.extra_xml)
    indicator = a.results[0].indicators[0]
    assert indicator.measure == "1" and indicator.baselines[0].value == "0"
    assert indicator.periods[0].targets[0].value == "500"
    assert indicator.periods[0].actuals[0].value == "320"
    out = iati.write_activities(acts)
    assert iati.validate_xml(out) == []
    assert iati.parse_activities(out) == acts
    # the exported activity is the original one, element for element
    assert _activities(out) == _activities(ACTIVITY.encode())


def test_edited_activity_is_reordered_into_schema_order() -> None:
    a = iati.parse_activities(ACTIVITY)[0]
    edited = a.model_copy(update={"extra_xml": list(reversed(a.extra_xml))})
    out = iati.write_activities([edited])
    assert iati.validate_xml(out) == []


@pytest.mark.parametrize("doc", [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD])
def test_hostile_xml_is_refused_quickly(doc: str) -> None:
    start = time.perf_counter()
    with pytest.raises(IatiError, match=r"DTD|entities"):
        iati.parse_activities(doc)
    assert time.perf_counter() - start < 5  # generous: refusal must not expand anything


@pytest.mark.parametrize(
    "doc",
    ["", "<iati-activities", "not xml", "<other/>", '<iati-activities version="2.03"/>'],
)
def test_malformed_or_invalid_xml_is_refused(doc: str) -> None:
    with pytest.raises(IatiError):
        iati.parse_activities(doc)


def _files(root: Path, kind: str) -> list[Path]:
    dirs = [root / "tests" / "activity-tests" / kind, root / "tests" / kind / "iati-activities"]
    return sorted(p for d in dirs if d.is_dir() for p in d.rglob("*.xml"))


@pytest.mark.shared_data
def test_standard_should_pass_files_validate_and_round_trip(shared_data: Path) -> None:
    files = _files(shared_data / "iati-schemas", "should-pass")
    assert len(files) > 100
    for path in files:
        data = path.read_bytes()
        acts = iati.parse_activities(data)
        out = iati.write_activities(acts)
        assert iati.parse_activities(out) == acts, path
        assert _activities(out) == _activities(data), path


@pytest.mark.shared_data
def test_standard_should_pass_files_import_into_the_registry(shared_data: Path, tmp_path) -> None:
    from aibridge.registry import SYSTEM, Registry

    reg = Registry(f"sqlite:///{tmp_path / 'iati.sqlite'}")
    files = _files(shared_data / "iati-schemas", "should-pass")
    originals = []
    for path in files:
        report = reg.import_iati(SYSTEM, path.read_bytes())
        originals += [reg.get_project(i).activity for i in report.project_ids]
    assert len(reg.list_projects()) == len(originals) >= len(files)
    exported = reg.export_iati()
    assert iati.validate_xml(exported) == []
    # equal except the namespace declarations in scope (the export declares their union)
    again = iati.parse_activities(exported)
    assert [a.model_dump(exclude={"namespaces"}) for a in again] == [
        a.model_dump(exclude={"namespaces"}) for a in originals
    ]
    assert _activities(exported) == [c for p in files for c in _activities(p.read_bytes())]
    reg.close()


@pytest.mark.shared_data
def test_standard_should_fail_files_are_rejected(shared_data: Path) -> None:
    files = _files(shared_data / "iati-schemas", "should-fail")
    assert len(files) > 100
    accepted = []
    for path in files:
        try:
            iati.parse_activities(path.read_bytes())
            accepted.append(path.name)
        except IatiError:
            pass
    assert accepted == []


@pytest.mark.shared_data
def test_publisher_samples(shared_data: Path) -> None:
    """The publisher files shipped with the schemas predate 2.03 (versions 1.x): each must
    be refused with a schema error naming a line, never crash or be half-imported."""
    base = shared_data / "iati-schemas"
    files = sorted((base / "test-data" / "activities").glob("*.xml"))
    files += sorted((base / "samples").glob("*.xml"))
    assert files
    for path in files:
        errors = iati.validate_xml(path.read_bytes())
        assert errors and errors[0].startswith("line "), path
        with pytest.raises(IatiError, match=r"schema|not an IATI activity file"):
            iati.parse_activities(path.read_bytes())
