#!/usr/bin/env bash
# Installs what r1c needs from Debian 12's packages (only what is missing),
# then configures and builds it in ./build. Sourced by run-main.sh and
# run-tests.sh; safe to run again: a second run only rebuilds what changed.
set -euo pipefail

R1_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
R1_BUILD="${R1_BUILD:-$R1_ROOT/build}"

R1_PACKAGES=(
  cmake ninja-build g++ ccache git python3
  llvm-19-dev llvm-19-tools libmlir-19-dev mlir-19-tools
  zlib1g-dev libhalide14-0-dev libfmt-dev libxxhash-dev
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  python3-numpy python3-torch python3-xxhash libopenblas0-pthread unicode-data
  clang-19 libclang-rt-19-dev
)

r1_install_packages() {
  local missing=()
  for pkg in "${R1_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$pkg")
    fi
  done
  if ((${#missing[@]})); then
    echo "r1c setup: installing ${missing[*]}"
    local sudo=""
    [[ $(id -u) -ne 0 ]] && sudo="sudo"
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
}

r1_build() {
  cmake -G Ninja -S "$R1_ROOT" -B "$R1_BUILD" -DCMAKE_BUILD_TYPE=Release
  cmake --build "$R1_BUILD" -j "$(nproc)"
}

r1_install_packages
r1_build
