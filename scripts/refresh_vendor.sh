#!/usr/bin/env bash
# Refresh the MapLibre GL JS files the app serves (app/static/vendor/maplibre-gl/) from the npm
# registry: scripts/refresh_vendor.sh [VERSION]. MapLibre 6 ships ES modules; the main module
# loads maplibre-gl-worker.mjs from beside itself. Leaflet and Leaflet.markercluster follow.
set -euo pipefail
cd "$(dirname "$0")/.."
version="${1:-$(cat app/static/vendor/maplibre-gl/VERSION 2>/dev/null || echo latest)}"
dest=app/static/vendor/maplibre-gl
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

(cd "$tmp" && npm pack --silent "maplibre-gl@${version}" >/dev/null)
tar -xzf "$tmp"/maplibre-gl-*.tgz -C "$tmp"
resolved="$(node -p "require('$tmp/package/package.json').version")"

rm -rf "$dest"
mkdir -p "$dest"
for f in maplibre-gl.mjs maplibre-gl-worker.mjs maplibre-gl.css; do
  # no source maps are shipped: drop the comment that points browsers at them
  sed '/^\/\/# sourceMappingURL=/d' "$tmp/package/dist/$f" >"$dest/$f"
done
cp "$tmp/package/LICENSE.txt" "$dest/LICENSE.txt"
echo "$resolved" >"$dest/VERSION"
echo "maplibre-gl $resolved -> $dest"

# Leaflet (the /near page and the folium widget /embed) and Leaflet.markercluster (the widget's
# clusters), each pinned by its VERSION file (LEAFLET_VERSION / MARKERCLUSTER_VERSION override):
# the built script without its source-map comment, the CSS, Leaflet's images and the licence.
npm_vendor() {  # npm_vendor PACKAGE VERSION DEST FILE... (FILE: path under the package)
  local package="$1" version="$2" dest="$3"
  shift 3
  local work="$tmp/$package"
  mkdir -p "$work"
  (cd "$work" && npm pack --silent "${package}@${version}" >/dev/null)
  tar -xzf "$work"/*.tgz -C "$work"
  rm -rf "$dest"
  mkdir -p "$dest"
  for f in "$@"; do
    if [ -d "$work/package/$f" ]; then
      cp -R "$work/package/$f" "$dest/$(basename "$f")"
    else
      sed '/^\/\/# sourceMappingURL=/d' "$work/package/$f" >"$dest/$(basename "$f")"
    fi
  done
  node -p "require('$work/package/package.json').version" >"$dest/VERSION"
  echo "$package $(cat "$dest/VERSION") -> $dest"
}

leaflet_dest=app/static/vendor/leaflet
npm_vendor leaflet "${LEAFLET_VERSION:-$(cat "$leaflet_dest/VERSION" 2>/dev/null || echo latest)}" \
  "$leaflet_dest" dist/leaflet.js dist/leaflet.css dist/images LICENSE
cluster_dest=app/static/vendor/leaflet.markercluster
npm_vendor leaflet.markercluster \
  "${MARKERCLUSTER_VERSION:-$(cat "$cluster_dest/VERSION" 2>/dev/null || echo latest)}" \
  "$cluster_dest" dist/leaflet.markercluster.js dist/MarkerCluster.css \
  dist/MarkerCluster.Default.css MIT-LICENCE.txt
