"""Resolutions tracker: UN resolutions on AI capacity building as records.

``SEED_0001`` is the seed the first migration loads (facts from the public UN records, as
summarised in CONTEXT.md). It is frozen: later additions go into a new migration or through
:meth:`aibridge.registry.Registry.add_resolution` (admins), so a migrated database never
changes under its users.

Sponsorship lists are those published with the drafts; the co-sponsor lists are long and are
summarised in ``co_sponsors_note`` where the full list is not part of the public summary.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

__all__ = ["SEED_0001", "economy_role"]

_ON_BEHALF_78_311 = [
    "DZA",  # Algeria
    "BRA",
    "CUB",
    "EGY",
    "ETH",
    "IDN",
    "IRN",
    "IRQ",
    "KAZ",
    "LAO",
    "PAK",
    "RUS",
    "SAU",
    "SLE",
    "SGP",
    "UGA",
    "ARE",
    "ZMB",
    "CHN",
]

SEED_0001: list[dict[str, Any]] = [
    {
        "symbol": "A/RES/78/265",
        "title": (
            "Seizing the opportunities of safe, secure and trustworthy artificial intelligence "
            "systems for sustainable development"
        ),
        "body": "General Assembly",
        "adopted_on": dt.date(2024, 3, 21),
        "how_adopted": "without a vote (consensus)",
        "proposed_by": ["USA"],
        "introduced_on_behalf_of": [],
        "co_sponsors": ["USA", "CHN"],
        "co_sponsors_note": (
            "Proposed by the United States; more than 120 co-sponsors, China among them. "
            "Only the proposer and the co-sponsors named in public summaries are listed."
        ),
        "operative_points": [
            "Narrow the AI and other digital divides between and within countries.",
            "Promote a fair, open, inclusive and non-discriminatory business environment.",
            "Support small businesses in using and developing AI.",
            "Handle AI's opportunities and risks in a collaborative, coordinated and "
            "inclusive way.",
            "Pursue inclusive international cooperation on safe, secure and trustworthy AI.",
            "Increase the participation and representation of developing countries in "
            "deliberations on AI.",
        ],
        "source": "https://undocs.org/A/RES/78/265",
    },
    {
        "symbol": "A/RES/78/311",
        "title": (
            "Enhancing international cooperation on capacity-building of artificial intelligence"
        ),
        "body": "General Assembly",
        "adopted_on": dt.date(2024, 7, 1),
        "how_adopted": "without a vote (consensus)",
        "proposed_by": ["CHN"],
        "introduced_on_behalf_of": _ON_BEHALF_78_311,
        "co_sponsors": ["CHN", "USA", *[c for c in _ON_BEHALF_78_311 if c != "CHN"]],
        "co_sponsors_note": (
            "Proposed by China; more than 140 co-sponsors (143 by the High-Level Meeting of "
            "25 September 2024), the United States among them. Listed: the proposer, the "
            "states on whose behalf it was introduced, and the United States."
        ),
        "operative_points": [
            "AI development that is human-centred, for good and for the benefit of humanity.",
            "International cooperation and practical action to help countries, especially "
            "developing countries, build AI capacity.",
            "Greater representation and voice of developing countries in global AI governance.",
            "An open, fair and non-discriminatory business environment.",
            "The central role of the United Nations in that cooperation.",
            "Inclusive, beneficial and sustainable AI that contributes to the 2030 Agenda for "
            "Sustainable Development.",
            "Recognises that most people in developing countries lack real access to AI and "
            "that the digital divide keeps widening.",
            "Seeks the inclusion of women and girls, persons with disabilities, indigenous "
            "peoples, local communities, children and youth, people in poverty, and people in "
            "rural and remote areas.",
            "Encourages countries to include AI capacity-building in national development plans.",
            "Asks the Secretary-General to report on the challenges developing countries face.",
        ],
        "source": "https://undocs.org/A/RES/78/311",
    },
]


def economy_role(record: dict[str, Any] | Any, economy: str) -> str:
    """How ``economy`` (ISO3) relates to a resolution record: the strongest documented role.

    One of ``"proposer"``, ``"introduced on behalf of"``, ``"co-sponsor"`` or, for
    resolutions adopted without a vote, ``"adopted without a vote"``; otherwise ``"member state"``.
    """
    get = record.get if isinstance(record, dict) else lambda k: getattr(record, k)
    if economy in (get("proposed_by") or []):
        return "proposer"
    if economy in (get("introduced_on_behalf_of") or []):
        return "introduced on behalf of"
    if economy in (get("co_sponsors") or []):
        return "co-sponsor"
    if "without a vote" in (get("how_adopted") or ""):
        return "adopted without a vote"
    return "member state"
