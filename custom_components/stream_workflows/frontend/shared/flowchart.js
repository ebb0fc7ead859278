// <sw-flowchart>: a workflow's graph (GRAPH from studio/graph.py) drawn with cytoscape + dagre,
// top to bottom, with its live state: the current node highlighted, the path taken and each
// step's outcome coloured, a wait counting down on its node.
//
//   el.graph = GRAPH;  el.live = {current: [...], path: [...], outcomes: {step: outcome},
//                                 wait_ends_at: iso|null, wait_remaining: seconds|null};
//   attribute `compact` (the card): smaller, no edge labels, no zoom or pan.
//   event `node-click` {detail: {step}}.
// Colours come from Home Assistant's theme variables, read again by `refreshTheme()` (the panel
// calls it when the theme changes). For tests: `el.cy` is the cytoscape instance, the element's
// `data-current` attribute lists the highlighted steps, and `window.__swFlowchart` is the last one
// drawn.
import cytoscape from "../vendor/cytoscape/cytoscape.esm.min.mjs";
import cytoscapeDagre from "../vendor/cytoscape-dagre/index.mjs";

let registered = false;
function register() {
  if (!registered) {
    cytoscape.use(cytoscapeDagre);
    registered = true;
  }
}

const OUTCOME_COLOUR = {
  success: "--success-color",
  error: "--error-color",
  timeout: "--warning-color",
  cancel: "--warning-color",
};
const FALLBACK = {
  "--primary-color": "#03a9f4",
  "--success-color": "#43a047",
  "--error-color": "#db4437",
  "--warning-color": "#ffa600",
  "--primary-text-color": "#212121",
  "--secondary-text-color": "#727272",
  "--card-background-color": "#ffffff",
  "--divider-color": "#e0e0e0",
  "--secondary-background-color": "#f5f5f5",
};

function countdown(seconds) {
  const s = Math.max(0, Math.round(seconds));
  const m = Math.floor(s / 60);
  return m ? `${m}:${String(s % 60).padStart(2, "0")}` : `${s} s`;
}

class SwFlowchart extends HTMLElement {
  constructor() {
    super();
    this.attachShadow({ mode: "open" });
    this.shadowRoot.innerHTML = `
      <style>
        :host { display: block; position: relative; min-height: 160px; }
        #cy { position: absolute; inset: 0; }
        .empty { padding: 16px; color: var(--secondary-text-color); }
      </style>
      <div id="cy" part="canvas"></div>`;
    this._graph = null;
    this._live = null;
    this._timer = null;
    this.cy = null;
    this._resize = new ResizeObserver(() => this._fit());
  }

  connectedCallback() {
    this._resize.observe(this);
    if (this._graph && !this.cy) this._draw();
    else if (this.cy) {
      this._fit();
      this._applyLive();
    }
  }

  // Moved by its page (re-rendered around it) keeps the drawing; `destroy()` frees it.
  disconnectedCallback() {
    this._resize.disconnect();
    this._stopTimer();
  }

  destroy() {
    this._stopTimer();
    if (this.cy) {
      this.cy.destroy();
      this.cy = null;
    }
  }

  get graph() {
    return this._graph;
  }

  set graph(graph) {
    if (graph === this._graph) return;
    this._graph = graph;
    if (this.isConnected) this._draw();
  }

  get live() {
    return this._live;
  }

  set live(live) {
    this._live = live;
    this._applyLive();
  }

  get compact() {
    return this.hasAttribute("compact");
  }

  refreshTheme() {
    if (this.cy) {
      this.cy.style(this._style());
      this._applyLive();
    }
  }

  /** A theme colour as #rrggbb (cytoscape reads no CSS variables and no spaced rgba()). */
  _colour(name) {
    const value = getComputedStyle(this).getPropertyValue(name).trim() || FALLBACK[name];
    const probe = this._probe || (this._probe = document.createElement("span"));
    if (!probe.isConnected) this.shadowRoot.appendChild(probe);
    probe.style.color = "";
    probe.style.color = value;
    const rgb = (getComputedStyle(probe).color.match(/[\d.]+/g) || []).map(Number);
    if (rgb.length < 3) return FALLBACK[name];
    const alpha = rgb.length > 3 ? rgb[3] : 1;
    // A translucent colour (HA's divider) is blended onto the card background.
    const bg = name === "--card-background-color" ? [255, 255, 255] : this._background();
    const mix = rgb.slice(0, 3).map((c, i) => Math.round(c * alpha + bg[i] * (1 - alpha)));
    return `#${mix.map((c) => c.toString(16).padStart(2, "0")).join("")}`;
  }

