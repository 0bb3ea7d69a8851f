#!/usr/bin/env bash
# The project's test command (the README's, and what CI runs): every test.
# 1. `swift test` with GAPDB_LONG_TESTS=1: the long tests (stress tests, the flatness
#    cancellation loops, Fashion-MNIST training) run too, and a missing dataset fails them.
#    A plain `swift test` leaves them out to stay under a minute on a developer machine.
# 2. The real Slurm test (scripts/test-slurm.sh: a one-node Slurm cluster as root, an array
#    sweep and its dependent merge job, checked against the same sweep on one machine).
# Both always run; the exit status is non-zero if either fails.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
GAPDB_LONG_TESTS=1 swift test || status=1
swift build --product gapdb > /dev/null && scripts/test-slurm.sh "$(swift build --show-bin-path)/gapdb" || status=1
if [ $status != 0 ]; then echo "scripts/test.sh: FAILED" >&2; fi
exit $status
