#!/usr/bin/env bash
# Renders a gapdb HTML report to a PNG with headless Chromium, to check it in a real browser.
#
# Usage: scripts/render_report.sh in.html out.png [width-px]
#
# Needs the Debian package `chromium` (apt-get install -y chromium). The page is loaded
# from file:// with networking disabled (--host-resolver-rules maps every host to nowhere),
# so a report that needed the network would render broken. Chromium cannot size a screenshot
# to the page, so a first pass loads a copy of the page with a one-line script that writes
# the page's height into the DOM (--dump-dom), and the second pass shoots exactly that
# height (override with RENDER_HEIGHT).
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "Usage: $0 in.html out.png [width-px]" >&2
  exit 64
fi
in="$1"
out="$2"
width="${3:-1200}"
if [ ! -f "$in" ]; then
  echo "Error: no such file: $in" >&2
  exit 1
fi
browser="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
if [ -z "$browser" ]; then
  echo "Error: headless Chromium not found." >&2
  echo "Hint: apt-get install -y chromium" >&2
  exit 1
fi
abs_in="$(cd "$(dirname "$in")" && pwd)/$(basename "$in")"
abs_out="$(cd "$(dirname "$out")" && pwd)/$(basename "$out")"
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
common=(--headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$profile"
  --no-first-run --disable-extensions --host-resolver-rules="MAP * ~NOTFOUND")
height="${RENDER_HEIGHT:-}"
if [ -z "$height" ]; then
  probe="$profile/probe.html"
  { cat "$abs_in"
    echo '<script>document.documentElement.setAttribute("data-gapdb-height",'
    echo '  Math.ceil(document.documentElement.scrollHeight));</script>'
  } >"$probe"
  height="$("$browser" "${common[@]}" --window-size="${width},100" --dump-dom "file://$probe" \
    2>/dev/null | grep -o 'data-gapdb-height="[0-9]*"' | grep -o '[0-9]*' | head -1 || true)"
  height="${height:-6000}"
fi
"$browser" "${common[@]}" --window-size="${width},${height}" --screenshot="$abs_out" "file://$abs_in" \
  >"$profile/chromium.log" 2>&1 || {
  cat "$profile/chromium.log" >&2
  exit 1
}
if [ ! -s "$abs_out" ]; then
  echo "Error: Chromium wrote no screenshot." >&2
  cat "$profile/chromium.log" >&2
  exit 1
fi
echo "$abs_out"
