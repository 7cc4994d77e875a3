// The widget /embed: folium builds the map, its base map and one (clustered) group per layer;
// this fills the groups with the features in view, fetched from the items API whenever the map
// moves. Zoomed out (or when a layer has too many features in view) it shows the layer's raster
// tiles instead, so that a page never holds a whole layer. A "List" control lists the markers in
// view for keyboard and screen-reader users.
(function () {
  "use strict";

  function start(map, groups, cfg) {
    const T = cfg.text;
    const ids = Object.keys(groups);
    const rasters = {};
    const inFlight = {};
    const shown = {}; // layer id -> features drawn as markers
    const state = { markers: 0, raster: [], errors: [], refreshes: 0, done: false };
    window.sharemapEmbed.state = state;

    for (const id of ids) {
      rasters[id] = L.tileLayer(cfg.layers[id].raster, { maxNativeZoom: 16, zIndex: 5 });
      shown[id] = [];
      // clusters in the layer's colour, their count in dark text on white (AA contrast)
      if (groups[id].addLayers) groups[id].options.iconCreateFunction = (cluster) => clusterIcon(id, cluster);
    }

    const status = control("bottomleft", () => el("div", { class: "sm-status", role: "status", "aria-live": "polite" }));
    const panel = listControl();
    control("bottomleft", () => {
      const a = el("a", { href: cfg.nearUrl, target: "_blank", rel: "noopener", class: "sm-status" }, T.open_full);
      return a;
    });

    let timer = null;
    map.on("moveend overlayadd overlayremove", () => {
      clearTimeout(timer);
      timer = setTimeout(refresh, 200);
    });
    map.on("moveend", () => {
      // the builder's preview copies the view into its form (it checks the origin)
      if (window.parent === window) return;
      const c = map.getCenter();
      window.parent.postMessage({ type: "sharemap:view", lat: c.lat, lon: c.lng, zoom: map.getZoom() }, "*");
    });
    refresh();

    function refresh() {
      const zoom = map.getZoom();
      const b = map.getBounds();
      const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((n) => n.toFixed(6)).join(",");
      const jobs = ids.map((id) => {
        if (inFlight[id]) inFlight[id].abort();
        if (!map.hasLayer(groups[id])) {
          map.removeLayer(rasters[id]);
          shown[id] = [];
          return Promise.resolve();
        }
        if (zoom < cfg.vectorMinZoom) return Promise.resolve(showRaster(id));
        const controller = new AbortController();
        inFlight[id] = controller;
        const url = cfg.items.replace("{layer}", encodeURIComponent(id)) + "?" +
          new URLSearchParams({ bbox, limit: cfg.limit, f: "json" });
        return fetch(url, { signal: controller.signal, credentials: "omit", headers: { Accept: "application/geo+json" } })
          .then((r) => (r.ok ? r.json() : Promise.reject(new Error(String(r.status)))))
          .then((fc) => {
            if (fc.numberMatched > fc.features.length) return showRaster(id);
            map.removeLayer(rasters[id]);
            drawMarkers(id, fc.features);
          })
          .catch((err) => {
            if (err.name !== "AbortError") state.errors.push(String(err));
          });
      });
      Promise.all(jobs).then(() => {
        state.refreshes += 1;
        state.markers = ids.reduce((n, id) => n + shown[id].length, 0);
        state.raster = ids.filter((id) => map.hasLayer(rasters[id]));
        say();
        panel.update();
        state.done = true;
        document.body.dataset.ready = String(state.refreshes);
      });
    }

    function showRaster(id) {
      groups[id].clearLayers();
      shown[id] = [];
      if (!map.hasLayer(rasters[id])) rasters[id].addTo(map);
    }

    function drawMarkers(id, features) {
      const group = groups[id];
      group.clearLayers();
      const markers = features.map((f) => marker(id, f));
      if (group.addLayers) group.addLayers(markers);
      else markers.forEach((m) => group.addLayer(m));
      shown[id] = features.map((f, i) => ({ feature: f, marker: markers[i] }));
    }

    function marker(id, f) {
      const p = f.properties;
      const dot = document.createElement("span");
      dot.className = "sm-pin";
      dot.style.setProperty("--swatch", cfg.layers[id].colour);
      const m = L.marker([f.geometry.coordinates[1], f.geometry.coordinates[0]], {
        icon: L.divIcon({ className: "sm-pin-box sm-" + id, html: dot, iconSize: [20, 20], iconAnchor: [10, 10] }),
        title: p.name,
        alt: p.name,
      });
      m.bindPopup(() => popup(id, f));
      return m;
    }

    function clusterIcon(id, cluster) {
      const count = cluster.getChildCount();
      const size = count < 10 ? 30 : count < 100 ? 36 : 42;
      const badge = document.createElement("span");
      badge.className = "sm-cluster";
      badge.textContent = String(count);
      badge.style.setProperty("--swatch", cfg.layers[id].colour);
      badge.style.width = badge.style.height = size + "px";
      return L.divIcon({ html: badge, className: "sm-pin-box", iconSize: [size, size] });
    }

    function popup(id, f) {
      const p = f.properties;
      const [lon, lat] = f.geometry.coordinates;
      const box = el("div", { class: "sm-popup" }, [el("strong", {}, p.name), el("p", { class: "sm-muted" }, cfg.layers[id].title)]);
      if (p.address) box.append(el("p", {}, p.address));
      const facts = [T["fee." + (p.fee || "unknown")]];
      if (p.wheelchair === true) facts.push("♿ " + T.wheelchair_yes);
      box.append(el("p", {}, facts.join(" · ")));
      if (p.opening_hours_raw) box.append(el("p", {}, T.hours + ": " + p.opening_hours_raw));
      const links = el("p");
      links.append(el("a", { href: kakaoUrl(p.name, lat, lon), target: "_blank", rel: "noopener" }, T.kakao));
      if (p.phone) links.append(" · ", el("a", { href: "tel:" + p.phone.replace(/[^0-9+]/g, "") }, T.call.replace("{phone}", p.phone)));
      const details = cfg.itemUrl.replace("{layer}", id).replace("{id}", encodeURIComponent(f.id));
      links.append(" · ", el("a", { href: details + "?f=html&lang=" + cfg.lang, target: "_blank", rel: "noopener" }, T.details));
      box.append(links);
      return box;
    }

    function say() {
      const node = status.getContainer();
      if (state.raster.length) node.textContent = T.zoom_in;
      else if (state.errors.length) node.textContent = T.load_failed;
      else node.textContent = T.shown.replace("{n}", state.markers);
    }

    // -- the list view: the same places as the markers, as buttons ------------------------------
    function listControl() {
      const wrap = el("div");
      const button = el("button", { type: "button", class: "sm-list-button", "aria-expanded": "false", "aria-controls": "sm-list" }, T.list);
      const box = el("div", { class: "sm-list", id: "sm-list", role: "region", "aria-label": T.list_title, hidden: "" });
      const close = el("button", { type: "button", class: "sm-close" }, T.close);
      const items = el("ol");
      box.append(el("h2", {}, [T.list_title, close]), items);
      wrap.append(button, box);
      const toggle = (open) => {
        box.hidden = !open;
        button.setAttribute("aria-expanded", String(open));
        (open ? close : button).focus();
      };
      button.addEventListener("click", () => toggle(box.hidden));
      close.addEventListener("click", () => toggle(false));
      box.addEventListener("keydown", (e) => e.key === "Escape" && toggle(false));
      const c = control("topleft", () => wrap);
      L.DomEvent.disableClickPropagation(c.getContainer());
      L.DomEvent.disableScrollPropagation(c.getContainer());
      return {
        update() {
          items.replaceChildren();
          for (const id of ids) {
            for (const { feature, marker: m } of shown[id]) {
              const b = el("button", { type: "button" }, feature.properties.name);
              b.addEventListener("click", () => {
                const group = groups[id];
                const open = () => m.openPopup();
                if (group.zoomToShowLayer) group.zoomToShowLayer(m, open);
                else { map.panTo(m.getLatLng()); open(); }
              });
              items.append(el("li", {}, [b, " ", el("small", {}, cfg.layers[id].title)]));
            }
          }
          if (!items.children.length) items.append(el("li", {}, state.raster.length ? T.zoom_in : T.shown.replace("{n}", 0)));
        },
      };
    }

    function control(position, build) {
      const C = L.Control.extend({ onAdd: build });
      return new C({ position }).addTo(map);
    }
  }

  function kakaoUrl(name, lat, lon) {
    return `https://map.kakao.com/link/to/${encodeURIComponent(name.replace(/,/g, " "))},${lat},${lon}`;
  }

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (children !== undefined) node.append(...[].concat(children));
    return node;
  }

  window.sharemapEmbed = { start, state: null };
})();
