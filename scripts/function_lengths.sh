#!/usr/bin/env bash
# Lists the functions of the host (framework/src), the SDK (framework/include)
# and the plugins (plugins/) longer than a limit (default 60 lines),
# longest first, as measured by universal-ctags' end: field. Exit 1 if any.
#   scripts/function_lengths.sh [limit]
set -euo pipefail
cd "$(dirname "$0")/.."
limit=${1:-60}
ctags --fields=+ne --kinds-c++=f -o - -R framework/src framework/include plugins |
  awk -F'\t' -v limit="$limit" '{
    line = 0; end = 0
    for (i = 4; i <= NF; i++) {
      if ($i ~ /^line:/) line = substr($i, 6)
      if ($i ~ /^end:/) end = substr($i, 5)
    }
    if (end && end - line + 1 > limit) printf "%5d  %s  %s:%d\n", end - line + 1, $1, $2, line
  }' | sort -rn > /tmp/function_lengths.$$ || true
if [[ -s /tmp/function_lengths.$$ ]]; then
  echo "functions longer than $limit lines:"; cat /tmp/function_lengths.$$; rm -f /tmp/function_lengths.$$; exit 1
fi
rm -f /tmp/function_lengths.$$
echo "no function in framework/src, framework/include or plugins is longer than $limit lines"
