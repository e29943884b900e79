// Records a finished turn in the metrics: how it was answered, by which model, the time to its
// first token, and every model attempt (so fallbacks are visible per model).
import type { Turn } from '../chat/index.js';
import type { Metrics } from '../telemetry/index.js';

export function recordTurn(metrics: Metrics, turn: Turn, startedAt: number): void {
  const { mode, model, attempts, firstTokenMs } = turn.outcome;
  metrics.turns.inc({ mode, model: model ?? 'none' });
  metrics.turnDuration.observe({ mode }, (performance.now() - startedAt) / 1000);
  if (firstTokenMs !== undefined) metrics.timeToFirstToken.observe({ mode }, firstTokenMs / 1000);
  for (const attempt of attempts)
    metrics.modelAttempts.inc({ model: attempt.model, outcome: attempt.outcome });
}
