#!/usr/bin/env bash
# No source file maps a seeded engine through the standard library's distributions or
# shuffles, whose results differ between libstdc++ and libc++: every seeded choice goes
# through resync::SeededRandom (common/portable_random.hpp, docs/SEEDS.md). common/ itself
# names them only in comments.
# Usage: check_no_std_distributions.sh SOURCE_ROOT
set -euo pipefail
source_root=$1
pattern='std::[a-z_]+_distribution|std::(shuffle|sample|random_shuffle|generate_canonical|rand)\b|\bsrand\('
found=$(grep -rnE "$pattern" "$source_root" --include='*.cpp' --include='*.hpp' --include='*.h' \
  --exclude-dir=build --exclude-dir=node_modules --exclude-dir=.git --exclude-dir=common || true)
if [[ -n $found ]]; then
  echo "FAIL: a seeded choice through the standard library (use resync::SeededRandom, docs/SEEDS.md):" >&2
  echo "$found" >&2
  exit 1
fi
echo "no std distribution, shuffle or rand() outside common/"
