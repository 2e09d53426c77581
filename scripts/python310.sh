#!/usr/bin/env bash
# Print the path of a Python 3.10 interpreter (Rasa 3.6 does not run on 3.11+).
# Order: python3.10 on PATH that really runs (a pyenv shim may exist without the version
# being selected), then any pyenv-installed 3.10.x.
set -euo pipefail
if command -v python3.10 >/dev/null 2>&1 && python3.10 -c 'import sys' >/dev/null 2>&1; then
  command -v python3.10
  exit 0
fi
for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.10*/bin/python3.10; do
  if [ -x "$candidate" ]; then
    echo "$candidate"
    exit 0
  fi
done
echo "error: Python 3.10 not found (install it, e.g. 'pyenv install 3.10')" >&2
exit 1
