#!/usr/bin/env bash
# The main job: install what is missing, build, and run the default job.
# Until the simulator lands (issue 4) the default job is the kernel library's self-test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --preset default >/dev/null
cmake --build --preset default
build/default/coconut-kernel/lib/tests/coconut_selftest
