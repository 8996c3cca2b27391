// The evidence viewer of the case screen: thumbnails, zoom and rotation, and the zones of a mail
// form's fields drawn over the page (an SVG in the page's reading pixels, stretched over the image,
// turned and zoomed with it). No library.
(function () {
  "use strict";
  var page = document.getElementById("page");
  if (!page) { return; }
  var sheet = document.getElementById("sheet");
  var viewer = document.getElementById("viewer");
  var caption = document.getElementById("caption");
  var level = document.getElementById("zoom-level");
  var thumbs = Array.prototype.slice.call(document.querySelectorAll(".thumb"));
  var layers = Array.prototype.slice.call(document.querySelectorAll("svg.zones"));
  var zoom = 1, angle = 0, current = null, pending = null;

  function apply() {
    // Zoom by width (the scroll area grows with it); rotate about the centre; the zones follow.
    sheet.style.width = Math.round(zoom * 100) + "%";
    sheet.style.transform = angle ? "rotate(" + angle + "deg)" : "";
    level.textContent = Math.round(zoom * 100) + "%" + (angle ? "・" + angle + "°" : "");
  }
  function show(thumb, keepView) {
    current = thumb;
    thumbs.forEach(function (t) { t.classList.toggle("active", t === thumb); });
    var doc = thumb.getAttribute("data-doc"), no = thumb.getAttribute("data-page");
    layers.forEach(function (l) {
      l.classList.toggle("on", l.getAttribute("data-doc") === doc && l.getAttribute("data-page") === no);
    });
    page.src = thumb.getAttribute("data-full");
    caption.textContent = thumb.getAttribute("data-caption");
    if (!keepView) { zoom = 1; angle = 0; }
    apply();
  }
  function bringIntoView(zone) {
    var box = zone.getBoundingClientRect(), area = viewer.getBoundingClientRect();
    viewer.scrollTop += box.top - area.top - (area.height - box.height) / 2;
    viewer.scrollLeft += box.left - area.left - (area.width - box.width) / 2;
  }
  function highlight(key, scroll) {
    var zone = null;
    layers.forEach(function (l) {
      Array.prototype.forEach.call(l.querySelectorAll("polygon"), function (p) {
        var on = p.getAttribute("data-field") === key;
        p.classList.toggle("hl", on);
        if (on && !zone) { zone = p; }
      });
    });
    document.querySelectorAll("tr.zoned").forEach(function (r) {
      r.classList.toggle("hl", r.getAttribute("data-field") === key);
    });
    if (!zone || !scroll) { return zone; }
    var layer = zone.ownerSVGElement;
    var thumb = thumbs.filter(function (t) {
      return t.getAttribute("data-doc") === layer.getAttribute("data-doc") &&
        t.getAttribute("data-page") === layer.getAttribute("data-page");
    })[0];
    if (thumb && thumb !== current) {
      show(thumb, true);
    }
    if (page.complete && page.naturalWidth > 0) { bringIntoView(zone); } else { pending = zone; }
    return zone;
  }
  page.addEventListener("load", function () {
    if (pending) { bringIntoView(pending); pending = null; }
  });
  thumbs.forEach(function (t) { t.addEventListener("click", function () { show(t, false); }); });
  document.querySelectorAll(".toolbar button").forEach(function (b) {
    b.addEventListener("click", function () {
      var act = b.getAttribute("data-act");
      if (act === "zoom-in") { zoom = Math.min(zoom * 1.25, 5); }
      if (act === "zoom-out") { zoom = Math.max(zoom / 1.25, 0.3); }
      if (act === "rotate") { angle = (angle + 90) % 360; }
      if (act === "reset") { zoom = 1; angle = 0; }
      apply();
    });
  });
  // A field of the data list: hovering shows its zone, clicking "記入欄" also brings its page into view.
  document.querySelectorAll("tr.zoned").forEach(function (row) {
    var key = row.getAttribute("data-field");
    row.addEventListener("mouseenter", function () { highlight(key, true); });
  });
  document.querySelectorAll("button.locate").forEach(function (b) {
    b.addEventListener("click", function () { highlight(b.getAttribute("data-locate"), true); });
  });
  // A zone clicked on the page: its row in the data list.
  layers.forEach(function (l) {
    l.addEventListener("click", function (e) {
      var key = e.target.getAttribute && e.target.getAttribute("data-field");
      if (!key) { return; }
      highlight(key, false);
      var row = document.querySelector("tr.zoned[data-field='" + key.replace(/'/g, "") + "']");
      if (row) { row.scrollIntoView({ block: "center" }); }
    });
  });
  if (thumbs.length) { show(thumbs[0], false); }
})();
