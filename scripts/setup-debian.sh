#!/usr/bin/env bash
# Installs the Debian packages gapdb builds and runs against (run as root on Debian 12).
# SQLite, OpenBLAS + LAPACKE, zlib, and the Fashion-MNIST dataset the demo trains on;
# slurm-wlm and munge for the real-scheduler test (scripts/test-slurm.sh).
set -euo pipefail
packages=(libsqlite3-dev sqlite3 libopenblas-dev liblapacke-dev zlib1g-dev dataset-fashion-mnist slurm-wlm munge)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}"
fi
