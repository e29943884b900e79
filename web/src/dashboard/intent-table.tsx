// The dashboard's intents: how many turns meant what, grouped by the handler that answered them
// (the knowledge base, small talk, a clarifying question, a person, a curated answer).
import type { IntentCount } from './dashboard-types.js';
import { formatCount, formatPercent } from './format.js';

export function IntentTable(props: { intents: IntentCount[] }) {
  const total = props.intents.reduce((sum, row) => sum + row.turns, 0);
  // Handlers by their turns, the busiest first; each handler's intents as the API orders them.
  const handlers = new Map<string, { turns: number; rows: IntentCount[] }>();
  for (const row of props.intents) {
    const group = handlers.get(row.handler) ?? { turns: 0, rows: [] };
    group.turns += row.turns;
    group.rows.push(row);
    handlers.set(row.handler, group);
  }
  const ordered = [...handlers.entries()].sort(([, a], [, b]) => b.turns - a.turns);
  return (
    <section aria-labelledby="intents-title">
      <h2 id="intents-title">Intents by handler</h2>
      {total === 0 ? (
        <p class="muted">No turns with an intent in this range.</p>
      ) : (
        <table class="intents">
          <thead>
            <tr>
              <th scope="col">Handler</th>
              <th scope="col">Intent</th>
              <th scope="col">Turns</th>
              <th scope="col">Share</th>
            </tr>
          </thead>
          {ordered.map(([handler, group]) => (
            <tbody key={handler} data-handler={handler}>
              {group.rows.map((row, index) => (
                <tr key={row.intent} data-intent={row.intent}>
                  {index === 0 && (
                    <th scope="rowgroup" rowSpan={group.rows.length}>
                      {handler}
                      <span class="muted"> · {formatCount(group.turns)}</span>
                    </th>
                  )}
                  <td>{row.intent}</td>
                  <td class="number">{formatCount(row.turns)}</td>
                  <td class="number">{formatPercent(row.turns / total)}</td>
                </tr>
              ))}
            </tbody>
          ))}
        </table>
      )}
    </section>
  );
}
