#!/usr/bin/env bash
# Contract checks: buf lint (STANDARD + COMMENTS) and buf breaking (FILE) against the committed baseline image.
# A breaking change fails here. To change a v1 contract on purpose (never for a released field), update the
# baseline in the same commit and say why in its message:
#   (cd protos && npx buf build -o baseline/chongqingvet-v1.binpb)
set -euo pipefail
cd "$(dirname "$0")/../protos"
buf=../node_modules/.bin/buf
[ -x "$buf" ] || { echo "buf not installed: run 'npm ci' at the repository root" >&2; exit 1; }
echo "buf lint"
"$buf" lint
echo "buf breaking against baseline/chongqingvet-v1.binpb"
"$buf" breaking --path chongqingvet --against baseline/chongqingvet-v1.binpb
echo "contracts ok"
