#!/usr/bin/env bash
# Installs the Debian packages the build and tests need, only those missing (idempotent).
# Run as root on Debian 12; touches nothing when everything is present.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git binutils
  clang libclang-rt-14-dev llvm            # libFuzzer and the sanitizers' symbolizer
  clang-format-14                          # the layout check (scripts/check-format.sh)
  libgtest-dev libbenchmark-dev librapidcheck-dev
  libsodium-dev nlohmann-json3-dev
  b3sum python3 python3-cbor2 python3-pytest   # oracles and test drivers
  python3-dev pybind11-dev                 # the Python module coconut_sim (pybindings/)
  python3-hypothesis python3-matplotlib python3-numpy mypy  # its property test, plot, arrays, stubs
  dwarves kmod                             # Linux module build: pahole (BTF), modinfo
  qemu-system-x86 busybox-static cpio patch  # the module booted under QEMU; fork patch check
  libsystemc-dev libyaml-cpp-dev           # the simulator: SystemC/TLM-2.0, scenario YAML
  libboost-dev                             # coconut-sim cosim: Boost.Asio, the guest channel
  flex bison bc libelf-dev                 # scripts/fork-build.sh, the forked kernel (not in CI)
  python3-yaml python3-jsonschema          # scenario schema checks in tests
  chromium                                 # the release report rendered headless (report_page test)
  slurmctld slurmd slurm-client            # sweep_slurm: a real Slurm for examples/slurm/ (munge comes
                                           # as their dependency; the test runs with auth/none)
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
# Package scripts start the daemons they install (slurmctld, slurmd, munged) where they can; none
# is wanted (sweep_slurm starts its own, from its own config) and without systemd one started
# here would linger. invoke-rc.d asks policy-rc.d first, and 101 means "not allowed"; one put
# here for the install is removed after it.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod 755 "$policy"
  trap '$SUDO rm -f "$policy"' EXIT
fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
