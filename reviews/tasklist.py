"""The QA assessment as a task list: one section per standard and one for the summary, each
with a status derived from what is saved (nothing is stored for it), then "Check your
answers and complete" once every standard is complete.

A standard is complete when each of its prompts is answered (Not applicable is an answer)
and it has a rating and the feedback explaining it: exactly what completing through the
task list needs (``operations.completion_problems(..., every_prompt=True)``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from reviews import operations
from reviews import rating as rating_rules
from reviews.models import Assessment, AssessmentStage, Standard
from reviews.rating import Rating


class Status(enum.Enum):
    NOT_STARTED = "Not started"
    IN_PROGRESS = "In progress"
    COMPLETED = "Completed"
    CANNOT_START = "Cannot start yet"

    @property
    def label(self) -> str:
        return self.value


@dataclass(frozen=True)
class Section:
    standard: Standard
    status: Status
    answered: int
    prompts: int
    rating: Rating | None


@dataclass(frozen=True)
class Problem:
    """What completion still needs: the standard whose page fixes it (None: the summary),
    the field to go to on that page, and the message."""

    standard: Standard | None
    field: str
    message: str


@dataclass(frozen=True)
class TaskList:
    sections: list[Section]
    summary_status: Status
    check_status: Status
    rated: int
    points_so_far: int
    composite: int | None
    overall: Rating | None

    @property
    def total(self) -> int:
        """The sections counted in "You have completed N of M sections": the standards."""
        return len(self.sections)

    @property
    def completed(self) -> int:
        return sum(1 for s in self.sections if s.status == Status.COMPLETED)


def _status(standard: Standard, data: operations.AssessmentInput) -> Status:
    answers = [data.answers.get(p.id, (None, "")) for p in standard.prompts]
    score, feedback = data.ratings.get(standard.id, (None, ""))
    if all(answer is not None for answer, _note in answers) and score is not None and feedback.strip():
        return Status.COMPLETED
    if any(answer is not None or note.strip() for answer, note in answers) or score is not None or feedback.strip():
        return Status.IN_PROGRESS
    return Status.NOT_STARTED


def task_list(assessment: Assessment) -> TaskList:
    """The task list of an assessment loaded with ``operations.load_assessment`` (no queries)."""
    data = operations.saved_input(assessment)
    sections = []
    for standard in assessment.standards_version.standards:
        score = data.ratings.get(standard.id, (None, ""))[0]
        sections.append(
            Section(
                standard=standard,
                status=_status(standard, data),
                answered=sum(1 for p in standard.prompts if data.answers.get(p.id, (None, ""))[0] is not None),
                prompts=len(standard.prompts),
                rating=Rating(score) if score is not None else None,
            )
        )
    scores = [data.ratings.get(s.standard.id, (None, ""))[0] for s in sections]
    rated = [score for score in scores if score is not None]
    composite = rating_rules.composite(scores)
    if assessment.stage == AssessmentStage.COMPLETE:
        check = Status.COMPLETED
    elif all(s.status == Status.COMPLETED for s in sections):
        check = Status.NOT_STARTED
    else:
        check = Status.CANNOT_START
    return TaskList(
        sections=sections,
        summary_status=Status.COMPLETED if assessment.summary.strip() else Status.NOT_STARTED,
        check_status=check,
        rated=len(rated),
        points_so_far=sum(rated),
        composite=composite,
        overall=rating_rules.band(composite),
    )


def next_standard(assessment: Assessment, standard: Standard) -> Standard | None:
    """The standard after ``standard`` in its version, or None after the last."""
    standards = assessment.standards_version.standards
    index = next(i for i, s in enumerate(standards) if s.id == standard.id)
    return standards[index + 1] if index + 1 < len(standards) else None


def standard_of(assessment: Assessment, standard_id: int) -> Standard | None:
    """The standard of the assessment's own version with this id (another version's: None)."""
    return next((s for s in assessment.standards_version.standards if s.id == standard_id), None)


def completion_problems(assessment: Assessment) -> list[Problem]:
    """What marking the saved assessment as complete still needs, each with the page to fix it."""
    by_field = {f"rating_{s.id}": s for s in assessment.standards_version.standards}
    by_field |= {f"feedback_{s.id}": s for s in assessment.standards_version.standards}
    by_field |= {f"answer_{p.id}": s for s in assessment.standards_version.standards for p in s.prompts}
    return [
        Problem(standard=by_field.get(field), field=field, message=message)
        for field, message in operations.completion_problems(
            assessment, operations.saved_input(assessment), every_prompt=True
        )
    ]
