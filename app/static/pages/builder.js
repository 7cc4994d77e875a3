// /embed/builder: the form's values become an /embed URL, shown in the preview frame and in the
// copy-paste <iframe> snippet. Moving the preview map (it posts its view to this page) copies
// its centre and zoom into the form.
(function () {
  "use strict";

  const cfg = JSON.parse(document.getElementById("sharemap-config").textContent);
  const $ = (id) => document.getElementById(id);
  const fields = ["lat", "lon", "zoom", "height"];
  for (const name of fields) $(name).value = cfg.defaults[name];
  let timer = null;

  function params() {
    const layers = [...document.querySelectorAll('input[name="layer"]:checked')].map((b) => b.value);
    const q = new URLSearchParams();
    // without layers= the widget shows the first-view layers
    const firstView = layers.length === cfg.firstView.length && layers.every((id) => cfg.firstView.includes(id));
    if (layers.length && !firstView) q.set("layers", layers.join(","));
    q.set("lat", Number($("lat").value).toFixed(5));
    q.set("lon", Number($("lon").value).toFixed(5));
    q.set("zoom", $("zoom").value);
    q.set("height", $("height").value);
    if ($("widget-lang").value !== "ko") q.set("lang", $("widget-lang").value);
    if (!$("cluster").checked) q.set("cluster", "false");
    return q;
  }

  function escapeAttr(text) {
    return text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
  }

  function update(reloadPreview) {
    const q = params();
    const height = Number($("height").value) || cfg.defaults.height;
    const src = cfg.embedUrl + "?" + q;
    $("snippet").value =
      `<iframe src="${escapeAttr(src)}" title="${escapeAttr(cfg.text.widget_title)}" ` +
      `width="100%" height="${height}" style="border:0" loading="lazy"></iframe>`;
    if (reloadPreview) {
      $("preview").style.height = height + "px";
      $("preview").src = cfg.embedPath + "?" + q;
    }
  }

  $("builder").addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => update(true), 400);
  });
  $("builder").addEventListener("submit", (e) => e.preventDefault());

  window.addEventListener("message", (e) => {
    if (e.origin !== window.location.origin || !e.data || e.data.type !== "sharemap:view") return;
    $("lat").value = e.data.lat.toFixed(5);
    $("lon").value = e.data.lon.toFixed(5);
    $("zoom").value = e.data.zoom;
    update(false);
  });

  $("copy").addEventListener("click", async () => {
    const text = $("snippet").value;
    try {
      await navigator.clipboard.writeText(text);
    } catch (err) {
      $("snippet").select();
      document.execCommand("copy");
    }
    $("copy-status").textContent = cfg.text.copied || "";
  });

  update(true);
})();
