from __future__ import annotations

import pytest

from server.brief.compose import CORE_SECTIONS, compose_brief
from server.brief.model import QueueInfo
from server.brief.settings import BriefSettings
from server.context.model import ContextPackage
from tests.brief.conftest import make_package


def test_deterministic_brief_has_every_section(package: ContextPackage) -> None:
    brief = compose_brief(package)
    assert brief.issue.label == "delivery_delay"
    assert brief.why_human and brief.focus and brief.bot_told and brief.steps
    assert {f.value for f in brief.do_not_ask} == {"KX-48213", "dana.ruiz@example.org"}
    assert brief.commitments[0].action == "open_trace"
    assert "rising" in brief.sentiment_summary
    assert brief.summary.startswith("Customer says:")
    assert brief.key_sentences[0].turn_id == 1
    assert set(CORE_SECTIONS) <= set(brief.sections)
    assert brief.prose_source == "deterministic"


def test_opening_line_names_something_specific(package: ContextPackage) -> None:
    line = compose_brief(package).opening_line
    assert "KX-48213" in line and "delivery delay" in line
    assert "pick up exactly where things were" in line


def test_announcement_has_a_bounded_default_wait(package: ContextPackage) -> None:
    brief = compose_brief(package, BriefSettings(default_wait_min_s=60, default_wait_max_s=240))
    assert (brief.wait.min_seconds, brief.wait.max_seconds, brief.wait.source) == (60, 240, "default")
    assert "between 1 and 4 minutes" in brief.announcement
    assert "asked to speak with a person" in brief.announcement


def test_queue_wait_is_bounded_even_when_the_queue_is_huge(package: ContextPackage) -> None:
    brief = compose_brief(package, BriefSettings(max_wait_s=1800), QueueInfo(estimated_wait_seconds=10_000))
    assert brief.wait.source == "queue" and brief.wait.max_seconds == 1800


def test_brief_of_an_unanalysed_package_has_prose_and_invents_nothing() -> None:
    brief = compose_brief(make_package(analysed=False))
    assert brief.do_not_ask == [] and brief.commitments == [] and brief.steps == []
    assert brief.summary and brief.opening_line.endswith("exactly where things were.")
    assert "asked for a person" in brief.why_human[0]
    assert "minutes" in brief.announcement


def test_custom_section_is_rendered_and_unknown_variables_are_refused(package: ContextPackage) -> None:
    settings = BriefSettings(sections={"NEXT": "Owe the customer: $commitments"})
    assert compose_brief(package, settings).sections["NEXT"] == "Owe the customer: I will open a trace with the carrier today"
    with pytest.raises(ValueError, match="unknown variable"):
        BriefSettings(sections={"BAD": "$nonsense"})
