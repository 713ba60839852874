/* Loa player: <div data-loa-article="ID"></div><script src=".../player.js" async></script> */
(function () {
  "use strict";
  var script = document.currentScript;
  var origin = script ? new URL(script.src, location.href).origin : location.origin;

  function fmt(t) {
    if (!isFinite(t) || t < 0) t = 0;
    t = Math.floor(t);
    var h = Math.floor(t / 3600), m = Math.floor((t % 3600) / 60), s = t % 60;
    return (h ? h + ":" + (m < 10 ? "0" : "") : "") + m + ":" + (s < 10 ? "0" : "") + s;
  }

  function mount(el) {
    var id = el.getAttribute("data-loa-article");
    if (!id || el.getAttribute("data-loa-mounted")) return;
    el.setAttribute("data-loa-mounted", "1");
    el.classList.add("loa-player");
    el.innerHTML = '<button type="button" class="loa-play" aria-label="Nghe">▶</button>' +
      '<span class="loa-time" aria-live="off"><span class="loa-cur">0:00</span> / <span class="loa-dur">0:00</span></span>';
    var btn = el.querySelector(".loa-play"), cur = el.querySelector(".loa-cur"), dur = el.querySelector(".loa-dur");
    var audio = new Audio();
    audio.preload = "metadata";
    fetch(origin + "/articles/" + encodeURIComponent(id) + ".json").then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.json();
    }).then(function (info) {
      var src = info.audio_url || info.progressive_url;
      if (!src) { el.hidden = true; return; }
      audio.src = src;
      if (info.duration_ms) dur.textContent = fmt(info.duration_ms / 1000);
      el.setAttribute("data-loa-state", "ready");
    }).catch(function () { el.hidden = true; });
    audio.addEventListener("loadedmetadata", function () { if (isFinite(audio.duration)) dur.textContent = fmt(audio.duration); });
    audio.addEventListener("timeupdate", function () { cur.textContent = fmt(audio.currentTime); });
    audio.addEventListener("play", function () { btn.textContent = "❚❚"; btn.setAttribute("aria-label", "Tạm dừng"); });
    audio.addEventListener("pause", function () { btn.textContent = "▶"; btn.setAttribute("aria-label", "Nghe"); });
    btn.addEventListener("click", function () { if (audio.paused) audio.play(); else audio.pause(); });
  }

  function init() {
    var els = document.querySelectorAll("[data-loa-article]");
    for (var i = 0; i < els.length; i++) mount(els[i]);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
