#!/usr/bin/env python3
"""Reviews the emulator-only override files before scripts/e2e.sh uses them.

The overrides under e2e/overrides/ may only point the provider at moto, switch to local state,
disable resource types moto cannot serve, and ignore attributes moto does not store faithfully.
Anything more would let the emulator stage pass on code that is wrong, so this check fails on:

  - a file under e2e/overrides/ whose name does not end in _override.tf (a primary file could
    add resources), or that lies outside modules/<name>/ or layers/{all,networking,core,monitoring}/;
  - a top-level block other than `terraform { backend "local" {} }`, `provider "aws"` (only
    credentials, skip flags, s3_use_path_style and endpoints), `data "terraform_remote_state"`
    (backend and config only), and, in module overrides, `resource`/`data` blocks that exist in
    the module and only set count/for_each and lifecycle.ignore_changes;
  - a count other than 0, a for_each other than {} / [] / toset([]), or a disabled type that is
    not in e2e/allowed-disabled.txt;
  - an ignore_changes entry that is neither in e2e/allowed-ignores.txt (with its condition) nor
    already ignored by the module itself, `ignore_changes = all`, or an override that drops an
    entry of the module's own ignore_changes (an override's list replaces the original);
  - a resource type in modules/ whose AWS service has no endpoint in the provider override.

Usage: check_overrides.py <repo root> [<tree with modules/, default: repo root>]. Prints what it accepted; exit 1 with every problem found.
"""

import re
import sys
from pathlib import Path

# ---------------------------------------------------------------------------------------------
# A small HCL reader: enough for block structure, attributes and simple expressions.


class Tok:
    def __init__(self, kind, text, line):
        self.kind, self.text, self.line = kind, text, line

    def __repr__(self):
        return f"{self.kind}:{self.text!r}@{self.line}"


def tokenize(src, path):
    toks, i, line, n = [], 0, 1, len(src)
    while i < n:
        c = src[i]
        if c == "\n":
            toks.append(Tok("nl", "\n", line))
            line += 1
            i += 1
        elif c in " \t\r":
            i += 1
        elif c == "#" or src.startswith("//", i):
            while i < n and src[i] != "\n":
                i += 1
        elif src.startswith("/*", i):
            j = src.find("*/", i + 2)
            if j < 0:
                raise SyntaxError(f"{path}:{line}: unterminated comment")
            line += src.count("\n", i, j)
            i = j + 2
        elif src.startswith("<<", i):
            m = re.compile(r"<<-?([A-Za-z_][A-Za-z0-9_]*)\n").match(src, i)
            if not m:
                raise SyntaxError(f"{path}:{line}: unsupported '<<'")
            end = re.compile(r"^\s*" + m.group(1) + r"\s*$", re.M).search(src, m.end())
            if not end:
                raise SyntaxError(f"{path}:{line}: unterminated heredoc")
            toks.append(Tok("str", src[m.end():end.start()], line))
            line += src.count("\n", i, end.end())
            i = end.end()
        elif c == '"':
            # A template string; interpolations may nest braces and strings.
            j, depth, start = i + 1, 0, line
            while True:
                if j >= n:
                    raise SyntaxError(f"{path}:{start}: unterminated string")
                d = src[j]
                if d == "\\":
                    j += 2
                    continue
                if d == "\n" and depth == 0:
                    raise SyntaxError(f"{path}:{start}: newline in string")
                if src.startswith("${", j) or src.startswith("%{", j):
                    depth += 1
                    j += 2
                    continue
                if d == "}" and depth > 0:
                    depth -= 1
                elif d == '"' and depth == 0:
                    break
                elif d == '"' and depth > 0:
                    # nested string inside an interpolation
                    k = j + 1
                    while k < n and src[k] != '"':
                        k += 2 if src[k] == "\\" else 1
                    j = k
                j += 1
            toks.append(Tok("str", src[i + 1:j], line))
            i = j + 1
        elif re.match(r"[A-Za-z_]", c):
            m = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*").match(src, i)
            toks.append(Tok("id", m.group(0), line))
            i = m.end()
        elif c.isdigit():
            m = re.compile(r"[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?").match(src, i)
            toks.append(Tok("num", m.group(0), line))
            i = m.end()
        else:
            two = src[i:i + 2]
            if two in ("==", "!=", "<=", ">=", "&&", "||", "=>"):
                toks.append(Tok("op", two, line))
                i += 2
            else:
                toks.append(Tok("op", c, line))
                i += 1
    return toks


class Attr:
    def __init__(self, name, toks, line):
        self.name, self.toks, self.line = name, toks, line

    @property
    def text(self):
        out = []
        for t in self.toks:
            out.append(f'"{t.text}"' if t.kind == "str" else t.text)
        return "".join(out)


