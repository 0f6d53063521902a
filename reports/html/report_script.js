// Resync report: filters the summary, and draws a scenario's details (timeline, anomalies,
// clients) from its embedded JSON when it is opened.
//
// Rules this file keeps:
// - Everything shown comes from a server or a scenario: it goes into the page only through
//   textContent, createTextNode or setAttribute; no API that parses markup is used at all
//   (tests/html_report_structure_test.cpp checks), and no link is built from data.
// - ASCII only (embed_resources.cmake embeds this file as a C++ raw string); non-ASCII
//   characters are written as \u escapes.
// - Data schemas: reports/html/scenario_report.cpp, timeline_model.hpp, client_model.hpp.
(function () {
  'use strict';

  var SVG_NS = 'http://www.w3.org/2000/svg';
  var MINUS = '\u2212';
  var DASH = '\u2014';
  var ELLIPSIS = '\u2026';
  var SERVER_LOG_STROKES = {
    server_log_info: { stroke: '#0969da' },
    server_log_warning: { stroke: '#bf8700', 'stroke-dasharray': '2 2' },
    server_log_error: { stroke: '#cf222e', 'stroke-width': '3' }
  };

  // ---------- small DOM helpers (text only) ----------
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function svgEl(tag, attributes) {
    var node = document.createElementNS(SVG_NS, tag);
    if (attributes) {
      for (var name in attributes) {
        if (Object.prototype.hasOwnProperty.call(attributes, name)) node.setAttribute(name, String(attributes[name]));
      }
    }
    return node;
  }
  function append(parent) {
    for (var index = 1; index < arguments.length; index++) {
      var child = arguments[index];
      if (child === null || child === undefined) continue;
      parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
    }
    return parent;
  }
  function formatMs(ms) {
    if (ms === null || ms === undefined) return DASH;
    var abs = Math.abs(ms);
    if (abs < 1000) return (Math.round(ms * 10) / 10) + ' ms';
    if (abs < 60000) return (ms / 1000).toFixed(abs < 10000 ? 2 : 1) + ' s';
    var minutes = Math.floor(ms / 60000);
    return minutes + ' min ' + ((ms - minutes * 60000) / 1000).toFixed(0) + ' s';
  }
  function plural(count, word) { return count + ' ' + word + (count === 1 ? '' : 's'); }
  // A toolbar button named for screen readers as well as by its tooltip.
  function toolbarButton(toolbar, label, title, action) {
    var button = el('button', null, label);
    button.type = 'button';
    button.title = title;
    button.setAttribute('aria-label', title);
    button.addEventListener('click', action);
    append(toolbar, button);
    return button;
  }
  // A time that moves the timeline there: a real button, so Tab reaches it and Enter works.
  function timeLink(t, action) {
    var button = el('button', 'time-link', formatMs(t));
    button.type = 'button';
    button.title = 'show ' + formatMs(t) + ' on the timeline';
    button.addEventListener('click', action);
    return button;
  }
  // Enter and Space on an element that acts as a button (rows, lane labels).
  function activateOnKeys(node, action) {
    node.addEventListener('keydown', function (event) {
      if (event.target !== node) return;
      if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); action(); }
    });
  }
  // A column header: scope says which cells it names (screen readers read it with each cell).
  function header(name) {
    var th = el('th', null, name);
    th.setAttribute('scope', 'col');
    return th;
  }
  function loadScenario(index) {
    var block = document.getElementById('scenario-data-' + index);
    return block ? JSON.parse(block.textContent) : null;
  }

  // ---------- tooltip ----------
  var tooltip = document.getElementById('tooltip');
  function showTooltip(text, clientX, clientY) {
    if (!tooltip) return;
    tooltip.textContent = text;
    tooltip.hidden = false;
    var width = tooltip.offsetWidth;
    var height = tooltip.offsetHeight;
    var left = clientX + 14;
    var top = clientY + 16;
    if (left + width > window.innerWidth - 8) left = Math.max(8, clientX - width - 14);
    if (top + height > window.innerHeight - 8) top = Math.max(8, clientY - height - 12);
    tooltip.style.left = left + 'px';
    tooltip.style.top = top + 'px';
  }
  function hideTooltip() { if (tooltip) tooltip.hidden = true; }

  // ---------- summary: filters and opening scenarios ----------
  function applyFilter(filter) {
    filterName = filter;
    var rows = document.querySelectorAll('#summary-table tr.scenario-row');
    for (var index = 0; index < rows.length; index++) {
      var row = rows[index];
      var status = row.getAttribute('data-status');
      // "Not passing" means failed or unknown: a not-applicable scenario was never run.
      var visible = (filter === 'all' ||
        (filter === 'not-passed' ? status === 'failed' || status === 'unknown'
         : filter === 'not-applicable' ? status === 'not-applicable'
         : row.getAttribute('data-verdict') === filter)) && rowMatchesSearch(row);
      row.hidden = !visible;
      var detail = document.getElementById('detail-row-' + row.getAttribute('data-index'));
      if (detail) detail.hidden = !visible || row.getAttribute('aria-expanded') !== 'true';
    }
    var buttons = document.querySelectorAll('.filters .filter');
    for (var b = 0; b < buttons.length; b++) {
      var active = buttons[b].getAttribute('data-filter') === filter;
      buttons[b].classList.toggle('active', active);
      buttons[b].setAttribute('aria-pressed', active ? 'true' : 'false');
    }
    updateSearchCount();
  }

  var rendered = {};
  var timelines = {};
  var scenarioData = {};  // parsed once, when the scenario is first opened
  function toggleScenario(index, open) {
    var row = document.getElementById('row-' + index);
    var detailRow = document.getElementById('detail-row-' + index);
    if (!row || !detailRow) return;
    var shouldOpen = open === undefined ? row.getAttribute('aria-expanded') !== 'true' : open;
    row.setAttribute('aria-expanded', shouldOpen ? 'true' : 'false');
    detailRow.hidden = !shouldOpen;
    if (shouldOpen && !rendered[index]) {
      rendered[index] = true;
      var container = document.getElementById('scenario-' + index);
      try {
        scenarioData[index] = loadScenario(index);
        renderScenario(container, scenarioData[index], index);
      } catch (error) {
        container.textContent = '';
        append(container, el('p', 'problem', 'This scenario could not be drawn: ' + error));
        throw error;
      }
    }
  }

  // ---------- index: search, sorting, deep links ----------
  var searchText = '';
  var filterName = 'all';
  function rowMatchesSearch(row) {
    if (!searchText) return true;
    return row.textContent.toLowerCase().indexOf(searchText) !== -1;
  }
  function applySearch(text) {
    searchText = text.trim().toLowerCase();
    applyFilter(filterName);
  }
  function updateSearchCount() {
    var rows = document.querySelectorAll('#summary-table tr.scenario-row');
    var shown = 0;
    for (var index = 0; index < rows.length; index++) if (!rows[index].hidden) shown++;
    var count = document.getElementById('search-count');
    if (count) count.textContent = shown === rows.length ? '' : shown + ' of ' + rows.length + ' shown';
  }

  // Sorting moves each scenario row with its detail row; the second click on a header
  // reverses the order. The first order (failures first) is the page's own.
  function setUpSorting() {
    var table = document.getElementById('summary-table');
    if (!table) return;
    var headers = table.querySelectorAll('thead th');
    for (var index = 0; index < headers.length; index++) {
      (function (th, column) {
        var button = th.querySelector('button.sort');
        if (button) button.addEventListener('click', function () { sortBy(table, headers, column); });
      })(headers[index], index);
    }
  }
  function sortBy(table, headers, column) {
    var th = headers[column];
    var ascending = th.getAttribute('aria-sort') !== 'ascending';
    for (var index = 0; index < headers.length; index++) headers[index].setAttribute('aria-sort', 'none');
    th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
    var numeric = th.getAttribute('data-type') === 'number';
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.querySelectorAll('tr.scenario-row'));
    function key(row) {
      var value = row.cells[column].getAttribute('data-sort') || '';
      return numeric ? Number(value) : value.toLowerCase();
    }
    rows.sort(function (a, b) {
      var ka = key(a), kb = key(b);
      var order = ka < kb ? -1 : ka > kb ? 1 : Number(a.getAttribute('data-index')) - Number(b.getAttribute('data-index'));
      return ascending ? order : -order;
    });
    rows.forEach(function (row) {
      append(body, row);
      var detail = document.getElementById('detail-row-' + row.getAttribute('data-index'));
      if (detail) append(body, detail);
    });
  }

  // #SCENARIO/CLIENT/T (scenario_triage.hpp): open the scenario and the client, move the
  // timeline to T. An unknown scenario changes nothing.
  function followDeepLink(hash) {
    var parts = hash.replace(/^#/, '').split('/');
    var name, client, t;
    try {
      name = decodeURIComponent(parts[0] || '');
      client = decodeURIComponent(parts[1] || '');
    } catch (error) {
      return;
    }
    t = parts.length > 2 && parts[2] !== '' ? Number(parts[2]) : null;
    var rows = document.querySelectorAll('#summary-table tr.scenario-row');
    var row = null;
    for (var index = 0; index < rows.length; index++) {
      if (rows[index].getAttribute('data-name') === name) { row = rows[index]; break; }
    }
    if (!row) return;
    if (row.hidden) { searchText = ''; var search = document.getElementById('scenario-search'); if (search) search.value = ''; applyFilter('all'); }
    var scenarioIndex = row.getAttribute('data-index');
    toggleScenario(scenarioIndex, true);
    var data = scenarioData[scenarioIndex];
    if (client && data && data.clients) {
      data.clients.forEach(function (entry, clientIndex) { if (entry.name === client) openClient(scenarioIndex, clientIndex, false); });
    }
    var timeline = timelines[scenarioIndex];
    if (timeline && t !== null && isFinite(t)) {
      timeline.showTime(t);
      // The message-flow diagram shows the same moment, so the link reaches it on both views.
      if (window.resyncFlow) window.resyncFlow.zoomTo(Number(scenarioIndex), t - anomaly_flow_window_before_ms, t + anomaly_flow_window_after_ms);
    } else {
      row.scrollIntoView({ block: 'start' });
    }
  }

  // ---------- scenario details ----------
  function renderScenario(container, data, index) {
    container.textContent = '';
    var headline = data.headline || (data.status === 'passed' ? 'Passed: ' + data.verdict + ', as expected' : '');
    append(container, el('p', 'scenario-headline ' + data.status, headline));
    var facts = el('dl', 'facts');
    function fact(term, value, mono) {
      if (value === undefined || value === null || value === '') return;
      append(facts, el('dt', null, term));
      var dd = el('dd');
      append(dd, mono ? el('code', null, value) : String(value));
      append(facts, dd);
    }
    fact('scenario file', data.file, true);
    fact('history', data.history, true);
    fact('expected', data.expected);
    fact('verdict', data.verdict);
    if (data.unknown_reason) fact('why unknown', data.unknown_reason);
    fact('seed', data.seed, true);
    fact('mode', data.mode);
    fact('server delivery', data.delivery);
    fact('target', data.target);
    if (data.duration_ms !== undefined) fact('duration', formatMs(data.duration_ms) + (data.mode === 'sim' ? ' (virtual time)' : ''));
    if (data.log) fact('committed log', plural(data.log.count, 'message') + ', ' + data.log.origin);
    if (data.note) fact('note', data.note);
    append(container, facts);

    if (data.error) {
      append(container, el('h3', null, 'The history could not be read'));
      append(container, el('pre', 'output', data.error));
      return;
    }
    renderReplay(container, data);
    if (data.reproducer) renderReproducer(container, data.reproducer);
    if (data.server_error_output) {
      append(container, el('h3', null, 'Server error output'));
      append(container, el('pre', 'output', data.server_error_output));
    }
    append(container, el('h3', null, 'Timeline'));
    var timeline = renderTimeline(container, data, index);
    timelines[index] = timeline;
    // The message-flow diagram (flow_diagram.js, loaded before this file).
    if (data.flow && window.resyncFlow) window.resyncFlow.render(container, data, index);
    renderAnomalyTable(container, data, index, timeline);
    renderClients(container, data, index, timeline);
    renderRecoveries(container, data);
  }

  function commandRow(label, command) {
    var row = el('div', 'command');
    append(row, el('span', 'command-label', label));
    var text = el('pre', 'command-text', command);
    append(row, text);
    var copy = el('button', 'copy', 'copy');
    copy.type = 'button';
    copy.addEventListener('click', function () {
      var done = function () { copy.textContent = 'copied'; setTimeout(function () { copy.textContent = 'copy'; }, 1500); };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(command).then(done, function () { selectText(text); });
      } else {
        selectText(text);
      }
    });
    append(row, copy);
    return row;
  }
  function selectText(node) {
    var range = document.createRange();
    range.selectNodeContents(node);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function renderReplay(container, data) {
    if (!data.replay || (!data.replay.sim && !data.replay.live)) return;
    append(container, el('h3', null, 'Replay'));
    var box = el('div', 'replay');
    var evidence = data.evidence || {};
    if (evidence.working_directory) append(box, el('p', 'section-note', 'run from ' + evidence.working_directory));
    if (data.replay.sim) {
      append(box, commandRow(evidence.external ? 'in the simulator (replays against the embedded server, not your target)' : 'in the simulator', data.replay.sim));
    }
    if (data.replay.live) append(box, commandRow('live (real sockets)' + (evidence.external ? ', against ' + evidence.target : ''), data.replay.live));
    append(container, box);
  }

  function renderReproducer(container, reproducer) {
    append(container, el('h3', null, 'Shrunk reproducer'));
    if (reproducer.path) {
      var p = el('p', 'section-note', 'Scenario file: ');
      append(p, el('code', null, reproducer.path));
      append(container, p);
    }
    var list = el('ol', 'steps reproducer-steps');
    (reproducer.steps || []).forEach(function (step) {
      var item = el('li');
      append(item, el('code', null, step));
      append(list, item);
    });
    append(container, list);
  }

  // ---------- timeline ----------
  var LANE_HEIGHT = 26;
  var SYSTEM_LANE_HEIGHT = 24;
  var FAULT_ROW_HEIGHT = 16;
  var NODE_ROW_HEIGHT = 12;
  var AXIS_HEIGHT = 32;
  var HOVER_PX = 6;

  function buildLanes(data) {
    var tl = data.timeline;
    var lanes = [];
    var y = 0;
    function add(lane) { lane.y = y; y += lane.height; lanes.push(lane); }
    // A cluster's server lane has one row per node (each node is up or down on its own).
    add({ kind: 'server', label: tl.nodes ? 'servers (' + tl.nodes + ' nodes)' : 'server',
          height: tl.nodes ? Math.max(SYSTEM_LANE_HEIGHT, tl.nodes * NODE_ROW_HEIGHT + 8) : SYSTEM_LANE_HEIGHT, items: [], spans: [] });
    add({ kind: 'proxy', label: 'proxy (faults)', height: Math.max(1, tl.fault_rows) * FAULT_ROW_HEIGHT + 8, items: [], spans: [] });
    tl.lanes.forEach(function (lane, index) {
      add({ kind: 'client', index: index, label: data.clients[index].name, height: LANE_HEIGHT, items: [], spans: [], model: lane });
    });
    return { lanes: lanes, height: y };
  }

  function numberPath(parts) { return parts.join(' '); }

  // A step-shaped area for binned counts, bottom at `base`, at most `band` px high.
  function densityPath(bins, binMs, base, band, max) {
    if (!bins || !bins.length || !max) return '';
    var parts = [];
    var open = false;
    for (var index = 0; index < bins.length; index++) {
      var count = bins[index];
      var x = index * binMs;
      if (!count) {
        if (open) { parts.push('L', x, base, 'Z'); open = false; }
        continue;
      }
      // Log scale: a 10,000-row catch-up and a trickle of live messages both stay visible.
      var top = base - Math.max(1.5, Math.log(1 + count) / Math.log(1 + max) * band);
      if (!open) { parts.push('M', x, base); open = true; }
      parts.push('L', x, top, 'L', x + binMs, top);
    }
    if (open) parts.push('L', bins.length * binMs, base, 'Z');
    return numberPath(parts);
  }

  function ticksPath(items, top, bottom) {
    var parts = [];
    for (var index = 0; index < items.length; index++) parts.push('M', items[index][0], top, 'V', bottom);
    return numberPath(parts);
  }

  function maxOf(lanes, series) {
    var max = 0;
    lanes.forEach(function (lane) {
      var bins = lane[series].bins;
      if (bins) for (var index = 0; index < bins.length; index++) if (bins[index] > max) max = bins[index];
    });
    return max;
  }

  function renderTimeline(container, data, scenarioIndex) {
    var tl = data.timeline;
    var kinds = data.kinds;
    var layout = buildLanes(data);
    var lanes = layout.lanes;
    var height = layout.height;
    var end = Math.max(1, tl.end_ms);
    var pad = end * 0.01;
    var view = { x0: -pad, w: end + 2 * pad };

    var root = el('div', 'timeline');
    root.id = 'timeline-' + scenarioIndex;
    var toolbar = el('div', 'timeline-toolbar');
    function toolButton(label, title, action) { return toolbarButton(toolbar, label, title, action); }
    var viewText = el('span', 'view-text');
    toolButton('+', 'Zoom in', function () { zoomAt(view.x0 + view.w / 2, 0.5); });
    toolButton(MINUS, 'Zoom out', function () { zoomAt(view.x0 + view.w / 2, 2); });
    toolButton('\u25C0', 'Pan left', function () { setView(view.x0 - view.w / 3, view.w); });
    toolButton('\u25B6', 'Pan right', function () { setView(view.x0 + view.w / 3, view.w); });
    toolButton('fit', 'Show the whole run', function () { setView(-pad, end + 2 * pad); });
    append(toolbar, viewText);
    append(toolbar, el('span', 'hint', 'wheel: zoom \u00B7 drag: pan \u00B7 double-click: zoom in \u00B7 hover: details'));
    append(root, toolbar);

    var frame = el('div', 'timeline-frame');
    var labels = el('div', 'lane-labels');
    var axisSpacer = el('div', 'lane-label system', 'time');
    axisSpacer.style.height = AXIS_HEIGHT + 'px';
    append(labels, axisSpacer);
    lanes.forEach(function (lane) {
      var label = el('div', 'lane-label' + (lane.kind === 'client' ? ' clickable' : ' system'));
      label.style.height = lane.height + 'px';
      var name = el('span', 'lane-name', lane.label);
      label.title = lane.label;
      append(label, name);
      if (lane.kind === 'client') {
        var total = 0;
        data.clients[lane.index].counts.forEach(function (count, kind) { if (kinds[kind] !== 'sent_unknown') total += count; });
        if (total) append(label, el('span', 'lane-anomalies', total));
        label.addEventListener('click', function () { openClient(scenarioIndex, lane.index, true); });
        label.tabIndex = 0;
        label.setAttribute('role', 'button');
        label.setAttribute('aria-label', 'open client ' + lane.label + (total ? ' (' + total + ' anomalies)' : ''));
        activateOnKeys(label, function () { openClient(scenarioIndex, lane.index, true); });
      }
      append(labels, label);
    });

    var area = el('div', 'plot-area');
    var plot = svgEl('svg', { 'class': 'plot', height: height, preserveAspectRatio: 'none', 'data-lanes': lanes.length });
    plot.style.marginTop = AXIS_HEIGHT + 'px';
    plot.setAttribute('role', 'img');
    plot.setAttribute('aria-label', 'timeline of ' + (data.name || 'the run') + ': ' + lanes.length + ' lanes (' +
      lanes.map(function (lane) { return lane.label; }).join(', ') + '), ' + tl.faults.length + ' faults, ' + formatMs(end));
    var overlay = svgEl('svg', { 'class': 'overlay', height: height + AXIS_HEIGHT, role: 'img', 'aria-label': 'time axis and labels' });
    append(area, plot, overlay);
    append(frame, labels, area);
    append(root, frame);
    append(root, legend(kinds, tl.nodes || 0));
    append(container, root);

    drawPlot(plot, data, lanes, height, end);

    // Phases that start in the same millisecond share one label ("heal, converge, check").
    var phaseGroups = [];
    tl.phases.forEach(function (phase) {
      var last = phaseGroups[phaseGroups.length - 1];
      if (last && last.t === phase[0]) last.text += ', ' + phase[1]; else phaseGroups.push({ t: phase[0], text: 'phase ' + phase[1] });
    });
    var overlayWidth = 0;
    var redrawPending = false;
    function setView(x0, w) {
      var minW = Math.min(end + 2 * pad, Math.max(2, end / 200000));
      w = Math.max(minW, Math.min(end + 2 * pad, w));
      x0 = Math.max(-pad, Math.min(end + pad - w, x0));
      view.x0 = x0;
      view.w = w;
      plot.setAttribute('viewBox', x0 + ' 0 ' + w + ' ' + height);
      viewText.textContent = formatMs(Math.max(0, x0)) + ' ' + DASH + ' ' + formatMs(Math.min(end, x0 + w)) +
        ' of ' + formatMs(end);
      if (!redrawPending) {
        redrawPending = true;
        window.requestAnimationFrame(function () { redrawPending = false; drawOverlay(); });
      }
    }
    function zoomAt(t, factor) { setView(t - (t - view.x0) * factor, view.w * factor); }
    function pixelToTime(clientX) {
      var box = plot.getBoundingClientRect();
      return view.x0 + (clientX - box.left) / Math.max(1, box.width) * view.w;
    }
    var highlightT = null;

    function drawOverlay() {
      var widthPx = area.clientWidth;
      overlayWidth = widthPx;
      while (overlay.firstChild) overlay.removeChild(overlay.firstChild);
      var scale = widthPx / view.w;
      function px(t) { return (t - view.x0) * scale; }
      append(overlay, svgEl('line', { 'class': 'axis-line', x1: 0, x2: widthPx, y1: AXIS_HEIGHT - 0.5, y2: AXIS_HEIGHT - 0.5 }));
      var step = niceStep(view.w / Math.max(1, widthPx / 110));
      for (var t = Math.ceil(view.x0 / step) * step; t <= view.x0 + view.w; t += step) {
        var x = px(t);
        append(overlay, svgEl('line', { 'class': 'axis-tick', x1: x, x2: x, y1: AXIS_HEIGHT - 6, y2: AXIS_HEIGHT }));
        var label = svgEl('text', { 'class': 'axis-label', x: x + 3, y: AXIS_HEIGHT - 8 });
        label.textContent = formatMs(t);
        append(overlay, label);
      }
      // A label that would overlap the previous one is left out (its dashed line stays; zoom in to read it).
      var phaseLabelEnd = -Infinity;
      phaseGroups.forEach(function (group) {
        var x = px(group.t);
        if (x < -80 || x > widthPx) return;
        var labelX = Math.min(x + 2, widthPx - 6 * group.text.length);
        if (labelX < phaseLabelEnd) return;
        phaseLabelEnd = labelX + 6 * group.text.length + 6;
        var label = svgEl('text', { 'class': 'phase-label', x: labelX, y: 9 });
        label.textContent = group.text;
        append(overlay, label);
      });
      var proxy = lanes[1];
      tl.faults.forEach(function (fault) {
        var left = Math.max(px(fault[0]), 0);
        var right = Math.min(px(fault[1]), widthPx);
        if (right - left < 24) return;
        var label = svgEl('text', { 'class': 'fault-label', x: left + 4, y: AXIS_HEIGHT + proxy.y + 4 + fault[5] * FAULT_ROW_HEIGHT + 11 });
        label.textContent = clip(fault[2] + ' (' + fault[3] + ')', (right - left - 8) / 6.5);
        append(overlay, label);
      });
      if (highlightT !== null) {
        var hx = px(highlightT);
        append(overlay, svgEl('line', { 'class': 'highlight-line', x1: hx, x2: hx, y1: AXIS_HEIGHT, y2: AXIS_HEIGHT + height }));
      }
      if (cursorT !== null) {
        var cx = px(cursorT);
        append(overlay, svgEl('line', { 'class': 'cursor-line', x1: cx, x2: cx, y1: 0, y2: AXIS_HEIGHT + height }));
      }
    }
    var cursorT = null;

    // Zoom with the wheel (Shift+wheel pans), pan by dragging.
    area.addEventListener('wheel', function (event) {
      event.preventDefault();
      var delta = event.deltaMode === 1 ? event.deltaY * 16 : event.deltaY;
      if (event.shiftKey || Math.abs(event.deltaX) > Math.abs(event.deltaY)) {
        var shift = event.shiftKey ? delta : event.deltaX;
        setView(view.x0 + shift / Math.max(1, area.clientWidth) * view.w, view.w);
      } else {
        zoomAt(pixelToTime(event.clientX), Math.exp(delta * 0.0015));
      }
    }, { passive: false });
    var drag = null;
    area.addEventListener('pointerdown', function (event) {
      if (event.button !== 0) return;
      drag = { x: event.clientX, x0: view.x0, moved: false };
      area.setPointerCapture(event.pointerId);
    });
    area.addEventListener('pointermove', function (event) {
      if (drag) {
        var dx = event.clientX - drag.x;
        if (Math.abs(dx) > 2) drag.moved = true;
        if (drag.moved) {
          area.classList.add('dragging');
          hideTooltip();
          setView(drag.x0 - dx / Math.max(1, area.clientWidth) * view.w, view.w);
          return;
        }
      }
      hover(event);
    });
    function endDrag(event) {
      if (!drag) return;
      drag = null;
      area.classList.remove('dragging');
      if (area.hasPointerCapture(event.pointerId)) area.releasePointerCapture(event.pointerId);
    }
    area.addEventListener('pointerup', endDrag);
    area.addEventListener('pointercancel', endDrag);
    area.addEventListener('pointerleave', function () { hideTooltip(); cursorT = null; drawOverlay(); });
    area.addEventListener('dblclick', function (event) { zoomAt(pixelToTime(event.clientX), 0.5); });

    function hover(event) {
      var box = plot.getBoundingClientRect();
      var y = event.clientY - box.top;
      var t = pixelToTime(event.clientX);
      cursorT = t;
      if (!redrawPending) { redrawPending = true; window.requestAnimationFrame(function () { redrawPending = false; drawOverlay(); }); }
      var lane = null;
      for (var index = 0; index < lanes.length; index++) {
        if (y >= lanes[index].y && y < lanes[index].y + lanes[index].height) { lane = lanes[index]; break; }
      }
      if (!lane) { hideTooltip(); return; }
      var text = describe(lane, t, view.w / Math.max(1, box.width), y - lane.y);
      if (text) showTooltip(text, event.clientX, event.clientY); else hideTooltip();
    }

    function describe(lane, t, msPerPx, yInLane) {
      var tolerance = HOVER_PX * msPerPx;
      var lines = [lane.label + ' @ ' + formatMs(t)];
      var best = null;
      lane.items.forEach(function (group) {
        var hit = nearest(group.items, t, tolerance);
        if (hit && (!best || group.priority > best.priority ||
            (group.priority === best.priority && Math.abs(hit[0] - t) < Math.abs(best.hit[0] - t)))) {
          best = { hit: hit, priority: group.priority, format: group.format };
        }
      });
      if (best) lines.push(best.format(best.hit));
      lane.spans.forEach(function (span) {
        if (span.proxyRow !== undefined && Math.floor((yInLane - 4) / FAULT_ROW_HEIGHT) !== span.proxyRow) return;
        if (t >= span.start && t <= span.end) lines.push(span.text);
      });
      (lane.bins || []).forEach(function (series) {
        var bin = Math.floor(t / tl.bin_ms);
        if (bin < 0 || !series.bins || bin >= series.bins.length || !series.bins[bin]) return;
        lines.push(series.label + ' ' + formatMs(bin * tl.bin_ms) + DASH + formatMs((bin + 1) * tl.bin_ms) + ': ' + series.bins[bin]);
      });
      return lines.length > 1 ? lines.join('\n') : null;
    }

    var api = {
      showTime: function (t, span) {
        highlightT = t;
        var width = Math.min(view.w, span || Math.max(end / 10, 50));
        setView(t - width / 2, width);
        root.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
      },
      lanes: lanes
    };
    setView(view.x0, view.w);
    if (typeof ResizeObserver !== 'undefined') {
      new ResizeObserver(function () { if (area.clientWidth !== overlayWidth) drawOverlay(); }).observe(area);
    }
    return api;
  }

  function clip(text, chars) {
    chars = Math.floor(chars);
    if (text.length <= chars) return text;
    return chars <= 1 ? '' : text.slice(0, chars - 1) + ELLIPSIS;
  }

  function niceStep(raw) {
    var power = Math.pow(10, Math.floor(Math.log10(Math.max(raw, 1e-9))));
    var leading = raw / power;
    return (leading <= 1 ? 1 : leading <= 2 ? 2 : leading <= 5 ? 5 : 10) * power;
  }

  // The item of a time-sorted list nearest to t within tolerance, or null.
  function nearest(items, t, tolerance) {
    var low = 0;
    var high = items.length;
    while (low < high) {
      var middle = (low + high) >> 1;
      if (items[middle][0] < t) low = middle + 1; else high = middle;
    }
    var best = null;
    [low - 1, low].forEach(function (index) {
      if (index < 0 || index >= items.length) return;
      var distance = Math.abs(items[index][0] - t);
      if (distance <= tolerance && (!best || distance < Math.abs(best[0] - t))) best = items[index];
    });
    return best;
  }

  function sortedByTime(items) { return items.slice().sort(function (a, b) { return a[0] - b[0]; }); }

  function drawPlot(plot, data, lanes, height, end) {
    var tl = data.timeline;
    var kinds = data.kinds;
    var background = svgEl('g');
    lanes.forEach(function (lane, index) {
      append(background, svgEl('rect', { 'class': index % 2 ? 'lane-bg-odd' : 'lane-bg-even', x: -end, y: lane.y, width: end * 3, height: lane.height }));
    });
    append(plot, background);

    // Faults: a light band across every lane, a stronger one on the lane of a targeted
    // client, and a named bar on the proxy lane.
    var proxy = lanes[1];
    var faultLayer = svgEl('g');
    tl.faults.forEach(function (fault) {
      var start = fault[0], stop = Math.max(fault[1], fault[0] + end / 2000);
      append(faultLayer, svgEl('rect', { 'class': 'fault-band', x: start, y: 0, width: stop - start, height: height }));
      var text = 'fault ' + fault[2] + ' (' + fault[3] + '): ' + formatMs(fault[0]) + ' ' + DASH + ' ' +
        (fault[6] ? formatMs(fault[1]) + ' healed' : 'not healed before the end') + ', ' + formatMs(fault[1] - fault[0]) +
        (fault[7].length ? ', fired ' + plural(fault[7].length, 'time') : '') + (fault[4] ? '\n' + fault[4] : '');
      if (fault[8] >= 0) {
        var target = lanes[2 + fault[8]];
        append(faultLayer, svgEl('rect', { 'class': 'fault-target', x: start, y: target.y, width: stop - start, height: target.height }));
        target.spans.push({ start: fault[0], end: fault[1], text: text });
      }
      var barY = proxy.y + 4 + fault[5] * FAULT_ROW_HEIGHT;
      append(faultLayer, svgEl('rect', { 'class': 'fault-bar' + (fault[6] ? '' : ' unhealed'), x: start, y: barY, width: stop - start, height: FAULT_ROW_HEIGHT - 3 }));
      if (fault[7].length) {
        append(faultLayer, svgEl('path', { 'class': 'fault-fired', d: ticksPath(fault[7].map(function (t) { return [t]; }), barY, barY + FAULT_ROW_HEIGHT - 3) }));
        proxy.items.push({ priority: 2, items: fault[7].map(function (t) { return [t]; }), format: function (hit) { return 'fault ' + fault[2] + ' fired at ' + formatMs(hit[0]); } });
      }
      proxy.spans.push({ start: fault[0], end: fault[1], text: text, proxyRow: fault[5] });
    });
    append(plot, faultLayer);

    // Phases: dashed lines across all lanes.
    var phases = svgEl('g');
    tl.phases.forEach(function (phase) {
      append(phases, svgEl('line', { 'class': 'phase-line', x1: phase[0], x2: phase[0], y1: 0, y2: height }));
    });
    append(plot, phases);

    // Server lane.
    var server = lanes[0];
    var serverLayer = svgEl('g');
    tl.server.up.forEach(function (up) {
      var width = Math.max(0, up[1] - up[0]);
      if (up.length > 3) {
        // A cluster node: its own row, labelled with its number (not colour alone).
        var rowY = server.y + 4 + up[3] * NODE_ROW_HEIGHT;
        append(serverLayer, svgEl('rect', { 'class': 'server-up', x: up[0], y: rowY, width: width, height: NODE_ROW_HEIGHT - 2 }));
        var label = svgEl('text', { 'class': 'node-label', x: up[0] + 2, y: rowY + NODE_ROW_HEIGHT - 4 });
        label.textContent = 'n' + up[3];
        append(serverLayer, label);
        server.spans.push({ start: up[0], end: up[1], text: 'node ' + up[3] + ' up (incarnation ' + up[2] + ') ' + formatMs(up[0]) + ' ' + DASH + ' ' + formatMs(up[1]) });
        return;
      }
      append(serverLayer, svgEl('rect', { 'class': 'server-up', x: up[0], y: server.y + 5, width: width, height: server.height - 10 }));
      server.spans.push({ start: up[0], end: up[1], text: 'server up (incarnation ' + up[2] + ')' });
    });
    drawMarks(serverLayer, server, tl.server.marks, server.y + 2, server.y + server.height - 2);
    append(plot, serverLayer);

    // Client lanes.
    var maxima = { sends: maxOf(tl.lanes, 'sends'), deliveries: maxOf(tl.lanes, 'deliveries'), anomalies: maxOf(tl.lanes, 'anomalies') };
    lanes.forEach(function (lane) {
      if (lane.kind !== 'client') return;
      var model = lane.model;
      var group = svgEl('g', { 'data-client': lane.label });
      var top = lane.y + 3, bottom = lane.y + lane.height - 3;
      model.segments.forEach(function (segment) {
        append(group, svgEl('rect', { 'class': 'seg-' + segment[2], x: segment[0], y: lane.y + 7, width: Math.max(0, segment[1] - segment[0]), height: lane.height - 14 }));
        lane.spans.push({ start: segment[0], end: segment[1], text: segment[2] + ' ' + formatMs(segment[0]) + ' ' + DASH + ' ' + formatMs(segment[1]) });
      });
      // A cluster: which node each session went to, as a band along the lane's top edge in
      // the node's colour and pattern, with its number written at the band's start (not colour alone).
      (model.nodes || []).forEach(function (span) {
        var node = span[2], width = Math.max(0, span[1] - span[0]);
        append(group, svgEl('rect', { 'class': 'node-band node-' + (node % NODE_STYLES), x: span[0], y: lane.y + 1, width: width, height: 5 }));
        var label = svgEl('text', { 'class': 'node-label', x: span[0] + 2, y: lane.y + 6 });
        label.textContent = 'n' + node;
        append(group, label);
        lane.spans.push({ start: span[0], end: span[1], text: 'on node ' + node + ' ' + formatMs(span[0]) + ' ' + DASH + ' ' + formatMs(span[1]) });
      });
      model.catch_ups.forEach(function (window) {
        var stop = window[1] === null ? end : window[1];
        append(group, svgEl('rect', { 'class': 'catch-up' + (window[1] === null ? ' incomplete' : ''), x: window[0], y: lane.y + 9, width: Math.max(0, stop - window[0]), height: lane.height - 18 }));
        // A catch-up can take no time at all (virtual time): a thick start line keeps it visible.
        append(group, svgEl('path', { 'class': 'catch-up-start' + (window[1] === null ? ' incomplete' : ''), d: 'M ' + window[0] + ' ' + (lane.y + 4) + ' V ' + (lane.y + lane.height - 4) }));
        lane.spans.unshift({ start: window[0], end: stop, text: window[1] === null
          ? 'catch-up after the connect at ' + formatMs(window[0]) + ': ' + plural(window[2], 'message') + ' missing, NEVER complete'
          : 'catch-up after the connect at ' + formatMs(window[0]) + ': ' + plural(window[2], 'message') + ' missing, complete after ' + formatMs(window[1] - window[0]) });
      });
      lane.bins = [];
      drawSeries(group, lane, model.sends, 'send', 'sends', top, lane.y + lane.height / 2 - 1, maxima.sends, tl.bin_ms);
      drawSeries(group, lane, model.deliveries, 'delivery', 'deliveries', lane.y + lane.height / 2 + 1, bottom, maxima.deliveries, tl.bin_ms);
      drawMarks(group, lane, model.marks, top, bottom);
      if (model.anomalies.exact) {
        var byKind = {};
        model.anomalies.exact.forEach(function (item) { (byKind[item[1]] = byKind[item[1]] || []).push(item); });
        Object.keys(byKind).forEach(function (kind) {
          append(group, svgEl('path', { 'class': 'anomaly-mark stroke-' + kinds[kind], d: ticksPath(byKind[kind], lane.y, lane.y + lane.height) }));
        });
        lane.items.push({ priority: 5, items: sortedByTime(model.anomalies.exact), format: function (hit) { return 'ANOMALY ' + hit[2]; } });
      } else if (model.anomalies.bins && model.anomalies.bins.length) {
        append(group, svgEl('path', { 'class': 'density-anomaly', d: densityPath(model.anomalies.bins, tl.bin_ms, lane.y + 6, 6, maxima.anomalies) }));
        lane.bins.push({ label: 'anomalies', bins: model.anomalies.bins });
      }
      append(plot, group);
    });
  }

  function drawSeries(group, lane, series, cssName, label, top, bottom, max, binMs) {
    if (series.exact) {
      if (!series.exact.length) return;
      append(group, svgEl('path', { 'class': 'ticks-' + cssName, d: ticksPath(series.exact, top, bottom) }));
      lane.items.push({ priority: 1, items: sortedByTime(series.exact), format: function (hit) { return hit[1]; } });
    } else if (series.bins && series.bins.length) {
      append(group, svgEl('path', { 'class': 'density-' + cssName, d: densityPath(series.bins, binMs, bottom, bottom - top, max) }));
      lane.bins.push({ label: label, bins: series.bins });
    }
  }

  function drawMarks(group, lane, marks, top, bottom) {
    if (!marks.length) return;
    var byKind = {};
    marks.forEach(function (mark) { (byKind[mark[1]] = byKind[mark[1]] || []).push(mark); });
    Object.keys(byKind).forEach(function (kind) {
      var path = svgEl('path', { 'class': 'mark mark-' + kind, d: ticksPath(byKind[kind], top, bottom) });
      // The server's log lines: blue, a warning dashed amber, an error thick red.
      var logStyle = SERVER_LOG_STROKES[kind];
      if (logStyle) for (var name in logStyle) path.setAttribute(name, logStyle[name]);
      append(group, path);
    });
    lane.items.push({ priority: 3, items: sortedByTime(marks), format: function (hit) { return hit[2]; } });
  }

  // Node bands cycle through this many colour-and-pattern styles (report_style.css).
  var NODE_STYLES = 8;

  function legend(kinds, nodes) {
    var box = el('div', 'legend');
    function item(label, swatchClass, title) {
      var entry = el('span', 'legend-item');
      var swatch = el('span', 'swatch ' + swatchClass);
      append(entry, swatch, label);
      if (title) entry.title = title;
      append(box, entry);
    }
    item('connected', 'swatch-connected');
    item('connecting', 'swatch-connecting');
    item('disconnected', 'swatch-disconnected');
    item('catch-up after reconnect', 'swatch-catch-up', 'from the connect until the client had every message that existed then');
    item('catch-up never completed', 'swatch-incomplete');
    item('fault (start ' + DASH + ' heal)', 'swatch-fault');
    item('sends (upper half)', 'swatch-send');
    item('deliveries (lower half)', 'swatch-delivery');
    kinds.forEach(function (kind) { item(kind, 'kind-' + kind); });
    for (var node = 0; node < nodes; ++node) {
      item('node ' + node + ' (n' + node + ')', 'swatch-node node-' + (node % NODE_STYLES), 'the client\'s session was on cluster node ' + node);
    }
    return box;
  }

  // ---------- anomaly table ----------
  // How much of the run around an anomaly its "flow" button shows: more before it, where
  // its cause (a cut, a reconnect) usually is.
  var anomaly_flow_window_before_ms = 400;
  var anomaly_flow_window_after_ms = 100;
  function renderAnomalyTable(container, data, scenarioIndex, timeline) {
    var anomalies = data.anomalies;
    var heading = el('h3', null, 'Anomalies (' + anomalies.total + ')');
    append(container, heading);
    if (!anomalies.total) {
      append(container, el('p', 'all-good', 'No anomalies: every client rendered exactly the committed log.'));
      return;
    }
    var table = el('table', 'data-table anomaly-table');
    table.id = 'anomaly-table-' + scenarioIndex;
    var head = el('thead');
    var headRow = el('tr');
    ['kind', 'client', 'id', 'when', 'detail'].forEach(function (name) { append(headRow, header(name)); });
    append(head, headRow);
    append(table, head);
    var body = el('tbody');
    anomalies.rows.forEach(function (row) {
      var tr = el('tr', 'anomaly-row');
      tr.setAttribute('data-kind', data.kinds[row[0]]);
      var kindCell = el('td');
      append(kindCell, el('span', 'chip kind-' + data.kinds[row[0]], data.kinds[row[0]]));
      append(tr, kindCell, el('td', null, row[1] || '(run)'), el('td', 'number', row[2] === null ? '' : row[2]));
      var when = el('td');
      append(when, timeLink(row[3], function () { timeline.showTime(row[3]); }));
      if (row[3] !== null && window.resyncFlow) {
        // The message-flow diagram around the moment, following the anomaly's id.
        var flowLink = el('button', 'time-link flow-link', 'flow');
        flowLink.type = 'button';
        flowLink.setAttribute('data-t', String(row[3]));
        flowLink.title = 'show ' + formatMs(row[3]) + ' on the message-flow diagram' + (row[2] === null ? '' : ', following id ' + row[2]);
        flowLink.addEventListener('click', function () {
          window.resyncFlow.zoomTo(scenarioIndex, row[3] - anomaly_flow_window_before_ms, row[3] + anomaly_flow_window_after_ms,
                                   row[2] === null ? undefined : row[2]);
          var flow = document.getElementById('flow-' + scenarioIndex);
          if (flow) flow.scrollIntoView({ block: 'center' });
        });
        append(when, document.createTextNode(' '), flowLink);
      }
      append(tr, when, el('td', 'detail', row[4]));
      append(body, tr);
    });
    append(table, body);
    var scroller = el('div', 'table-scroll');
    append(scroller, table);
    append(container, scroller);
    var notShown = [];
    anomalies.not_shown.forEach(function (count, kind) { if (count) notShown.push(count + ' more ' + data.kinds[kind]); });
    if (notShown.length) append(container, el('p', 'more', notShown.join(', ') + ' not listed here (each client\u2019s lists below; the history has them all)'));
  }

  // ---------- clients ----------
  var openClients = {};
  function openClient(scenarioIndex, clientIndex, scroll) {
    var opener = openClients[scenarioIndex];
    if (opener) opener(clientIndex, scroll);
  }

  function renderClients(container, data, scenarioIndex, timeline) {
    append(container, el('h3', null, 'Clients (' + data.clients.length + ')'));
    append(container, el('p', 'section-note', 'Latency: from a message\u2019s first send to its first rendering by the client. ' +
      'Click a client for its rendered list against the committed log.'));
    var table = el('table', 'data-table clients-table');
    table.id = 'clients-table-' + scenarioIndex;
    var columns = ['client', 'rendered', 'lost', 'dup', 'reord', 'unexp', 'altered', 'reconnects', 'reloads', 'catch-ups', 'p50', 'p90', 'p99', 'max', 'latency histogram', 'slowest resync'];
    var head = el('thead');
    var headRow = el('tr');
    columns.forEach(function (name) { append(headRow, header(name)); });
    append(head, headRow);
    append(table, head);
    var body = el('tbody');
    var detailRows = [];
    data.clients.forEach(function (client, index) {
      var tr = el('tr', 'clickable client-row');
      tr.setAttribute('data-client', client.name);
      var counts = client.counts;
      var latency = client.latency;
      var slowest = null, never = false;
      client.resyncs.forEach(function (resync) { if (resync[2] === null) never = true; else slowest = Math.max(slowest || 0, resync[2]); });
      append(tr, el('td', null, client.name), el('td', 'number', client.rendered));
      [0, 1, 2, 3, 4].forEach(function (kind) {
        var cell = el('td', 'number');
        if (counts[kind]) append(cell, el('span', 'chip kind-' + data.kinds[kind], counts[kind])); else append(cell, '0');
        append(tr, cell);
      });
      append(tr, el('td', 'number', client.reconnects), el('td', 'number', client.reloads), el('td', 'number', client.catch_ups.length));
      ['p50', 'p90', 'p99', 'max'].forEach(function (key) { append(tr, el('td', 'number', latency.count ? formatMs(latency[key]) : DASH)); });
      var sparkCell = el('td');
      append(sparkCell, sparkline(latency.histogram));
      append(tr, sparkCell, el('td', 'number', never ? 'never' : slowest === null ? DASH : formatMs(slowest)));
      append(body, tr);
      var detailRow = el('tr', 'client-detail');
      detailRow.hidden = true;
      var cell = el('td');
      cell.colSpan = columns.length;
      append(detailRow, cell);
      append(body, detailRow);
      detailRows.push({ row: tr, detail: detailRow, cell: cell, drawn: false });
      tr.addEventListener('click', function () { toggle(index); });
      tr.tabIndex = 0;
      tr.setAttribute('aria-expanded', 'false');
      tr.setAttribute('aria-label', 'client ' + client.name + ': show its rendered list against the log');
      activateOnKeys(tr, function () { toggle(index); });
    });
    append(table, body);
    append(container, table);

    function toggle(index, forceOpen) {
      var entry = detailRows[index];
      var open = forceOpen || entry.detail.hidden;
      entry.detail.hidden = !open;
      entry.row.classList.toggle('open', open);
      entry.row.setAttribute('aria-expanded', open ? 'true' : 'false');
      if (open && !entry.drawn) {
        entry.drawn = true;
        renderClientDetail(entry.cell, data, data.clients[index], timeline);
      }
    }
    openClients[scenarioIndex] = function (index, scroll) {
      toggle(index, true);
      if (scroll) detailRows[index].row.scrollIntoView({ block: 'start', behavior: 'smooth' });
    };
    // Open the worst client (most invalidating anomalies, ties to the earliest: scenario_triage.hpp),
    // so the failure is visible at once; a deep link opens its own client instead.
    var worst = data.triage ? data.triage.worst_client : '';
    for (var index = 0; index < data.clients.length; index++) {
      if (worst && data.clients[index].name === worst) { toggle(index, true); break; }
    }
  }

  function sparkline(histogram) {
    var width = 120, height = 22;
    var chart = svgEl('svg', { 'class': 'sparkline', width: width, height: height, viewBox: '0 0 ' + width + ' ' + height,
      role: 'img', 'aria-label': 'latency histogram: ' + histogram.map(function (bucket) { return '<' + formatMs(bucket[1]) + ' ' + bucket[2]; }).join(', ') });
    if (!histogram.length) return chart;
    var max = 0;
    histogram.forEach(function (bucket) { max = Math.max(max, bucket[2]); });
    var barWidth = width / histogram.length;
    histogram.forEach(function (bucket, index) {
      if (!bucket[2]) return;
      var barHeight = Math.max(1, bucket[2] / max * (height - 2));
      var bar = svgEl('rect', { 'class': 'bar', x: index * barWidth + 0.5, y: height - barHeight, width: Math.max(1, barWidth - 1), height: barHeight });
      var title = svgEl('title');
      title.textContent = formatMs(bucket[0]) + ' ' + DASH + ' ' + formatMs(bucket[1]) + ': ' + bucket[2];
      append(bar, title);
      append(chart, bar);
    });
    return chart;
  }

  function histogramChart(latency) {
    var histogram = latency.histogram;
    // Wide enough that the bucket labels ("<500ms", "<1.0s") never touch their neighbours.
    var barWidth = 46, chartHeight = 110, top = 14, labelHeight = 30;
    var width = Math.max(1, histogram.length) * barWidth + 10;
    var chart = svgEl('svg', { 'class': 'histogram', width: width, height: top + chartHeight + labelHeight, role: 'img',
      'aria-label': 'delivery latency histogram: ' + histogram.map(function (bucket) { return '<' + formatMs(bucket[1]) + ': ' + bucket[2]; }).join(', ') });
    var max = 0;
    histogram.forEach(function (bucket) { max = Math.max(max, bucket[2]); });
    histogram.forEach(function (bucket, index) {
      var x = 5 + index * barWidth;
      var barHeight = max ? bucket[2] / max * chartHeight : 0;
      if (bucket[2]) {
        append(chart, svgEl('rect', { 'class': 'bar', x: x + 2, y: top + chartHeight - Math.max(1, barHeight), width: barWidth - 4, height: Math.max(1, barHeight) }));
        var count = svgEl('text', { 'class': 'bar-count', x: x + barWidth / 2, y: top + chartHeight - barHeight - 3, 'text-anchor': 'middle' });
        count.textContent = bucket[2];
        append(chart, count);
      }
      var label = svgEl('text', { 'class': 'bar-label', x: x + barWidth / 2, y: top + chartHeight + 12, 'text-anchor': 'middle' });
      label.textContent = '<' + formatMs(bucket[1]).replace(' ', '');
      append(chart, label);
    });
    return chart;
  }

  function renderClientDetail(cell, data, client, timeline) {
    var diff = client.diff;
    append(cell, el('h4', null, client.name + ': rendered list against the committed log'));
    var summary = [];
    ['lost', 'duplicate', 'moved_here', 'unexpected', 'altered'].forEach(function (kind) {
      if (diff.rows_per_kind[kind]) summary.push(DIFF_WORDS[kind].count(diff.rows_per_kind[kind]));
    });
    append(cell, el('p', 'divergence-text' + (diff.first_difference === null ? ' equal' : ''),
      diff.first_difference === null ? 'The rendered list equals the committed log.' : 'Aligned as a diff: ' + summary.join(', ') + '.'));
    append(cell, el('p', 'section-note', plural(diff.rendered_total, 'message') + ' rendered since the last reload' +
      (client.ignored ? ' (' + client.ignored + ' more ignored by the client\u2019s policy)' : '') + '; committed log: ' +
      plural(diff.log_total, 'message') + '.'));
    append(cell, diffTable(diff));

    var lists = el('div', 'kind-lists');
    data.kinds.forEach(function (kind) {
      var list = client.lists[kind];
      if (!list) return;
      var box = el('div', 'kind-list');
      var heading = el('div');
      append(heading, el('span', 'chip kind-' + kind, kind), ' ' + list.total);
      append(box, heading);
      var ul = el('ul');
      list.items.forEach(function (item) {
        append(ul, el('li', null, (item[0] === null ? '' : 'id ' + item[0] + ': ') + item[1]));
      });
      append(box, ul);
      if (list.total > list.items.length) append(box, el('div', 'more', (list.total - list.items.length) + ' more'));
      append(lists, box);
    });
    if (lists.childNodes.length) append(cell, lists);

    var columns = el('div', 'client-columns');
    var connections = el('div');
    append(connections, el('h4', null, 'Connections'));
    append(connections, el('p', 'section-note', plural(client.connects, 'connect') + ', ' + plural(client.reconnects, 'reconnect') +
      ', ' + plural(client.connect_errors, 'connect error') + ', ' + plural(client.reloads, 'reload') + '.'));
    if (client.catch_ups.length) {
      var catchUps = el('table', 'data-table');
      var headRow = el('tr');
      ['connected at', 'serverOffset', 'missing', 'caught up after'].forEach(function (name) { append(headRow, header(name)); });
      append(catchUps, headRow);
      client.catch_ups.forEach(function (window) {
        var tr = el('tr');
        var when = el('td');
        append(when, timeLink(window[0], function () { timeline.showTime(window[0]); }));
        append(tr, when, el('td', 'mono', window[3] + (window[4] ? ' (recovered)' : '')), el('td', 'number', window[2]),
          el('td', 'number', window[1] === null ? 'never' : formatMs(window[1] - window[0])));
        append(catchUps, tr);
      });
      append(connections, catchUps);
    } else {
      append(connections, el('p', 'section-note', 'No reconnect had anything to catch up.'));
    }
    append(columns, connections);

    var latencyBox = el('div');
    append(latencyBox, el('h4', null, 'Delivery latency'));
    var latency = client.latency;
    append(latencyBox, el('p', 'section-note', latency.count
      ? plural(latency.count, 'message') + ': p50 ' + formatMs(latency.p50) + ', p90 ' + formatMs(latency.p90) + ', p99 ' +
        formatMs(latency.p99) + ', max ' + formatMs(latency.max)
      : 'No message sent during the run was rendered by this client.'));
    if (latency.count) append(latencyBox, histogramChart(latency));
    append(columns, latencyBox);

    if (data.recoveries.length) {
      var resyncBox = el('div');
      append(resyncBox, el('h4', null, 'Resync after each heal'));
      var resyncTable = el('table', 'data-table');
      var resyncHead = el('tr');
      ['recovery', 'at', 'missing', 'in sync after'].forEach(function (name) { append(resyncHead, header(name)); });
      append(resyncTable, resyncHead);
      var behind = {};
      client.resyncs.forEach(function (resync) { behind[resync[0]] = resync; });
      data.recoveries.forEach(function (recovery, index) {
        var resync = behind[index];
        var tr = el('tr');
        append(tr, el('td', null, recovery[1]), el('td', 'number', formatMs(recovery[0])),
          el('td', 'number', resync ? resync[1] : 0),
          el('td', 'number', !resync ? 'not behind' : resync[2] === null ? 'never' : formatMs(resync[2])));
        append(resyncTable, tr);
      });
      append(resyncBox, resyncTable);
      append(columns, resyncBox);
    }
    append(cell, columns);
  }

  // ---------- diff of the rendered list against the log (rendering_diff.hpp) ----------
  function idRange(run) { return run[1] === 1 ? 'id ' + run[4] : 'ids ' + run[4] + '..' + run[5]; }
  function positionRange(first, length) { return first === null ? DASH : length === 1 ? String(first) : first + '..' + (first + length - 1); }
  var DIFF_WORDS = {
    equal: { label: 'equal', text: function (run) { return idRange(run) + ' equal'; } },
    altered: { label: 'altered', count: function (n) { return n + ' altered'; }, text: function (run) { return idRange(run) + ' rendered with other content'; } },
    lost: { label: 'lost', count: function (n) { return n + ' lost'; }, text: function (run) { return idRange(run) + ' never rendered'; } },
    moved_away: { label: 'moved', text: function (run) { return idRange(run) + ' expected here, rendered at position ' + run[6]; } },
    moved_here: { label: 'moved', count: function (n) { return n + ' out of order'; }, text: function (run) {
      return idRange(run) + ' moved ' + (run[6] === null ? 'to the start' : 'after ' + run[6]); } },
    duplicate: { label: 'duplicate', count: function (n) { return n + ' duplicate ' + (n === 1 ? 'copy' : 'copies'); }, text: function (run) {
      return idRange(run) + ' rendered again (first kept copy at position ' + run[6] + ')'; } },
    unexpected: { label: 'unexpected', count: function (n) { return n + ' unexpected'; }, text: function (run) { return idRange(run) + ' not in the log'; } }
  };
  function diffTable(diff) {
    var box = el('div', 'comparison');
    box.tabIndex = 0;
    box.setAttribute('role', 'region');
    box.setAttribute('aria-label', 'rendered list against the committed log');
    var table = el('table');
    var head = el('thead');
    var headRow = el('tr');
    ['rendered position', 'log position', 'what', 'ids', 'rendered content', 'log content'].forEach(function (name) { append(headRow, header(name)); });
    append(head, headRow);
    append(table, head);
    var body = el('tbody');
    function noteRow(text) {
      var tr = el('tr');
      var td = el('td', 'more', text);
      td.colSpan = 6;
      append(tr, td);
      append(body, tr);
    }
    if (diff.first_shown > 0) noteRow(plural(diff.first_shown, 'earlier run') + ' not shown');
    diff.runs.forEach(function (run, offset) {
      var kind = run[0];
      var index = diff.first_shown + offset;
      var tr = el('tr', 'diff-' + kind + (index === diff.first_difference ? ' first-divergence' : kind === 'equal' ? '' : ' differs'));
      var what = el('td', 'what');
      append(what, el('span', 'diff-kind diff-kind-' + kind, DIFF_WORDS[kind].label));
      append(tr, el('td', 'position', positionRange(run[2], run[2] === null ? 0 : run[1])),
        el('td', 'position', positionRange(run[3], run[3] === null ? 0 : run[1])), what,
        el('td', 'ids', DIFF_WORDS[kind].text(run) + (run[1] > 1 ? ' (' + run[1] + ')' : '')),
        el('td', 'content', run[7] === null ? '' : run[7]), el('td', 'content', run[8] === null ? '' : run[8]));
      append(body, tr);
    });
    var shownEnd = diff.first_shown + diff.runs.length;
    if (shownEnd < diff.runs_total) noteRow(plural(diff.runs_total - shownEnd, 'later run') + ' not shown (limit of the report; the history has them all)');
    append(table, body);
    append(box, table);
    return box;
  }

  // ---------- recoveries ----------
  function renderRecoveries(container, data) {
    if (!data.recoveries.length) return;
    append(container, el('h3', null, 'Time to resync after each heal'));
    append(container, el('p', 'section-note', 'For each heal or server restart: the clients that were behind (cut off by the trouble, ' +
      'or lacking a message that existed a second before), and how long until each had every message that existed at the heal.'));
    var table = el('table', 'data-table recoveries-table');
    var headRow = el('tr');
    ['recovery', 'at', 'clients behind', 'median', 'slowest', 'never in sync'].forEach(function (name) { append(headRow, header(name)); });
    append(table, headRow);
    data.recoveries.forEach(function (recovery, index) {
      var times = [], never = [], slowestClient = null, slowest = -1;
      data.clients.forEach(function (client) {
        client.resyncs.forEach(function (resync) {
          if (resync[0] !== index) return;
          if (resync[2] === null) { never.push(client.name); return; }
          times.push(resync[2]);
          if (resync[2] > slowest) { slowest = resync[2]; slowestClient = client.name; }
        });
      });
      times.sort(function (a, b) { return a - b; });
      var tr = el('tr');
      append(tr, el('td', null, recovery[1]), el('td', 'number', formatMs(recovery[0])), el('td', 'number', times.length + never.length),
        el('td', 'number', times.length ? formatMs(times[Math.floor((times.length - 1) / 2)]) : DASH),
        el('td', 'number', slowestClient === null ? DASH : formatMs(slowest) + ' (' + slowestClient + ')'),
        el('td', never.length ? 'detail problem' : 'detail', never.length ? clip(never.join(', '), 200) : 'none'));
      append(table, tr);
    });
    append(container, table);
  }

  // ---------- start ----------
  // Marks for the load-time benchmark (bench/measure_load_time.mjs): when the script began,
  // and when the summary and the first failure were drawn.
  function mark(name) { if (window.performance && performance.mark) performance.mark(name); }

  function start() {
    mark('resync-report-script-start');
    // resyncFlow.zoomTo opens a scenario that is still closed; the diagram uses our helpers.
    if (window.resyncFlow) {
      window.resyncFlow.connect({ openScenario: function (index) { toggleScenario(String(index), true); }, el: el, svgEl: svgEl, formatMs: formatMs, toolbarButton: toolbarButton });
    }
    var filters = document.querySelectorAll('.filters .filter');
    for (var index = 0; index < filters.length; index++) {
      filters[index].addEventListener('click', function (event) { applyFilter(event.currentTarget.getAttribute('data-filter')); });
    }
    var rows = document.querySelectorAll('#summary-table tr.scenario-row');
    for (var r = 0; r < rows.length; r++) {
      (function (row) {
        var scenarioIndex = row.getAttribute('data-index');
        row.addEventListener('click', function (event) {
          if (event.target.closest && event.target.closest('a')) return;  // a deep link opens what it names
          toggleScenario(scenarioIndex);
        });
        row.addEventListener('keydown', function (event) {
          if (event.target !== row) return;  // keys on the row's own link or buttons are theirs
          if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); toggleScenario(scenarioIndex); }
        });
      })(rows[r]);
    }
    // Nothing opens by itself: the index is for triage, every failing row stays in view.
    var search = document.getElementById('scenario-search');
    if (search) search.addEventListener('input', function () { applySearch(search.value); });
    setUpSorting();
    window.addEventListener('hashchange', function () { followDeepLink(window.location.hash); });
    if (window.location.hash) followDeepLink(window.location.hash);
    mark('resync-report-ready');
    document.documentElement.setAttribute('data-report-ready', 'true');
  }

  start();
})();