  _background() {
    const hex = this._colour("--card-background-color");
    return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  }

  _style() {
    const c = (name) => this._colour(name);
    const compact = this.compact;
    const font = compact ? 10 : 12;
    return [
      {
        selector: "node",
        style: {
          shape: "round-rectangle",
          "background-color": c("--card-background-color"),
          "border-width": 2,
          "border-color": c("--secondary-text-color"),
          "border-opacity": 0.45,
          label: "data(display)",
          color: c("--primary-text-color"),
          "font-size": font,
          "font-family": "Roboto, Noto, sans-serif",
          "text-valign": "center",
          "text-halign": "center",
          "text-wrap": "wrap",
          // Action names have no spaces (homeassistant.input_boolean.turn_on): break them
          // anywhere rather than let them run past the node's border.
          "text-overflow-wrap": "anywhere",
          "text-max-width": compact ? 104 : 164,
          width: "data(w)",
          height: "data(h)",
        },
      },
      { selector: "node[kind = 'start']", style: { shape: "ellipse", width: 18, height: 18, label: "", "background-color": c("--secondary-text-color"), "border-width": 0 } },
      { selector: "node[kind = 'end']", style: { shape: "ellipse", width: 20, height: 20, label: "", "background-color": c("--card-background-color"), "border-width": 5, "border-color": c("--secondary-text-color") } },
      { selector: "node[kind = 'final']", style: { "border-style": "double", "border-width": 4 } },
      { selector: "node[kind = 'join']", style: { shape: "diamond", width: 24, height: 24, label: "" } },
      {
        selector: ":parent",
        style: {
          shape: "round-rectangle",
          "background-color": c("--secondary-background-color"),
          "background-opacity": 0.6,
          "border-style": "dashed",
          "text-valign": "top",
          "text-halign": "center",
          "text-margin-y": -4,
          padding: 12,
        },
      },
      {
        selector: "edge",
        style: {
          width: 1.5,
          "curve-style": "bezier",
          "target-arrow-shape": "triangle",
          "line-color": c("--secondary-text-color"),
          "target-arrow-color": c("--secondary-text-color"),
          "line-opacity": 0.6,
          label: compact ? "" : "data(label)",
          "font-size": font - 2,
          color: c("--secondary-text-color"),
          "text-background-color": c("--card-background-color"),
          "text-background-opacity": 1,
          "text-background-padding": 2,
          "text-rotation": "none",
        },
      },
      { selector: "edge[kind = 'error']", style: { "line-style": "dashed" } },
      { selector: "edge[kind = 'event']", style: { "line-style": "dotted" } },
      { selector: "node.visited", style: { "border-color": "data(outcomeColour)", "border-width": 3, "border-opacity": 1 } },
      { selector: "edge.taken", style: { width: 3, "line-opacity": 1, "line-color": "data(takenColour)", "target-arrow-color": "data(takenColour)" } },
      {
        selector: "node.current",
        style: {
          "border-color": c("--primary-color"),
          "border-width": 4,
          "border-opacity": 1,
          "background-color": c("--primary-color"),
          "background-opacity": 0.18,
          "overlay-color": c("--primary-color"),
          "overlay-opacity": 0.08,
          "overlay-padding": 6,
        },
      },
    ];
  }

  _elements() {
    const graph = this._graph;
    const compact = this.compact;
    const parents = new Set(graph.nodes.map((n) => n.parent).filter(Boolean));
    const nodes = graph.nodes.map((node) => {
      const action = !compact && node.action ? `\n${node.action}` : "";
      const display = `${node.label}${action}`;
      const lines = display.split("\n");
      const longest = Math.max(...lines.map((line) => line.length));
      const perChar = compact ? 6 : 7;
      const maxW = compact ? 120 : 180;
      const rows = lines.reduce((n, line) => n + Math.max(1, Math.ceil((line.length * perChar) / (maxW - 20))), 0);
      return {
        group: "nodes",
        data: {
          id: node.id,
          step: node.step,
          kind: node.kind,
          parent: parents.has(node.parent) ? node.parent : undefined,
          label: node.label,
          display,
          base: display,
          w: Math.min(maxW, Math.max(compact ? 60 : 90, longest * perChar + 20)),
          h: Math.max(compact ? 26 : 34, rows * (compact ? 13 : 15) + 16),
        },
      };
    });
    const ids = new Set(graph.nodes.map((n) => n.id));
    const edges = graph.edges
      .filter((edge) => ids.has(edge.source) && ids.has(edge.target))
      .map((edge) => ({
        group: "edges",
        data: { id: `e:${edge.id}`, source: edge.source, target: edge.target, label: edge.label || "", kind: edge.kind },
      }));
    return [...nodes, ...edges];
  }

