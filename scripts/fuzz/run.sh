#!/bin/sh
# Coverage-guided fuzzing of gapdb's file readers with clang's libFuzzer (shipped with the
# Swift toolchain). Builds two harnesses with -sanitize=fuzzer,address outside the package
# (no Package.swift target, so normal builds are unaffected) and runs each for SECONDS
# seconds (default 300), seeding the corpus with the test fixtures. See docs/FUZZING.md.
#
#   scripts/fuzz/run.sh [SECONDS] [WORKDIR]
#
# Crashes and their inputs land in WORKDIR/<harness>_art/; replay one with
#   WORKDIR/npy_fuzz WORKDIR/npy_art/crash-…
set -eu
SECONDS_PER_HARNESS=${1:-300}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${2:-/tmp/gapdb-fuzz}
mkdir -p "$WORK/la" "$WORK/npy_corpus" "$WORK/npy_art" "$WORK/data_corpus" "$WORK/data_art"
cd "$WORK"
FLAGS="-sanitize=fuzzer,address -parse-as-library -O"

# NPY / NPZ (zip, inflate, header parser) and the state-dict assembly.
swiftc $FLAGS -I "$ROOT/Sources/GapdbCZlib" "$ROOT"/Sources/NumPyFiles/*.swift "$ROOT/scripts/fuzz/npy_harness.swift" -o npy_fuzz
cp "$ROOT"/Tests/Fixtures/measures/npy/* "$ROOT"/Tests/Fixtures/measures/unsupported/* npy_corpus/

# IDX (+ gzip) and CSV; Datasets needs LinearAlgebra (its Matrix), built as a static module.
(cd la && swiftc -emit-library -static -emit-module -module-name LinearAlgebra $FLAGS \
  -I "$ROOT/Sources/GapdbCBLAS" "$ROOT"/Sources/LinearAlgebra/*.swift)
swiftc $FLAGS -module-name Datasets -I la -L la -lLinearAlgebra -I "$ROOT/Sources/GapdbCZlib" \
  -I "$ROOT/Sources/GapdbCBLAS" "$ROOT"/Sources/Datasets/*.swift "$ROOT/scripts/fuzz/data_harness.swift" -o data_fuzz
D="$ROOT/Tests/Fixtures/datasets"
for f in "$D"/*idx* "$D"/*ubyte*; do (printf '\000'; cat "$f") > "data_corpus/$(basename "$f")"; done
for f in "$D"/*.csv; do (printf '\001'; cat "$f") > "data_corpus/$(basename "$f")"; done

# -detect_leaks=0: Foundation's FileManager.contents(atPath:) leaks 4 KiB per empty file read
# (not gapdb's code), which LeakSanitizer would report as a "crash" (ASAN_OPTIONS stops the
# exit-time leak check too).
export ASAN_OPTIONS=detect_leaks=0
for h in npy data; do
  "./${h}_fuzz" "${h}_corpus" -max_total_time="$SECONDS_PER_HARNESS" -detect_leaks=0 -rss_limit_mb=2048 \
    -max_len=8192 -artifact_prefix="${h}_art/" -print_final_stats=1 2>&1 | tail -12
done
