// The card's styles: Home Assistant's theme variables only (light and dark themes), 390 px first.
export const CARD_CSS = `
:host { display: block; }
ha-card { overflow: hidden; --sw-status: var(--disabled-text-color, var(--secondary-text-color)); }
ha-card.status-running { --sw-status: var(--primary-color); }
ha-card.status-paused { --sw-status: var(--warning-color, #ffa600); }
ha-card.status-succeeded { --sw-status: var(--success-color, #43a047); }
ha-card.status-failed { --sw-status: var(--error-color, #db4437); }
ha-card.status-cancelled { --sw-status: var(--warning-color, #ffa600); }
.content { padding: 16px; display: flex; flex-direction: column; gap: 10px; border-left: 6px solid var(--sw-status); }
.head { display: flex; align-items: center; gap: 12px; min-width: 0; }
.dot { width: 14px; height: 14px; border-radius: 50%; background: var(--sw-status); flex: none; }
ha-card.status-running .dot { animation: pulse 1.4s ease-in-out infinite; }
@keyframes pulse { 50% { opacity: .35; } }
@media (prefers-reduced-motion: reduce) { ha-card.status-running .dot { animation: none; } }
.titles { flex: 1; min-width: 0; }
.name { font-size: 18px; font-weight: 500; color: var(--primary-text-color); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.state { color: var(--secondary-text-color); font-size: 14px; overflow-wrap: anywhere; }
.status-chip { flex: none; font-size: 12px; font-weight: 500; padding: 2px 10px; border-radius: 12px; color: var(--sw-status);
  border: 1px solid var(--sw-status); }
.chip { font-size: 11px; padding: 0 6px; border-radius: 8px; border: 1px solid var(--divider-color); }
.progress { height: 6px; border-radius: 3px; background: var(--divider-color); overflow: hidden; }
.progress .bar { height: 100%; background: var(--sw-status); transition: width .3s ease; }
.meta { display: flex; justify-content: space-between; font-size: 13px; color: var(--secondary-text-color); font-variant-numeric: tabular-nums; }
.actions, .confirm { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
.confirm span { flex-basis: 100%; color: var(--primary-text-color); font-weight: 500; }
button.action { flex: 1 1 0; min-width: 88px; min-height: 44px; display: inline-flex; align-items: center; justify-content: center; gap: 6px;
  font: inherit; font-size: 15px; font-weight: 500; border-radius: 10px; cursor: pointer; touch-action: manipulation; user-select: none;
  border: 1px solid var(--divider-color); background: var(--secondary-background-color, transparent); color: var(--primary-text-color); }
button.action.run, button.action.resume { background: var(--primary-color); color: var(--text-primary-color, #fff); border-color: var(--primary-color); }
button.action.cancel { color: var(--error-color, #db4437); border-color: var(--error-color, #db4437); background: transparent; }
button.action:disabled { opacity: .5; cursor: default; }
button.action ha-icon { --mdc-icon-size: 20px; }
.error-text, .warning { font-size: 13px; color: var(--error-color, #db4437); overflow-wrap: anywhere; }
.chart { min-height: 180px; }
.chart sw-flowchart { height: 220px; }
`;
