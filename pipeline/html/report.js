"use strict";
// sluice's triage page. Everything it shows comes from the JSON blob in #sluice-data and is
// put into the page as text (textContent, attributes of SVG shapes): a name from scanned
// content can never become markup. The filters, the sort, the page and the open finding live
// in the URL fragment, so a link shows the same view.
(function () {
  const data = JSON.parse(document.getElementById("sluice-data").textContent);
  const findings = data.findings || [];
  const cards = data.cards || {};
  const summary = data.summary || {};
  const meta = data.meta || {};
  const PAGE = 50;
  const SEVERITIES = ["critical", "high", "medium", "low", "info"];
  const CONFIDENCES = ["high", "medium", "low"];
  const VALIDATIONS = ["valid", "invalid", "unknown", "not asked"];
  const $ = (id) => document.getElementById(id);

  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }
  function validationOf(f) { return f.validation ? f.validation.status : "not asked"; }
  // Where a location's input starts: its repository, image, bucket, the path scanned that
  // holds it, or its first directory.
  const roots = (meta.roots || []).slice().sort((a, b) => b.length - a.length);
  function rootOf(at) {
    if (at.repository) return "repository " + at.repository;
    if (at.image && at.image.name) return "image " + at.image.name;
    const path = at.path || "";
    const s3 = /^s3:\/\/[^/]+/.exec(path);
    if (s3) return "bucket " + s3[0];
    for (const root of roots) {
      if (path === root || path.startsWith(root.endsWith("/") ? root : root + "/")) return root;
    }
    const slash = path.indexOf("/", path.startsWith("/") ? 1 : 0);
    return slash > 0 ? path.slice(0, slash) : path;
  }
  function chainOf(at) {
    const chain = (at.archive_chain || [at.path]).join(" ! ");
    let where = chain + ":" + at.line + ":" + at.column;
    if (at.commit) where = at.repository + "@" + at.commit.slice(0, 12) + ":" + where;
    if (at.image) where = (at.image.name || "image") + " ! " + (at.image.layer || "config") + " ! " + where;
    return where;
  }
  // Each finding's fields as the filters and the sort read them.
  const rows = findings.map((f, index) => {
    const first = (f.locations && f.locations[0]) || {};
    return {
      index, f, severity: f.severity, vendor: f.vendor || "", rule: f.rule_id, confidence: f.confidence,
      validation: validationOf(f), path: first.path ? chainOf(first) : "", paths: null,
      occurrences: f.occurrences || (f.locations || []).length, roots: (f.locations || []).map(rootOf),
    };
  });

  // ------------------------------------------------------------------------------ summary
  function counts(key) {
    const out = new Map();
    for (const r of rows) {
      const values = key === "roots" ? Array.from(new Set(r.roots)) : [r[key]];
      for (const v of values) out.set(v, (out.get(v) || 0) + 1);
    }
    return out;
  }
  function ordered(map, order) {
    const entries = Array.from(map.entries());
    if (order) return entries.sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0]));
    return entries.sort((a, b) => b[1] - a[1] || String(a[0]).localeCompare(String(b[0])));
  }
  const SVG = "http://www.w3.org/2000/svg";
  function chart(title, entries, classed, id) {
    const box = el("div", null, "chart");
    box.id = id;
    box.appendChild(el("h3", title));
    const shown = entries.slice(0, 12);
    const max = Math.max(1, ...shown.map((e) => e[1]));
    const width = 300, bar = 16, gap = 4, label = 120, room = width - label - 40;
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("width", String(width));
    svg.setAttribute("height", String(Math.max(1, shown.length) * (bar + gap)));
    svg.setAttribute("role", "img");
    shown.forEach(([name, n], i) => {
      const y = i * (bar + gap);
      const text = document.createElementNS(SVG, "text");
      text.setAttribute("x", "0");
      text.setAttribute("y", String(y + bar - 4));
      text.textContent = String(name).length > 20 ? String(name).slice(0, 19) + "…" : String(name);
      const title = document.createElementNS(SVG, "title");
      title.textContent = String(name);
      text.appendChild(title);
      const rect = document.createElementNS(SVG, "rect");
      rect.setAttribute("x", String(label));
      rect.setAttribute("y", String(y));
      rect.setAttribute("height", String(bar));
      rect.setAttribute("width", String(Math.max(1, Math.round((n / max) * room))));
      rect.setAttribute("class", "bar" + (classed ? " " + String(name).replace(/[^a-z]/g, "") : ""));
      const value = document.createElementNS(SVG, "text");
      value.setAttribute("x", String(label + Math.round((n / max) * room) + 4));
      value.setAttribute("y", String(y + bar - 4));
      value.setAttribute("class", "count");
      value.textContent = String(n);
      svg.append(text, rect, value);
    });
    box.appendChild(svg);
    if (entries.length > shown.length) box.appendChild(el("p", "and " + (entries.length - shown.length) + " more"));
    return box;
  }
  function renderSummary() {
    $("total").textContent = String(rows.length);
    $("total-valid").textContent = String(rows.filter((r) => r.validation === "valid").length);
    $("total-critical").textContent = String(rows.filter((r) => r.severity === "critical").length);
    $("total-inputs").textContent = String((summary.files || 0) + (summary.blobs || 0) + (summary.members || 0));
    const charts = $("charts");
    charts.append(
      chart("By severity", ordered(counts("severity"), SEVERITIES), true, "chart-severity"),
      chart("By confidence", ordered(counts("confidence"), CONFIDENCES), false, "chart-confidence"),
      chart("By validation", ordered(counts("validation"), VALIDATIONS), true, "chart-validation"),
      chart("By vendor", ordered(counts("vendor")), false, "chart-vendor"),
      chart("By family", ordered(counts("family_of")), false, "chart-family"),
      chart("By input root", ordered(counts("roots")), false, "chart-root"));
    $("made").textContent = "Made " + (meta.made_at || "") + " by sluice " + ((data.tool && data.tool.version) || "") +
      (meta.source ? " from " + meta.source : "") + (meta.show_secrets ? "; secrets shown" : "; secrets masked");
    const facts = [
      ["Complete", summary.complete === false ? "no: some input was not scanned (below)" : "yes"],
      ["Files", summary.files], ["Bytes", summary.bytes], ["Archives", summary.archives],
      ["Archive members", summary.members], ["Repositories", summary.repositories], ["Git blobs", summary.blobs],
      ["Images", summary.images], ["Duplicates not rescanned", summary.duplicates], ["Skipped", summary.skipped],
      ["Errors", summary.errors], ["Suppressed by baseline or ignore file", summary.suppressed],
      ["Seconds", summary.seconds !== undefined ? Number(summary.seconds).toFixed(2) : undefined],
      ["Catalog", meta.catalog ? meta.catalog.rules + " rules, version " + meta.catalog.version + ", hash " + meta.catalog.hash : "unknown (made from earlier reports)"],
    ];
    for (const [name, value] of facts) {
      if (value === undefined || value === null) continue;
      $("coverage-facts").append(el("dt", name), el("dd", value));
    }
    const issues = summary.issues || [];
    $("issues-title").textContent = issues.length + " input" + (issues.length === 1 ? "" : "s") +
      " not scanned or skipped, with the reason";
    for (const issue of issues) {
      const item = el("li", null);
      item.append(el("span", issue.path, "mono"), el("span", " — " + issue.reason + (issue.error ? " (error)" : "")));
      $("issues").append(item);
    }
  }
  for (const r of rows) r.family_of = r.f.family || "";

  // ------------------------------------------------------------------------------ state
  const state = { severity: "", vendor: "", rule: "", confidence: "", validation: "", path: "", sort: "severity",
    asc: true, page: 0, open: "" };
  function readFragment() {
    const params = new URLSearchParams(location.hash.slice(1));
    for (const key of ["severity", "vendor", "rule", "confidence", "validation", "path", "sort", "open"]) {
      state[key] = params.get(key) || (key === "sort" ? "severity" : "");
    }
    state.asc = params.get("desc") === null;
    state.page = Math.max(0, parseInt(params.get("page") || "0", 10) || 0);
  }
  function writeFragment() {
    const params = new URLSearchParams();
    for (const key of ["severity", "vendor", "rule", "confidence", "validation", "path", "open"]) {
      if (state[key]) params.set(key, state[key]);
    }
    if (state.sort !== "severity") params.set("sort", state.sort);
    if (!state.asc) params.set("desc", "1");
    if (state.page) params.set("page", String(state.page));
    history.replaceState(null, "", "#" + params.toString());
  }

  // ------------------------------------------------------------------------------ table
  function options(select, values) {
    select.append(el("option", "(all)"));
    select.firstChild.value = "";
    for (const v of values) {
      const option = el("option", v);
      option.value = v;
      select.append(option);
    }
  }
  // Every location of a finding, lower-cased, for the path filter: made when first needed.
  function pathsOf(r) {
    if (r.paths === null) r.paths = (r.f.locations || []).map((at) => chainOf(at)).join("\n").toLowerCase();
    return r.paths;
  }
  const sortKeys = {
    severity: (r) => SEVERITIES.indexOf(r.severity), rule: (r) => r.rule, vendor: (r) => r.vendor,
    confidence: (r) => CONFIDENCES.indexOf(r.confidence), validation: (r) => VALIDATIONS.indexOf(r.validation),
    path: (r) => r.path, occurrences: (r) => -r.occurrences,
  };
  function filtered() {
    const needle = state.path.toLowerCase();
    const out = rows.filter((r) => (!state.severity || r.severity === state.severity) &&
      (!state.vendor || r.vendor === state.vendor) && (!state.rule || r.rule === state.rule) &&
      (!state.confidence || r.confidence === state.confidence) &&
      (!state.validation || r.validation === state.validation) && (!needle || pathsOf(r).includes(needle)));
    const key = sortKeys[state.sort] || sortKeys.severity;
    out.sort((a, b) => {
      const ka = key(a), kb = key(b);
      const order = ka < kb ? -1 : ka > kb ? 1 : a.index - b.index;
      return state.asc ? order : -order;
    });
    return out;
  }
  function pill(text) { return el("span", text, "pill " + String(text).replace(/[^a-z]/g, "")); }
  function renderTable() {
    const list = filtered();
    const pages = Math.max(1, Math.ceil(list.length / PAGE));
    state.page = Math.min(state.page, pages - 1);
    const body = $("rows");
    body.replaceChildren();
    for (const r of list.slice(state.page * PAGE, (state.page + 1) * PAGE)) {
      const tr = el("tr");
      tr.dataset.fingerprint = r.f.fingerprint;
      if (r.f.fingerprint === state.open) tr.className = "selected";
      const cells = [pill(r.severity), el("span", r.rule), el("span", r.vendor), el("span", r.confidence),
        pill(r.validation), el("span", r.path), el("span", r.occurrences), el("span", r.f.secret)];
      cells.forEach((content, i) => {
        const td = el("td", null, i === 5 ? "path" : i === 7 ? "secret" : "");
        td.append(content);
        tr.append(td);
      });
      tr.addEventListener("click", () => { state.open = r.f.fingerprint; update(); });
      body.append(tr);
    }
    $("shown-count").textContent = "(" + list.length + " of " + rows.length + ")";
    $("page").textContent = "page " + (state.page + 1) + " of " + pages;
    $("prev").disabled = state.page === 0;
    $("next").disabled = state.page >= pages - 1;
    for (const th of document.querySelectorAll("th[data-sort]")) {
      th.classList.toggle("sorted", th.dataset.sort === state.sort);
      th.classList.toggle("asc", state.asc);
    }
  }

  // ------------------------------------------------------------------------------ card
  function section(title, node) {
    const box = el("div");
    box.append(el("h3", title), node);
    return box;
  }
  function list(tag, items) {
    const node = el(tag);
    for (const item of items || []) node.append(el("li", item));
    return node;
  }
  function renderCard() {
    const card = $("card");
    const f = state.open ? findings.find((x) => x.fingerprint === state.open) : null;
    card.hidden = !f;
    if (!f) return;
    const c = cards[f.rule_id] || {};
    const body = $("card-body");
    body.replaceChildren();
    body.append(el("h2", c.name || f.rule_name || f.rule_id));
    const facts = el("dl");
    const v = f.validation;
    for (const [name, value] of [["Rule", f.rule_id], ["Vendor", (c.vendor || f.vendor) + " · " + (c.family || f.family)],
      ["Severity", f.severity], ["Confidence", f.confidence + (f.confidence_reason ? " (" + f.confidence_reason + ")" : "")],
      ["Validation", v ? v.status + (v.http_status ? " (HTTP " + v.http_status + ")" : "") + (v.detail ? " " + v.detail : "") + (v.checked_at ? " at " + v.checked_at : "") : "not asked"],
      ["Secret", f.secret], ["Fingerprint", f.fingerprint]]) {
      facts.append(el("dt", name), el("dd", value, name === "Secret" || name === "Fingerprint" ? "mono" : ""));
    }
    body.append(facts);
    body.append(section("What it is", el("p", c.description || f.description || "")));
    if (c.security && c.security.length) body.append(section("Impact of a leak", list("ul", c.security)));
    body.append(section("Mitigation", list("ol", c.mitigation || f.mitigation)));
    const places = el("ul");
    for (const at of f.locations || []) {
      const item = el("li", chainOf(at), "mono");
      if (at.commit) item.append(el("div", (at.author || "") + " " + (at.date || "") + " " + (at.summary || "")));
      if (at.decoders && at.decoders.length) item.append(el("div", "decoded: " + at.decoders.join(" > ")));
      if (at.key) item.append(el("div", "key: " + at.key));
      places.append(item);
    }
    body.append(section("Locations (" + (f.locations || []).length + ")", places));
    if (c.references && c.references.length) body.append(section("References", list("ul", c.references)));
  }

  function update() {
    writeFragment();
    renderTable();
    renderCard();
  }
  function init() {
    readFragment();
    const distinct = (key, order) => {
      const values = Array.from(new Set(rows.map((r) => r[key])));
      return order ? order.filter((v) => values.includes(v)) : values.sort();
    };
    options($("f-severity"), distinct("severity", SEVERITIES));
    options($("f-vendor"), distinct("vendor"));
    options($("f-rule"), distinct("rule"));
    options($("f-confidence"), distinct("confidence", CONFIDENCES));
    options($("f-validation"), distinct("validation", VALIDATIONS));
    for (const id of ["f-severity", "f-vendor", "f-rule", "f-confidence", "f-validation", "f-path"]) {
      const input = $(id);
      input.value = state[input.dataset.key];
      input.addEventListener(input.tagName === "INPUT" ? "input" : "change", () => {
        state[input.dataset.key] = input.value;
        state.page = 0;
        update();
      });
    }
    $("f-clear").addEventListener("click", () => {
      for (const key of ["severity", "vendor", "rule", "confidence", "validation", "path"]) state[key] = "";
      for (const id of ["f-severity", "f-vendor", "f-rule", "f-confidence", "f-validation", "f-path"]) $(id).value = "";
      state.page = 0;
      update();
    });
    for (const th of document.querySelectorAll("th[data-sort]")) {
      th.addEventListener("click", () => {
        state.asc = state.sort === th.dataset.sort ? !state.asc : true;
        state.sort = th.dataset.sort;
        update();
      });
    }
    $("prev").addEventListener("click", () => { state.page = Math.max(0, state.page - 1); update(); });
    $("next").addEventListener("click", () => { state.page += 1; update(); });
    $("card-close").addEventListener("click", () => { state.open = ""; update(); });
    renderSummary();
    update();
    document.body.dataset.ready = "1";
    // Milliseconds from the start of the page's load to the first table drawn (bench/html_report.sh).
    document.body.dataset.readyMs = String(Math.round(performance.now()));
  }
  init();
})();
