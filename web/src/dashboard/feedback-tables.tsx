// The dashboard's feedback: users' satisfaction (the share of rated answers rated up) per bot and
// day, and the worst-rated questions (rated down most often first), with the latest comment.
import type { SatisfactionDay, WorstRatedQuestion } from './dashboard-types.js';
import { formatCount, formatPercent, formatTime } from './format.js';

/** The share of all rated answers in the range rated up; null when none was rated. */
export function overallSatisfaction(days: SatisfactionDay[]): number | null {
  const rated = days.reduce((sum, row) => sum + row.rated, 0);
  return rated === 0 ? null : days.reduce((sum, row) => sum + row.up, 0) / rated;
}

export function FeedbackTables(props: {
  satisfaction: SatisfactionDay[];
  worstRated: WorstRatedQuestion[];
  onTrace(turnId: string): void;
}) {
  return (
    <>
      <section aria-labelledby="satisfaction-title">
        <h2 id="satisfaction-title">Satisfaction by bot and day</h2>
        {props.satisfaction.length === 0 ? (
          <p class="muted">No rated answers in this range.</p>
        ) : (
          <table class="satisfaction">
            <thead>
              <tr>
                <th scope="col">Day (UTC)</th>
                <th scope="col">Bot</th>
                <th scope="col">Rated</th>
                <th scope="col">Rated up</th>
              </tr>
            </thead>
            <tbody>
              {props.satisfaction.map((row) => (
                <tr key={`${row.day}-${row.bot_id}`} data-bot={row.bot_id} data-day={row.day}>
                  <td>{row.day}</td>
                  <td>{row.bot_id}</td>
                  <td class="number">{formatCount(row.rated)}</td>
                  <td class="number">{formatPercent(row.satisfaction)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section aria-labelledby="worst-rated-title">
        <h2 id="worst-rated-title">Worst-rated questions</h2>
        {props.worstRated.length === 0 ? (
          <p class="muted">None in this range.</p>
        ) : (
          <table class="worst-rated">
            <thead>
              <tr>
                <th scope="col">Rated down</th>
                <th scope="col">Latest (UTC)</th>
                <th scope="col">Bot</th>
                <th scope="col">Question</th>
                <th scope="col">Comment</th>
                <th scope="col">Turn</th>
              </tr>
            </thead>
            <tbody>
              {props.worstRated.map((row) => (
                <tr key={row.turn_id}>
                  <td class="number">{formatCount(row.down)}</td>
                  <td>{formatTime(row.at)}</td>
                  <td>{row.bot_id}</td>
                  <td class="wrap">{row.question ?? '(not stored)'}</td>
                  <td class="wrap">{row.comment ?? ''}</td>
                  <td>
                    <button
                      type="button"
                      class="link mono"
                      aria-label={`Show the trace of turn ${row.turn_id}`}
                      onClick={() => props.onTrace(row.turn_id)}
                    >
                      {row.turn_id.slice(0, 8)}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
