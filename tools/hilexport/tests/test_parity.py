"""The exporter's dataset reader still answers the parity cases as when they were written; the
bench (Tests/DatasetTests/ReaderParityTests.swift) is checked against the same file, so the two
readers agree on order, bytes and refusals. Regenerate with make_parity_fixtures.py."""
import json
import os

import pytest

import make_parity_fixtures as fixtures

ROOT = os.path.abspath(fixtures.OUT)
CASES = json.load(open(os.path.join(ROOT, "cases.json"))) if os.path.exists(os.path.join(ROOT, "cases.json")) else []


def test_the_fixtures_are_present():
    assert len(CASES) >= 20


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_the_exporter_answers_as_recorded(case):
    assert fixtures.answer(case, ROOT) == case["expect"]
