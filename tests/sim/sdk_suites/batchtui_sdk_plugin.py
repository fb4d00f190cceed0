"""A pytest plugin loaded into the official SDKs' own test runs (``-p batchtui_sdk_plugin``).

The SDKs' resource tests were written for a stateless mock server: they retrieve, cancel and
delete literal ids (``message_batch_id``, ``batch_id``, ``file_id``) in any order. Against the
simulator each test gets what a real account would need: before every test the simulator is
reset and the ``sdk-fixtures`` scenario makes those objects, with the Anthropic batch already
ended for the delete tests (only an ended batch can be deleted) and running for the others.

Tests that cannot pass against a faithful provider are listed in :data:`EXPECTED_FAILURES`
and marked strict xfail, so each must still fail, and for the stated reason's error class.
Tests the SDK itself skips are deselected, with the reason, so the run reports no skips.
Outcomes go to the JSON file named by ``BATCHTUI_SDK_REPORT`` for the harness to check.

This file is run by the SDK's pytest, not by batchtui's: it imports only the standard library,
pytest and the SDK under test.
"""

from __future__ import annotations

import importlib
import json
import os
import urllib.request
from typing import Any

import pytest

LIMIT_ZERO = (
    "sends limit=0 (the mock server's example value); the API reference gives the range "
    "{range}, and the simulator answers out-of-range limits with 400 invalid_request_error"
)
EXPECTED_FAILURES = {
    ("openai", "tests/api_resources/test_files.py", "test_method_list_with_all_params"): (
        LIMIT_ZERO.format(range="1-10,000")
    ),
}
"""(SDK, test file, test function) -> why it fails against the real API too. Each must fail
with the SDK's ``BadRequestError``."""

_report: list[dict[str, Any]] = []
_deselected: list[dict[str, str]] = []


def _control(path: str, body: dict[str, Any]) -> None:
    request = urllib.request.Request(
        os.environ["BATCHTUI_SIM_URL"] + "/_sim" + path,
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        answer.read()


def _sdk(config: pytest.Config) -> str:
    """``anthropic`` or ``openai``: whose unpacked source distribution (``NAME-VERSION``)
    this run is in."""
    return config.rootpath.name.rsplit("-", 1)[0]


def _expected_failure(item: pytest.Item) -> str | None:
    path, _, _ = item.nodeid.partition("::")
    name = getattr(item, "originalname", item.name)
    return EXPECTED_FAILURES.get((_sdk(item.config), path, name))


@pytest.hookimpl(trylast=True)  # after the SDK's conftest has added its skip marks
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    kept = []
    for item in items:
        skip = item.get_closest_marker("skip")
        if skip is not None:
            reason = str(skip.kwargs.get("reason", skip.args[0] if skip.args else ""))
            _deselected.append({"nodeid": item.nodeid, "reason": reason})
            continue
        why = _expected_failure(item)
        if why is not None:
            item.add_marker(pytest.mark.xfail(reason=why, strict=True, raises=_bad_request(config)))
        kept.append(item)
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept


def _bad_request(config: pytest.Config) -> type[BaseException]:
    """The SDK's own 400 error class."""
    error: type[BaseException] = importlib.import_module(_sdk(config)).BadRequestError
    return error


@pytest.fixture(autouse=True)
def fresh_simulator(request: pytest.FixtureRequest) -> None:
    """An empty simulator with the objects the tests name, before every test."""
    _control("/reset", {})
    status = "ended" if "delete" in request.node.name else "in_progress"
    _control("/scenario", {"name": "sdk-fixtures", "anthropic_batch": status})


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" or report.outcome != "passed":
        expected = getattr(report, "wasxfail", None)
        _report.append(
            {
                "nodeid": report.nodeid,
                "when": report.when,
                "outcome": "xfailed" if expected is not None else report.outcome,
                "reason": expected,
                "text": "" if report.passed and expected is None else report.longreprtext,
            }
        )


def pytest_sessionfinish(session: pytest.Session) -> None:
    path = os.environ.get("BATCHTUI_SDK_REPORT")
    if path:
        with open(path, "w") as handle:
            json.dump({"results": _report, "deselected": _deselected}, handle, indent=1)
