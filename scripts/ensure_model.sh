#!/usr/bin/env bash
# Train the model only when data/, config.yml or domain.yml changed since the last
# training (by content hash), and print the model's path.
set -euo pipefail
cd "$(dirname "$0")/.."
fingerprint="$(scripts/model_fingerprint.sh)"
model="models/qihu-$fingerprint.tar.gz"
if [ ! -f "$model" ]; then
  echo "Training the model ($fingerprint); this takes a few minutes..." >&2
  RASA_TELEMETRY_ENABLED=false .venv/bin/rasa train --data data --config config.yml \
    --domain domain.yml --out models --fixed-model-name "qihu-$fingerprint" >&2
fi
echo "$model"
