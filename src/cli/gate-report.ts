// The evaluation gate's HTML report (`parley eval gate --html FILE`): one table of every metric
// measured against its baseline and band, with its verdict, the command that measured it and its
// time, so a reviewer sees at a glance what a change moved. Self-contained: no script, no fetch.

/** One metric's verdict. */
export interface GateRow {
  set: string;
  metric: string;
  baseline: number;
  band: number;
  measured: number | undefined;
  lowerIsBetter: boolean;
  pass: boolean;
}

/** What the report says beside the rows. */
export interface GateRunFacts {
  /** When the run started (ISO). */
  started: string;
  /** The tree measured (a commit), when known. */
  revision: string | undefined;
  /** Each set's command and how long it took. */
  sets: { name: string; command: string; seconds: number }[];
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => ESCAPES[char]!);

function figure(value: number | undefined): string {
  return value === undefined ? 'missing' : String(Number(value.toFixed(4)));
}

/** How far the measured figure moved from its baseline, signed so that positive is better. */
function change(row: GateRow, lowerIsBetter: boolean): string {
  if (row.measured === undefined) return '';
  const delta = (row.measured - row.baseline) * (lowerIsBetter ? -1 : 1);
  if (Math.abs(delta) < 1e-9) return '=';
  return `${delta > 0 ? '+' : '−'}${Math.abs(Number(delta.toFixed(4)))}`;
}

export function gateReportHtml(rows: readonly GateRow[], facts: GateRunFacts): string {
  const failed = rows.filter((row) => !row.pass).length;
  const verdict =
    failed === 0
      ? `all ${rows.length} metrics within their bands`
      : `${failed} of ${rows.length} metrics out of their band`;
  const body = rows
    .map((row) => {
      const set = facts.sets.find((candidate) => candidate.name === row.set);
      return `<tr class="${row.pass ? 'pass' : 'fail'}"><td>${escapeHtml(row.set)}</td><td>${escapeHtml(row.metric)}${row.lowerIsBetter ? ' <small>(lower is better)</small>' : ''}</td><td>${figure(row.baseline)}</td><td>±${figure(row.band)}</td><td>${figure(row.measured)}</td><td>${change(row, row.lowerIsBetter)}</td><td>${row.pass ? 'pass' : 'FAIL'}</td><td><code>${escapeHtml(set?.command ?? '')}</code></td><td>${set ? set.seconds.toFixed(1) : ''}</td></tr>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Parley evaluation gate: ${escapeHtml(verdict)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#1b1b1b}
table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:.3rem .6rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}tr.fail td{background:#fde8e8}tr.fail td:nth-child(7){color:#a00;font-weight:bold}
td:nth-child(3),td:nth-child(4),td:nth-child(5),td:nth-child(6),td:nth-child(9){text-align:right;font-variant-numeric:tabular-nums}
code{font-size:12px}
</style></head>
<body>
<h1>Parley evaluation gate</h1>
<p><strong>${escapeHtml(verdict)}</strong>. Run ${escapeHtml(facts.started)}${facts.revision ? ` on <code>${escapeHtml(facts.revision)}</code>` : ''}. A metric fails when it falls below its baseline by more than its band (or, lower being better, rises above it by more); the change column is signed so that + is better.</p>
<table>
<thead><tr><th>set</th><th>metric</th><th>baseline</th><th>band</th><th>measured</th><th>change</th><th>verdict</th><th>command</th><th>seconds</th></tr></thead>
<tbody>
${body}
</tbody>
</table>
</body></html>
`;
}