class Block:
    def __init__(self, type_, labels, body, line, path):
        self.type, self.labels, self.line, self.path = type_, labels, line, path
        self.attrs = {a.name: a for a in body if isinstance(a, Attr)}
        self.blocks = [b for b in body if isinstance(b, Block)]

    def where(self):
        return f"{self.path}:{self.line}"

    def child(self, type_):
        return [b for b in self.blocks if b.type == type_]


def parse_body(toks, i, path, top):
    items = []
    while True:
        while i < len(toks) and toks[i].kind == "nl":
            i += 1
        if i >= len(toks):
            if top:
                return items, i
            raise SyntaxError(f"{path}: missing '}}'")
        t = toks[i]
        if t.kind == "op" and t.text == "}":
            if top:
                raise SyntaxError(f"{path}:{t.line}: unexpected '}}'")
            return items, i + 1
        if t.kind != "id":
            raise SyntaxError(f"{path}:{t.line}: expected a name, got {t.text!r}")
        i += 1
        if toks[i].kind == "op" and toks[i].text == "=":
            i += 1
            depth, start = 0, i
            while i < len(toks):
                u = toks[i]
                if u.kind == "op" and u.text in "([{":
                    depth += 1
                elif u.kind == "op" and u.text in ")]}":
                    if depth == 0:
                        break
                    depth -= 1
                elif u.kind == "nl" and depth == 0:
                    break
                i += 1
            items.append(Attr(t.text, [u for u in toks[start:i] if u.kind != "nl"], t.line))
            continue
        labels = []
        while toks[i].kind in ("str", "id"):
            labels.append(toks[i].text)
            i += 1
        if not (toks[i].kind == "op" and toks[i].text == "{"):
            raise SyntaxError(f"{path}:{toks[i].line}: expected '{{' after {t.text} {labels}")
        body, i = parse_body(toks, i + 1, path, top=False)
        items.append(Block(t.text, labels, body, t.line, path))


def parse_file(path):
    toks = tokenize(path.read_text(), path)
    items, _ = parse_body(toks, 0, path, top=True)
    for it in items:
        if isinstance(it, Attr):
            raise SyntaxError(f"{path}:{it.line}: attribute {it.name} at top level")
    return items


def traversals(attr):
    """The entries of a list-of-traversals expression such as ignore_changes, as strings."""
    toks = attr.toks
    if len(toks) == 1 and toks[0].kind == "id":
        return toks[0].text  # e.g. `all`
    if not (toks and toks[0].text == "[" and toks[-1].text == "]"):
        raise SyntaxError(f"{attr.line}: ignore_changes must be a list")
    entries, cur = [], []
    for t in toks[1:-1]:
        if t.kind == "op" and t.text == ",":
            if cur:
                entries.append(cur)
            cur = []
        else:
            cur.append(t)
    if cur:
        entries.append(cur)
    out = []
    for e in entries:
        if e[0].kind != "id":
            raise SyntaxError(f"{attr.line}: ignore_changes entry must start with an attribute name")
        out.append("".join(f'"{t.text}"' if t.kind == "str" else t.text for t in e))
    return out


# ---------------------------------------------------------------------------------------------
# Policy.

PROVIDER_ARGS = {
    "access_key", "secret_key", "skip_credentials_validation", "skip_metadata_api_check",
    "s3_use_path_style",
}
EMPTY_FOR_EACH = {"{}", "[]", "toset([])"}
LAYER_DIRS = {"all", "networking", "core", "monitoring"}

# AWS service (provider `endpoints` key) of each resource/data/ephemeral type the modules use,
# by longest prefix; None: answered by the provider itself, no API call.
SERVICE_BY_PREFIX = {
    "aws_vpc": "ec2", "aws_subnet": "ec2", "aws_eip": "ec2", "aws_nat_gateway": "ec2",
    "aws_internet_gateway": "ec2", "aws_route": "ec2", "aws_default_security_group": "ec2",
    "aws_security_group": "ec2", "aws_flow_log": "ec2", "aws_launch_template": "ec2",
    "aws_availability_zones": "ec2", "aws_ami": "ec2",
    "aws_eks_": "eks", "aws_iam_policy_document": None, "aws_iam_": "iam", "aws_kms_": "kms",
    "aws_cloudwatch_log_": "logs", "aws_db_": "rds", "aws_rds_": "rds", "aws_s3_": "s3",
    "aws_secretsmanager_": "secretsmanager", "aws_caller_identity": "sts",
    "aws_region": None, "aws_partition": None, "aws_default_tags": None,
    "aws_elb_service_account": None,  # a table inside the provider, no API call
    "aws_sns_": "sns", "aws_cloudwatch_metric_alarm": "cloudwatch", "aws_lb": "elbv2",
    "aws_acm_": "acm", "aws_route53_": "route53", "aws_wafv2_": "wafv2",
}


