"""Annexe A of the 2021 consultation (draft of February 2021), as data to seed version "2021 draft".

Transcribed from ``qa-standards-annexe-a.md``. The Standard 2 prompts a) to c) are
reconstructed from sections 1.2 and 2.3 (the source table is garbled there); d) and e)
are legible. Admins revise the wording by copying the version, never by editing this file.
"""

from __future__ import annotations

FIRST_VERSION_NAME = "2021 draft"

OFFENCE_CATEGORIES = [
    "Murder",
    "Attempted murder",
    "Manslaughter",
    "Other offence causing death",
    "Rape",
    "Sexual offence against a child under 13",
    "Other serious sexual offence",
    "Serious violence",
    "Arson endangering life",
    "Kidnapping or false imprisonment",
    "Terrorism",
]

_ANALYSIS_PROMPTS = [
    "Does the SFO review sufficiently consider whether all reasonable action was taken?",
    "Does the SFO review sufficiently analyse crucial decisions?",
    "Does the SFO review sufficiently analyse missed opportunities?",
    (
        "Does the SFO review sufficiently explore underpinning reasons for any deficiencies in practice "
        "where they existed?"
    ),
    "Does the SFO review sufficiently examine the partnership work with other agencies?",
]


def _analysis_question(area: str) -> str:
    return f"Does the SFO review provide a robust and transparent analysis of {area} in the case?"


# (number, title, statement, [(key question number, text, [prompts])])
STANDARDS: list[tuple[int, str, str, list[tuple[str, str, list[str]]]]] = [
    (
        1,
        "Analysis of practice",
        "The SFO review provides a robust and transparent analysis of practice.",
        [
            ("1.1", _analysis_question("assessment"), _ANALYSIS_PROMPTS),
            ("1.2", _analysis_question("planning"), _ANALYSIS_PROMPTS),
            ("1.3", _analysis_question("implementation and delivery"), _ANALYSIS_PROMPTS),
            ("1.4", _analysis_question("reviewing"), _ANALYSIS_PROMPTS),
        ],
    ),
    (
        2,
        "Overall judgements",
        "The SFO review provides a clear and balanced judgement on the sufficiency of practice.",
        [
            (
                "2.1",
                "Does the SFO review provide a clear and balanced judgement on the sufficiency of practice?",
                [
                    "Does the SFO review sufficiently consider whether all reasonable steps were taken to manage the "
                    "risk of serious harm?",
                    "Does the SFO review sufficiently consider the quality of management oversight?",
                    "Does the SFO review sufficiently consider systemic and procedural factors (for example workload, "
                    "resources and policy)?",
                    "Does the SFO review sufficiently highlight areas of good practice where they existed?",
                    "Does the SFO review sufficiently identify practice that needs to be addressed through staff "
                    "performance or discipline, where necessary?",
                ],
            )
        ],
    ),
    (
        3,
        "Learning",
        "The SFO review enables appropriate learning to drive improvement.",
        [
            (
                "3.1",
                "Does the SFO review identify sufficient areas of learning and practice improvement?",
                [
                    "Does the SFO review sufficiently identify areas for improvement for staff at all levels?",
                    "Does the SFO review sufficiently identify areas for improvement at a local level?",
                    "Does the SFO review sufficiently identify areas for improvement at a regional level?",
                    "Where relevant, does the SFO review sufficiently identify areas for improvement at a national "
                    "level?",
                    "Where relevant, does the SFO review sufficiently identify areas for improvement in respect of "
                    "multi-agency working?",
                ],
            ),
            (
                "3.2",
                "Do the planned actions sufficiently address the learning and practice improvement identified?",
                [
                    "Do the planned actions sufficiently address deficiencies identified at a local level in the SFO "
                    "review?",
                    "Do the planned actions sufficiently address deficiencies identified at a regional level in the "
                    "SFO review?",
                    "Do the planned actions sufficiently address deficiencies identified at a national level in the "
                    "SFO review, where they existed?",
                    "Do the planned actions contain sufficient developmental activity to effect change?",
                    "Do the planned actions identify effective measures for evidencing progress and outcomes?",
                    "Do the planned actions include sufficient assurances about how learning will be shared with "
                    "partner agencies?",
                ],
            ),
        ],
    ),
    (
        4,
        "Victims and their families",
        "The SFO review is accessible to victims and their families, and gives them an overview of the areas of "
        "learning and the action required.",
        [
            (
                "4.1",
                "Is the SFO review sufficiently accessible and meaningful to victims and their families?",
                [
                    "Is the language used in the SFO review sufficiently accessible?",
                    "Is the SFO review written sensitively, to account for the impact on victims?",
                    "Does the SFO review sufficiently explain the significance of deficiencies and missed "
                    "opportunities, and the impact these had?",
                    "Does the SFO review sufficiently and transparently focus on practice relevant to the "
                    "circumstances of the SFO?",
                    "Does the SFO review present sufficient judgements, with examples used as evidence to support "
                    "them?",
                ],
            )
        ],
    ),
]
