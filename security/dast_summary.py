"""Summarise a `make dast` run (security/dast.sh) and decide its exit status.

Usage: python security/dast_summary.py REPORTS_DIR TOTAL_SECONDS
Reads REPORTS_DIR/wapiti.json, wapiti.log, wapiti.status, sqlmap.status and sqlmap-*.log; writes
REPORTS_DIR/dast-summary.md and dast-summary.json. Exit 0 only when every tool ran as intended and
reported nothing: 1 on any finding, 2 when a tool did not complete its job (which is not a pass).

Counted as findings: every wapiti vulnerability, every wapiti anomaly (a 500 or a time-out on attacker
input is a robustness defect, ASVS 16.5.x), and every sqlmap injection point. Counted as problems (the
run proves nothing): a tool that crashed or timed out, a sign-in that failed, a session cookie that the
pages refused, a wapiti module that did not run or hit its time bound.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

SQLMAP_FOUND = re.compile(r"identified the following injection point|parameter '[^']+' (is|appears to be) .*injectable",
                          re.IGNORECASE)
SQLMAP_CLEAN = "all tested parameters do not appear to be injectable"


def _wapiti(reports: Path) -> dict:
    status_file = reports / "wapiti.status"
    rc, seconds = (status_file.read_text().split() + ["?", "?"])[:2] if status_file.exists() else ("?", "?")
    log = (reports / "wapiti.log").read_text(errors="replace") if (reports / "wapiti.log").exists() else ""
    result: dict = {"exit": rc, "seconds": seconds, "problems": [], "findings": [], "per_category": {},
                    "modules_run": re.findall(r"Launching module (\w+)", log),
                    "crawled": None, "stopped_early": []}
    crawled = re.search(r"Wapiti found (\d+) URLs and forms", log)
    result["crawled"] = int(crawled.group(1)) if crawled else None
    result["stopped_early"] = re.findall(r"Max (?:scan|attack) time was reached[^\n]*", log)
    for note in result["stopped_early"]:
        result["problems"].append(f"wapiti: {note.strip()} Coverage is partial: raise WAPITI_MAX_SCAN_TIME / "
                                  "WAPITI_MAX_ATTACK_TIME and run again.")
    if rc != "0":
        result["problems"].append(f"wapiti exited {rc}")
    if "[*] Login success" not in log:
        result["problems"].append("wapiti did not sign in (no 'Login success' in wapiti.log)")
    wanted = os.environ.get("WAPITI_MODULES", "sql,xss,exec,csrf").split(",")
    result["modules_wanted"] = wanted
    for module in wanted:
        if module not in result["modules_run"]:
            result["problems"].append(f"wapiti module {module} did not run")
    report_file = reports / "wapiti.json"
    if not report_file.exists():
        result["problems"].append("no wapiti.json report")
        return result
    report = json.loads(report_file.read_text())
    for kind in ("vulnerabilities", "anomalies"):
        for category, items in (report.get(kind) or {}).items():
            label = "vulnerability" if kind == "vulnerabilities" else "anomaly"
            result["per_category"][f"{label}: {category}"] = len(items)
            for item in items:
                result["findings"].append({
                    "tool": "wapiti", "kind": kind, "category": category, "module": item.get("module"),
                    "method": item.get("method"), "path": item.get("path"), "parameter": item.get("parameter"),
                    "info": item.get("info"), "curl": item.get("curl_command"),
                })
    return result


def _sqlmap(reports: Path) -> dict:
    result: dict = {"targets": [], "problems": [], "findings": []}
    status_file = reports / "sqlmap.status"
    lines = status_file.read_text().splitlines() if status_file.exists() else []
    if not lines:
        result["problems"].append("sqlmap did not run")
    for line in lines:
        name, url, params, rc, seconds = line.split(" ")
        log_file = reports / f"sqlmap-{name}.log"
        log = log_file.read_text(errors="replace") if log_file.exists() else ""
        found = bool(SQLMAP_FOUND.search(log))
        clean = SQLMAP_CLEAN in log
        target = {"name": name, "url": url, "params": params, "exit": rc, "seconds": seconds,
                  "injectable": found, "clean": clean}
        result["targets"].append(target)
        if found:
            points = re.findall(r"^(?:Parameter: .*|    (?:Type|Payload): .*)$", log, re.MULTILINE)
            result["findings"].append({"tool": "sqlmap", "url": url, "params": params,
                                       "detail": points or ["see " + log_file.name]})
        elif rc.startswith("precheck") or rc.startswith("postcheck"):
            result["problems"].append(f"sqlmap {name}: session cookie not accepted ({rc}); result void")
        elif rc == "124" or rc == "137":
            result["problems"].append(f"sqlmap {name}: timed out after {seconds}s before finishing")
        elif not clean:
            result["problems"].append(f"sqlmap {name}: exit {rc} without a verdict (see {log_file.name})")
    return result


def main(reports: Path, total_seconds: str) -> int:
    wapiti = _wapiti(reports)
    sqlmap = _sqlmap(reports)
    findings = wapiti["findings"] + sqlmap["findings"]
    problems = wapiti["problems"] + sqlmap["problems"]
    verdict = "FINDINGS" if findings else ("INCOMPLETE" if problems else "PASS")
    out = [f"# DAST summary: {verdict}", "",
           f"Total run time: {total_seconds} s (instance setup, wapiti, sqlmap). Target: a throw-away demo "
           "instance on 127.0.0.1.", "",
           f"## wapiti 3.2.3 (-m {','.join(wapiti['modules_wanted'])}, signed in as a submitter): "
           f"{wapiti['seconds']} s, exit {wapiti['exit']}", "",
           f"- URLs and forms crawled: {wapiti['crawled']}",
           f"- modules run: {', '.join(wapiti['modules_run']) or 'none'}"]
    for note in wapiti["stopped_early"]:
        out.append(f"- bound reached: {note}")
    nonzero = {k: v for k, v in wapiti["per_category"].items() if v}
    out.append(f"- findings: {sum(nonzero.values())}" + (" (" + ", ".join(f"{k}: {v}" for k, v in nonzero.items())
                                                         + ")" if nonzero else ""))
    out += ["", "## sqlmap (--batch --level 1 --risk 1; list/search GET parameters signed in, the sign-in form)",
            "",
            "| target | parameters | seconds | exit | result |", "|---|---|---|---|---|"]
    for t in sqlmap["targets"]:
        res = "INJECTABLE" if t["injectable"] else ("not injectable" if t["clean"] else "no verdict")
        out.append(f"| `{t['url']}` | {t['params']} | {t['seconds']} | {t['exit']} | {res} |")
    if findings:
        out += ["", "## Findings", ""]
        for f in findings:
            if f["tool"] == "wapiti":
                out.append(f"- wapiti {f['kind']} / {f['category']} ({f['module']}): {f['method']} {f['path']} "
                           f"parameter `{f['parameter']}`: {f['info']}")
                if f.get("curl"):
                    out.append(f"  - reproduce: `{f['curl']}`")
            else:
                out.append(f"- sqlmap: {f['url']} ({f['params']})")
                out.extend(f"  - `{d.strip()}`" for d in f["detail"])
    if problems:
        out += ["", "## Problems (the run is not a pass while any remain)", ""]
        out.extend(f"- {p}" for p in problems)
    text = "\n".join(out) + "\n"
    (reports / "dast-summary.md").write_text(text)
    (reports / "dast-summary.json").write_text(json.dumps(
        {"verdict": verdict, "total_seconds": total_seconds, "wapiti": wapiti, "sqlmap": sqlmap}, indent=2))
    print(text)
    print(f"DAST: {verdict} ({len(findings)} finding(s), {len(problems)} problem(s)); "
          f"details in security/reports/")
    return 1 if findings else (2 if problems else 0)


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "?"))
