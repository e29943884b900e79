// One turn's trace, readable: what was asked of which models and how each attempt ended, what
// retrieval found (with each retriever's rank and score), relevance, routing, the context budget
// and what it dropped, usage and timings. The raw JSON stays one click away.
import type { TurnTrace } from './dashboard-types.js';
import { formatMs, formatPercent, formatUsd } from './format.js';

function Facts(props: { items: [string, string | number | null | undefined][] }) {
  return (
    <dl class="facts">
      {props.items
        .filter(([, value]) => value !== undefined && value !== null && value !== '')
        .map(([name, value]) => (
          <div key={name}>
            <dt>{name}</dt>
            <dd>{String(value)}</dd>
          </div>
        ))}
    </dl>
  );
}

export function TraceView(props: { trace: TurnTrace }) {
  const { trace } = props;
  const attempts = trace.attempts ?? [];
  const retrieved = trace.retrieved ?? [];
  const timings = trace.timings_ms ?? {};
  const dropped = trace.context?.dropped ?? [];
  return (
    <article class="trace" aria-label={`Trace of turn ${trace.turn_id ?? ''}`} data-turn={trace.turn_id}>
      <Facts
        items={[
          ['Turn', trace.turn_id],
          ['Conversation', trace.conversation_id],
          ['Bot', trace.bot],
          ['Mode', trace.mode],
          ['Answered by', trace.model ?? (trace.mode === 'generated' ? undefined : 'no model')],
          ['Completed', trace.completed === undefined ? undefined : trace.completed ? 'yes' : 'no'],
          ['Error', trace.error],
          ['Prompt version', trace.prompt_version],
          ['Retriever', trace.retriever],
          ['Retrieval cache', trace.retrieval_cache],
          ['Degraded retrievers', trace.degraded?.length ? trace.degraded.join(', ') : undefined],
        ]}
      />

      <h3>Timings</h3>
      <Facts
        items={[
          ['Retrieval', formatMs(timings.retrieval)],
          ['First token', formatMs(timings.first_token)],
          ['Total', formatMs(timings.total)],
        ]}
      />

      <h3>Routing and relevance</h3>
      <Facts
        items={[
          ['Route', trace.routing?.route ?? 'default'],
          [
            'Why',
            trace.routing?.reasons.length ? trace.routing.reasons.join('; ') : 'no escalation rule fired',
          ],
          ['Coverage', trace.relevance ? formatPercent(trace.relevance.coverage) : undefined],
          ['Threshold', trace.relevance ? formatPercent(trace.relevance.threshold) : undefined],
        ]}
      />

      <h3>Model attempts ({attempts.length})</h3>
      {attempts.length === 0 ? (
        <p class="muted">No model was called.</p>
      ) : (
        <table class="attempts">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Model</th>
              <th scope="col">Outcome</th>
              <th scope="col">Status</th>
              <th scope="col">Time</th>
              <th scope="col">Error</th>
            </tr>
          </thead>
          <tbody>
            {attempts.map((attempt, index) => (
              <tr key={index} data-outcome={attempt.outcome}>
                <td>{index + 1}</td>
                <td class="mono">{attempt.model}</td>
                <td>
                  <span class={`badge ${attempt.outcome}`}>{attempt.outcome}</span>
                </td>
                <td>{attempt.status ?? ''}</td>
                <td>{formatMs(attempt.ms)}</td>
                <td class="wrap">{attempt.error ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h3>Retrieved passages ({retrieved.length})</h3>
      {retrieved.length === 0 ? (
        <p class="muted">Nothing was retrieved.</p>
      ) : (
        <table class="retrieved">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Passage</th>
              <th scope="col">Score</th>
              <th scope="col">Per retriever (rank, score)</th>
            </tr>
          </thead>
          <tbody>
            {retrieved.map((chunk, index) => (
              <tr key={chunk.chunk_id}>
                <td>{index + 1}</td>
                <td class="wrap">
                  <strong>{chunk.title ?? chunk.document_id}</strong>
                  {chunk.heading_path ? <span class="muted"> · {chunk.heading_path}</span> : null}
                  <span class="mono muted"> #{chunk.chunk_id}</span>
                </td>
                <td>{chunk.score.toFixed(4)}</td>
                <td class="mono">
                  {Object.entries(chunk.signals ?? {})
                    .map(([name, signal]) => `${name} #${signal.rank} ${signal.score.toFixed(3)}`)
                    .join(', ')}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h3>Context</h3>
      {trace.context ? (
        <>
          <Facts
            items={[
              ...Object.entries(trace.context.tokens).map(
                ([name, tokens]) => [`${name} tokens`, tokens] as [string, number],
              ),
              ['History messages', trace.context.history_messages],
            ]}
          />
          {dropped.length === 0 ? (
            <p class="muted">Nothing was dropped for the budget.</p>
          ) : (
            <ul class="dropped">
              {dropped.map((item) => (
                <li key={`${item.kind}-${item.ref}`}>
                  Dropped {item.kind} <span class="mono">{item.ref}</span> ({item.tokens} tokens)
                </li>
              ))}
            </ul>
          )}
        </>
      ) : (
        <p class="muted">No prompt was assembled (no model call).</p>
      )}

      <h3>Usage</h3>
      <Facts
        items={[
          ['Prompt tokens', trace.usage?.prompt_tokens],
          ['Completion tokens', trace.usage?.completion_tokens],
          ['Total tokens', trace.usage?.total_tokens],
          ['Cost', formatUsd(trace.usage?.cost_usd ?? 0)],
        ]}
      />

      <details>
        <summary>Raw trace (JSON)</summary>
        <pre class="raw">{JSON.stringify(trace, null, 2)}</pre>
      </details>
    </article>
  );
}
