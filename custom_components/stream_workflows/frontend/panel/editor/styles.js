// The editor's styles: Home Assistant's theme variables only, so light and dark themes both work.
export const EDITOR_CSS = `
:host { display: block; color: var(--primary-text-color); font-family: var(--paper-font-body1_-_font-family, Roboto, sans-serif); font-size: 14px; }
* { box-sizing: border-box; }
.bar { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; padding: 8px 12px;
  background: var(--card-background-color, var(--primary-background-color)); border-bottom: 1px solid var(--divider-color);
  position: sticky; top: var(--sw-sticky-top, 0px); z-index: 2; }
.bar h1 { font-size: 18px; margin: 0; font-weight: 500; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; max-width: 100%; }
.bar .spacer { flex: 1; }
/* A phone: the name and its badge on one row, the status beside the buttons below it, so the
   bar that sticks takes two rows of the screen rather than three. */
:host([narrow]) .bar { padding: 6px 8px; row-gap: 4px; }
:host([narrow]) .bar h1 { flex: 1 1 calc(100% - 100px); font-size: 16px; }
:host([narrow]) .bar .spacer { display: none; }
:host([narrow]) .bar .status { flex: 1 1 120px; min-width: 0; font-size: 12px; }
.bar .status { font-size: 13px; color: var(--secondary-text-color); }
.bar .status.bad { color: var(--error-color, #db4437); }
.bar .status.ok { color: var(--success-color, #43a047); }
.bar .status.bad::before { content: "⚠ "; }
.bar .status.ok::before { content: "✓ "; }
.badge { font-size: 12px; padding: 1px 8px; border-radius: 10px; border: 1px solid var(--divider-color); color: var(--secondary-text-color); white-space: nowrap; }
button { font: inherit; cursor: pointer; padding: 6px 12px; min-height: 36px; border-radius: 6px;
  border: 1px solid var(--divider-color); background: var(--secondary-background-color, transparent); color: var(--primary-text-color); }
button.primary { background: var(--primary-color); color: var(--text-primary-color, #fff); border-color: var(--primary-color); }
button.danger { color: var(--error-color); }
button:disabled, button.primary:disabled, button.danger:disabled { background: transparent; color: var(--disabled-text-color, #9e9e9e);
  border: 1px dashed var(--divider-color); opacity: 1; cursor: not-allowed; }
button.flat { border-color: transparent; background: transparent; }
button.small { min-height: 28px; padding: 2px 8px; font-size: 13px; }
button.add { margin: 8px 8px 0 0; }
input, select, textarea { font: inherit; color: var(--primary-text-color); background: var(--card-background-color, var(--primary-background-color));
  border: 1px solid var(--divider-color); border-radius: 4px; padding: 6px 8px; min-height: 36px; max-width: 100%; }
input[type=checkbox] { min-height: 0; width: 20px; height: 20px; accent-color: var(--primary-color); }
input:disabled, select:disabled, textarea:disabled { opacity: .8; }
.code { font-family: var(--code-font-family, ui-monospace, monospace); font-size: 13px; }
.split { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 12px; padding: 12px; align-items: start; }
:host([narrow]) .split { grid-template-columns: minmax(0, 1fr); padding: 8px; }
.form { display: flex; flex-direction: column; gap: 12px; min-width: 0; }
.yaml-pane { position: sticky; top: calc(var(--sw-sticky-top, 0px) + var(--sw-bar-height, 0px) + 8px); display: flex; flex-direction: column; gap: 4px; min-width: 0; }
:host([narrow]) .yaml-pane { position: static; }
.pane-title { font-weight: 500; color: var(--secondary-text-color); }
textarea.yaml { width: 100%; min-height: 70vh; resize: vertical; white-space: pre; tab-size: 2; }
:host([narrow]) textarea.yaml { min-height: 40vh; }
.card { background: var(--card-background-color, var(--ha-card-background)); border-radius: var(--ha-card-border-radius, 12px);
  border: 1px solid var(--divider-color); padding: 12px; min-width: 0; }
.card h2 { font-size: 16px; margin: 0 0 8px; font-weight: 500; }
.card.item { margin-top: 10px; border-left: 4px solid var(--divider-color); }
.card.item.initial { border-left-color: var(--primary-color); }
.row { display: flex; flex-wrap: wrap; gap: 8px 12px; align-items: flex-start; }
.row.end { justify-content: flex-end; }
.field { display: flex; flex-direction: column; gap: 2px; min-width: 120px; flex: 1 1 140px; }
.field.wide { flex-basis: 100%; }
.field > .label { font-size: 12px; color: var(--secondary-text-color); }
.field.inline { flex-direction: row; flex-wrap: wrap; align-items: center; gap: 8px; flex: 0 1 auto; min-height: 36px; padding-top: 16px; }
.field.inline > .label { order: 2; font-size: 14px; color: var(--primary-text-color); }
.field.inline > input[type=checkbox] { order: 1; margin: 0; }
.field.inline > .problem, .field.inline > .hint { order: 3; flex-basis: 100%; }
.hint { font-size: 12px; color: var(--secondary-text-color); margin: 2px 0; }
.item-head { display: flex; align-items: center; gap: 6px; flex-wrap: wrap; }
.item-head .index { color: var(--secondary-text-color); min-width: 1.5em; }
.item-head .item-id { flex: 1 1 0; min-width: 0; font-weight: 500; }
.item-head .tools { flex: none; }
.item-head .tools { display: flex; gap: 4px; }
.item-head .tools button { min-width: 36px; padding: 4px 8px; }
.action, .params, .parallel, .transitions, .depends { margin-top: 8px; }
.params { display: flex; flex-wrap: wrap; gap: 8px 12px; }
.params > .problems { flex-basis: 100%; }
fieldset { border: 1px solid var(--divider-color); border-radius: 8px; padding: 8px; margin: 8px 0 0; min-width: 0; }
legend { font-size: 12px; color: var(--secondary-text-color); padding: 0 4px; }
.transition { border-top: 1px dashed var(--divider-color); padding: 6px 0; }
.transition:first-of-type { border-top: none; }
.transition .event { display: flex; justify-content: space-between; align-items: center; gap: 6px; }
.outcome { font-weight: 500; padding: 1px 8px; border-radius: 10px; font-size: 13px; border: 1px solid currentColor; }
.outcome.success { color: var(--success-color, #43a047); }
.outcome.error, .outcome.timeout { color: var(--error-color, #db4437); }
.outcome.cancel { color: var(--warning-color, #ffa600); }
.outcome.custom { color: var(--primary-color); }
.option { display: flex; flex-wrap: wrap; gap: 6px 12px; align-items: flex-end; padding: 4px 0 4px 12px; }
.option > .problems { flex-basis: 100%; order: 10; }
.target-picker { display: flex; gap: 6px; flex-wrap: wrap; }
.target-picker select, .target-picker input { flex: 1 1 120px; }
.condition { display: flex; gap: 4px 8px; flex-wrap: wrap; align-items: flex-end; }
.condition select { flex: 0 0 auto; }
.item > .row { margin-top: 8px; }
.condition .field > input, .condition .field > select { flex: none; }
.complex { font-size: 12px; word-break: break-all; }
.parallel > .label { display: block; font-size: 12px; color: var(--secondary-text-color); }
fieldset.branch { border-left: 3px solid var(--primary-color); }
fieldset.branch > legend { display: flex; align-items: center; gap: 6px; }
fieldset.branch > legend .tools { display: inline-flex; gap: 4px; }
fieldset.branch > legend .tools button, .branch-step .tools button { min-height: 28px; min-width: 32px; padding: 2px 6px; }
.branch-step { padding: 6px 0 8px; border-top: 1px dashed var(--divider-color); }
.branch-step:first-of-type { border-top: none; }
.cond-field { gap: 4px; margin-top: 8px; }
.cond-top, .cond-head { display: flex; gap: 6px; align-items: center; flex-wrap: wrap; }
.cond-group { display: flex; flex-direction: column; gap: 6px; padding-left: 10px; margin-top: 4px;
  border-left: 2px solid var(--divider-color); }
.cond-node { display: flex; flex-direction: column; gap: 4px; padding: 6px; border-radius: 6px;
  background: color-mix(in srgb, var(--secondary-background-color, #8882) 60%, transparent); }
.condition .field { min-width: 90px; }
.condition .field:first-child { flex: 2 1 150px; }
.add-condition { align-self: flex-start; }
.kind-row { margin-top: 8px; }
.kind-row .field { flex: 0 1 220px; }
.input-row { display: flex; flex-wrap: wrap; gap: 6px 12px; align-items: flex-end; padding: 8px 0; border-top: 1px dashed var(--divider-color); }
.input-row:first-of-type { border-top: none; }
.input-row > .problems { flex-basis: 100%; }
.check { display: inline-flex; gap: 4px; align-items: center; margin-right: 12px; }
details.timing summary { cursor: pointer; color: var(--secondary-text-color); margin-top: 8px; }
.problem { font-size: 13px; padding: 4px 8px; border-radius: 4px; margin: 4px 0; flex-basis: 100%;
  color: var(--error-color, #db4437); background: color-mix(in srgb, var(--error-color, #db4437) 12%, transparent); }
.problem.warning { color: var(--warning-color, #ffa600); background: color-mix(in srgb, var(--warning-color, #ffa600) 12%, transparent); }
.has-problem > input, .has-problem > select, .has-problem > textarea, .has-problem > .control > *, .has-problem > .target-picker > select { border-color: var(--error-color, #db4437); }
.top-problems { padding: 0 12px; }
.top-problems:empty { display: none; }
.banner { padding: 0 12px; }
.banner:empty { display: none; }
.note { margin: 8px 0; padding: 8px 12px; border-radius: 8px; border: 1px solid var(--divider-color); background: var(--card-background-color); }
.note.error { border-color: var(--error-color); color: var(--error-color); }
.note.ok { border-color: var(--success-color, #43a047); }
.note.info { border-color: var(--primary-color); }
.note.warning { border-color: var(--warning-color, #ffa600); background: color-mix(in srgb, var(--warning-color, #ffa600) 10%, var(--card-background-color)); }
.note .row.end { margin-top: 6px; }
.rehearsal .path { display: flex; flex-wrap: wrap; gap: 4px; padding: 0; margin: 6px 0; list-style: none; }
.rehearsal .path li { padding: 1px 8px; border-radius: 10px; background: var(--secondary-background-color); }
.rehearsal .path li + li::before { content: "→ "; color: var(--secondary-text-color); }
.dialog { border: none; border-radius: 12px; padding: 16px; max-width: min(92vw, 520px); color: var(--primary-text-color); background: var(--card-background-color, #fff); }
.dialog::backdrop { background: rgba(0, 0, 0, .45); }
.dialog h2 { margin-top: 0; font-size: 18px; }
.versions { list-style: none; padding: 0; margin: 0; max-height: 50vh; overflow: auto; }
.version { display: flex; gap: 8px; align-items: center; padding: 6px 0; border-bottom: 1px solid var(--divider-color); flex-wrap: wrap; }
.version .summary { flex: 1; color: var(--secondary-text-color); }
.empty { padding: 24px; color: var(--secondary-text-color); }
`;