def service_of(rtype):
    best = max((p for p in SERVICE_BY_PREFIX if rtype.startswith(p)), key=len, default=None)
    return (best is not None), (SERVICE_BY_PREFIX[best] if best is not None else None)


def read_list(path):
    entries = {}
    for n, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) != 3 or not parts[2]:
            raise SystemExit(f"{path}:{n}: expected '<entry> | <condition or API> | <reason>'")
        entries[parts[0]] = (parts[1], parts[2])
    return entries


def module_blocks(module_dir):
    """Blocks of a module's primary files (override files excluded, as Terraform does)."""
    blocks = {}
    for f in sorted(module_dir.glob("*.tf")):
        if f.name == "override.tf" or f.name.endswith("_override.tf"):
            continue
        for b in parse_file(f):
            if b.type in ("resource", "data", "ephemeral") and len(b.labels) == 2:
                blocks[(b.type, b.labels[0], b.labels[1])] = b
    return blocks


def main():
    repo = Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
    root = Path(sys.argv[2]).resolve() if len(sys.argv) > 2 else repo
    e2e = repo / "e2e"
    allowed_ignores = read_list(e2e / "allowed-ignores.txt")
    allowed_disabled = read_list(e2e / "allowed-disabled.txt")
    problems, accepted = [], []
    endpoints = None

    files = sorted(p for p in (e2e / "overrides").rglob("*") if p.is_file())
    for f in files:
        rel = f.relative_to(e2e / "overrides")
        if not f.name.endswith("_override.tf"):
            problems.append(f"{rel}: not an override file (name must end in _override.tf)")
            continue
        parts = rel.parts
        if len(parts) == 3 and parts[0] == "modules" and (root / "modules" / parts[1]).is_dir():
            kind, target = "module", root / "modules" / parts[1]
        elif len(parts) == 3 and parts[0] == "layers" and parts[1] in LAYER_DIRS:
            kind, target = "layer", None
        else:
            problems.append(f"{rel}: must be in overrides/modules/<existing module>/ or "
                            f"overrides/layers/{{all,networking,core,monitoring}}/")
            continue
        try:
            blocks = parse_file(f)
            originals = module_blocks(target) if kind == "module" else {}
        except SyntaxError as err:
            problems.append(f"{rel}: cannot parse: {err}")
            continue

        for b in blocks:
            where = f"{rel}:{b.line}"
            if kind == "layer" and b.type == "terraform":
                backends = b.child("backend")
                if b.attrs or len(b.blocks) != 1 or len(backends) != 1 \
                        or backends[0].labels != ["local"] or backends[0].attrs or backends[0].blocks:
                    problems.append(f"{where}: a terraform block may only hold `backend \"local\" {{}}`")
                else:
                    accepted.append(f"{where}: backend \"local\"")
            elif kind == "layer" and b.type == "provider" and b.labels == ["aws"]:
                extra = set(b.attrs) - PROVIDER_ARGS
                blocks_other = [c.type for c in b.blocks if c.type != "endpoints"]
                if extra or blocks_other:
                    problems.append(f"{where}: provider override may only set {sorted(PROVIDER_ARGS)} "
                                    f"and endpoints; found {sorted(extra) + blocks_other}")
                for c in b.child("endpoints"):
                    endpoints = set(c.attrs) | (endpoints or set())
                accepted.append(f"{where}: provider \"aws\" -> emulator ({', '.join(sorted(b.attrs))}; "
                                f"endpoints {', '.join(sorted(endpoints or []))})")
            elif kind == "layer" and b.type == "data" and b.labels[:1] == ["terraform_remote_state"]:
                if set(b.attrs) - {"backend", "config"} or b.blocks:
                    problems.append(f"{where}: remote state override may only set backend and config")
                else:
                    accepted.append(f"{where}: data.terraform_remote_state.{b.labels[1]} -> "
                                    f"{b.attrs['backend'].text} {b.attrs['config'].text}")
            elif kind == "module" and b.type in ("resource", "data") and len(b.labels) == 2:
                check_resource(b, rel, target, originals, allowed_ignores, allowed_disabled,
                               problems, accepted)
            else:
                problems.append(f"{where}: `{b.type} {' '.join(b.labels)}` is not allowed in "
                                f"a {kind} override")

    # Every AWS service the modules call must have an endpoint, or it would reach real AWS.
    if endpoints is None:
        problems.append("no provider override with an endpoints block under overrides/layers/all/")
    else:
        needed = {}
        for mod in sorted((root / "modules").iterdir()):
            if not mod.is_dir():
                continue
            for (btype, rtype, _), blk in module_blocks(mod).items():
                known, svc = service_of(rtype)
                if not known:
                    problems.append(f"{blk.where()}: unknown AWS service for {rtype}: add it to "
                                    f"SERVICE_BY_PREFIX in e2e/check_overrides.py and an endpoint")
                elif svc:
                    needed.setdefault(svc, set()).add(rtype)
        for svc in sorted(set(needed) - endpoints):
            problems.append(f"provider override has no endpoint for {svc} "
                            f"(used by {', '.join(sorted(needed[svc]))})")
        accepted.append(f"endpoints cover every service the modules use: {', '.join(sorted(needed))}")

    for line in accepted:
        print(f"  ok  {line}")
    for line in problems:
        print(f"  FAIL {line}")
    if problems:
        print(f"check_overrides: {len(problems)} problem(s)")
        return 1
    print("check_overrides: the overrides only do what e2e/allowed-*.txt allow")
    return 0


