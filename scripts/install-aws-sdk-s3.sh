#!/usr/bin/env bash
# Installs the AWS SDK for JavaScript v3 S3 client and presigner (npm) at the versions
# supabase/storage@v1.44.2 locks, from tools/aws-sdk-s3/{package.json,package-lock.json}, into
# .cache/aws-sdk-s3: tests/chart_contracts.rs presigns a link with it exactly as Storage does for
# imgproxy and checks imgproxy's allowed sources admit it. Idempotent and quiet.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/npm-pinned.sh"
npm_pinned aws-sdk-s3 node_modules/@aws-sdk/s3-request-presigner/package.json
