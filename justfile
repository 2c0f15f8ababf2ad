# Recipes for the common jobs; each is a thin wrapper, so every command also works without just.

# Generate the files of one environment, or of all with `just generate --all`.
generate *args="--all":
    cargo run -- generate {{args}}

# Verify the committed output is current (exit 1 with diffs if not).
check:
    cargo run -- generate --all --check

# The test suite (snapshots, diagnostics, CLI, properties, security, schemas, database bootstrap).
test:
    cargo test

# terraform fmt -check, init and validate for every generated module and root (offline mirror).
validate:
    scripts/validate-terraform.sh

# checkov over modules/ and out/: zero failed checks, every skip with its reason.
checkov:
    scripts/checkov.sh

# The Helm chart with every environment's values: lint, template, strict schemas, checkov.
chart:
    scripts/validate-chart.sh

# actionlint (with shellcheck) over the generated GitHub Actions workflow.
actionlint:
    scripts/actionlint.sh

# Mermaid and draw.io diagrams parse.
diagrams:
    scripts/check-diagrams.sh

# terraform test with a mocked AWS provider: the properties a reviewer cares about, offline.
static *envs:
    scripts/static-tests.sh {{envs}}

# Apply, re-plan to "No changes" and destroy an environment against the moto AWS emulator.
e2e *args="ireland/development":
    scripts/e2e.sh {{args}}

# The re-plan gate must catch drift injected into moto (expects exit 2).
e2e-negative env="ireland/development":
    scripts/e2e.sh --negative-control {{env}}; test $? -eq 2

# Monthly cost estimate of one environment, or of all with `just cost --all`.
cost *args="--all":
    cargo run -- cost {{args}}

# Median wall time and max RSS of generate and --check for 1, 20 and 100 environments.
bench *sizes="1 20 100":
    scripts/bench.sh {{sizes}}

# Everything CI runs.
ci:
    .ci/run
