#!/usr/bin/env bash
# One command: install everything, then run the main job (SPC for every trust in the bundled
# NHS A&E data: tables, charts and an index page in qm-output/).
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh
qualitymetrics spc --out qm-output "$@"
