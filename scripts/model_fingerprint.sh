#!/usr/bin/env bash
# Content hash of everything a trained model depends on (names and bytes, not timestamps).
set -euo pipefail
cd "$(dirname "$0")/.."
{ find data -type f -name '*.yml' | LC_ALL=C sort; echo config.yml; echo domain.yml; } |
  while read -r f; do printf '%s\0' "$f"; cat "$f"; done | sha256sum | cut -c1-16
