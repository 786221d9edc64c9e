#!/usr/bin/env bash
# Installs everything qualitymetrics needs on a fresh Debian 12 machine (as root, or with sudo),
# then builds and installs the Python package. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(build-essential cmake ninja-build libboost-dev libhowardhinnant-date-dev nlohmann-json3-dev
              libgtest-dev libbenchmark-dev python3-dev
              clang libclang-rt-dev)  # clang + libFuzzer: the maturity loader fuzz test (tests/fuzz)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
$PY -m pip install -q --disable-pip-version-check --root-user-action=ignore \
    "scikit-build-core>=0.8" "pybind11>=2.11" "numpy>=1.23" "pandas>=1.5" "matplotlib>=3.6" "pytest>=7"
$PY -m pip install -q --disable-pip-version-check --root-user-action=ignore --no-build-isolation .
