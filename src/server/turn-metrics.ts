// Records a finished turn: in the metrics (how it was answered, by which model, the time to its
// first token, every model attempt, so fallbacks are visible per model) and in the gateway's
// accounting (cost, tokens against the limits, spend against the budgets, the usage row).
import type { FastifyRequest } from 'fastify';
import type { Turn } from '../chat/index.js';
import type { Caller, Gateway } from '../gateway/index.js';
import type { Metrics } from '../telemetry/index.js';

/** Who a turn is accounted to. */
export interface TurnAccount {
  gateway: Gateway;
  caller: Caller;
}

export function callerOf(request: FastifyRequest): Caller {
  return { tenantId: request.principal.tenantId, keyId: request.principal.keyId, ip: request.ip };
}

/** Returns the turn's cost in USD (0 for unpriced models and answers without a model). */
export function recordTurn(metrics: Metrics, turn: Turn, startedAt: number, account: TurnAccount): number {
  const { mode, model, attempts, firstTokenMs, tokens } = turn.outcome;
  metrics.turns.inc({ mode, model: model ?? 'none' });
  metrics.turnDuration.observe({ mode }, (performance.now() - startedAt) / 1000);
  if (firstTokenMs !== undefined) metrics.timeToFirstToken.observe({ mode }, firstTokenMs / 1000);
  for (const attempt of attempts)
    metrics.modelAttempts.inc({ model: attempt.model, outcome: attempt.outcome });
  const generated = mode === 'generated' && model !== undefined;
  const { costUsd } = account.gateway.settleTurn(account.caller, {
    botId: turn.bot.id,
    conversationId: turn.conversationId,
    turnId: turn.turnId,
    model: generated ? model : mode === 'not_found' ? 'none' : 'extractive',
    generated,
    tokens: {
      inputTokens: tokens.inputTokens,
      cachedInputTokens: tokens.cachedInputTokens ?? 0,
      outputTokens: tokens.outputTokens,
    },
  });
  // Ten decimals: a millionth of a cent, without binary-float noise in the JSON.
  return Math.round(costUsd * 1e10) / 1e10;
}
