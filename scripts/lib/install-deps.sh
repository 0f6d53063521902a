# shellcheck shell=bash
# Installs everything Resync needs on Debian 12, from Debian's packages and the npm registry.
# Sourced (not run) by scripts/setup-and-run.sh and scripts/test.sh; needs RESYNC_ROOT set.
# Fast on reruns: apt is not touched when every package is already installed, and
# `npm ci` is skipped while tests/node/node_modules matches package-lock.json.

# Every Debian package the build, the tests and the later steps use (see README.md). A test
# that needs a program checks for it and, when it is missing, skips visibly (ctest "Skipped")
# or, with CI=true, fails naming the package: every such program is installed here.
RESYNC_APT_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config      # toolchain and fast rebuilds
  libboost1.81-dev                                        # Beast + Asio: HTTP/WebSocket server, proxy
  libsqlite3-dev sqlite3                                  # storage; the CLI is used by tests
  nlohmann-json3-dev libcli11-dev                         # JSON, command line
  libgtest-dev googletest librapidcheck-dev               # unit and property tests
  socat bc                                                # proxy benchmark baseline; bench arithmetic
  python3 python3-jsonschema                              # validates scenarios/ against schema.json
  libxml2-utils                                           # xmllint: JUnit XML well-formedness and schema
  chromium                                                # browser tests: chat page, HTML report
)
RESYNC_NODE_MIN_MAJOR=18

resync_log() { printf 'resync-setup: %s\n' "$*"; }

resync_node_is_usable() {
  command -v node >/dev/null 2>&1 || return 1
  local major
  major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null) || return 1
  [[ $major -ge $RESYNC_NODE_MIN_MAJOR ]]
}

# Installs the missing Debian packages; does nothing (no apt-get at all) if none is missing.
resync_install_system_packages() {
  local missing=() pkg
  for pkg in "${RESYNC_APT_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$pkg")
    fi
  done
  # Node.js: any node >= 18 with npm works. Debian's own is `nodejs` + `npm`; a NodeSource
  # `nodejs` bundles npm and conflicts with Debian's `npm`, so ask apt only for what is absent.
  if ! resync_node_is_usable; then
    if command -v node >/dev/null 2>&1; then
      resync_log "error: $(command -v node) is $(node --version), Resync's tests need Node.js >= $RESYNC_NODE_MIN_MAJOR" >&2
      return 1
    fi
    missing+=(nodejs)
  fi
  command -v npm >/dev/null 2>&1 || missing+=(npm)

  if [[ ${#missing[@]} -eq 0 ]]; then
    resync_log "Debian packages: all installed"
    return 0
  fi
  local sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    if ! command -v sudo >/dev/null 2>&1; then
      resync_log "error: missing packages (${missing[*]}) and not root; run as root or install sudo" >&2
      return 1
    fi
    sudo=(sudo)
  fi
  resync_log "installing Debian packages: ${missing[*]}"
  "${sudo[@]}" apt-get update -q
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
}

# `npm ci` in tests/node (socket.io-client, toxiproxy-node-client, playwright-core), skipped
# while node_modules was installed from the same package.json and package-lock.json.
resync_install_node_modules() {
  local dir="$RESYNC_ROOT/tests/node"
  local stamp="$dir/node_modules/.resync-installed-from"
  local want
  want=$(cat "$dir/package.json" "$dir/package-lock.json" | sha256sum | cut -d' ' -f1)
  if [[ -f $stamp && $(cat "$stamp") == "$want" ]]; then
    resync_log "tests/node/node_modules: up to date"
    return 0
  fi
  resync_log "npm ci in tests/node"
  (cd "$dir" && npm ci --no-audit --no-fund)
  printf '%s\n' "$want" >"$stamp"
}

resync_install_deps() {
  resync_install_system_packages
  resync_install_node_modules
}

# ccache keys on the compiler command line: with the repository as base directory, paths
# become relative, so a fresh clone in another folder reuses earlier builds' objects.
export CCACHE_BASEDIR="${RESYNC_ROOT:-$(pwd)}"
export CCACHE_NOHASHDIR=1
