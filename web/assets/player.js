/* Loa player. A host page adds <div data-loa-article="ID"></div> (or
   data-loa-url="PAGE", or neither: the page's canonical URL) and <script src="https://LOA/player.js" async></script>; web/README.md has the
   options. No dependencies, no cookies; preferences live in localStorage. */
(function (w, d) {
  "use strict";
  if (w.LoaPlayer) { w.LoaPlayer.scan(); return; }
  var STYLE = "__LOA_CSS__", CSS_PATH = "__LOA_CSS_PATH__", MARKUP = "__LOA_HTML__";
  var me = d.currentScript;
  var BASE = (me && me.getAttribute("data-loa-base")) || (me && me.src ? new URL(me.src, location.href).origin : location.origin);
  var RATES = [0.75, 1, 1.25, 1.5, 1.75, 2];
  var TEXT = {
    vi: { play: "Nghe bài viết", pause: "Tạm dừng", back: "Lùi 15 giây", fwd: "Tới 15 giây", seek: "Vị trí phát",
      rate: "Tốc độ phát", resume: "Nghe tiếp từ ", building: "Đang tạo âm thanh…", now: "Nghe phần đã có",
      error: "Không phát được âm thanh", group: "Trình phát âm thanh", of: " / ", dec: "," },
    en: { play: "Listen to this article", pause: "Pause", back: "Back 15 seconds", fwd: "Forward 15 seconds", seek: "Playback position",
      rate: "Playback speed", resume: "Resume from ", building: "Generating audio…", now: "Listen to what is ready",
      error: "The audio could not be played", group: "Audio player", of: " / ", dec: "." }
  };
  var HL = !!(w.CSS && CSS.highlights && w.Highlight);
  var reduce = w.matchMedia ? w.matchMedia("(prefers-reduced-motion: reduce)") : { matches: false };
  var players = [], cssDone = false, userScroll = 0;

  function store(k, v) {
    try {
      if (v === undefined) return w.localStorage.getItem(k);
      if (v === null) w.localStorage.removeItem(k); else w.localStorage.setItem(k, String(v));
    } catch (e) { return null; }
  }
  function fmt(t) {
    if (!isFinite(t) || t < 0) t = 0;
    t = Math.floor(t);
    var h = Math.floor(t / 3600), m = Math.floor(t / 60) % 60, s = t % 60;
    return (h ? h + ":" + (m < 10 ? "0" : "") : "") + m + ":" + (s < 10 ? "0" : "") + s;
  }
  function norm(s) { return s.replace(/\s+/g, " ").trim(); }
  function hashTime() {
    var m = /(?:^#|&)loa-t=(\d+(?:\.\d+)?)/.exec(location.hash);
    return m ? +m[1] : -1;
  }
  function installCSS() {
    if (cssDone || d.querySelector("link[data-loa-css]")) return;
    cssDone = true;
    try {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(STYLE);
      d.adoptedStyleSheets = d.adoptedStyleSheets.concat([sheet]);
    } catch (e) {
      var l = d.createElement("link");
      l.rel = "stylesheet"; l.href = BASE + CSS_PATH;
      (d.head || d.documentElement).appendChild(l);
    }
  }
  // textIndex flattens an element's text with white space collapsed, keeping
  // for each character the text node and offset it came from.
  function textIndex(el) {
    var s = "", map = [], walk = d.createTreeWalker(el, NodeFilter.SHOW_TEXT), n, i, c;
    while ((n = walk.nextNode())) {
      if (n.parentNode.closest("[data-loa-article],[data-loa-url],script,style")) continue;
      for (i = 0; i < n.data.length; i++) {
        c = n.data[i];
        if (/\s/.test(c)) { if (!s || s[s.length - 1] === " ") continue; c = " "; }
        s += c; map.push([n, i]);
      }
    }
    return { s: s, map: map };
  }

  function mount(el) {
    if (el.loaPlayer) return el.loaPlayer;
    // Without an id the article is looked up by its page's URL; the player
    // stays hidden until that finds one.
    var id = el.getAttribute("data-loa-article"), canon = d.querySelector("link[rel~=canonical][href]"),
      page = id ? "" : el.getAttribute("data-loa-url") || (canon ? canon.href : location.href.split("#")[0]);
    installCSS();
    var langEl = el.closest("[lang]"), lang = langEl ? langEl.getAttribute("lang") : "";
    var T = TEXT[/^en\b/i.test(lang) ? "en" : "vi"];
    el.classList.add("loa-player");
    el.classList.remove("loa-skeleton");
    el.innerHTML = MARKUP;
    if (page) el.hidden = true;
    if (!el.getAttribute("role")) el.setAttribute("role", "group");
    el.setAttribute("aria-label", T.group);
    function q(s) { return el.querySelector(s); }
    var playBtn = q(".loa-play"), bar = q(".loa-bar"), fill = q(".loa-fill"), knob = q(".loa-knob"),
      curEl = q(".loa-cur"), durEl = q(".loa-dur"), resumeBtn = q(".loa-resume"), msg = q(".loa-msg"), rateBtn = q(".loa-rate");
    [].forEach.call(el.querySelectorAll("[data-l]"), function (b) { b.setAttribute("aria-label", T[b.getAttribute("data-l")]); });
    var audio = d.createElement("audio");
    audio.preload = "metadata";
    el.appendChild(audio);
    var first = !players.length, info = null, total = 0, key = "", sent = {}, savedAt = 0, progressive = false,
      dragging = false, marked = false, rate = +store("loa:rate"), poll = 0, busy = 0;
    if (RATES.indexOf(rate) < 0) rate = 1;
    var follow = el.getAttribute("data-loa-follow"), timings = null, blocks = null, ranges = {}, indexes = new Map(),
      current = -1, readingEl = null;

    function state(s) { el.setAttribute("data-loa-state", s); }
    function say(s) { msg.textContent = s; }
    function dur() { var x = audio.duration; return isFinite(x) && x > 0 ? x : total; }
    function enable(on) {
      [].forEach.call(el.querySelectorAll("button"), function (b) { b.disabled = !on; });
      bar.tabIndex = on && !progressive ? 0 : -1;
      bar.setAttribute("aria-disabled", on && !progressive ? "false" : "true");
    }
    function paint(t) {
      if (t == null) t = audio.currentTime;
      var D = dur(), f = D ? Math.min(1, t / D) : 0;
      curEl.textContent = fmt(t);
      fill.style.width = knob.style.left = f * 100 + "%";
      bar.setAttribute("aria-valuenow", Math.round(t));
      bar.setAttribute("aria-valuemax", Math.round(D));
      bar.setAttribute("aria-valuetext", fmt(t) + T.of + fmt(D));
    }
    function setRate(r, save) {
      rate = r;
      audio.defaultPlaybackRate = audio.playbackRate = r;
      var label = String(r).replace(".", T.dec) + "×";
      rateBtn.textContent = label;
      rateBtn.setAttribute("aria-label", T.rate + ": " + label);
      if (save) store("loa:rate", r);
    }
    function seek(t) {
      var D = dur();
      if (!D || progressive) return;
      t = Math.max(0, Math.min(D - 0.1, t));
      audio.currentTime = t;
      paint(t);
      track(t);
    }
    function start(at) {
      if (!audio.src) {
        if (!info || !info.progressive_url) return;
        progressive = true;
        audio.src = info.progressive_url;
        setRate(rate);
        enable(true);
      }
      if (at != null) seek(at);
      resumeBtn.hidden = true;
      players.forEach(function (p) { if (p.audio !== audio) p.audio.pause(); });
      var p = audio.play();
      if (p && p.catch) p.catch(function (e) { if (e && e.name !== "AbortError") say(T.error); });
    }
    function toggle() { if (audio.paused) start(); else audio.pause(); }
    function save() {
      if (!key || progressive) return;
      var t = audio.currentTime, D = dur();
      store(key, t < 5 || t > D - 5 ? null : Math.floor(t));
    }
    function beacon(ev) {
      if (sent[ev]) return;
      sent[ev] = 1;
      var u = BASE + "/events", body = JSON.stringify({ article: id, event: ev });
      try { if (navigator.sendBeacon && navigator.sendBeacon(u, body)) return; } catch (e) { /* fall through */ }
      try { fetch(u, { method: "POST", body: body, keepalive: true, credentials: "omit" }).catch(function () {}); } catch (e) { /* best effort */ }
    }
    function media() {
      var ms = navigator.mediaSession;
      if (!ms || !w.MediaMetadata || !info) return;
      try {
        var art = el.getAttribute("data-loa-artwork") || info.artwork;
        ms.metadata = new MediaMetadata({ title: info.title || d.title, artist: info.site || location.hostname, album: "Loa",
          artwork: art ? [{ src: art, sizes: "512x512", type: info.artwork_type || "" }] : [] });
        var acts = {
          play: function () { start(); }, pause: function () { audio.pause(); },
          seekbackward: function (e) { seek(audio.currentTime - (e.seekOffset || 15)); },
          seekforward: function (e) { seek(audio.currentTime + (e.seekOffset || 15)); },
          seekto: function (e) { seek(e.seekTime); }
        };
        for (var a in acts) { try { ms.setActionHandler(a, acts[a]); } catch (e) { /* unsupported action */ } }
      } catch (e) { /* Media Session is an extra */ }
    }
    function mediaPosition() {
      var D = dur();
      try { if (D && !progressive && navigator.mediaSession.setPositionState) navigator.mediaSession.setPositionState({ duration: D, playbackRate: audio.playbackRate, position: Math.min(audio.currentTime, D) }); } catch (e) { /* ignore */ }
    }

    // Follow-along: map the timings' blocks to elements of the page, then
    // find each sentence's text inside its block when it is first read.
    function loadTimings() {
      if (follow === null || timings || !info || !info.timings_url) return;
      timings = { sentences: [] };
      fetch(info.timings_url, { credentials: "omit" }).then(function (r) { return r.ok ? r.json() : null; }).then(function (t) {
        if (!t || !t.sentences) return;
        timings = t;
        bind();
        track(audio.currentTime);
      }).catch(function () { /* no highlighting, playback unaffected */ });
    }
    function bind() {
      blocks = {}; ranges = {}; indexes = new Map();
      var explicit = !follow || follow === "blocks", els = [].slice.call(d.querySelectorAll(explicit ? "[data-loa-block]" : follow)), heads = {}, i = 0;
      if (explicit) els.forEach(function (e) { blocks[e.getAttribute("data-loa-block")] = e; });
      else {
        timings.sentences.forEach(function (s) { if (!(s.block in heads)) heads[s.block] = norm(s.text).slice(0, 40); });
        Object.keys(heads).sort(function (a, b) { return a - b; }).forEach(function (b) {
          for (var j = i; j < els.length; j++) if (norm(els[j].textContent).indexOf(heads[b]) >= 0) { blocks[b] = els[j]; i = j; return; }
        });
      }
      for (var b in blocks) blocks[b].classList.add("loa-followable");
    }
    function locate(s) {
      if (s.index in ranges) return ranges[s.index];
      var e = blocks && blocks[s.block], r = null;
      if (e && e.isConnected) {
        var ix = indexes.get(e), n = norm(s.text);
        if (!ix) { ix = textIndex(e); ix.from = 0; indexes.set(e, ix); }
        var at = ix.s.indexOf(n, ix.from);
        if (at < 0) at = ix.s.indexOf(n);
        if (at >= 0 && n) {
          var a = ix.map[at], z = ix.map[at + n.length - 1];
          r = d.createRange();
          r.setStart(a[0], a[1]);
          r.setEnd(z[0], z[1] + 1);
          ix.from = at + n.length;
        }
      }
      return (ranges[s.index] = r);
    }
    function track(t) {
      if (!timings || !blocks || !timings.sentences.length) return;
      var ss = timings.sentences, ms = t * 1000, k = -1;
      for (var i = 0; i < ss.length && ss[i].start_ms <= ms; i++) k = i;
      if (k === current) return;
      current = k;
      var s = ss[k], e = s ? blocks[s.block] : null, r = s ? locate(s) : null;
      el.setAttribute("data-loa-sentence", s ? s.index : "");
      if (readingEl && readingEl !== e) readingEl.classList.remove("loa-reading");
      if (e) e.classList.add("loa-reading");
      readingEl = e;
      if (HL) { if (r) CSS.highlights.set("loa-sentence", new Highlight(r)); else CSS.highlights.delete("loa-sentence"); }
      if (e && !audio.paused && Date.now() - userScroll > 4000) {
        var box = e.getBoundingClientRect();
        if (box.top < 0 || box.bottom > w.innerHeight) e.scrollIntoView({ block: "center", behavior: reduce.matches ? "auto" : "smooth" });
      }
    }
    function caret(x, y) {
      if (d.caretPositionFromPoint) { var p = d.caretPositionFromPoint(x, y); return p && [p.offsetNode, p.offset]; }
      if (d.caretRangeFromPoint) { var r = d.caretRangeFromPoint(x, y); return r && [r.startContainer, r.startOffset]; }
      return null;
    }
    function clickToPlay(ev) {
      if (!blocks || !timings || ev.defaultPrevented || ev.button || !el.isConnected || el.getAttribute("data-loa-state") !== "ready") return;
      var t = ev.target;
      if (!t.closest || t.closest("a,button,input,select,textarea,label,audio,video,[data-loa-article],[data-loa-url]")) return;
      var sel = w.getSelection && w.getSelection();
      if (sel && !sel.isCollapsed) return;
      var list = timings.sentences.filter(function (s) { var e = blocks[s.block]; return e && e.contains(t); });
      if (!list.length) return;
      var pick = list[0], at = caret(ev.clientX, ev.clientY);
      if (at) list.forEach(function (s) { var r = locate(s); try { if (r && r.comparePoint(at[0], at[1]) === 0) pick = s; } catch (e) { /* other tree */ } });
      start(pick.start_ms / 1000 + 0.01);
    }

    function ready(i) {
      var wasLive = progressive, t = audio.currentTime, playing = !audio.paused;
      progressive = false;
      total = i.duration_ms / 1000;
      key = "loa:pos:" + id + ":" + i.version;
      audio.src = i.audio_url;
      setRate(rate);
      durEl.textContent = fmt(total);
      state("ready"); say(""); enable(true); paint(0);
      var deep = first ? hashTime() : -1, saved = +store(key);
      if (wasLive) { seek(t); if (playing) start(); }
      else if (deep >= 0) seek(deep);
      else if (saved >= 5 && saved < total - 5) {
        resumeBtn.textContent = T.resume + fmt(saved);
        resumeBtn.setAttribute("data-t", saved);
        resumeBtn.hidden = false;
      }
      beacon("load");
      loadTimings();
      if (!marked) {
        marked = true;
        try { performance.mark("loa-player-ready"); } catch (e) { /* old browsers */ }
        el.dispatchEvent(new CustomEvent("loa:ready", { bubbles: true, detail: { id: id, version: i.version } }));
      }
    }
    function building(i) {
      state("building");
      say(T.building + " " + Math.round((i.progress || 0) * 100) + "%");
      // A page fetched on demand has nothing to play until it is an article.
      playBtn.disabled = !i.progressive_url && !progressive;
      if (!progressive) playBtn.setAttribute("aria-label", T.now);
    }
    function hide() {
      clearTimeout(poll);
      state("hidden");
      el.hidden = true;
      audio.removeAttribute("src");
    }
    function load() {
      fetch(BASE + (id ? "/articles/" + encodeURIComponent(id) + ".json" : "/player/info.json?url=" + encodeURIComponent(page)), { credentials: "omit", cache: "no-cache" }).then(function (r) {
        if (r.status === 404 || r.status === 400) return null;
        // On-demand pages of a busy site: stay hidden and ask again, a few times.
        if (r.status === 429 && !info && busy++ < 5) {
          poll = setTimeout(load, Math.min(60, Math.max(1, +r.headers.get("Retry-After") || 10)) * 1000);
          return 0;
        }
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      }).then(function (i) {
        if (i === 0) return;
        var live = i && (i.status === "queued" || i.status === "synthesizing");
        if (i) { info = i; id = i.id; }
        if (i && (i.audio_url || live)) el.hidden = false;
        if (i && i.audio_url) { if (!key || progressive) ready(i); media(); }
        else if (live) building(i);
        else if (!progressive || audio.paused) return hide();
        if (live && !i.audio_url) poll = setTimeout(load, 2500);
      }).catch(function () {
        if (!info) hide(); else poll = setTimeout(load, 5000);
      });
    }

    audio.addEventListener("loadedmetadata", function () {
      if (!progressive && isFinite(audio.duration)) durEl.textContent = fmt(audio.duration);
      paint();
    });
    audio.addEventListener("timeupdate", function () {
      var t = audio.currentTime, D = dur();
      if (!dragging) paint(t);
      track(t);
      if (!audio.paused && Date.now() - savedAt > 3000) { savedAt = Date.now(); save(); mediaPosition(); }
      if (sent.play && D && !progressive) [25, 50, 75].forEach(function (p) { if (t / D * 100 >= p) beacon(String(p)); });
    });
    audio.addEventListener("play", function () {
      el.setAttribute("data-loa-playing", "");
      playBtn.setAttribute("aria-label", T.pause);
      beacon("play"); media(); mediaPosition();
      if (navigator.mediaSession) navigator.mediaSession.playbackState = "playing";
    });
    audio.addEventListener("pause", function () {
      el.removeAttribute("data-loa-playing");
      playBtn.setAttribute("aria-label", progressive || key ? T.play : T.now);
      save();
      if (navigator.mediaSession) navigator.mediaSession.playbackState = "paused";
    });
    audio.addEventListener("ended", function () {
      if (progressive) return;
      beacon("100");
      store(key, null);
    });
    audio.addEventListener("ratechange", function () { if (audio.playbackRate !== rate) setRate(audio.playbackRate); });
    audio.addEventListener("error", function () {
      if (!audio.getAttribute("src")) return;
      if (!sent.play) hide(); else say(T.error);
    });
    w.addEventListener("pagehide", save);

    playBtn.addEventListener("click", toggle);
    resumeBtn.addEventListener("click", function () { start(+resumeBtn.getAttribute("data-t")); });
    rateBtn.addEventListener("click", function () { setRate(RATES[(RATES.indexOf(rate) + 1) % RATES.length], true); });
    [].forEach.call(el.querySelectorAll("[data-skip]"), function (b) {
      b.addEventListener("click", function () { seek(audio.currentTime + +b.getAttribute("data-skip")); });
    });
    function fraction(e) { var r = bar.getBoundingClientRect(); return Math.max(0, Math.min(1, (e.clientX - r.left) / r.width)); }
    bar.addEventListener("pointerdown", function (e) {
      if (!dur() || progressive || bar.getAttribute("aria-disabled") === "true") return;
      dragging = true;
      try { bar.setPointerCapture(e.pointerId); } catch (x) { /* synthetic pointer */ }
      paint(fraction(e) * dur());
      bar.focus();
      e.preventDefault();
    });
    bar.addEventListener("pointermove", function (e) { if (dragging) paint(fraction(e) * dur()); });
    bar.addEventListener("pointerup", function (e) { if (dragging) { dragging = false; seek(fraction(e) * dur()); } });
    bar.addEventListener("pointercancel", function () { dragging = false; paint(); });
    el.addEventListener("keydown", function (e) {
      if (e.altKey || e.ctrlKey || e.metaKey || !audio.getAttribute("src") && !info) return;
      var k = e.key, t = audio.currentTime, onButton = e.target.tagName === "BUTTON", onBar = e.target === bar, i = RATES.indexOf(rate);
      if (k === " " && !onButton || k === "k" || k === "K") toggle();
      else if (k === "ArrowLeft" || onBar && k === "ArrowDown") seek(t - 5);
      else if (k === "ArrowRight" || onBar && k === "ArrowUp") seek(t + 5);
      else if (k === "j" || k === "J" || onBar && k === "PageDown") seek(t - 15);
      else if (k === "l" || k === "L" || onBar && k === "PageUp") seek(t + 15);
      else if (onBar && k === "Home") seek(0);
      else if (onBar && k === "End") seek(dur());
      else if (k === "<" || k === ">") setRate(RATES[Math.max(0, Math.min(RATES.length - 1, i + (k === ">" ? 1 : -1)))], true);
      else return;
      e.preventDefault();
    });
    if (follow !== null) d.addEventListener("click", clickToPlay);

    setRate(rate);
    state("loading");
    var api = {
      el: el, audio: audio,
      seekTo: function (t, play) { if (play) start(t); else seek(t); }
    };
    el.loaPlayer = api;
    players.push(api);
    load();
    return api;
  }

  function scan() { [].forEach.call(d.querySelectorAll("[data-loa-article],[data-loa-url]"), mount); }
  ["wheel", "touchmove"].forEach(function (t) { w.addEventListener(t, function () { userScroll = Date.now(); }, { passive: true }); });
  w.addEventListener("keydown", function (e) {
    if (/^(Page|Arrow(Up|Down)|Home|End| )/.test(e.key) && !(e.target.closest && e.target.closest("[data-loa-article],[data-loa-url]"))) userScroll = Date.now();
  });
  w.addEventListener("hashchange", function () {
    var t = hashTime(), p = players[0];
    if (p && t >= 0) p.seekTo(t, !p.audio.paused);
  });
  w.LoaPlayer = { mount: mount, scan: scan };
  if (d.readyState === "loading") d.addEventListener("DOMContentLoaded", scan); else scan();
})(window, document);
