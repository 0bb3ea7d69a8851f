#!/usr/bin/env bash
# The project's test command (the README's, and what CI runs): every test, long ones included.
# A plain `swift test` leaves out the long tests (stress tests, the flatness cancellation loops,
# Fashion-MNIST training) to stay under a minute on a developer machine; here they run, and a
# missing dataset fails them.
set -euo pipefail
cd "$(dirname "$0")/.."
export GAPDB_LONG_TESTS=1
swift test
