#!/usr/bin/env bash
# Set-up command 1: install what Resync needs, build the release preset, run the main job.
#
# The main job: the whole scenario suite (scenarios/) against the embedded server, live
# (real server, real fault proxy, real WebSockets), two scenarios at a time. It writes the
# HTML report to out/report/index.html and JUnit XML to out/junit.xml, and exits 0 when
# every scenario met its expectation (1: one did not; 2: unknown or usage error).
set -euo pipefail
RESYNC_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$RESYNC_ROOT"
# shellcheck source=lib/install-deps.sh
source scripts/lib/install-deps.sh

resync_install_deps
cmake --preset release
cmake --build --preset release

mkdir -p out
exec build/release/app/resync run scenarios --jobs 2 --report out/report --junit out/junit.xml
