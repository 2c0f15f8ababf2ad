#!/usr/bin/env python3
"""Summarises checkov JSON reports (`checkov ... -o json`, without --quiet: quiet JSON drops the
skipped checks). Used by scripts/checkov.sh (Terraform) and scripts/validate-chart.sh (rendered
Kubernetes manifests), so each target is scanned once.

Prints, in this order (--sections picks which; all three by default):

  failures  every failed check: id, resource, file:line range, name, guideline when checkov has one;
  totals    "<label>: P passed, F failed, S skipped" over all reports (--label, default "checkov total"),
            after one such line per report (named after its file, less .json) when there are several;
  skips     the distinct (check, reason) pairs of the inline `checkov:skip` comments with the
            resources they cover; --resources says how resources are named: `terraform`
            (type.name) or `kubernetes` (Kind/name).

Usage: report.py [--sections failures,totals,skips] [--label TEXT] [--resources STYLE] REPORT...
Exit status: 0 when no report has a failed check; 1 when one has; 2 when a report cannot be read
(not JSON, or no results: checkov scanned nothing). Standard library only.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import sys

SECTIONS = ("failures", "totals", "skips")


def load_runs(path: str) -> list[dict]:
    """The runs of one report (checkov writes one object, or a list of them per framework)."""
    with open(path) as f:
        data = json.load(f)
    runs = data if isinstance(data, list) else [data]
    if not runs or not all(isinstance(run, dict) and "summary" in run and "results" in run for run in runs):
        raise ValueError("no checkov results in it (nothing scanned?)")
    return runs


def where(check: dict) -> str:
    """file:first-last of a check, relative to the working directory when below it."""
    path = check.get("file_abs_path") or check.get("file_path") or "?"
    if os.path.isabs(path) and os.path.commonpath([path, os.getcwd()]) == os.getcwd():
        path = os.path.relpath(path)
    lines = check.get("file_line_range") or []
    return f"{path}:{lines[0]}-{lines[1]}" if len(lines) == 2 else path


def skip_resource(resource: str, style: str) -> str:
    if style == "kubernetes":  # Kind.namespace.name
        kind, _, name = resource.split(".", 2)
        return f"{kind}/{name}"
    # Terraform: the last type.name, without a count/for_each index.
    return ".".join(resource.split(".")[-2:]).split("[")[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sections", default=",".join(SECTIONS),
                        help="comma-separated subset of: " + ", ".join(SECTIONS))
    parser.add_argument("--label", default="checkov total", help="prefix of the totals line")
    parser.add_argument("--resources", choices=("terraform", "kubernetes"), default="terraform",
                        help="how the skip list names resources")
    parser.add_argument("reports", nargs="+", metavar="REPORT")
    args = parser.parse_args()
    sections = set(args.sections.split(","))
    if not sections <= set(SECTIONS):
        parser.error(f"unknown section(s): {', '.join(sorted(sections - set(SECTIONS)))}")

    unreadable = 0
    total = collections.Counter()
    per_report = {}
    failed = []
    skips = collections.defaultdict(set)
    for path in args.reports:
        try:
            runs = load_runs(path)
        except (OSError, ValueError) as err:  # json.JSONDecodeError is a ValueError
            print(f"error: checkov report {path}: {err}", file=sys.stderr)
            unreadable += 1
            continue
        counts = per_report[os.path.basename(path).removesuffix(".json")] = collections.Counter()
        for run in runs:
            for key in ("passed", "failed", "skipped"):
                counts[key] += run["summary"][key]
            failed += run["results"].get("failed_checks", [])
            for check in run["results"].get("skipped_checks", []):
                reason = check["check_result"].get("suppress_comment", "").strip()
                skips[(check["check_id"], reason)].add(skip_resource(check["resource"], args.resources))
        total.update(counts)

    if "failures" in sections and failed:
        print(f"{len(failed)} failed check{'' if len(failed) == 1 else 's'}:")
        for check in failed:
            print(f"  {check['check_id']} on {check['resource']} ({where(check)}): {check.get('check_name', '')}")
            if check.get("guideline"):
                print(f"      {check['guideline']}")
    if "totals" in sections:
        lines = list(per_report.items()) if len(args.reports) > 1 else []
        for label, counts in lines + [(args.label, total)]:
            print(f"{label}: {counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped")
    if "skips" in sections:
        if args.resources == "kubernetes":
            print(f"{len(skips)} distinct skips:")
            for (check, reason), objects in sorted(skips.items()):
                print(f"  {check}: {reason}")
                print(f"      on {', '.join(sorted(objects))}")
        else:
            print(f"{len(skips)} distinct skips (check: reason):")
            for (check, reason), resources in sorted(skips.items()):
                print(f"  {check} on {', '.join(sorted(resources))}: {reason}")

    if unreadable:
        return 2
    return 1 if failed or total["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
