#!/bin/sh
# Vendor YASGUI from npm into src/poagraph/web/static/vendor/ (no CDN at runtime).
# Usage: scripts/vendor-yasgui.sh [VERSION]   (default: the version vendored now)
# Needs npm. Writes yasgui-VERSION.min.js/.min.css and yasgui-VERSION.LICENSE.txt (the MIT
# licence of Yasgui plus the licence texts of the packages its bundle is built from), then
# removes the previous version's files. Update the file names in templates/query.html.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
vendor="$here/src/poagraph/web/static/vendor"
current=$(ls "$vendor" | sed -n 's/^yasgui-\([0-9.]*[0-9]\)\.min\.js$/\1/p' | head -n1)
version=${1:-$current}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm init -y >/dev/null
npm install --no-audit --no-fund --ignore-scripts "@zazuko/yasgui@$version" >/dev/null
build=node_modules/@zazuko/yasgui/build
# the source map is not vendored, so drop the comment that points at it
sed 's|//# sourceMappingURL=.*||' "$build/yasgui.min.js" > "$work/yasgui.min.js"
if grep -Eq 'cdn\.jsdelivr|unpkg\.com|cdnjs|fonts\.googleapis|fonts\.gstatic' "$work/yasgui.min.js" "$build/yasgui.min.css"; then
  echo "the bundle references a CDN: neutralise it before vendoring" >&2
  exit 1
fi
{
  printf 'Yasgui %s (npm package @zazuko/yasgui@%s, https://github.com/rdfjs/Yasgui)\n' "$version" "$version"
  printf 'vendored as yasgui-%s.min.js and yasgui-%s.min.css: build/yasgui.min.js and .css of the\n' "$version" "$version"
  printf 'npm package, unchanged except the sourceMappingURL comment (the map is not vendored).\n\n'
  printf 'The npm package declares "license": "MIT" and ships no LICENSE file; the upstream README says:\n'
  printf '"This is a fork from Zazuko from software written by Triply. This code is released under the MIT license."\n\n'
  cat <<'MIT'
MIT License

Copyright (c) Triply B.V.
Copyright (c) Zazuko GmbH

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
MIT
  printf '\nThird-party packages in the dependency tree (npm install), with the licence text each ships:\n'
  for dir in node_modules/* node_modules/@*/*; do
    [ -f "$dir/package.json" ] || continue
    name=$(node -p "require('./$dir/package.json').name")
    case "$name" in @zazuko/*|@types/*) continue;; esac
    printf '\n--- %s@%s (%s) ---\n' "$name" "$(node -p "require('./$dir/package.json').version")" \
      "$(node -p "JSON.stringify(require('./$dir/package.json').license || null)")"
    found=no
    for f in "$dir"/LICENSE* "$dir"/LICENCE* "$dir"/COPYING*; do
      [ -f "$f" ] && { cat "$f"; echo; found=yes; }
    done
    [ $found = yes ] || echo "(the package ships no licence file)"
  done
} > "$work/LICENSE.txt"
if [ "$version" != "$current" ]; then
  rm -f "$vendor/yasgui-$current.min.js" "$vendor/yasgui-$current.min.css"
  mv "$work/LICENSE.txt" "$vendor/yasgui-$version.LICENSE.txt"
  rm -f "$vendor/yasgui-$current.LICENSE.txt"
else
  mv "$work/LICENSE.txt" "$vendor/yasgui-$version.LICENSE.txt"
fi
cp "$work/yasgui.min.js" "$vendor/yasgui-$version.min.js"
cp "$build/yasgui.min.css" "$vendor/yasgui-$version.min.css"
echo "vendored Yasgui $version into $vendor"