  _draw() {
    register();
    if (this.cy) {
      this.cy.destroy();
      this.cy = null;
    }
    if (!this._graph) return;
    const compact = this.compact;
    this.cy = cytoscape({
      container: this.shadowRoot.getElementById("cy"),
      elements: this._elements(),
      style: this._style(),
      layout: { name: "dagre", rankDir: "TB", nodeSep: compact ? 16 : 30, rankSep: compact ? 22 : 40, edgeSep: 10, padding: compact ? 6 : 20, fit: true },
      userZoomingEnabled: !compact,
      userPanningEnabled: !compact,
      boxSelectionEnabled: false,
      autoungrabify: true,
      minZoom: 0.2,
      maxZoom: 2,
    });
    this.cy.on("tap", "node", (evt) => {
      const step = evt.target.data("step");
      if (step) this.dispatchEvent(new CustomEvent("node-click", { detail: { step }, bubbles: true, composed: true }));
    });
    window.__swFlowchart = this;
    this._applyLive();
  }

  _fit() {
    if (!this.cy) return;
    this.cy.resize();
    this.cy.fit(undefined, this.compact ? 6 : 20);
    if (this.cy.zoom() > 1.3) {
      this.cy.zoom(1.3);
      this.cy.center();
    }
  }

  /** The steps highlighted now (for tests and the panel). */
  get current() {
    return (this._live && this._live.current) || [];
  }

  _applyLive() {
    const cy = this.cy;
    const live = this._live || {};
    const current = new Set(live.current || []);
    this.setAttribute("data-current", [...current].join(","));
    if (!cy) return;
    const path = live.path || [];
    const outcomes = live.outcomes || {};
    const byStep = new Map();
    cy.nodes().forEach((node) => {
      const step = node.data("step");
      if (step) byStep.set(step, node);
    });
    cy.batch(() => {
      cy.elements().removeClass("current visited taken");
      cy.nodes().forEach((node) => node.data("display", node.data("base")));
      for (const step of path) {
        const node = byStep.get(step);
        if (!node) continue;
        const outcome = outcomes[step];
        node.data("outcomeColour", this._colour(OUTCOME_COLOUR[outcome] || "--primary-color"));
        node.addClass("visited");
      }
      for (let i = 0; i + 1 < path.length; i++) {
        const from = byStep.get(path[i]);
        const to = byStep.get(path[i + 1]);
        if (!from || !to) continue;
        const edges = from.edgesTo(to);
        const outcome = outcomes[path[i]];
        const chosen = edges.filter((e) => e.data("label") === outcome);
        const taken = chosen.length ? chosen : edges;
        taken.data("takenColour", this._colour(OUTCOME_COLOUR[outcome] || "--primary-color"));
        taken.addClass("taken");
      }
      for (const step of current) byStep.get(step)?.addClass("current");
    });
    this._stopTimer();
    if (current.size && (live.wait_ends_at || live.wait_remaining != null)) {
      const tick = () => this._showWait(byStep, current, live);
      tick();
      if (live.wait_ends_at) this._timer = setInterval(tick, 1000);
    }
  }

  _showWait(byStep, current, live) {
    const left = live.wait_ends_at ? (Date.parse(live.wait_ends_at) - Date.now()) / 1000 : live.wait_remaining;
    const paused = !live.wait_ends_at;
    for (const step of current) {
      const node = byStep.get(step);
      if (node) node.data("display", `${node.data("label")}\n${paused ? "paused, " : "wait "}${countdown(left)}${paused ? " left" : ""}`);
    }
    if (left <= 0) this._stopTimer();
  }

  _stopTimer() {
    if (this._timer) {
      clearInterval(this._timer);
      this._timer = null;
    }
  }
}

if (!customElements.get("sw-flowchart")) customElements.define("sw-flowchart", SwFlowchart);
