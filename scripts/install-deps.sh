#!/usr/bin/env bash
# Installs the Debian packages relulab needs to build, test and plot.
# Idempotent: packages already installed are skipped, and apt is not touched
# at all when nothing is missing.
#   scripts/install-deps.sh               build + tests (scripts/test.sh)
#   scripts/install-deps.sh --quickstart  only what building and running relulab needs
#                                         (scripts/quickstart.sh: a third of the download)
#   scripts/install-deps.sh --peer        also python3-torch, for bench/compare_pytorch.py
set -euo pipefail

# Building relulab and its plugins, and running an experiment.
build=(
  g++ cmake ninja-build git pkg-config
  libeigen3-dev libspectra-dev libboost-dev libtomlplusplus-dev libcli11-dev nlohmann-json3-dev
)
# The tests, the benchmarks, the Python package, the figures, MPI and the fuzzer.
rest=(
  make                           # out-of-tree plugins: CMake's default generator (docs/plugins.md)
  catch2 libbenchmark-dev
  liblinear-dev                  # tests: our hard-margin SVM is checked against LIBLINEAR
  python3 python3-numpy python3-pandas python3-matplotlib   # the Python package and relulab.analysis
  python3-tomli-w                # the Python package writes experiment files and --set values
  python3-venv python3-setuptools python3-wheel python3-pip python3-pytest python3-pil   # .venv (scripts/install-python.sh), its tests, GIFs
  jupyter-nbconvert python3-ipykernel   # tests: docs/examples/tour.ipynb is executed
  strace                         # tests: a rename is followed by an fsync of its folder
  universal-ctags                # tests: scripts/function_lengths.sh measures the host's functions
  gnuplot-nox
  libopenmpi-dev openmpi-bin
  clang libclang-rt-dev          # the sanitizers and libFuzzer (scripts/configure_asan.sh)
  slurm-wlm munge                # tests: a real one-node Slurm (tests/slurm/one_node.sh); relulab submit
)
packages=("${build[@]}")
case "${1:-}" in
  --quickstart) ;;
  --peer) packages+=("${rest[@]}" python3-torch) ;;
  *) packages+=("${rest[@]}") ;;
esac

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
echo "install-deps: installing ${missing[*]}"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
