/* Loa editor dashboard. The editor token lives in sessionStorage and goes
   out as "Authorization: Bearer"; every piece of article text reaches the
   page through textContent, never as markup. */
(function (w, d) {
  "use strict";
  var TOKEN_KEY = "loa:token";
  var STATUS = { queued: "Đang chờ", synthesizing: "Đang tạo", ready: "Sẵn sàng", failed: "Lỗi" };
  var KINDS = { title: "Tiêu đề", lead: "Sapo", heading: "Tiêu đề phụ", paragraph: "Đoạn", list_item: "Mục liệt kê", quote: "Trích dẫn" };
  var EVENTS = { "audio.ready": "Âm thanh sẵn sàng", "audio.failed": "Tạo âm thanh lỗi", "audio.deleted": "Đã xóa" };
  var body = d.body, page = body.getAttribute("data-page");
  var token = sessionStorage.getItem(TOKEN_KEY) || "", streams = [];

  function $(s, root) { return (root || d).querySelector(s); }
  function $$(s, root) { return [].slice.call((root || d).querySelectorAll(s)); }
  function text(el, s) { if (el) el.textContent = s == null ? "" : String(s); return el; }
  function fmt(ms) {
    if (!ms) return "–";
    var t = Math.round(ms / 1000), h = Math.floor(t / 3600), m = Math.floor(t / 60) % 60, s = t % 60;
    return (h ? h + ":" + (m < 10 ? "0" : "") : "") + m + ":" + (s < 10 ? "0" : "") + s;
  }
  function when(iso) {
    if (!iso) return "–";
    var t = new Date(iso);
    return isNaN(t) || t.getFullYear() < 2000 ? "–" : t.toLocaleString("vi-VN", { dateStyle: "short", timeStyle: "short" });
  }
  function fail(el, err) { text(el, err && err.message ? err.message : String(err)); if (el) el.classList.add("error"); }
  function ok(el, s) { text(el, s); if (el) el.classList.remove("error"); }

  function api(method, path, payload) {
    var opts = { method: method, headers: { Authorization: "Bearer " + token, Accept: "application/json" }, cache: "no-store" };
    if (payload !== undefined) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(payload); }
    return fetch(path, opts).then(function (r) {
      if (r.status === 401) { logout("Mã truy cập không hợp lệ hoặc đã bị thu hồi."); throw new Error("Cần đăng nhập lại."); }
      if (r.status === 204) return null;
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (!r.ok) { var e = new Error(j && j.error ? j.error : "HTTP " + r.status); e.status = r.status; throw e; }
        return j;
      });
    });
  }

  // stream reads Server-Sent Events with fetch, so the token travels in a
  // header rather than in the URL; it reconnects with a growing pause.
  function stream(path, onState, onDeleted) {
    var ctrl = new AbortController(), pause = 1000, stopped = {};
    function dispatch(block) {
      var ev = "message", data = [];
      block.split("\n").forEach(function (line) {
        if (!line || line[0] === ":") return;
        var i = line.indexOf(":"), f = i < 0 ? line : line.slice(0, i), v = i < 0 ? "" : line.slice(i + 1).replace(/^ /, "");
        if (f === "event") ev = v; else if (f === "data") data.push(v);
      });
      if (!data.length) return;
      var obj;
      try { obj = JSON.parse(data.join("\n")); } catch (e) { return; }
      if (ev === "state") onState(obj); else if (ev === "deleted" && onDeleted) onDeleted(obj);
    }
    function connect() {
      fetch(path, { headers: { Authorization: "Bearer " + token, Accept: "text/event-stream" }, signal: ctrl.signal, cache: "no-store" }).then(function (r) {
        if (r.status === 401) { logout("Mã truy cập không hợp lệ hoặc đã bị thu hồi."); throw stopped; }
        if (!r.ok || !r.body) throw new Error("HTTP " + r.status);
        live(true);
        pause = 1000;
        var reader = r.body.getReader(), dec = new TextDecoder(), buf = "";
        function pump() {
          return reader.read().then(function (x) {
            if (x.done) throw new Error("stream closed");
            buf += dec.decode(x.value, { stream: true }).replace(/\r\n?/g, "\n");
            for (var i; (i = buf.indexOf("\n\n")) >= 0;) { dispatch(buf.slice(0, i)); buf = buf.slice(i + 2); }
            return pump();
          });
        }
        return pump();
      }).catch(function (e) {
        if (ctrl.signal.aborted || e === stopped) return;
        live(false);
        setTimeout(connect, pause);
        pause = Math.min(pause * 2, 15000);
      });
    }
    connect();
    streams.push(ctrl);
    return ctrl;
  }
  function live(on) {
    var el = $("#live");
    text(el, on ? "● Cập nhật trực tiếp" : "○ Mất kết nối, đang thử lại…");
    if (el) el.setAttribute("data-live", on ? "1" : "0");
  }

  function showApp(on) {
    $$("[data-auth]").forEach(function (el) { el.hidden = !on; });
    $("#login").hidden = on;
  }
  function logout(why) {
    token = "";
    sessionStorage.removeItem(TOKEN_KEY);
    streams.forEach(function (c) { c.abort(); });
    streams = [];
    showApp(false);
    text($("#login-msg"), why || "");
    $("#token").focus();
  }
  function login(tok) {
    token = tok;
    return api("GET", "/api/v1/voices").then(function (v) {
      sessionStorage.setItem(TOKEN_KEY, tok);
      showApp(true);
      start(v.voices || []);
    });
  }

  function fillVoices(select, voices, current) {
    voices.forEach(function (v) {
      var o = d.createElement("option");
      o.value = v.id;
      text(o, v.id + (v.name && v.name !== v.id ? " — " + v.name : "") + (v.status && v.status !== "ok" ? " (" + v.status + ")" : "") + (v.default ? " · mặc định" : ""));
      select.appendChild(o);
    });
    if (current) select.value = current;
  }

  // renderPreview shows each sentence as written, with the spans the
  // normalizer changed marked, and below it the words the voice will say.
  function renderPreview(root, res) {
    root.textContent = "";
    var byBlock = {};
    (res.sentences || []).forEach(function (s) { (byBlock[s.block] = byBlock[s.block] || []).push(s); });
    (res.blocks || []).forEach(function (b, i) {
      var box = d.createElement("div");
      box.className = "pv-block";
      box.setAttribute("data-loa-block", i);
      box.appendChild(text(d.createElement("span"), KINDS[b.kind] || b.kind)).className = "pv-kind";
      (byBlock[i] || []).forEach(function (s) {
        var row = d.createElement("div"), orig = d.createElement("p"), spoken = d.createElement("p"), chars = Array.from(s.text), at = 0;
        row.className = "pv-s";
        row.setAttribute("data-sentence", s.index);
        orig.className = "pv-orig";
        (s.changes || []).slice().sort(function (a, b) { return a.start - b.start; }).forEach(function (c) {
          if (c.start < at) return;
          orig.appendChild(d.createTextNode(chars.slice(at, c.start).join("")));
          var m = d.createElement("mark");
          text(m, chars.slice(c.start, c.end).join(""));
          m.title = c.rule + " → " + c.spoken;
          m.setAttribute("data-rule", c.rule);
          orig.appendChild(m);
          at = c.end;
        });
        orig.appendChild(d.createTextNode(chars.slice(at).join("")));
        spoken.className = "pv-spoken";
        text(spoken, "→ " + s.spoken);
        row.appendChild(orig);
        row.appendChild(spoken);
        box.appendChild(row);
      });
      root.appendChild(box);
    });
    if (!root.firstChild) text(root, "Không có câu nào để đọc.");
  }

  // ---- the list page ----
  var rows = new Map();
  function articleRow(a) {
    var tr = rows.get(a.id), fresh = !tr;
    if (fresh) {
      tr = $("#t-article-row").content.firstElementChild.cloneNode(true);
      tr.setAttribute("data-id", a.id);
      $(".a-title", tr).href = "/admin/articles/" + encodeURIComponent(a.id);
      $(".a-listen", tr).href = "/articles/" + encodeURIComponent(a.id);
      $(".a-resynth", tr).addEventListener("click", function () {
        var b = this;
        b.disabled = true;
        api("POST", "/api/v1/articles/" + encodeURIComponent(a.id) + "/resynthesize").then(articleRow)
          .catch(function (e) { alertRow(tr, e); }).then(function () { b.disabled = false; });
      });
      rows.set(a.id, tr);
    }
    var title = a.title || a.id, pct = a.status === "ready" ? 100 : Math.round((a.progress || 0) * 100);
    tr.setAttribute("data-status", a.status);
    text($(".a-title", tr), title);
    text($(".a-id", tr), a.id);
    text($(".a-status", tr), STATUS[a.status] || a.status).setAttribute("data-status", a.status);
    var p = $(".a-progress", tr);
    p.value = pct;
    p.hidden = a.status === "ready" || a.status === "failed";
    p.setAttribute("aria-label", "Tiến độ: " + pct + "%");
    text($(".a-duration", tr), fmt(a.duration_ms));
    text($(".a-voice", tr), a.voice || "mặc định");
    text($(".a-updated", tr), when(a.updated_at));
    text($(".a-error", tr), a.error || "");
    $(".a-resynth", tr).setAttribute("aria-label", "Tạo lại: " + title);
    $(".a-listen", tr).setAttribute("aria-label", "Nghe: " + title);
    $(".a-listen", tr).hidden = !a.duration_ms;
    return { tr: tr, fresh: fresh };
  }
  function alertRow(tr, e) { text($(".a-error", tr), e.message); }
  function showArticle(a, atTop) {
    var r = articleRow(a), tbody = $("#articles tbody");
    if (r.fresh) { if (atTop) tbody.insertBefore(r.tr, tbody.firstChild); else tbody.appendChild(r.tr); }
    $("#articles-empty").hidden = rows.size > 0;
  }
  function loadArticles() {
    var q = new URLSearchParams(), f = $("#filter-form");
    if (f.q.value) q.set("q", f.q.value);
    if (f.status.value) q.set("status", f.status.value);
    q.set("limit", "100");
    return api("GET", "/api/v1/articles?" + q).then(function (res) {
      rows.clear();
      $("#articles tbody").textContent = "";
      (res.articles || []).forEach(function (a) { showArticle(a, false); });
      $("#articles-empty").hidden = rows.size > 0;
      var more = $("#articles-more");
      more.hidden = !(res.total > rows.size);
      // A capped total is a lower bound: "200+".
      text(more, "Đang hiện " + rows.size + " trên " + res.total + (res.total_capped ? "+" : "") + " bài; hãy lọc để thu hẹp.");
    });
  }
  function submission(form) {
    var kind = form.kind.value, sub = {};
    if (kind === "url") sub.url = form.url.value.trim();
    else sub[kind] = form.body.value;
    // form.id and form.title are the form's own properties; ask .elements.
    ["title", "id", "voice", "feed"].forEach(function (k) { var v = form.elements[k].value.trim(); if (v) sub[k] = v; });
    return sub;
  }
  function setupSubmit(voices) {
    var form = $("#submit-form"), msg = $("#submit-msg");
    fillVoices(form.voice, voices);
    function kind() {
      var url = form.kind.value === "url";
      $("#field-url").hidden = !url;
      $("#field-body").hidden = url;
      text($("#field-body label"), form.kind.value === "html" ? "Nội dung HTML" : "Nội dung văn bản");
    }
    $$("input[name=kind]", form).forEach(function (r) { r.addEventListener("change", kind); });
    kind();
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var btn = $("button[type=submit]", form);
      btn.disabled = true;
      ok(msg, "Đang gửi…");
      api("POST", "/api/v1/articles", submission(form)).then(function (a) {
        showArticle(a, true);
        ok(msg, "Đã nhận bài “" + (a.title || a.id) + "” (" + a.id + "). Trạng thái cập nhật trực tiếp trong danh sách.");
        ["body", "url", "id", "title"].forEach(function (k) { form.elements[k].value = ""; });
        $("#submit-preview").hidden = true;
      }).catch(function (err) { fail(msg, err); }).then(function () { btn.disabled = false; });
    });
    $("#preview-btn").addEventListener("click", function () {
      var box = $("#submit-preview");
      ok(msg, "Đang chuẩn hóa…");
      api("POST", "/api/v1/preview", submission(form)).then(function (res) {
        renderPreview(box, res);
        box.hidden = false;
        ok(msg, (res.sentences || []).length + " câu sẽ được đọc như dưới đây.");
      }).catch(function (err) { fail(msg, err); });
    });
    $("#filter-form").addEventListener("submit", function (e) { e.preventDefault(); loadArticles().catch(function (err) { fail($("#articles-more"), err); }); });
  }

  function setupLexicon() {
    var form = $("#rule-form"), msg = $("#rule-msg"), tbody = $("#rules tbody");
    function rule() {
      return { match: form.match.value.trim(), say: form.say.value.trim(), feed: form.feed.value.trim(), case_sensitive: form.case_sensitive.checked };
    }
    function reset() {
      form.reset();
      form["rule-id"].value = "";
      text($("#rule-save"), "Thêm quy tắc");
      $("#rule-cancel").hidden = true;
    }
    function load() {
      return api("GET", "/api/v1/lexicon").then(function (lx) {
        tbody.textContent = "";
        text($("#lexicon-version"), "Phiên bản " + lx.version + " · " + lx.rules.length + " quy tắc");
        lx.rules.forEach(function (r) {
          var tr = $("#t-rule-row").content.firstElementChild.cloneNode(true);
          tr.setAttribute("data-rule", r.id);
          text($(".r-match", tr), r.match);
          text($(".r-say", tr), r.say);
          text($(".r-case", tr), r.case_sensitive ? "Có" : "Không");
          text($(".r-feed", tr), r.feed || "Mọi kênh");
          $(".r-edit", tr).setAttribute("aria-label", "Sửa quy tắc " + r.match);
          $(".r-delete", tr).setAttribute("aria-label", "Xóa quy tắc " + r.match);
          $(".r-edit", tr).addEventListener("click", function () {
            form["rule-id"].value = r.id;
            form.match.value = r.match; form.say.value = r.say; form.feed.value = r.feed || ""; form.case_sensitive.checked = !!r.case_sensitive;
            text($("#rule-save"), "Lưu thay đổi");
            $("#rule-cancel").hidden = false;
            form.match.focus();
          });
          $(".r-delete", tr).addEventListener("click", function () {
            if (!w.confirm("Xóa quy tắc “" + r.match + "”?")) return;
            api("DELETE", "/api/v1/lexicon/" + encodeURIComponent(r.id)).then(load).then(function () { ok(msg, "Đã xóa quy tắc."); })
              .catch(function (e) { fail(msg, e); });
          });
          tbody.appendChild(tr);
        });
      });
    }
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var id = form["rule-id"].value;
      (id ? api("PUT", "/api/v1/lexicon/" + encodeURIComponent(id), rule()) : api("POST", "/api/v1/lexicon", rule())).then(function () {
        ok(msg, id ? "Đã lưu quy tắc. Các bài bị ảnh hưởng sẽ đọc theo quy tắc mới khi được tạo lại." : "Đã thêm quy tắc.");
        reset();
        return load();
      }).catch(function (err) { fail(msg, err); });
    });
    $("#rule-cancel").addEventListener("click", reset);
    $("#rule-touches").addEventListener("click", function () {
      api("POST", "/api/v1/lexicon/touches", rule()).then(function (res) {
        var list = $("#touches-list"), s = res.sentences || [];
        list.textContent = "";
        s.forEach(function (t) {
          var li = d.createElement("li"), a = d.createElement("a");
          a.href = "/admin/articles/" + encodeURIComponent(t.article_id);
          text(a, t.title || t.article_id);
          li.appendChild(a);
          li.appendChild(d.createTextNode(" · câu " + (t.sentence + 1) + ": "));
          li.appendChild(text(d.createElement("q"), t.text));
          list.appendChild(li);
        });
        if (!s.length) list.appendChild(text(d.createElement("li"), "Không câu nào trong các bài đã lưu bị ảnh hưởng."));
        $("#touches").hidden = false;
        ok(msg, s.length + " câu bị ảnh hưởng.");
      }).catch(function (err) { fail(msg, err); });
    });
    return load();
  }

  function loadDeliveries() {
    var tbody = $("#deliveries tbody"), msg = $("#webhooks-msg");
    return api("GET", "/api/v1/webhooks/deliveries?limit=50").then(function (res) {
      var list = res.deliveries || [];
      tbody.textContent = "";
      ok(msg, list.length ? "" : "Chưa có lần gửi nào.");
      list.forEach(function (dl) {
        var tr = $("#t-delivery-row").content.firstElementChild.cloneNode(true), last = dl.attempts && dl.attempts[dl.attempts.length - 1], ev = dl.event || {};
        text($(".d-at", tr), when(ev.at));
        text($(".d-event", tr), EVENTS[ev.type] || ev.type);
        text($(".d-article", tr), ev.article_id);
        text($(".d-url", tr), dl.url);
        text($(".d-result", tr), (dl.delivered ? "Đã nhận" : "Chưa nhận") + (last ? " · " + (last.status || last.error || "") + " · " + dl.attempts.length + " lần" : ""));
        tr.setAttribute("data-delivered", dl.delivered ? "1" : "0");
        tbody.appendChild(tr);
      });
    }).catch(function (e) { if (e.status === 404) ok(msg, "Máy chủ này chưa cấu hình webhook."); else fail(msg, e); });
  }

  // ---- sources ----
  function lines(v) { return v.split("\n").map(function (x) { return x.trim(); }).filter(Boolean); }
  function setupSources(voices) {
    var form = $("#source-form"), msg = $("#source-msg"), tbody = $("#sources tbody");
    fillVoices($("#s-voice"), voices);
    function reset() {
      form.reset();
      $("#s-id").value = "";
      text($("#source-save"), "Thêm nguồn");
      $("#source-cancel").hidden = true;
    }
    function spec() {
      var s = { url: $("#s-url").value.trim(), include: lines($("#s-include").value), exclude: lines($("#s-exclude").value),
        feed: $("#s-feed").value.trim(), voice: $("#s-voice").value };
      var iv = $("#s-interval").value.trim(), bf = $("#s-backfill").value.trim();
      if (iv) s.interval = iv;
      if (bf) s.backfill = Number(bf);
      return s;
    }
    function load() {
      return api("GET", "/api/v1/sources").then(function (res) {
        var list = res.sources || [];
        tbody.textContent = "";
        $("#sources-empty").hidden = list.length > 0;
        list.forEach(function (src) {
          var tr = $("#t-source-row").content.firstElementChild.cloneNode(true);
          tr.setAttribute("data-id", src.id);
          tr.setAttribute("data-state", src.paused ? "paused" : src.failing ? "failing" : "ok");
          text($(".s-url", tr), src.url);
          text($(".s-meta", tr), "mỗi " + src.interval + (src.feed ? " · kênh " + src.feed : "") + (src.paused ? " · đang tạm dừng" : ""));
          text($(".s-last", tr), when(src.last_poll));
          text($(".s-next", tr), src.paused ? "Tạm dừng" : when(src.next_poll));
          text($(".s-seen", tr), src.items_seen);
          text($(".s-created", tr), src.articles_created);
          text($(".s-error", tr), src.last_error || "");
          var pause = $(".s-pause", tr);
          text(pause, src.paused ? "Tiếp tục" : "Tạm dừng");
          pause.addEventListener("click", function () {
            api("PUT", "/api/v1/sources/" + encodeURIComponent(src.id), { paused: !src.paused }).then(load).catch(function (e) { fail(msg, e); });
          });
          $(".s-edit", tr).addEventListener("click", function () {
            $("#s-id").value = src.id;
            $("#s-url").value = src.url;
            $("#s-interval").value = src.interval || "";
            $("#s-backfill").value = src.backfill;
            $("#s-feed").value = src.feed || "";
            $("#s-voice").value = src.voice || "";
            $("#s-include").value = (src.include || []).join("\n");
            $("#s-exclude").value = (src.exclude || []).join("\n");
            text($("#source-save"), "Lưu nguồn");
            $("#source-cancel").hidden = false;
            $("#s-url").focus();
          });
          $(".s-delete", tr).addEventListener("click", function () {
            if (!w.confirm("Ngừng theo dõi " + src.url + "? Các bài đã tạo vẫn được giữ.")) return;
            api("DELETE", "/api/v1/sources/" + encodeURIComponent(src.id)).then(load).then(function () { ok(msg, "Đã xóa nguồn."); })
              .catch(function (e) { fail(msg, e); });
          });
          tbody.appendChild(tr);
        });
      });
    }
    $("#source-cancel").addEventListener("click", reset);
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var id = $("#s-id").value;
      (id ? api("PUT", "/api/v1/sources/" + encodeURIComponent(id), spec()) : api("POST", "/api/v1/sources", spec())).then(function () {
        ok(msg, id ? "Đã lưu nguồn." : "Đã thêm nguồn; đang kiểm tra lần đầu.");
        reset();
        return load();
      }).catch(function (err) { fail(msg, err); });
    });
    setInterval(function () { if (token) load().catch(function () {}); }, 5000);
    return load();
  }

  // ---- the article page ----
  function articlePage(voices) {
    var id = body.getAttribute("data-article"), enc = encodeURIComponent(id), state = null, preview = null, version = "";
    var select = $("#r-voice"), msg = $("#resynth-msg");
    function remountPlayer() {
      var slot = $("#player-slot"), old = $("[data-loa-article]", slot), el = d.createElement("div");
      el.setAttribute("data-loa-article", id);
      el.setAttribute("data-loa-follow", "blocks");
      if (old && old.loaPlayer) old.loaPlayer.audio.pause();
      if (old) slot.replaceChild(el, old); else slot.appendChild(el);
      if (w.LoaPlayer) w.LoaPlayer.mount(el);
    }
    function show(a) {
      var first = !state;
      state = a;
      text($("#a-title"), a.title || a.id);
      d.title = (a.title || a.id) + " | Biên tập | Loa";
      text($("#a-status"), STATUS[a.status] || a.status).setAttribute("data-status", a.status);
      body.setAttribute("data-status", a.status);
      var p = $("#a-progress"), pct = a.status === "ready" ? 100 : Math.round((a.progress || 0) * 100);
      p.value = pct;
      p.hidden = a.status === "ready" || a.status === "failed";
      text($("#a-duration"), a.duration_ms ? fmt(a.duration_ms) + " · " + Math.round((a.bytes || 0) / 1024) + " KB" : "–");
      text($("#a-voices"), (a.voices_used || []).join(", ") || a.voice || "–");
      text($("#a-version"), a.version ? a.version.slice(0, 12) + " · lần sửa " + a.revision : "–");
      text($("#a-updated"), when(a.updated_at));
      text($("#a-origin"), (a.source ? "Nguồn tin " + a.source : "Biên tập viên gửi") + (a.url ? " · " + a.url : ""));
      var err = $("#a-error"), pf = $("#a-preflight");
      err.hidden = !a.error;
      text(err, a.error ? "Lỗi: " + a.error : "");
      pf.hidden = !a.preflight;
      text(pf, a.preflight ? "Chưa đưa vào podcast: " + a.preflight : "");
      var vtt = $("#a-vtt");
      vtt.hidden = !a.transcript_url;
      if (a.transcript_url) vtt.href = a.transcript_url;
      if (first) select.value = a.voice || "";
      if (a.version && a.version !== version) {
        if (version) { remountPlayer(); loadPreview(); }
        version = a.version;
      }
    }
    function loadPreview() {
      return api("GET", "/api/v1/articles/" + enc + "/preview").then(function (res) { preview = res; renderPreview($("#preview"), res); })
        .catch(function (e) { fail($("#preview"), e); });
    }
    function loadListens() {
      return api("GET", "/api/v1/articles/" + enc + "/listens").then(function (res) {
        $$("#listens td[data-ev]").forEach(function (td) { text(td, (res.events || {})[td.getAttribute("data-ev")] || 0); });
      });
    }
    var keep = d.createElement("option");
    keep.value = "";
    text(keep, "Giữ giọng hiện tại");
    select.appendChild(keep);
    fillVoices(select, voices);
    $("#resynth-form").addEventListener("submit", function (e) {
      e.preventDefault();
      var voice = select.value, same = !voice || voice === state.voice;
      var req = api("POST", "/api/v1/articles/" + enc + "/resynthesize", same ? undefined : { voice: voice });
      ok(msg, "Đang gửi…");
      req.then(function (a) { show(a); ok(msg, "Đã xếp hàng tạo lại" + (same ? "." : " với giọng " + voice + ".")); })
        .catch(function (err) { fail(msg, err); });
    });
    return api("GET", "/api/v1/articles/" + enc).then(function (a) {
      show(a);
      stream("/api/v1/articles/" + enc + "/events", show, function () { ok(msg, "Bài này đã bị xóa."); live(false); });
      loadPreview();
      loadListens();
      setInterval(function () { if (token) loadListens().catch(function () {}); }, 15000);
    }).catch(function (e) {
      text($("#a-title"), id);
      fail($("#a-error"), e);
      $("#a-error").hidden = false;
    });
  }

  function start(voices) {
    if (page === "article") { articlePage(voices); return; }
    setupSubmit(voices);
    loadArticles().then(function () {
      stream("/api/v1/events", function (a) {
        var f = $("#filter-form");
        if (f.status.value && a.status !== f.status.value && !rows.has(a.id)) return;
        showArticle(a, true);
      }, function (x) { var tr = rows.get(x.id); if (tr) { tr.remove(); rows.delete(x.id); } });
    }).catch(function (e) { fail($("#articles-more"), e); $("#articles-more").hidden = false; });
    setupLexicon().catch(function (e) { fail($("#rule-msg"), e); });
    setupSources(voices).catch(function (e) { if (e.status !== 404) fail($("#source-msg"), e); });
    loadDeliveries();
  }

  $("#login-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var tok = $("#token").value.trim(), m = $("#login-msg");
    text(m, "");
    if (!tok) { text(m, "Hãy nhập mã truy cập."); return; }
    login(tok).catch(function (err) { token = ""; showApp(false); text(m, err.message === "Cần đăng nhập lại." ? "Mã truy cập không đúng." : err.message); });
  });
  $("#logout").addEventListener("click", function () { logout(""); });
  if (token) login(token).catch(function () { logout(""); }); else showApp(false);
  if (!token) $("#token").focus();
})(window, document);
