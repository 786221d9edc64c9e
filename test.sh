#!/usr/bin/env bash
# One command: install everything, then run every test — C++ (GoogleTest, consumer projects),
# the same C++ tests under AddressSanitizer + UndefinedBehaviorSanitizer, and pytest.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh
JOBS=${JOBS:-$(nproc)}

echo "== C++ tests (dev preset: warnings as errors)"
cmake --preset dev >/dev/null
cmake --build --preset dev -j "$JOBS"
ctest --preset dev -j "$JOBS"

echo "== C++ tests under ASan + UBSan"
cmake --preset asan-ubsan >/dev/null
cmake --build --preset asan-ubsan -j "$JOBS"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --preset asan-ubsan -j "$JOBS"

echo "== Python tests"
python3 -m pytest tests/python
