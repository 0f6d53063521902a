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
  clang libc++-dev libc++abi-dev libclang-rt-dev          # portable seeds (libc++); libFuzzer and the sanitizers for clang (input_fuzzing/)
  libhiredis-dev redis-server                             # clusters: RESP parsing (hiredis's reader), the shared log (Redis Streams)
)
# The tests' npm sqlite3 (the tutorial's stack, tests/node/servers) and its node-gyp need
# Node.js >= 20.17; Debian 12's own nodejs is 18, so a machine with only that fails clearly.
RESYNC_NODE_MIN_MAJOR=20
RESYNC_NODE_MIN_MINOR=17

resync_log() { printf 'resync-setup: %s\n' "$*"; }

resync_node_is_usable() {
  command -v node >/dev/null 2>&1 || return 1
  local major minor
  major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null) || return 1
  minor=$(node -p 'process.versions.node.split(".")[1]' 2>/dev/null) || return 1
  [[ $major -gt $RESYNC_NODE_MIN_MAJOR || ($major -eq $RESYNC_NODE_MIN_MAJOR && $minor -ge $RESYNC_NODE_MIN_MINOR) ]]
}

# Installs the missing Debian packages; does nothing (no apt-get at all) if none is missing.
resync_install_system_packages() {
  local missing=() pkg
  for pkg in "${RESYNC_APT_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$pkg")
    fi
  done
  # Node.js: any node >= 20.17 with npm works. Debian's own is `nodejs` + `npm`; a NodeSource
  # `nodejs` bundles npm and conflicts with Debian's `npm`, so ask apt only for what is absent.
  if ! resync_node_is_usable; then
    if command -v node >/dev/null 2>&1; then
      resync_log "error: $(command -v node) is $(node --version), Resync's tests need Node.js >= $RESYNC_NODE_MIN_MAJOR.$RESYNC_NODE_MIN_MINOR (npm sqlite3 and node-gyp); install a newer Node.js (e.g. NodeSource's nodejs 20 or 22) and run again" >&2
      return 1
    fi
    missing+=(nodejs)
  fi
  command -v npm >/dev/null 2>&1 || missing+=(npm)
  # Node's headers, for building the sqlite3 addon (resync_build_sqlite3_addon): Debian's
  # nodejs keeps them in libnode-dev; a node that ships its own needs nothing.
  if ! resync_node_is_usable || [[ ! -f $(resync_node_headers_dir)/include/node/node_api.h ]]; then
    if [[ $(command -v node || echo /usr/bin/node) == /usr/bin/node ]]; then missing+=(libnode-dev); fi
  fi

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

# The directory whose include/node/ holds the running node's headers (node_api.h), for
# node-gyp's --nodedir: NodeSource's and Debian's nodejs 20+ ship them in the nodejs package
# under /usr; Debian's nodejs 18 in libnode-dev.
resync_node_headers_dir() {
  node -p 'require("path").resolve(process.execPath, "..", "..")'
}

# The npm package sqlite3 (the tutorial's Node servers in tests/node/servers) is a native
# addon. Its install script would first try to download a prebuilt binary, which this
# set-up never does (CI reaches package registries only), then run node-gyp, which without
# --nodedir downloads Node's headers. So `npm ci` runs with --ignore-scripts and the addon is
# built here from its source, against the running node's own headers and Debian's libsqlite3
# (libsqlite3-dev), with the node-gyp that package-lock.json pins: nothing is downloaded.
resync_build_sqlite3_addon() {
  local dir=$1 nodedir
  nodedir=$(resync_node_headers_dir)
  if [[ ! -f $nodedir/include/node/node_api.h ]]; then
    resync_log "error: no Node.js headers in $nodedir/include/node (node_api.h), needed to build the npm package sqlite3; install Debian's libnode-dev (or a nodejs package that ships them)" >&2
    return 1
  fi
  resync_log "building the sqlite3 addon (node-gyp, --nodedir=$nodedir, Debian's libsqlite3)"
  (cd "$dir" && node node_modules/node-gyp/bin/node-gyp.js rebuild --directory=node_modules/sqlite3 \
     --nodedir="$nodedir" --sqlite=/usr --jobs=2 --loglevel=warn)
}

# `npm ci` in tests/node (socket.io-client, toxiproxy-node-client, playwright-core, and the
# tutorial servers' express, socket.io, sqlite, sqlite3, with the cluster app's
# @socket.io/redis-streams-adapter and redis: plain JavaScript, no install step), skipped while node_modules was
# installed from the same package.json and package-lock.json and the sqlite3 addon is built.
resync_install_node_modules() {
  local dir="$RESYNC_ROOT/tests/node"
  local stamp="$dir/node_modules/.resync-installed-from"
  local addon="$dir/node_modules/sqlite3/build/Release/node_sqlite3.node"
  local want
  want=$(cat "$dir/package.json" "$dir/package-lock.json" | sha256sum | cut -d' ' -f1)
  if [[ -f $stamp && $(cat "$stamp") == "$want" && -f $addon ]]; then
    resync_log "tests/node/node_modules: up to date"
    return 0
  fi
  resync_log "npm ci in tests/node"
  (cd "$dir" && npm ci --no-audit --no-fund --ignore-scripts)
  resync_build_sqlite3_addon "$dir"
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
