#!/usr/bin/env bash
# The project's test command: the Swift test suite, then the real Slurm test
# (scripts/test-slurm.sh: a one-node Slurm cluster as root, an array sweep and its merge).
# Exits non-zero if either fails; both always run.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
swift test || status=1
swift build --product gapdb > /dev/null && scripts/test-slurm.sh "$(swift build --show-bin-path)/gapdb" || status=1
if [ $status != 0 ]; then echo "scripts/test.sh: FAILED" >&2; fi
exit $status
