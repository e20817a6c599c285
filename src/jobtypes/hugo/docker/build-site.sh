#!/bin/sh
# The builder stage of a hugo job's image: builds the site as build-hugo-site.ts does on local. $1 is the output
# folder, the rest hugo's arguments. A site naming a theme it does not ship is built with ours; the output must
# have a home page and no links.
set -u
out=$1
shift
if hugo "$@" >/tmp/hugo.log 2>&1; then
  cat /tmp/hugo.log
elif grep -q 'module ".*" not found' /tmp/hugo.log; then
  echo "the site's theme is not in its themes/ folder: building with the default theme"
  hugo "$@" --theme racetrack-default || exit 1
else
  cat /tmp/hugo.log
  exit 1
fi
[ -f "$out/index.html" ] || { echo "hugo made no index.html: the site has no home page layout (a theme, or layouts/index.html)" >&2; exit 1; }
link=$(find "$out" -type l | head -n 1)
[ -z "$link" ] || { echo "hugo's output has a link, ${link#"$out"/}: a site serves its own files only" >&2; exit 1; }
