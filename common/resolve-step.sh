#!/usr/bin/env bash
# Print the step directory name for STEP given as 3, 03, 03-framebuffer (or 03-anything
# that starts with the right number). An unknown step is an error that lists the steps.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
want=${1:-}
steps=$(cd "$top/steps" && ls -d [0-9][0-9]-*/ 2>/dev/null | tr -d /)
if [ -z "$want" ]; then
    echo "error: say which step, e.g. STEP=01. Steps: $(echo $steps)" >&2
    exit 1
fi
num=${want%%-*}
if [[ "$num" =~ ^[0-9]+$ ]]; then
    num=$(printf '%02d' "$((10#$num))")
    for s in $steps; do
        if [ "${s%%-*}" = "$num" ] && { [ "$want" = "${want%%-*}" ] || [ "$want" = "$s" ]; }; then
            echo "$s"; exit 0
        fi
    done
fi
echo "error: unknown step '$want'. Steps: $(echo $steps)" >&2
exit 1
