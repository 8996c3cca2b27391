// The evidence viewer of the case screen: thumbnails, zoom and rotation. No library.
(function () {
  "use strict";
  var page = document.getElementById("page");
  if (!page) { return; }
  var caption = document.getElementById("caption");
  var level = document.getElementById("zoom-level");
  var thumbs = Array.prototype.slice.call(document.querySelectorAll(".thumb"));
  var zoom = 1, angle = 0;

  function apply() {
    // Zoom by width (the scroll area grows with it); rotate about the centre.
    page.style.width = Math.round(zoom * 100) + "%";
    page.style.transform = angle ? "rotate(" + angle + "deg)" : "";
    level.textContent = Math.round(zoom * 100) + "%" + (angle ? "・" + angle + "°" : "");
  }
  function show(thumb) {
    thumbs.forEach(function (t) { t.classList.toggle("active", t === thumb); });
    page.src = thumb.getAttribute("data-full");
    caption.textContent = thumb.getAttribute("data-caption");
    zoom = 1; angle = 0; apply();
  }
  thumbs.forEach(function (t) { t.addEventListener("click", function () { show(t); }); });
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
  if (thumbs.length) { show(thumbs[0]); }
})();
