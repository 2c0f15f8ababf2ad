#!/usr/bin/env python3
"""Makes a temp copy of a module testable with a mocked provider in Terraform 1.11, which cannot
mock ephemeral resources ("The provider mocking mechanism does not yet support ephemeral resource
types"), nor replace them with override_resource/override_module, nor drop them with an override
file. Used by scripts/static-tests.sh on temp copies only; the committed module is never touched.

Every top-level `ephemeral "<type>" "<name>" { ... }` block is removed and every reference
`ephemeral.<type>.<name>...` becomes the string "static-test-placeholder". Only write-only
arguments may consume ephemeral values, so the placeholder lands in a write-only argument, which
the tests check stays out of state. Prints what it replaced; exits 1 if a reference is left.

Usage: strip_ephemeral.py <module dir>
"""

import re
import sys
from pathlib import Path

BLOCK = re.compile(r'^ephemeral\s+"([^"]+)"\s+"([^"]+)"\s*\{', re.M)
REF = re.compile(r'\bephemeral\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+(\[[^\]]*\])?(\.[A-Za-z0-9_-]+)*')

module = Path(sys.argv[1])
changed = False
for f in sorted(module.glob("*.tf")):
    src = f.read_text()
    out, pos, removed = [], 0, []
    for m in BLOCK.finditer(src):
        if m.start() < pos:
            continue
        depth, i = 0, m.end() - 1
        while True:  # match braces, skipping strings and comments
            c = src[i]
            if c == '"':
                i += 1
                while src[i] != '"':
                    i += 2 if src[i] == "\\" else 1
            elif c == "#" or src.startswith("//", i):
                i = src.index("\n", i)
                continue
            elif c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
                if depth == 0:
                    break
            i += 1
        out.append(src[pos:m.start()])
        removed.append(f"{m.group(1)}.{m.group(2)}")
        pos = i + 1
    out.append(src[pos:])
    new, refs = REF.subn('"static-test-placeholder"', "".join(out))
    if removed or refs:
        changed = True
        f.write_text(new)
        print(f"   {module.name}/{f.name}: removed ephemeral {', '.join(removed) or '-'}; "
              f"{refs} reference(s) -> \"static-test-placeholder\"")
    if re.search(r"\bephemeral\.[A-Za-z]", new):
        print(f"   {f}: an ephemeral reference is left", file=sys.stderr)
        sys.exit(1)
sys.exit(0)
