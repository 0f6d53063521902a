#!/usr/bin/env bash
# The same seeds give the same numbers with libstdc++ and with libc++ (docs/SEEDS.md).
# Builds print_seeded_sequences.cpp with g++ (libstdc++) and with clang++ -stdlib=libc++,
# runs both and requires each output to equal golden.txt (so the two also equal each other).
# Without clang++ or libc++ it exits 77 (ctest: skipped), or 1 under CI=true: scripts/lib/install-deps.sh
# installs clang, libc++-dev and libc++abi-dev.
# Usage: check_portable_seeds.sh SOURCE_ROOT WORK_DIR
set -euo pipefail
source_root=$1
work_dir=$2
here=$source_root/tests/portable_seeds
mkdir -p "$work_dir"

missing() {
  if [[ ${CI:-} == true ]]; then
    echo "FAIL: $1 (install: apt-get install clang libc++-dev libc++abi-dev; bash scripts/test.sh does it)" >&2
    exit 1
  fi
  echo "SKIP: $1 (install: apt-get install clang libc++-dev libc++abi-dev)" >&2
  exit 77
}

command -v g++ >/dev/null 2>&1 || missing "g++ not found"
command -v clang++ >/dev/null 2>&1 || missing "clang++ not found"
printf '#include <version>\n#ifndef _LIBCPP_VERSION\n#error not libc++\n#endif\nint main() { return 0; }\n' \
  >"$work_dir/is_libcxx.cpp"
clang++ -std=c++20 -stdlib=libc++ "$work_dir/is_libcxx.cpp" -o "$work_dir/is_libcxx" 2>"$work_dir/is_libcxx.log" \
  || missing "clang++ -stdlib=libc++ cannot build a program: $(head -n 3 "$work_dir/is_libcxx.log")"

sources=("$here/print_seeded_sequences.cpp" "$source_root/common/portable_random.cpp"
  "$source_root/common/invariant.cpp" "$source_root/sim/client/reconnect_backoff.cpp"
  "$source_root/fault_injector/core/toxics/latency_toxic.cpp" "$source_root/fault_injector/core/toxics/slicer_toxic.cpp"
  "$source_root/fault_injector/core/toxics/attribute_reader.cpp")
flags=(-std=c++20 -O1 -Wall -Wextra -Werror -I"$source_root")

# Both builds at once: each compiles nlohmann/json three times.
g++ "${flags[@]}" "${sources[@]}" -o "$work_dir/print_libstdcxx" &
libstdcxx_build=$!
clang++ "${flags[@]}" -stdlib=libc++ "${sources[@]}" -o "$work_dir/print_libcxx" &
libcxx_build=$!
wait "$libstdcxx_build" || { echo "FAIL: the g++ (libstdc++) build failed" >&2; exit 1; }
wait "$libcxx_build" || { echo "FAIL: the clang++ -stdlib=libc++ build failed" >&2; exit 1; }
"$work_dir/print_libstdcxx" >"$work_dir/libstdcxx.txt" 2>"$work_dir/libstdcxx.stderr"
"$work_dir/print_libcxx" >"$work_dir/libcxx.txt" 2>"$work_dir/libcxx.stderr"
# Each build really used the library it is named for.
grep -q '^standard library: libstdc++ ' "$work_dir/libstdcxx.stderr" \
  || { echo "FAIL: the g++ build did not use libstdc++: $(cat "$work_dir/libstdcxx.stderr")" >&2; exit 1; }
grep -q '^standard library: libc++ ' "$work_dir/libcxx.stderr" \
  || { echo "FAIL: the clang++ -stdlib=libc++ build did not use libc++: $(cat "$work_dir/libcxx.stderr")" >&2; exit 1; }
echo "$(cat "$work_dir/libstdcxx.stderr"); $(cat "$work_dir/libcxx.stderr")"
status=0
diff -u "$here/golden.txt" "$work_dir/libstdcxx.txt" || { echo "FAIL: libstdc++ output differs from golden.txt" >&2; status=1; }
diff -u "$here/golden.txt" "$work_dir/libcxx.txt" || { echo "FAIL: libc++ output differs from golden.txt" >&2; status=1; }
if [[ $status -eq 0 ]]; then echo "libstdc++ and libc++ print the same $(wc -l <"$here/golden.txt") lines as golden.txt"; fi
exit $status
