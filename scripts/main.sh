#!/usr/bin/env bash
# The main job: install what is missing, build, and run the release gate scenario
# (scenarios/fairness-4tenant-flooder.yaml). Exits with coconut-sim's code: 0 when every gate
# holds, 1 when one fails, 2 on bad input. Extra arguments go to `coconut-sim run`
# (e.g. --policy fifo to watch the gate trip, --perfetto trace.json).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --preset default >/dev/null
cmake --build --preset default
# coconut-sim on PATH (/usr/local/bin) for the README's commands, where this user may write it.
if [ -w /usr/local/bin ]; then cmake --install build/default --prefix /usr/local >/dev/null; fi
exec build/default/harness/cli/coconut-sim run scenarios/fairness-4tenant-flooder.yaml "$@"
