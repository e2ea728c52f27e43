#!/usr/bin/env bash
# Idempotent set-up: install Debian packages (if missing), configure and build attnflow.
# Usage: ./setup.sh [Release|Debug|Sanitize]   (build directory: build/ or build-<type>/)
set -euo pipefail
cd "$(dirname "$0")"
BUILD_TYPE="${1:-Release}"
PACKAGES=(build-essential cmake pkg-config git
  libopenmpi-dev openmpi-bin
  libpetsc-real-dev
  libhdf5-openmpi-dev hdf5-tools
  libboost-program-options-dev
  catch2
  libgsl-dev librandom123-dev
  python3-numpy python3-h5py python3-matplotlib python3-scipy)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
BUILD_DIR=build; [ "$BUILD_TYPE" != "Release" ] && BUILD_DIR="build-${BUILD_TYPE,,}"
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE="$BUILD_TYPE" >/dev/null
cmake --build "$BUILD_DIR" -j "$(nproc)"