def check_resource(b, rel, target, originals, allowed_ignores, allowed_disabled, problems, accepted):
    rtype, name = b.labels
    where = f"{rel}:{b.line}"
    address = f"{'data.' if b.type == 'data' else ''}{rtype}.{name}"
    original = originals.get((b.type, rtype, name))
    if original is None:
        problems.append(f"{where}: {address} does not exist in {target.relative_to(target.parent.parent)}")
        return
    extra = set(b.attrs) - {"count", "for_each"}
    extra |= {c.type for c in b.blocks if c.type != "lifecycle"}
    if extra:
        problems.append(f"{where}: {address}: an override may only set count/for_each and "
                        f"lifecycle.ignore_changes, found {sorted(extra)}")

    # Disabling: only listed types, only to zero instances, with the same meta-argument.
    key = f"data.{rtype}" if b.type == "data" else rtype
    for meta in ("count", "for_each"):
        if meta not in b.attrs:
            continue
        value = b.attrs[meta].text
        if key not in allowed_disabled:
            problems.append(f"{where}: {address}: {key} is not in e2e/allowed-disabled.txt")
            continue
        if (meta == "count" and value != "0") or (meta == "for_each" and value not in EMPTY_FOR_EACH):
            problems.append(f"{where}: {address}: {meta} = {value} (only 0 / an empty collection)")
            continue
        if meta == "count" and "for_each" in original.attrs:
            problems.append(f"{where}: {address} uses for_each: disable it with for_each = toset([])")
            continue
        if meta == "for_each" and "for_each" not in original.attrs:
            problems.append(f"{where}: {address} has no for_each: disable it with count = 0")
            continue
        accepted.append(f"{where}: disabled {address} ({meta} = {value}): {allowed_disabled[key][1]}")

    # Ignoring: only listed attributes (with their condition), or entries the module already has.
    for lc in b.child("lifecycle"):
        if set(lc.attrs) != {"ignore_changes"} or lc.blocks:
            problems.append(f"{where}: {address}: lifecycle may only set ignore_changes "
                            f"(found {sorted(set(lc.attrs) | {c.type for c in lc.blocks})})")
        if "ignore_changes" not in lc.attrs:
            continue
        try:
            entries = traversals(lc.attrs["ignore_changes"])
            own = []
            for olc in original.child("lifecycle"):
                if "ignore_changes" in olc.attrs:
                    own = traversals(olc.attrs["ignore_changes"])
        except SyntaxError as err:
            problems.append(f"{where}: {address}: {err}")
            continue
        if isinstance(entries, str):
            problems.append(f"{where}: {address}: ignore_changes = {entries} is never allowed")
            continue
        if isinstance(own, str):
            own = [own]
        for entry in entries:
            top = re.match(r"[A-Za-z_][A-Za-z0-9_-]*", entry).group(0)
            if entry in own:
                accepted.append(f"{where}: {address} keeps the module's own ignore of {entry}")
                continue
            allowed = allowed_ignores.get(f"{rtype}.{top}")
            if b.type != "resource" or allowed is None:
                problems.append(f"{where}: {address}: ignoring {entry} is not in e2e/allowed-ignores.txt")
                continue
            condition, reason = allowed
            if condition != "-" and condition not in original.attrs:
                problems.append(f"{where}: {address}: {rtype}.{top} may only be ignored on resources "
                                f"that set {condition}")
                continue
            accepted.append(f"{where}: {address} ignores {entry}: {reason}")
        for entry in own:
            if entry not in entries:
                problems.append(f"{where}: {address}: the override drops the module's own "
                                f"ignore_changes entry {entry} (restate it)")


if __name__ == "__main__":
    sys.exit(main())
