// Resync report: the message-flow (space-time) diagram of a scenario, in the spirit of
// Maelstrom's messages.svg. Time runs left to right; lanes from the top: the server, the
// proxy, then every client. Arrows: a send (client -> server, ending where the message was
// stored, a dot on the server lane), and each delivery (server -> client: solid from the
// store when live, a dashed vertical arrow when it came with a catch-up). Faults are shaded
// windows, trigger firings ticks on the proxy lane, the server's log lines ticks on the
// server lane (errors thick red).
//
// Scale: arrows are drawn only for what is in view and only while that is at most
// flow_arrows_drawn_max; beyond, every lane shows counts per time bin (density bands).
// A followed id is always drawn exactly, on top, with the rest dimmed.
//
// Same rules as report_script.js: data reaches the page only through textContent and
// setAttribute, ASCII only, no inline style (the CSP allows none): colours are SVG
// presentation attributes. Data schema: flow_diagram.hpp.
(function () {
  'use strict';

  var flow_arrows_drawn_max = 1500;   // arrows in view; beyond, bins
  var flow_bin_px_min = 8;            // narrowest bin when aggregated
  var flow_focusable_ticks_max = 300; // log ticks reachable with Tab; the list has them all
  var LANE_HEIGHT = 30;
  var LABEL_WIDTH = 96;
  var COLOURS = {
    send: '#0969da', live: '#1a7f37', catchUp: '#8250df', foreign: '#cf222e', store: '#24292f',
    follow: '#d1242f', fault: '#fb8f44', firing: '#953800', logInfo: '#0969da', logWarning: '#bf8700', logError: '#cf222e'
  };

  var instances = {};
  var openScenario = null;

  // The page's DOM helpers and formatting, lent by report_script.js (resyncFlow.connect),
  // so both drawings build their nodes the same way.
  var el, svgEl, formatMs, toolbarButton;
  function titled(node, text) { var title = svgEl('title'); title.textContent = text; node.appendChild(title); return node; }
  // First event index (of `fields` numbers each, time first) at or after t.
  function lowerBound(flat, fields, t) {
    var low = 0, high = flat.length / fields;
    while (low < high) {
      var middle = (low + high) >> 1;
      if (flat[middle * fields] < t) low = middle + 1; else high = middle;
    }
    return low;
  }

  function Diagram(container, data, scenarioIndex) {
    var flow = data.flow;
    var self = this;
    var end = Math.max(1, flow.end_ms);
    var faults = (data.timeline && data.timeline.faults) || [];
    var serverUp = (data.timeline && data.timeline.server && data.timeline.server.up) || [];
    var view = { t0: 0, t1: end };
    var followed = null;  // message index
    var lanesY = { server: 0, proxy: LANE_HEIGHT };
    var height = LANE_HEIGHT * (2 + flow.clients.length) + 18;
    function clientY(client) { return LANE_HEIGHT * (2 + client) + LANE_HEIGHT / 2; }
    var serverY = LANE_HEIGHT / 2, proxyY = LANE_HEIGHT * 1.5;

    var root = el('div', 'flow-diagram');
    root.id = 'flow-' + scenarioIndex;
    var heading = el('h3', null, 'Message flow');
    root.appendChild(heading);
    var toolbar = el('div', 'timeline-toolbar flow-toolbar');
    function button(label, title, action) { return toolbarButton(toolbar, label, title, action); }
    button('+', 'Zoom the flow diagram in', function () { zoom(0.5); });
    button('\u2212', 'Zoom the flow diagram out', function () { zoom(2); });
    button('\u25C0', 'Pan the flow diagram left', function () { setView(view.t0 - (view.t1 - view.t0) / 3, view.t1 - (view.t1 - view.t0) / 3); });
    button('\u25B6', 'Pan the flow diagram right', function () { setView(view.t0 + (view.t1 - view.t0) / 3, view.t1 + (view.t1 - view.t0) / 3); });
    button('fit', 'Show the whole run in the flow diagram', function () { setView(0, end); });
    var firstAnomaly = earliestAnomaly(data);
    if (firstAnomaly) {
      // Without a fault at or before it, the button shows the moment of the anomaly itself.
      var hasFault = faultWindowAt(firstAnomaly[3]) !== null;
      var zoomButton = button(hasFault ? 'zoom to fault' : 'zoom to anomaly',
        hasFault ? 'Zoom to the fault window of the earliest anomaly' : 'Zoom to the earliest anomaly', function () {
        var window_ = faultWindowAt(firstAnomaly[3]);
        self.zoomTo(window_ ? window_[0] : firstAnomaly[3], window_ ? Math.max(window_[1], firstAnomaly[3]) : firstAnomaly[3], firstAnomaly[2]);
      });
      zoomButton.className = 'flow-zoom-fault';
    }
    var idInput = el('input');
    idInput.type = 'text';
    idInput.size = 8;
    idInput.setAttribute('aria-label', 'Message id to follow');
    idInput.placeholder = 'id';
    toolbar.appendChild(idInput);
    button('follow', 'Follow the message id through the run', function () { follow(Number(idInput.value)); });
    button('clear', 'Stop following a message', function () { follow(null); });
    var status = el('span', 'view-text flow-status');
    status.setAttribute('aria-live', 'polite');
    toolbar.appendChild(status);
    root.appendChild(toolbar);

    var svg = svgEl('svg', { 'class': 'flow-svg', role: 'img', height: height, width: '100%' });
    svg.setAttribute('aria-label', 'Message flow of ' + data.name + ': ' + flow.clients.length + ' clients, ' +
      flow.ids.length + ' stored messages; lanes server, proxy, ' + flow.clients.join(', '));
    root.appendChild(svg);
    var legend = el('p', 'section-note flow-legend',
      'Blue: send (to the dot where it was stored). Green: live delivery. Purple dashed: delivery in a catch-up. ' +
      'Red: an id not in the log. Orange windows: faults; brown ticks: trigger firings; server lane ticks: ' +
      'log lines (thick red: errors). Click an arrow to follow its id.');
    root.appendChild(legend);
    var lists = el('div', 'flow-lists');
    root.appendChild(lists);
    container.appendChild(root);
    renderEvidenceLists(lists, flow);

    function earliestAnomaly(scenarioData) {
      var rows = (scenarioData.anomalies && scenarioData.anomalies.rows) || [];
      var best = null;
      rows.forEach(function (row) {
        if (scenarioData.kinds[row[0]] === 'sent_unknown') return;
        if (best === null || row[3] < best[3]) best = row;
      });
      return best;
    }
    // The fault active at t, else the last one that started before it.
    function faultWindowAt(t) {
      var active = null, before = null;
      faults.forEach(function (fault) {
        if (fault[0] <= t && t <= fault[1]) active = active || fault;
        if (fault[0] <= t && (before === null || fault[0] > before[0])) before = fault;
      });
      var found = active || before;
      return found ? [found[0], found[1]] : null;
    }
    function zoom(factor) {
      var middle = (view.t0 + view.t1) / 2, half = (view.t1 - view.t0) * factor / 2;
      setView(middle - half, middle + half);
    }
    function setView(t0, t1) {
      var width = Math.max(1, t1 - t0);
      if (width > end * 1.2) { t0 = -end * 0.1; width = end * 1.2; }
      view.t0 = t0;
      view.t1 = t0 + width;
      draw();
    }
    function follow(id) {
      followed = null;
      if (id !== null && !isNaN(id)) {
        var index = flow.ids.indexOf(id);
        if (index < 0) { status.textContent = 'id ' + id + ' is not in the committed log'; draw(); return; }
        followed = index;
        idInput.value = String(id);
      }
      draw();
    }
    this.zoomTo = function (t0, t1, id) {
      var margin = Math.max((t1 - t0) * 0.1, 5);
      if (id !== undefined && id !== null) follow(Number(id));
      setView(t0 - margin, t1 + margin);
      if (root.scrollIntoView) root.scrollIntoView({ block: 'nearest' });
    };
    this.follow = follow;

    svg.addEventListener('click', function (event) {
      var target = event.target;
      while (target && target !== svg && !target.getAttribute('data-m')) target = target.parentNode;
      if (target && target !== svg) follow(flow.ids[Number(target.getAttribute('data-m'))]);
    });
    svg.addEventListener('wheel', function (event) {
      if (!event.ctrlKey && !event.shiftKey) return;  // plain wheel scrolls the page
      event.preventDefault();
      zoom(event.deltaY > 0 ? 1.5 : 1 / 1.5);
    }, { passive: false });

    function draw() {
      var started = window.performance ? performance.now() : 0;
      while (svg.firstChild) svg.removeChild(svg.firstChild);
      var width = Math.max(200, svg.clientWidth || root.clientWidth || 900);
      var plotWidth = width - LABEL_WIDTH - 8;
      var scale = plotWidth / (view.t1 - view.t0);
      function x(t) { return LABEL_WIDTH + (t - view.t0) * scale; }
      function inView(t) { return t >= view.t0 && t <= view.t1; }

      var background = svgEl('g');
      var laneNames = ['server', 'proxy'].concat(flow.clients);
      laneNames.forEach(function (name, lane) {
        background.appendChild(svgEl('rect', { x: 0, y: lane * LANE_HEIGHT, width: width, height: LANE_HEIGHT, fill: lane % 2 ? '#f6f8fa' : '#ffffff' }));
        var label = svgEl('text', { x: 4, y: lane * LANE_HEIGHT + LANE_HEIGHT / 2 + 4, 'font-size': 12, fill: '#24292f', 'class': 'flow-lane-label' });
        label.textContent = name.length > 13 ? name.slice(0, 12) + '\u2026' : name;
        background.appendChild(label);
        background.appendChild(svgEl('line', { x1: LABEL_WIDTH, x2: width, y1: lane * LANE_HEIGHT + LANE_HEIGHT / 2, y2: lane * LANE_HEIGHT + LANE_HEIGHT / 2, stroke: '#d0d7de' }));
      });
      svg.appendChild(background);

      var plot = svgEl('g');
      var clip = svgEl('clipPath', { id: 'flow-clip-' + scenarioIndex });
      clip.appendChild(svgEl('rect', { x: LABEL_WIDTH, y: 0, width: plotWidth, height: height }));
      svg.appendChild(clip);
      plot.setAttribute('clip-path', 'url(#flow-clip-' + scenarioIndex + ')');
      svg.appendChild(plot);

      serverUp.forEach(function (up) {
        plot.appendChild(titled(svgEl('rect', { x: x(up[0]), y: lanesY.server + 9, width: Math.max(0, (up[1] - up[0]) * scale), height: LANE_HEIGHT - 18, fill: '#dafbe1' }),
          'server up (incarnation ' + up[2] + ')'));
      });
      faults.forEach(function (fault) {
        var stop = Math.max(fault[1], fault[0] + 1 / scale);
        var band = titled(svgEl('rect', { 'class': 'flow-fault', x: x(fault[0]), y: 0, width: (stop - fault[0]) * scale, height: height - 18, fill: COLOURS.fault, 'fill-opacity': 0.16 }),
          'fault ' + fault[2] + ' (' + fault[3] + '): ' + formatMs(fault[0]) + ' to ' + formatMs(fault[1]) + (fault[6] ? ', healed' : ', not healed'));
        plot.appendChild(band);
        var name = svgEl('text', { x: Math.max(x(fault[0]), LABEL_WIDTH) + 2, y: lanesY.proxy + 11, 'font-size': 10, fill: COLOURS.firing });
        name.textContent = fault[2];
        plot.appendChild(name);
      });

      var arrows = svgEl('g', { 'class': 'flow-arrows' });
      plot.appendChild(arrows);
      var sendFrom = lowerBound(flow.sends, 3, view.t0), sendTo = lowerBound(flow.sends, 3, view.t1 + 1 / scale);
      var deliveryFrom = lowerBound(flow.deliveries, 4, view.t0), deliveryTo = lowerBound(flow.deliveries, 4, view.t1 + 1 / scale);
      var eventsInView = (sendTo - sendFrom) + (deliveryTo - deliveryFrom);
      var exactMode = flow.exact && eventsInView <= flow_arrows_drawn_max;
      var drawn = 0;
      var dim = followed !== null;

      function sendArrow(index, group, colour, widthPx) {
        var t = flow.sends[index * 3], client = flow.sends[index * 3 + 1], message = flow.sends[index * 3 + 2];
        var stored = message >= 0 ? flow.stores[message] : null;
        var line = svgEl('line', { x1: x(t), y1: clientY(client), x2: x(stored === null ? t : Math.max(t, stored)), y2: stored === null ? proxyY : serverY,
          stroke: message >= 0 ? colour : COLOURS.foreign, 'stroke-width': widthPx });
        if (message >= 0) line.setAttribute('data-m', message);
        titled(line, flow.clients[client] + ' sent ' + (message >= 0 ? 'id ' + flow.ids[message] : 'a message never stored') + ' at ' + formatMs(t) +
          (stored !== null ? ', stored by ' + formatMs(stored) : ''));
        group.appendChild(line);
        drawn++;
      }
      function deliveryArrow(index, group, colourOverride, widthPx) {
        var base = index * 4;
        var t = flow.deliveries[base], client = flow.deliveries[base + 1], message = flow.deliveries[base + 2], catchUp = flow.deliveries[base + 3] === 1;
        var from = message >= 0 && !catchUp ? Math.min(t, flow.stores[message]) : t;
        var colour = colourOverride || (message < 0 ? COLOURS.foreign : catchUp ? COLOURS.catchUp : COLOURS.live);
        var line = svgEl('line', { x1: x(from), y1: serverY, x2: x(t), y2: clientY(client), stroke: colour, 'stroke-width': widthPx });
        if (catchUp) line.setAttribute('stroke-dasharray', '3 2');
        if (message >= 0) line.setAttribute('data-m', message);
        titled(line, (catchUp ? 'catch-up delivery' : 'live delivery') + ' of ' + (message >= 0 ? 'id ' + flow.ids[message] : 'an id not in the log') +
          ' to ' + flow.clients[client] + ' at ' + formatMs(t));
        group.appendChild(line);
        drawn++;
      }

      if (exactMode) {
        if (dim) arrows.setAttribute('opacity', 0.15);
        var index;
        for (index = sendFrom; index < sendTo; index++) sendArrow(index, arrows, COLOURS.send, 1);
        for (index = deliveryFrom; index < deliveryTo; index++) deliveryArrow(index, arrows, null, 1);
        for (var message = 0; message < flow.stores.length; message++) {
          if (!inView(flow.stores[message])) continue;
          var dot = svgEl('circle', { cx: x(flow.stores[message]), cy: serverY, r: 2.5, fill: COLOURS.store, 'data-m': message });
          arrows.appendChild(titled(dot, 'id ' + flow.ids[message] + ' stored by ' + formatMs(flow.stores[message])));
        }
      } else {
        drawBins(arrows, x, scale, plotWidth);
        if (dim) arrows.setAttribute('opacity', 0.3);
      }
      if (followed !== null) drawFollowed(plot, x);
      drawEvidence(plot, x);

      svg.setAttribute('data-mode', exactMode ? 'arrows' : 'bins');
      svg.setAttribute('data-arrows-drawn', drawn);
      svg.setAttribute('data-view', Math.round(view.t0) + ' ' + Math.round(view.t1));
      var followText = followed !== null ? '; following id ' + flow.ids[followed] : '';
      status.textContent = formatMs(Math.max(0, view.t0)) + ' to ' + formatMs(view.t1) + ': ' + eventsInView + ' events in view, ' +
        (exactMode ? drawn + ' arrows' : 'shown as counts per bin (more than ' + flow_arrows_drawn_max + ' arrows or too many to embed)') + followText;

      function drawFollowed(layer, xOf) {
        var group = svgEl('g', { 'class': 'flow-followed' });
        var count = 0;
        for (var s = 0; s < flow.sends.length / 3; s++) if (flow.sends[s * 3 + 2] === followed) { sendArrow(s, group, COLOURS.follow, 3); count++; }
        for (var d = 0; d < flow.deliveries.length / 4; d++) if (flow.deliveries[d * 4 + 2] === followed) { deliveryArrow(d, group, COLOURS.follow, 3); count++; }
        group.appendChild(titled(svgEl('circle', { cx: xOf(flow.stores[followed]), cy: serverY, r: 5, fill: COLOURS.follow, 'class': 'flow-followed-store' }),
          'id ' + flow.ids[followed] + ' stored by ' + formatMs(flow.stores[followed])));
        group.setAttribute('data-arrows', count);
        layer.appendChild(group);
      }
      if (window.performance && !self.firstDrawMs) {
        self.firstDrawMs = performance.now();
        self.firstDrawCostMs = self.firstDrawMs - started;
        window.resyncFlowFirstDrawMs = window.resyncFlowFirstDrawMs || self.firstDrawMs;
      }
    }

    // Counts per bin and lane: sends in the upper half of a client lane, live deliveries in
    // the lower half, catch-ups in a thin band under them; shade by count, the count as text
    // where the bin is wide enough.
    function drawBins(group, x, scale, plotWidth) {
      var binCount = Math.max(1, Math.min(200, Math.floor(plotWidth / flow_bin_px_min)));
      var binMs = (view.t1 - view.t0) / binCount;
      var series = [
        { name: 'sends', colour: COLOURS.send, offset: -12, bandHeight: 10, counts: {} },
        { name: 'live deliveries', colour: COLOURS.live, offset: 1, bandHeight: 7, counts: {} },
        { name: 'catch-up deliveries', colour: COLOURS.catchUp, offset: 8, bandHeight: 5, counts: {} }
      ];
      function add(seriesIndex, client, t, count) {
        var bin = Math.floor((t - view.t0) / binMs);
        if (bin < 0 || bin >= binCount) return;
        var key = client * binCount + bin;
        series[seriesIndex].counts[key] = (series[seriesIndex].counts[key] || 0) + count;
      }
      if (flow.exact) {
        for (var s = lowerBound(flow.sends, 3, view.t0); s < flow.sends.length / 3 && flow.sends[s * 3] <= view.t1; s++) add(0, flow.sends[s * 3 + 1], flow.sends[s * 3], 1);
        for (var d = lowerBound(flow.deliveries, 4, view.t0); d < flow.deliveries.length / 4 && flow.deliveries[d * 4] <= view.t1; d++) {
          add(flow.deliveries[d * 4 + 3] === 1 ? 2 : 1, flow.deliveries[d * 4 + 1], flow.deliveries[d * 4], 1);
        }
      } else {
        // Only the model's bins were embedded: spread each into the view's bins by its middle.
        var modelBinMs = flow.bins.bin_ms;
        [flow.bins.sends, flow.bins.live, flow.bins.catch_up].forEach(function (lanes, seriesIndex) {
          lanes.forEach(function (counts, client) {
            counts.forEach(function (count, bin) { if (count) add(seriesIndex, client, (bin + 0.5) * modelBinMs, count); });
          });
        });
      }
      series.forEach(function (one) {
        var max = 1;
        Object.keys(one.counts).forEach(function (key) { max = Math.max(max, one.counts[key]); });
        Object.keys(one.counts).forEach(function (key) {
          var client = Math.floor(key / binCount), bin = key % binCount, count = one.counts[key];
          var t0 = view.t0 + bin * binMs;
          var rect = svgEl('rect', { 'class': 'flow-bin', x: x(t0), y: clientY(client) + one.offset, width: Math.max(1, binMs * scale - 1), height: one.bandHeight,
            fill: one.colour, 'fill-opacity': (0.2 + 0.8 * Math.log(1 + count) / Math.log(1 + max)).toFixed(2), 'data-count': count });
          group.appendChild(titled(rect, flow.clients[client] + ', ' + formatMs(t0) + ' to ' + formatMs(t0 + binMs) + ': ' + count + ' ' + one.name));
          if (one.offset < 0 && binMs * scale >= 28) {
            var label = svgEl('text', { x: x(t0) + 2, y: clientY(client) + one.offset + 8, 'font-size': 8, fill: '#ffffff' });
            label.textContent = String(count);
            group.appendChild(label);
          }
        });
      });
    }

    function drawEvidence(layer, x) {
      var group = svgEl('g', { 'class': 'flow-evidence' });
      var focusable = 0;
      flow.server_log.forEach(function (line) {
        if (!inViewLoose(line[0])) return;
        var level = ['info', 'warning', 'error'][line[1]];
        var tick = svgEl('path', { 'class': 'flow-log-tick flow-log-' + level, d: 'M ' + x(line[0]) + ' ' + (lanesY.server + 3) + ' V ' + (lanesY.server + LANE_HEIGHT - 3),
          stroke: level === 'error' ? COLOURS.logError : level === 'warning' ? COLOURS.logWarning : COLOURS.logInfo,
          'stroke-width': level === 'error' ? 3 : 1.5 });
        if (level === 'warning') tick.setAttribute('stroke-dasharray', '2 2');
        var text = 'server log, ' + level + ' (incarnation ' + line[3] + ') at ' + formatMs(line[0]) + ': ' + line[2];
        describeOnFocus(tick, text, focusable++ < flow_focusable_ticks_max);
        group.appendChild(titled(tick, text));
      });
      flow.firings.forEach(function (firing) {
        if (!inViewLoose(firing[0])) return;
        var px = x(firing[0]);
        var tick = svgEl('path', { 'class': 'flow-firing', d: 'M ' + (px - 4) + ' ' + (lanesY.proxy + LANE_HEIGHT - 3) + ' L ' + px + ' ' + (lanesY.proxy + 13) + ' L ' + (px + 4) + ' ' + (lanesY.proxy + LANE_HEIGHT - 3) + ' Z',
          fill: COLOURS.firing });
        var text = 'fault ' + firing[1] + ' fired at ' + formatMs(firing[0]) + ': ' + firing[2];
        describeOnFocus(tick, text, focusable++ < flow_focusable_ticks_max);
        group.appendChild(titled(tick, text));
      });
      layer.appendChild(group);
    }
    function inViewLoose(t) { return t >= view.t0 - 1 && t <= view.t1 + 1; }
    function describeOnFocus(node, text, focusable) {
      if (!focusable) return;
      node.setAttribute('tabindex', '0');
      node.setAttribute('role', 'img');
      node.setAttribute('aria-label', text);
      node.addEventListener('focus', function () { status.textContent = text; });
    }

    draw();
  }

  // The server's log lines and the trigger firings as lists under the diagram.
  function renderEvidenceLists(container, flow) {
    function list(title, rows, notShown, format, className) {
      var details = el('details', className);
      details.appendChild(el('summary', null, title + ' (' + (rows.length + notShown) + ')'));
      var items = el('ol', 'flow-evidence-list');
      rows.forEach(function (row) { items.appendChild(el('li', null, format(row))); });
      details.appendChild(items);
      if (notShown) details.appendChild(el('p', 'more', notShown + ' more not shown'));
      container.appendChild(details);
    }
    var levels = ['info', 'warning', 'error'];
    var errors = flow.server_log.filter(function (line) { return line[1] === 2; }).length;
    list('Server log lines' + (errors ? ', ' + errors + (errors === 1 ? ' error' : ' errors') : ''), flow.server_log, flow.server_log_not_shown, function (line) {
      return formatMs(line[0]) + '  ' + levels[line[1]].toUpperCase() + '  (incarnation ' + line[3] + ')  ' + line[2];
    }, 'flow-server-log');
    list('Trigger firings', flow.firings, flow.firings_not_shown, function (firing) {
      return formatMs(firing[0]) + '  ' + firing[1] + ': ' + firing[2];
    }, 'flow-firings');
  }

  window.resyncFlow = {
    flow_arrows_drawn_max: flow_arrows_drawn_max,
    render: function (container, data, scenarioIndex) {
      instances[String(scenarioIndex)] = new Diagram(container, data, String(scenarioIndex));
    },
    // report_script.js, on start: how to open a closed scenario, and its DOM helpers.
    connect: function (page) {
      openScenario = page.openScenario;
      el = page.el;
      svgEl = page.svgEl;
      formatMs = page.formatMs;
      toolbarButton = page.toolbarButton;
    },
    // One click from an anomaly to its evidence: opens the scenario when closed, shows
    // [t_from, t_to] (with a margin) and follows `id` when given.
    zoomTo: function (scenario, t_from, t_to, id) {
      var key = String(scenario);
      if (!instances[key] && openScenario) openScenario(key);
      var diagram = instances[key];
      if (!diagram) return false;
      diagram.zoomTo(t_from, t_to, id);
      return true;
    },
    follow: function (scenario, id) {
      var diagram = instances[String(scenario)];
      if (diagram) diagram.follow(id === null ? null : Number(id));
    }
  };
})();
