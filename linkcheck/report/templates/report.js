(function () {
  "use strict";
  // Everything shown comes from the JSON block and is untrusted: nodes are built with
  // textContent only, and only http(s) URLs become links.
  var DATA = JSON.parse(document.getElementById("lc-data").textContent);
  var PAGE = 200;
  var SEV = ["error", "warning", "info"];
  var HTTP = /^https?:\/\/\S/i;

  function str(v) { return v === null || v === undefined ? "" : String(v); }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  // A URL as a webmaster reads and types it: %CE%B8... back to Greek letters. Kept encoded
  // when decoding fails or would show invisible or direction-changing characters (spoofing).
  var HIDDEN = /[\u0000-\u0020\u007f-\u00a0\u00ad\u115f\u1160\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\u3164\ufe00-\ufe0f\ufeff\uffa0]/;
  function readable(url) {
    var value = str(url);
    try {
      var shown = decodeURI(value);
      return HIDDEN.test(shown) && !HIDDEN.test(value) ? value : shown;
    } catch (e) { return value; }
  }

  // Text that may wrap after each "/" of a path (a <wbr> there) rather than mid-word;
  // never inside "http://".
  function wrapAtSlashes(node, text) {
    var parts = str(text).split("/");
    parts.forEach(function (part, i) {
      if (i > 0) {
        node.appendChild(document.createTextNode("/"));
        var prev = parts[i - 1];
        if (prev && prev.charAt(prev.length - 1) !== ":") { node.appendChild(el("wbr")); }
      }
      if (part) { node.appendChild(document.createTextNode(part)); }
    });
    return node;
  }

  // A link whose text is the readable URL and whose href the real (encoded) one.
  function link(url, label) {
    var value = str(url);
    if (label === undefined) { label = readable(value); }
    if (HTTP.test(value)) {
      var a = wrapAtSlashes(el("a"), label);
      if (label !== value) { a.title = value; }
      a.href = value;
      a.rel = "noopener noreferrer nofollow";
      a.target = "_blank";
      return a;
    }
    return wrapAtSlashes(el("span", "nolink"), label);
  }

  function fmt(n) { return typeof n === "number" ? n.toLocaleString("en") : str(n); }

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(fn, ms);
    };
  }

  // ------------------------------------------------------------------ a paged table
  // opts.columns: [{label, cls, value(row) for sorting, cell(row) -> Node or text}]
  // opts.match(row, index) -> bool; opts.detail(row) -> Node (optional)
  function Table(root, opts) {
    this.opts = opts;
    this.rows = opts.rows;
    this.order = [];
    this.page = 0;
    this.sortCol = -1;
    this.sortDir = 1;
    this.keys = {};
    this.info = el("div", "pager");
    this.table = el("table", "grid");
    var head = el("thead");
    var tr = el("tr");
    var self = this;
    this.heads = opts.columns.map(function (col, c) {
      var th = el("th", "sortable", col.label);
      th.addEventListener("click", function () { self.sortBy(c); });
      tr.appendChild(th);
      return th;
    });
    head.appendChild(tr);
    this.body = el("tbody");
    this.table.appendChild(head);
    this.table.appendChild(this.body);
    this.pager = el("div", "pager");
    root.textContent = "";
    root.appendChild(this.info);
    root.appendChild(this.table);
    root.appendChild(this.pager);
    this.refresh();
  }

  Table.prototype.refresh = function () {
    var match = this.opts.match;
    var order = [];
    for (var i = 0; i < this.rows.length; i++) {
      if (!match || match(this.rows[i], i)) { order.push(i); }
    }
    this.order = order;
    this.applySort();
    this.page = 0;
    this.draw();
  };

  Table.prototype.sortBy = function (c) {
    this.sortDir = this.sortCol === c ? -this.sortDir : 1;
    this.sortCol = c;
    this.applySort();
    this.page = 0;
    this.draw();
  };

  Table.prototype.applySort = function () {
    var c = this.sortCol;
    this.heads.forEach(function (th, i) {
      th.classList.toggle("sorted-asc", i === c && this.sortDir === 1);
      th.classList.toggle("sorted-desc", i === c && this.sortDir === -1);
    }, this);
    if (c < 0) { return; }
    var keys = this.keys[c];
    if (!keys) {
      var value = this.opts.columns[c].value;
      keys = this.keys[c] = this.rows.map(function (row) {
        var v = value(row);
        return v === null || v === undefined ? "" : (typeof v === "number" ? v : String(v).toLowerCase());
      });
    }
    var dir = this.sortDir;
    this.order.sort(function (a, b) {
      var x = keys[a], y = keys[b];
      if (typeof x !== typeof y) { x = String(x); y = String(y); }
      return x < y ? -dir : x > y ? dir : a - b;
    });
  };

  Table.prototype.draw = function () {
    var self = this;
    var total = this.order.length;
    var pages = Math.max(1, Math.ceil(total / PAGE));
    if (this.page >= pages) { this.page = pages - 1; }
    var start = this.page * PAGE;
    var end = Math.min(total, start + PAGE);
    var frag = document.createDocumentFragment();
    var columns = this.opts.columns;
    for (var k = start; k < end; k++) {
      var row = this.rows[this.order[k]];
      var tr = el("tr", "row");
      for (var c = 0; c < columns.length; c++) {
        var td = el("td", columns[c].cls || null);
        var content = columns[c].cell(row);
        if (content instanceof Node) { td.appendChild(content); } else { td.textContent = str(content); }
        tr.appendChild(td);
      }
      if (this.opts.detail) { this.attachDetail(tr, row, columns.length); }
      frag.appendChild(tr);
    }
    this.body.textContent = "";
    if (total === 0) {
      var none = el("tr");
      var cell = el("td", "sub", this.opts.empty || "Nothing to show.");
      cell.colSpan = columns.length;
      none.appendChild(cell);
      frag.appendChild(none);
    }
    this.body.appendChild(frag);
    this.info.textContent = total === this.rows.length
      ? fmt(total) + " rows"
      : fmt(total) + " of " + fmt(this.rows.length) + " rows match";
    this.info.dataset.count = String(total);
    this.pager.textContent = "";
    if (pages > 1) {
      var prev = el("button", null, "← previous");
      prev.type = "button";
      prev.disabled = this.page === 0;
      prev.addEventListener("click", function () { self.page -= 1; self.draw(); });
      var next = el("button", null, "next →");
      next.type = "button";
      next.disabled = this.page >= pages - 1;
      next.addEventListener("click", function () { self.page += 1; self.draw(); });
      this.pager.appendChild(prev);
      this.pager.appendChild(el("span", null,
        "rows " + fmt(start + 1) + "–" + fmt(end) + " of " + fmt(total) +
        " (page " + (this.page + 1) + " of " + pages + ")"));
      this.pager.appendChild(next);
    }
  };

  Table.prototype.attachDetail = function (tr, row, span) {
    var detail = this.opts.detail;
    tr.tabIndex = 0;
    tr.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); tr.click(); }
    });
    tr.addEventListener("click", function (event) {
      if (event.target instanceof HTMLAnchorElement) { return; }
      var open = tr.nextSibling;
      if (open && open.classList && open.classList.contains("detail")) {
        open.remove();
        return;
      }
      var d = el("tr", "detail");
      var td = el("td");
      td.colSpan = span;
      td.appendChild(detail(row));
      d.appendChild(td);
      tr.after(d);
    });
  };

  // ------------------------------------------------------------------ findings
  // row: [severity index, code, site, url, message, source, details or 0, new 0/1]
  var F = DATA.findings;
  var CAT = DATA.catalogue || {};

  function accepted(row) { return !!(row[6] && row[6].accepted); }

  function sevCell(row) {
    var span = el("span");
    if (accepted(row)) {
      span.appendChild(el("span", "sev sev-accepted", "accepted"));
      span.appendChild(el("span", "sub", " " + SEV[row[0]]));
    } else {
      span.appendChild(el("span", "sev sev-" + SEV[row[0]], SEV[row[0]]));
    }
    if (row[7]) { span.appendChild(el("span", "badge new", "new")); }
    if (row[6] && row[6].accept_expired) { span.appendChild(el("span", "badge expired", "acceptance expired")); }
    return span;
  }

  function codeCell(row) {
    var span = el("span", null, row[1]);
    var entry = CAT[row[1]];
    if (entry) { span.title = entry[0]; }
    return span;
  }

  function sourceCell(row) {
    var wrap = el("span");
    var details = row[6] || {};
    if (row[5]) { wrap.appendChild(link(row[5])); }
    else if ("legacy" in details) {  // a pairing finding: the page is known by its legacy counterpart
      wrap.appendChild(el("span", "sub", "legacy page "));
      wrap.appendChild(details.legacy ? link(details.legacy) : el("span", "sub", "none found"));
    }
    var sources = Array.isArray(details.sources) ? details.sources : [];
    var more = sources.filter(function (s) { return s !== row[5]; }).length;
    if (more > 0) { wrap.appendChild(el("span", "sub", " +" + more + " more")); }
    return wrap;
  }

  // A hop as recorded ("A --[302]--> B"): text, with each URL its own link.
  var HOP = /^(\S+) --\[([^\]]*)\]--> (\S+)$/;
  function hop(text) {
    var value = str(text);
    var m = HOP.exec(value);
    if (!m) { return HTTP.test(value) && !/\s/.test(value) ? link(value) : el("span", null, value); }
    var span = el("span", "hop");
    span.appendChild(link(m[1]));
    span.appendChild(el("span", "arrow", " (" + m[2] + ") → "));
    span.appendChild(link(m[3]));
    return span;
  }

  function kvValue(value, key) {
    var item = key === "hops" ? hop : link;
    if (typeof value === "string") { return item(value); }
    if (Array.isArray(value) && value.every(function (v) { return typeof v === "string"; })) {
      var ul = el(key === "hops" ? "ol" : "ul");
      value.slice(0, 100).forEach(function (v) { var li = el("li"); li.appendChild(item(v)); ul.appendChild(li); });
      if (value.length > 100) { ul.appendChild(el("li", "sub", "… " + (value.length - 100) + " more")); }
      return ul;
    }
    return el("span", null, JSON.stringify(value));
  }

  // A details key as words: final_url -> "final URL", error_kind -> "error kind".
  var LABELS = { sources: "referring pages" };
  function label(key) {
    if (LABELS[key]) { return LABELS[key]; }
    return str(key).split("_").map(function (w) { return /^(url|urls|http|id)$/i.test(w) ? w.toUpperCase() : w; }).join(" ");
  }

  function findingDetail(row) {
    var box = el("div");
    var entry = CAT[row[1]];
    var explain = el("p", "explain");
    explain.appendChild(el("b", null, row[1] + (entry ? " · " + entry[0] : "")));
    if (entry) { explain.appendChild(el("span", null, entry[1])); }
    box.appendChild(explain);
    var details = row[6] || {};
    var kv = el("dl", "kv");
    function add(label, node) { kv.appendChild(el("dt", null, label)); var dd = el("dd"); dd.appendChild(node); kv.appendChild(dd); }
    add("URL", link(row[3]));
    add("message", el("span", null, row[4]));
    if (row[5]) { add("found at", link(row[5])); }
    if (details.accepted) {
      var a = details.accepted;
      add("accepted", el("span", null, (a.until ? "until " + a.until : "without end") + ": " + str(a.why) + (a.line ? " (" + a.line + ")" : "")));
    }
    if (details.accept_expired) {
      var x = details.accept_expired;
      add("acceptance expired", el("span", null, "on " + str(x.until) + ": " + str(x.why) + (x.line ? " (" + x.line + ")" : "")));
    }
    Object.keys(details).forEach(function (key) {
      if (key === "accepted" || key === "accept_expired") { return; }
      add(label(key), kvValue(details[key], key));
    });
    box.appendChild(kv);
    return box;
  }

  var FINDING_COLUMNS = [
    { label: "severity", value: function (r) { return accepted(r) ? 3 : r[0]; }, cell: sevCell },
    { label: "code", value: function (r) { return r[1]; }, cell: codeCell },
    { label: "site", value: function (r) { return r[2]; }, cell: function (r) { return r[2] || "—"; } },
    { label: "URL", cls: "url", value: function (r) { return r[3]; }, cell: function (r) { return link(r[3]); } },
    { label: "message", cls: "msg", value: function (r) { return r[4]; }, cell: function (r) { return r[4]; } },
    { label: "found at", cls: "src", value: function (r) { return r[5]; }, cell: sourceCell }
  ];

  var hay = null;
  function haystack(i) {
    if (!hay) { hay = new Array(F.length); }
    var h = hay[i];
    if (h === undefined) {
      var r = F[i];
      var d = r[6] || {};
      var urls = [r[3], r[5], str(d.legacy)].concat(Array.isArray(d.sources) ? d.sources : []);
      h = hay[i] = (r[1] + " " + r[2] + " " + r[4] + " " + urls.join(" ") + " " + urls.map(readable).join(" ")).toLowerCase();
    }
    return h;
  }

  function $(id) { return document.getElementById(id); }

  function fill(select, values) {
    values.forEach(function (v) { select.appendChild(el("option", null, v)).value = v; });
  }
  fill($("f-code"), Object.keys(F.reduce(function (m, r) { m[r[1]] = 1; return m; }, {})).sort());
  fill($("f-site"), DATA.sites || []);

  function findingMatch(row, i) {
    var sev = $("f-severity").value;
    if (sev === "accepted") { if (!accepted(row)) { return false; } }
    else if (sev && (SEV[row[0]] !== sev || accepted(row))) { return false; }
    var code = $("f-code").value;
    if (code && row[1] !== code) { return false; }
    var site = $("f-site").value;
    if (site && row[2] !== site) { return false; }
    if ($("f-new").checked && !row[7]) { return false; }
    var q = $("f-search").value.trim().toLowerCase();
    if (q) {
      var h = haystack(i);
      var words = q.split(/\s+/);
      for (var w = 0; w < words.length; w++) { if (h.indexOf(words[w]) < 0) { return false; } }
    }
    return true;
  }

  var tables = {};
  function findingTables() {
    tables.findings = new Table($("findings"), {
      rows: F, columns: FINDING_COLUMNS, match: findingMatch, detail: findingDetail,
      empty: "No finding matches the filters."
    });
    var refresh = function () { tables.findings.refresh(); };
    ["f-severity", "f-code", "f-site", "f-new"].forEach(function (id) { $(id).addEventListener("change", refresh); });
    $("f-search").addEventListener("input", debounce(refresh, 120));
    $("findings-filters").addEventListener("submit", function (e) { e.preventDefault(); });
    tables["new"] = new Table($("new"), {
      rows: F.filter(function (r) { return r[7]; }), columns: FINDING_COLUMNS, detail: findingDetail,
      empty: "Nothing new since the previous run."
    });
    tables.fixed = new Table($("fixed"), {
      rows: DATA.fixed, columns: FINDING_COLUMNS, detail: findingDetail,
      empty: "Nothing fixed since the previous run."
    });
  }

  // ------------------------------------------------------------------ pairs and redirects
  // pair: [site, upgraded, legacy, status, similarity, healthy]
  function pairTable() {
    var rows = DATA.pairs;
    var match = function (r) {
      if ($("p-broken").checked && r[5]) { return false; }
      var q = $("p-search").value.trim().toLowerCase();
      return !q || (r[0] + " " + r[1] + " " + r[2] + " " + readable(r[1]) + " " + readable(r[2])).toLowerCase().indexOf(q) >= 0;
    };
    tables.pairs = new Table($("pairs"), {
      rows: rows, match: match, empty: "No pairs (no site pairs upgraded pages, or none matched).",
      columns: [
        { label: "site", value: function (r) { return r[0]; }, cell: function (r) { return r[0]; } },
        { label: "upgraded page", cls: "url", value: function (r) { return r[1]; }, cell: function (r) { return link(r[1]); } },
        { label: "legacy page", cls: "url", value: function (r) { return r[2]; }, cell: function (r) { return r[2] ? link(r[2]) : el("span", "bad", "none"); } },
        { label: "status", cls: "num", value: function (r) { return r[3]; }, cell: function (r) { return r[3] === null ? "—" : r[3]; } },
        { label: "similarity", cls: "num", value: function (r) { return r[4]; }, cell: function (r) { return typeof r[4] === "number" ? r[4].toFixed(2) : "—"; } },
        { label: "state", value: function (r) { return r[5]; }, cell: function (r) { return r[5] ? el("span", null, "healthy") : el("span", "bad", "broken"); } }
      ]
    });
    var refresh = function () { tables.pairs.refresh(); };
    $("p-broken").addEventListener("change", refresh);
    $("p-search").addEventListener("input", debounce(refresh, 120));
  }

  // redirect: [file:line, from, to, status, valid, live status, live location, hops, final status, healthy]
  function redirectState(r) {
    if (!r[4]) { return "invalid"; }
    if (r[9] === null) { return "not checked"; }
    return r[9] ? "healthy" : "broken";
  }

  function redirectTable() {
    var rows = DATA.redirects;
    var match = function (r) {
      var state = redirectState(r);
      if ($("r-broken").checked && state !== "broken" && state !== "invalid") { return false; }
      var q = $("r-search").value.trim().toLowerCase();
      return !q || (r[0] + " " + r[1] + " " + r[2] + " " + str(r[6])).toLowerCase().indexOf(q) >= 0;
    };
    tables.redirects = new Table($("redirects"), {
      rows: rows, match: match, empty: "No redirect rules.",
      detail: function (r) {
        var box = el("div");
        box.appendChild(el("p", "explain", "Hops the server answered, in order:"));
        var ul = el("ol");
        (r[7] || []).forEach(function (h) { var li = el("li"); li.appendChild(hop(h)); ul.appendChild(li); });
        if (!r[7] || !r[7].length) { ul.appendChild(el("li", "sub", "none recorded")); }
        box.appendChild(ul);
        return box;
      },
      columns: [
        { label: "rule", cls: "rule", value: function (r) { return r[0]; }, cell: function (r) {
          var span = el("span", "rule", str(r[0]).split(/[\\/]/).pop());  // file name:line
          span.title = str(r[0]);  // the full path
          return span;
        } },
        { label: "from", cls: "url", value: function (r) { return r[1]; }, cell: function (r) { return link(r[1]); } },
        { label: "declared target", cls: "url", value: function (r) { return r[2]; }, cell: function (r) { return r[2] ? link(r[2]) : "—"; } },
        { label: "declared", cls: "num", value: function (r) { return r[3]; }, cell: function (r) { return r[3]; } },
        { label: "live", cls: "num", value: function (r) { return r[5]; }, cell: function (r) {
          if (r[5] === null) { return "—"; }
          return el("span", r[5] !== r[3] ? "bad" : null, r[5]);
        } },
        { label: "live target", cls: "url", value: function (r) { return r[6]; }, cell: function (r) {
          if (r[6] === null) { return "—"; }
          var node = link(r[6]);
          if (r[9] === 0 && r[2] && r[6] !== r[2]) { node.classList.add("bad"); }  // healthy: targets already compared normalised
          return node;
        } },
        { label: "hops", cls: "num", value: function (r) { return r[7].length; }, cell: function (r) { return r[7].length; } },
        { label: "final", cls: "num", value: function (r) { return r[8]; }, cell: function (r) { return r[8] === null ? "—" : r[8]; } },
        { label: "state", value: redirectState, cell: function (r) {
          var s = redirectState(r);
          return el("span", s === "broken" || s === "invalid" ? "bad" : null, s);
        } }
      ]
    });
    var refresh = function () { tables.redirects.refresh(); };
    $("r-broken").addEventListener("change", refresh);
    $("r-search").addEventListener("input", debounce(refresh, 120));
  }

  // ------------------------------------------------------------------ tabs
  var built = {};
  var builders = { findings: findingTables, "new": findingTables, fixed: findingTables, pairs: pairTable, redirects: redirectTable };

  function show(name) {
    var section = $("tab-" + name);
    if (!section) { name = "overview"; section = $("tab-overview"); }
    var builder = builders[name];
    if (builder && !built[builder.name]) { built[builder.name] = true; builder(); }
    document.querySelectorAll("section.tab").forEach(function (s) { s.hidden = s !== section; });
    document.querySelectorAll(".tabs button").forEach(function (b) {
      b.classList.toggle("active", b.dataset.tab === name);
    });
    if (location.hash !== "#" + name) {
      try { history.replaceState(null, "", "#" + name); } catch (e) { /* some file:// setups refuse */ }
    }
  }

  document.querySelectorAll(".tabs button").forEach(function (b) {
    b.addEventListener("click", function () { show(b.dataset.tab); });
  });
  document.querySelectorAll("button.code").forEach(function (b) {
    b.addEventListener("click", function () {
      show("findings");
      $("f-code").value = b.dataset.code || "";
      $("f-site").value = b.dataset.site || "";
      tables.findings.refresh();
    });
  });
  show((location.hash || "#overview").slice(1));
  document.body.dataset.readyMs = String(Math.round(performance.now()));
  document.body.dataset.ready = "1";
}());
