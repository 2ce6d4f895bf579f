"""The repository's semgrep rules (security/semgrep.yml) flag their bad samples and only those.

One semgrep run over security/samples/ (JSON), then per rule:
- every line that follows a ``ruleid: <id>`` annotation in security/samples/bad/ is flagged by <id>;
- nothing else in bad/ is flagged (no stray or cross-rule findings);
- nothing at all is flagged in security/samples/good/ (annotated ``ok: <id>``).
Semgrep lives in .venv-security; when it is missing the test runs security/install.sh (what
`make security` runs) and skips only if that cannot install it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "security" / "semgrep.yml"
SAMPLES = ROOT / "security" / "samples"
SEMGREP = ROOT / ".venv-security" / "bin" / "semgrep"
ANNOTATION = re.compile(r"\b(ruleid|ok):\s*([\w.-]+)")
RULE_IDS = [rule["id"] for rule in yaml.safe_load(RULES.read_text())["rules"]]


def _ensure_semgrep() -> None:
    if SEMGREP.exists():
        return
    try:
        subprocess.run(["bash", str(ROOT / "security" / "install.sh"), "security"], cwd=ROOT, timeout=600,
                       check=True, capture_output=True)
    except (subprocess.SubprocessError, OSError) as exc:
        pytest.skip(f".venv-security/bin/semgrep is absent and security/install.sh could not install it "
                    f"({exc}); run `make security` first")
    if not SEMGREP.exists():
        pytest.skip(".venv-security/bin/semgrep is absent; run `make security` first")


def _annotations(path: Path) -> list[tuple[str, str, int]]:
    """(kind, rule id, annotated line number) for each ``ruleid:``/``ok:`` comment in a sample."""
    found = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        match = ANNOTATION.search(line)
        if match:
            found.append((match.group(1), match.group(2), number + 1))
    return found


@pytest.fixture(scope="module")
def findings() -> dict[tuple[str, int], set[str]]:
    """{(sample path relative to samples/, first line of a finding): {rule ids}} from one semgrep run."""
    _ensure_semgrep()
    env = dict(os.environ, SEMGREP_SEND_METRICS="off", SEMGREP_ENABLE_VERSION_CHECK="0")
    proc = subprocess.run(
        [str(SEMGREP), "scan", "--config", str(RULES), "--metrics=off", "--disable-version-check",
         "--no-git-ignore", "--timeout", "60", "--json", "--quiet", str(SAMPLES)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
    )
    assert proc.returncode == 0, f"semgrep failed ({proc.returncode}):\n{proc.stderr[-3000:]}"
    report = json.loads(proc.stdout)
    assert not report["errors"], f"semgrep reported errors: {report['errors']}"
    result: dict[tuple[str, int], set[str]] = defaultdict(set)
    for item in report["results"]:
        rel = Path(item["path"]).resolve().relative_to(SAMPLES).as_posix()
        rule = item["check_id"].rsplit(".", 1)[-1]
        result[(rel, item["start"]["line"])].add(rule)
    return dict(result)


def _samples(kind: str, rule: str) -> list[Path]:
    return sorted(p for p in (SAMPLES / kind).iterdir() if p.stem == rule.replace("-", "_"))


def test_every_rule_has_samples():
    for rule in RULE_IDS:
        assert rule.startswith("rb-")
        assert _samples("bad", rule), f"no bad sample for {rule} in security/samples/bad/"
        assert _samples("good", rule), f"no good sample for {rule} in security/samples/good/"


def test_rules_are_errors_with_an_asvs_reason():
    for rule in yaml.safe_load(RULES.read_text())["rules"]:
        assert rule["severity"] == "ERROR", rule["id"]
        assert "ASVS" in rule["message"], f"{rule['id']}: the message should cite the ASVS requirement"


@pytest.mark.parametrize("rule", RULE_IDS)
def test_rule_flags_bad_sample(rule, findings):
    for path in _samples("bad", rule):
        rel = path.relative_to(SAMPLES).as_posix()
        expected = {line for kind, rid, line in _annotations(path) if kind == "ruleid" and rid == rule}
        assert expected, f"{rel} has no `ruleid: {rule}` annotation"
        missed = sorted(line for line in expected if rule not in findings.get((rel, line), set()))
        assert not missed, f"{rule} did not flag {rel} line(s) {missed}"
        stray = sorted((line, sorted(rules)) for (f, line), rules in findings.items()
                       if f == rel and line not in expected)
        assert not stray, f"unexpected findings in {rel}: {stray}"


@pytest.mark.parametrize("rule", RULE_IDS)
def test_rule_quiet_on_good_sample(rule, findings):
    for path in _samples("good", rule):
        rel = path.relative_to(SAMPLES).as_posix()
        assert any(kind == "ok" and rid == rule for kind, rid, _ in _annotations(path)), \
            f"{rel} has no `ok: {rule}` annotation"
        flagged = sorted((line, sorted(rules)) for (f, line), rules in findings.items() if f == rel)
        assert not flagged, f"false positives in {rel}: {flagged}"
