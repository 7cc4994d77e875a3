// The phone page /near: choose a point (geolocation, a tap on the map, or a place search via
// /api/places), then list the nearest features of each chosen layer from /api/near, with the
// same numbered markers on the Leaflet map. Everything is built with DOM calls (no innerHTML
// of data) and every request goes to this app.
(function () {
  "use strict";

  const cfg = JSON.parse(document.getElementById("sharemap-config").textContent);
  const T = cfg.text;
  const $ = (id) => document.getElementById(id);
  const state = { lat: null, lon: null, where: "", seq: 0, markers: new Map(), labels: null };
  const RADIUS_M = 20000;
  const FIT_NEAREST = 5;
  const MOBILE = /Android|iPhone|iPad|iPod/i.test(navigator.userAgent);

  // -- the map ---------------------------------------------------------------------------------
  const map = L.map("map", { minZoom: 6, maxZoom: cfg.basemap.maxZoom }).setView(
    [cfg.start.lat, cfg.start.lon],
    cfg.start.zoom
  );
  map.attributionControl.setPrefix(false);
  L.tileLayer(cfg.basemap.url, {
    attribution: cfg.basemap.attribution,
    maxZoom: cfg.basemap.maxZoom,
  }).addTo(map);
  map.attributionControl.addAttribution(`<a href="#sources">${T.data_credit}</a>`);
  const markerLayer = L.layerGroup().addTo(map);
  let hereMarker = null;

  map.on("click", (e) => choose(e.latlng.lat, e.latlng.lng, T.chosen_point));

  // -- choosing a point --------------------------------------------------------------------------
  $("locate").addEventListener("click", locate);
  $("place-search").addEventListener("submit", (e) => {
    e.preventDefault();
    searchPlaces($("q").value.trim());
  });
  document.querySelectorAll('input[name="layer"]').forEach((box) => {
    box.checked = cfg.chosen.includes(box.value);
    box.addEventListener("change", refresh);
  });
  ["open_now", "free", "wheelchair"].forEach((id) => $(id).addEventListener("change", refresh));

  function locate() {
    if (!("geolocation" in navigator)) return say(T.geo_unsupported);
    if (!window.isSecureContext) return say(T.geo_insecure);
    say(T.locating);
    navigator.geolocation.getCurrentPosition(
      (pos) => choose(pos.coords.latitude, pos.coords.longitude, T.my_location),
      (err) => say(err.code === 1 ? T.geo_denied : T.geo_failed),
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  }

  function choose(lat, lon, where) {
    state.lat = lat;
    state.lon = lon;
    state.where = where;
    const here = [lat, lon];
    if (hereMarker) hereMarker.setLatLng(here);
    else {
      hereMarker = L.marker(here, {
        icon: L.divIcon({ className: "here-marker", iconSize: [22, 22] }),
        title: T.you_are_here,
        alt: T.you_are_here,
        keyboard: false,
        zIndexOffset: 1000,
      }).addTo(map);
    }
    map.setView(here, Math.max(map.getZoom(), 15));
    refresh();
  }

  async function searchPlaces(q) {
    const list = $("places");
    list.replaceChildren();
    list.hidden = true;
    if (!q) return;
    say(T.searching_places);
    let body;
    try {
      body = await getJSON(cfg.api.places + "?" + new URLSearchParams({ q, limit: 8, lang: cfg.lang }));
    } catch (err) {
      return say(T.error.replace("{detail}", err.message));
    }
    const found = body.features;
    if (!found.length) return say(T.no_places);
    if (found.length === 1) return pickPlace(found[0]);
    for (const f of found) {
      const button = el("button", { type: "button", class: "place" }, placeLabel(f));
      button.addEventListener("click", () => pickPlace(f));
      list.append(el("li", {}, button));
    }
    list.hidden = false;
    say(T.places_found.replace("{n}", found.length));
    list.querySelector("button").focus();
  }

  function placeLabel(f) {
    const p = f.properties;
    const what = p.kind === "region" ? p.address : p.layer_title;
    return [el("strong", {}, p.name), " ", el("small", {}, [what, p.kind === "feature" && p.address ? " · " + p.address : ""].join(""))];
  }

  function pickPlace(f) {
    $("places").hidden = true;
    const p = f.properties;
    const [lon, lat] = f.geometry.coordinates;
    choose(lat, lon, p.kind === "region" ? `${p.address} ${p.name}` : p.name);
  }

  // -- the nearest features ----------------------------------------------------------------------
  function chosenLayers() {
    return [...document.querySelectorAll('input[name="layer"]:checked')].map((b) => b.value);
  }

  function nearUrl(layer) {
    const q = new URLSearchParams({
      lat: state.lat.toFixed(6),
      lon: state.lon.toFixed(6),
      layers: layer,
      limit: cfg.perLayer,
      lang: cfg.lang,
    });
    for (const id of ["open_now", "free", "wheelchair"]) if ($(id).checked) q.set(id, "true");
    return cfg.api.near + "?" + q;
  }

  async function refresh() {
    if (state.lat === null) return;
    const layers = chosenLayers();
    const seq = ++state.seq;
    if (!layers.length) {
      render([], [], {});
      return say(T.choose_layer);
    }
    say(T.searching);
    document.body.dataset.loading = "1";
    let bodies;
    try {
      bodies = await Promise.all(layers.map((id) => getJSON(nearUrl(id))));
    } catch (err) {
      if (seq === state.seq) {
        delete document.body.dataset.loading;
        render([], [], {});
        say(T.error.replace("{detail}", err.message));
      }
      return;
    }
    if (seq !== state.seq) return; // a newer request won
    const features = bodies
      .flatMap((b) => b.features)
      .sort((a, b) => a.properties.distance_m - b.properties.distance_m || (a.id < b.id ? -1 : 1));
    const empty = layers.filter((id, i) => bodies[i].features.length === 0);
    const unknown = bodies.reduce((n, b) => n + (b.unknown_hours_excluded || 0), 0);
    render(features, empty, { unknown });
    delete document.body.dataset.loading;
    document.body.dataset.ready = "1";
  }

  function render(features, emptyLayers, extra) {
    const list = $("results");
    list.replaceChildren();
    markerLayer.clearLayers();
    state.markers.clear();
    const notes = $("notes");
    notes.replaceChildren();
    const radius = formatDistance(RADIUS_M);
    for (const id of emptyLayers) {
      notes.append(el("li", {}, T.layer_none.replace("{layer}", layerTitle(id)).replace("{radius}", radius)));
    }
    if (extra.unknown) notes.append(el("li", {}, T.unknown_excluded.replace("{n}", extra.unknown)));
    const summary = features.length
      ? T.near_here.replace("{where}", state.where).replace("{n}", features.length)
      : T.none_found.replace("{where}", state.where).replace("{radius}", radius);
    $("summary").textContent = state.lat === null ? "" : summary;
    say(state.lat === null ? "" : summary);
    features.forEach((f, i) => {
      list.append(resultItem(f, i + 1));
      addMarker(f, i + 1);
    });
    if (features.length) {
      // the nearest few and the point: farther results stay one pan away
      const bounds = L.latLngBounds(features.slice(0, FIT_NEAREST).map(latLng)).extend([state.lat, state.lon]);
      map.fitBounds(bounds, { padding: [28, 28], maxZoom: 17 });
    }
  }

  function resultItem(f, n) {
    const p = f.properties;
    const layer = cfg.layers[p.layer];
    const li = el("li", {
      class: "result",
      id: "result-" + n,
      "data-id": f.id,
      "data-layer": p.layer,
      "data-distance-m": p.distance_m,
    });
    const swatch = el("span", { class: "swatch", "aria-hidden": "true" });
    swatch.style.setProperty("--swatch", layer.colour);
    li.append(
      el("h3", { class: "name" }, [el("span", { class: "rank", "aria-hidden": "true" }, String(n)), p.name]),
      el("p", { class: "meta" }, [
        swatch,
        el("span", { class: "layer-title" }, layerTitle(p.layer)),
        " · ",
        el("strong", { class: "distance" }, formatDistance(p.distance_m)),
      ]),
      badges(p)
    );
    if (p.opening_hours_raw) li.append(el("p", { class: "hours" }, `${T.hours}: ${p.opening_hours_raw}`));
    if (p.address) li.append(el("p", { class: "address" }, p.address));
    li.append(actions(f, n));
    return li;
  }

  function badges(p) {
    const out = el("p", { class: "badges" });
    out.append(el("span", { class: "badge status-" + p.open_status }, T["open_status." + p.open_status]));
    out.append(el("span", { class: "badge fee-" + p.fee }, T["fee." + p.fee]));
    if (p.wheelchair === true) {
      out.append(el("span", { class: "badge wheelchair" }, [el("span", { "aria-hidden": "true" }, "♿ "), T.wheelchair_yes]));
    } else if (p.wheelchair === false) {
      out.append(el("span", { class: "badge no-wheelchair" }, T.wheelchair_no));
    }
    return out;
  }

  function actions(f, n) {
    const p = f.properties;
    const [lon, lat] = f.geometry.coordinates;
    const name = p.name;
    const box = el("p", { class: "actions" });
    box.append(
      el("a", { class: "kakao", href: kakaoUrl(name, lat, lon), target: "_blank", rel: "noopener" }, [T.kakao, el("span", { class: "sr-only" }, " " + T.opens_new)])
    );
    const web = naverWebUrl(name, lat, lon);
    const app = naverAppUrl(name, lat, lon);
    const naver = el(
      "a",
      { class: "naver", href: MOBILE ? app : web, "data-app-href": app, "data-web-href": web, target: MOBILE ? null : "_blank", rel: "noopener" },
      T.naver
    );
    naver.addEventListener("click", (e) => {
      if (!MOBILE) return;
      // the app's scheme does nothing without the app: open the web page if we are still here
      e.preventDefault();
      const started = Date.now();
      window.location.href = app;
      setTimeout(() => {
        if (!document.hidden && Date.now() - started < 2500) window.location.href = web;
      }, 1500);
    });
    box.append(naver);
    if (p.phone) {
      box.append(el("a", { class: "tel", href: "tel:" + p.phone.replace(/[^0-9+]/g, "") }, T.call.replace("{phone}", p.phone)));
    }
    const show = el("button", { type: "button", class: "show" }, T.show_on_map);
    show.addEventListener("click", () => {
      const marker = state.markers.get(n);
      map.setView(marker.getLatLng(), Math.max(map.getZoom(), 16));
      marker.openPopup();
      document.getElementById("map").scrollIntoView({ block: "nearest" });
    });
    box.append(show);
    const details = cfg.itemUrl.replace("{layer}", p.layer).replace("{id}", encodeURIComponent(f.id));
    box.append(el("a", { class: "details", href: details + "?f=html&lang=" + cfg.lang }, T.details));
    return box;
  }

  function addMarker(f, n) {
    const p = f.properties;
    const icon = document.createElement("span");
    icon.className = "pin";
    icon.textContent = String(n);
    icon.style.setProperty("--swatch", cfg.layers[p.layer].colour);
    const marker = L.marker(latLng(f), {
      icon: L.divIcon({ className: "pin-box", html: icon, iconSize: [30, 30], iconAnchor: [15, 15] }),
      title: `${n}. ${p.name}`,
      alt: `${n}. ${p.name}`,
      riseOnHover: true,
    });
    const popup = el("div", { class: "popup" }, [
      el("strong", {}, `${n}. ${p.name}`),
      el("br"),
      `${layerTitle(p.layer)} · ${formatDistance(p.distance_m)}`,
      el("br"),
    ]);
    const toList = el("a", { href: "#result-" + n }, T.show_in_list);
    toList.addEventListener("click", (e) => {
      e.preventDefault();
      const item = $("result-" + n);
      item.scrollIntoView({ block: "center" });
      item.querySelector("a, button").focus();
    });
    popup.append(toList);
    marker.bindPopup(popup);
    marker.addTo(markerLayer);
    state.markers.set(n, marker);
  }

  // -- links to the map apps -----------------------------------------------------------------------
  // Kakao's link parses "NAME,LAT,LNG": a comma in the name would shift the coordinates.
  function kakaoUrl(name, lat, lon) {
    return `https://map.kakao.com/link/to/${encodeURIComponent(name.replace(/,/g, " "))},${lat},${lon}`;
  }

  function naverAppUrl(name, lat, lon) {
    const q = new URLSearchParams({ dlat: lat, dlng: lon, dname: name, appname: cfg.appName });
    return "nmap://route/walk?" + q;
  }

  function naverWebUrl(name, lat, lon) {
    return `https://map.naver.com/p/directions/-/${lon},${lat},${encodeURIComponent(name.replace(/,/g, " "))},PLACE_POI/-/walk`;
  }

  // -- small helpers ---------------------------------------------------------------------------------
  // Layer titles and field labels come once per page from /api/layers (near-me answers leave
  // them out); the page's own config stands in until they arrive.
  function layerTitle(id) {
    const fetched = state.labels && state.labels.layers[id];
    return fetched ? fetched.title : cfg.layers[id].title;
  }

  function latLng(f) {
    return [f.geometry.coordinates[1], f.geometry.coordinates[0]];
  }

  function formatDistance(m) {
    return m < 1000 ? `${Math.round(m)} m` : `${(m / 1000).toFixed(1)} km`;
  }

  async function getJSON(url) {
    const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.detail || response.statusText);
    return body;
  }

  function say(message) {
    $("status").textContent = message;
  }

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) if (v !== null && v !== undefined) node.setAttribute(k, v);
    if (children !== undefined) node.append(...[].concat(children));
    return node;
  }

  // -- start ---------------------------------------------------------------------------------------------
  window.sharemapNear = { state, map };
  getJSON(cfg.api.layers + "?" + new URLSearchParams({ lang: cfg.lang }))
    .then((body) => {
      state.labels = body;
    })
    .catch(() => {});
  if (cfg.start.given) choose(cfg.start.lat, cfg.start.lon, T.chosen_point);
  else if (navigator.permissions && window.isSecureContext) {
    // ask nobody: locate at once only when the permission was already granted
    navigator.permissions
      .query({ name: "geolocation" })
      .then((status) => status.state === "granted" && locate())
      .catch(() => {});
  }
})();
