"""The QA standards as versioned data: building, copying and finding versions.

A version that any assessment uses is frozen; revising the standards means copying the
version into a draft, editing the draft's wording, and putting it into use. The rows of the
old version (and so their ids) stay as they were, and assessments keep showing them.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from extensions import db
from reviews.models import KeyQuestion, Prompt, Standard, StandardsVersion, StandardsVersionStatus

StandardsData = Sequence[tuple[int, str, str, Sequence[tuple[str, str, Sequence[str]]]]]

LETTERS = "abcdefghijklmnopqrstuvwxyz"


def build_version(name: str, data: StandardsData, *, status: StandardsVersionStatus) -> StandardsVersion:
    version = StandardsVersion(name=name, status=status)
    for number, title, statement, questions in data:
        standard = Standard(number=number, title=title, statement=statement)
        for q_position, (q_number, q_text, prompts) in enumerate(questions, start=1):
            question = KeyQuestion(number=q_number, position=q_position, text=q_text)
            question.prompts = [Prompt(letter=LETTERS[i], position=i + 1, text=text) for i, text in enumerate(prompts)]
            standard.key_questions.append(question)
        version.standards.append(standard)
    db.session.add(version)
    return version


def version_data(version: StandardsVersion) -> list[tuple[int, str, str, list[tuple[str, str, list[str]]]]]:
    """The wording of a version as plain data (used to copy it)."""
    return [
        (
            s.number,
            s.title,
            s.statement,
            [(q.number, q.text, [p.text for p in q.prompts]) for q in s.key_questions],
        )
        for s in version.standards
    ]


def load_version(version_id: int) -> StandardsVersion | None:
    """A version with its standards, questions and prompts in four queries, not one per row."""
    return db.session.scalar(
        select(StandardsVersion)
        .where(StandardsVersion.id == version_id)
        .options(
            selectinload(StandardsVersion.standards)
            .selectinload(Standard.key_questions)
            .selectinload(KeyQuestion.prompts)
        )
    )


def current_version() -> StandardsVersion | None:
    """The version new assessments are made against."""
    found = db.session.scalar(
        select(StandardsVersion.id)
        .where(StandardsVersion.status == StandardsVersionStatus.CURRENT)
        .order_by(StandardsVersion.published_at_utc.desc(), StandardsVersion.id.desc())
        .limit(1)
    )
    return load_version(found) if found is not None else None
