#!/bin/sh
# The C sources follow .clang-format: clang-format --dry-run reports no change to any of them.
# Pinned to clang-format 14 (Debian 12's, installed by scripts/setup): other versions format some
# constructs differently, so with another version, or none, the test is skipped (exit 77).
set -u
: "${SRCDIR:?SRCDIR must name the source tree}"
cd "$SRCDIR" || exit 99
command -v clang-format >/dev/null 2>&1 || { echo "clang-format not installed: skipped"; exit 77; }
v=$(clang-format --version | sed -n 's/.*clang-format version \([0-9][0-9]*\)\..*/\1/p')
[ "$v" = 14 ] || { echo "clang-format $v is not the pinned 14: skipped"; exit 77; }
files=$(find src include tests bench \( -name '*.c' -o -name '*.h' \) -not -path 'tests/data/*' | sort)
n=$(printf '%s\n' "$files" | wc -l)
# shellcheck disable=SC2086
if ! out=$(clang-format --dry-run --Werror $files 2>&1); then
	printf '%s\n' "$out" | grep -E '^[^ ].*(warning|error):' | head -n 20
	echo "format: files differ from .clang-format; run: clang-format -i \$(git ls-files '*.c' '*.h')"
	exit 1
fi
echo "format: $n files follow .clang-format"
