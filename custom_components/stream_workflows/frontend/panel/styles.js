// The panel's CSS: Home Assistant's theme variables only, so light and dark themes both work.
export const STYLES = `
:host { display: block; min-height: 100vh; background: var(--primary-background-color); color: var(--primary-text-color);
  font-family: var(--paper-font-body1_-_font-family, Roboto, Noto, sans-serif); font-size: 14px; }
.toolbar { display: flex; align-items: center; gap: 8px; height: 56px; padding: 0 12px; box-sizing: border-box;
  background: var(--app-header-background-color, var(--primary-color)); color: var(--app-header-text-color, #fff);
  border-bottom: 1px solid var(--divider-color); position: sticky; top: 0; z-index: 2; }
.toolbar .title { font-size: 20px; flex: 1; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.icon-btn { background: none; border: none; color: inherit; cursor: pointer; width: 40px; height: 40px; border-radius: 50%;
  display: inline-flex; align-items: center; justify-content: center; padding: 0; }
.icon-btn:hover { background: rgba(127, 127, 127, 0.2); }
.icon-btn svg { width: 24px; height: 24px; fill: currentColor; }
/* What sticks inside main (the editor's bar) sticks below the toolbar, not over it. */
main { padding: 16px; max-width: 1400px; margin: 0 auto; box-sizing: border-box; --sw-sticky-top: 56px; }
:host([narrow]) main { padding: 8px; }
.card { background: var(--card-background-color); border-radius: var(--ha-card-border-radius, 12px);
  border: 1px solid var(--divider-color); box-shadow: var(--ha-card-box-shadow, none); margin-bottom: 16px; }
.card h2 { font-size: 16px; font-weight: 500; margin: 0; padding: 12px 16px; border-bottom: 1px solid var(--divider-color); }
.card .body { padding: 12px 16px; }
.row { display: grid; grid-template-columns: 16px minmax(140px, 2fr) minmax(100px, 1.3fr) 90px minmax(100px, 1.2fr) minmax(120px, 1.3fr);
  gap: 12px; align-items: center; padding: 12px 16px; border-bottom: 1px solid var(--divider-color); cursor: pointer; }
.row:last-child { border-bottom: none; }
.row:hover { background: var(--secondary-background-color); }
.row.head { cursor: default; color: var(--secondary-text-color); font-size: 12px; text-transform: uppercase; letter-spacing: 0.04em; }
.row.head:hover { background: none; }
:host([narrow]) .row { grid-template-columns: 16px 1fr auto; row-gap: 4px; }
:host([narrow]) .row.head { display: none; }
:host([narrow]) .row .wide { grid-column: 2 / -1; color: var(--secondary-text-color); font-size: 12px; }
.dot { width: 12px; height: 12px; border-radius: 50%; display: inline-block; }
.name { font-weight: 500; }
.sub { color: var(--secondary-text-color); font-size: 12px; }
.chip { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; border: 1px solid var(--divider-color);
  color: var(--secondary-text-color); }
.chip.off { color: var(--warning-color, #ffa600); border-color: currentColor; }
.trigger-off { text-decoration: line-through; }
.problems { grid-column: 2 / -1; color: var(--error-color); font-size: 13px; margin: 0; padding-left: 18px; }
.problems code { color: var(--primary-text-color); }
.layout { display: grid; grid-template-columns: minmax(0, 3fr) minmax(300px, 2fr); gap: 16px; align-items: start; }
:host([narrow]) .layout, .layout.stacked { grid-template-columns: minmax(0, 1fr); }
sw-flowchart { height: 560px; }
:host([narrow]) sw-flowchart { height: 460px; }
.status-line { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 12px; padding: 12px 16px; }
.status-line .state { font-size: 18px; font-weight: 500; }
.controls { display: flex; flex-wrap: wrap; gap: 8px; padding: 0 16px 12px; }
button.btn { font: inherit; font-weight: 500; border-radius: 18px; padding: 7px 16px; cursor: pointer; border: 1px solid var(--divider-color);
  background: var(--card-background-color); color: var(--primary-color); min-height: 36px; }
button.btn.primary { background: var(--primary-color); border-color: var(--primary-color); color: var(--text-primary-color, #fff); }
button.btn.danger { color: var(--error-color); }
button.btn.danger.primary { background: var(--error-color); border-color: var(--error-color); color: #fff; }
/* Disabled looks disabled in both themes: no fill, no accent colour, a dashed outline. */
button.btn:disabled, button.btn.primary:disabled, button.btn.danger:disabled, button.btn.danger.primary:disabled {
  background: transparent; color: var(--disabled-text-color, #9e9e9e); border: 1px dashed var(--divider-color);
  opacity: 1; cursor: not-allowed; box-shadow: none; }
button.btn:focus-visible { outline: 2px solid var(--primary-color); outline-offset: 2px; }
.error { margin: 0 16px 12px; padding: 8px 12px; border-radius: 8px; color: var(--error-color);
  border: 1px solid var(--error-color); background: rgba(219, 68, 55, 0.08); }
.form { padding: 0 16px 12px; display: grid; gap: 10px; }
.form label { display: grid; gap: 4px; font-size: 13px; color: var(--secondary-text-color); }
.form input, .form textarea { font: inherit; color: var(--primary-text-color); background: var(--secondary-background-color, transparent);
  border: 1px solid var(--divider-color); border-radius: 6px; padding: 8px; }
.form .check { display: flex; align-items: center; gap: 8px; }
.runs { list-style: none; margin: 0; padding: 0; }
.runs li { display: grid; grid-template-columns: 12px 1fr auto; gap: 4px 10px; align-items: center; padding: 10px 16px;
  border-bottom: 1px solid var(--divider-color); cursor: pointer; }
.runs li:last-child { border-bottom: none; }
.runs li:hover, .runs li.selected { background: var(--secondary-background-color); }
.runs .path { grid-column: 2 / -1; font-size: 12px; color: var(--secondary-text-color); overflow-wrap: anywhere; }
.step-list { list-style: none; margin: 0; padding: 0; }
.step-list > li { padding: 10px 16px; border-top: 1px solid var(--divider-color); min-width: 0; }
.step-head { display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 10px; }
.step-head .step-name { font-weight: 500; overflow-wrap: anywhere; }
.outcome-chip { font-size: 12px; font-weight: 500; padding: 0 8px; border-radius: 10px; border: 1px solid currentColor; }
.step-io { display: grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); gap: 8px; margin-top: 6px; }
.step-io > div { min-width: 0; }
.io-label { font-size: 11px; text-transform: uppercase; letter-spacing: 0.04em; color: var(--secondary-text-color); margin-bottom: 2px; }
.step-io pre { background: var(--secondary-background-color); border-radius: 6px; padding: 6px 8px; max-height: 220px; overflow: auto; }
.step-error { color: var(--error-color); margin-top: 6px; overflow-wrap: anywhere; }
pre { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; font-size: 12px; font-family: var(--code-font-family, monospace); }
.empty { padding: 16px; color: var(--secondary-text-color); }
.banner { margin: 0 16px 12px; padding: 8px 12px; border-radius: 8px; background: var(--secondary-background-color); }
`;
