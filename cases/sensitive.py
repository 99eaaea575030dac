"""The inventory of sensitive data: what a page may show only with a read audit.

Two kinds, both OFFICIAL-SENSITIVE:

- *identifying*: the details that name the person on probation (name, date of birth, other
  identifiers such as PNC number and address) and the names recorded for the merged chronology's
  anonymised view;
- *agency*: what an agency told the Inspectorate in its return (its findings, chronology and
  learning points).

Every GET that renders any of these fields records ``audit.record_read`` in the same response
(``tests/security/test_sensitive_reads_audited.py`` walks every GET route with this list and
fails on a page that shows one without a read event). Add a field here when a model gains one.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy.orm import InstrumentedAttribute

from cases.chronology.models import CasePerson
from cases.models import AgencyReturn, MultiAgencyCase, ReturnChronologyEntry, ReturnLearningPoint


class Sensitivity(enum.Enum):
    IDENTIFYING = "identifying"
    AGENCY = "agency"


@dataclass(frozen=True)
class SensitiveField:
    column: InstrumentedAttribute[object]
    sensitivity: Sensitivity

    @property
    def name(self) -> str:
        return f"{self.column.class_.__name__}.{self.column.key}"


def _fields(sensitivity: Sensitivity, *columns: InstrumentedAttribute[object]) -> tuple[SensitiveField, ...]:
    return tuple(SensitiveField(column, sensitivity) for column in columns)


SENSITIVE_FIELDS: tuple[SensitiveField, ...] = (
    *_fields(
        Sensitivity.IDENTIFYING,
        MultiAgencyCase.person_name,
        MultiAgencyCase.date_of_birth,
        MultiAgencyCase.other_identifiers,
        CasePerson.name,
    ),
    *_fields(
        Sensitivity.AGENCY,
        AgencyReturn.involvement_nature,
        AgencyReturn.records_reviewed,
        AgencyReturn.what_went_well,
        AgencyReturn.missed_opportunities,
        AgencyReturn.underpinning_detail,
        AgencyReturn.good_practice,
        AgencyReturn.recommendations,
        ReturnChronologyEntry.what_happened,
        ReturnChronologyEntry.significance,
        ReturnLearningPoint.description,
    ),
)
