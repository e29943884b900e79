// The injection guard with the semantic second stage behind it (PARLEY_GUARD_SEMANTIC=on). A
// message the fast stage is sure of is decided at once, as by the fast guard alone. For a turn's
// question the fast stage is unsure of (its classifier score in the head's grey band, no rule
// fired), the guard decides nothing yet: it leaves the semantic check running (`pending`), the
// turn goes on beside it (retrieval, the model call), and the answer's first piece waits for the
// verdict, which refuses the message or lets it through. A failure or timeout of the stage gives
// the fast verdict. Earlier messages and tool results (no `defer`) get the fast verdict alone.
import type { Guard, InputInspection, PendingVerdict } from '../guard.js';
import type { GuardPolicy } from '../guard-policy.js';
import { applyInjectionVerdict, injectionDecisions, REFUSALS } from '../input-guard.js';
import { detectInjection } from './detect-injection.js';
import type { SemanticInjectionStage, StagedVerdict } from './semantic-injection-stage.js';

export function semanticInjectionGuard(stage: Pick<SemanticInjectionStage, 'check' | 'escalates'>): Guard {
  return {
    name: 'injection',
    input(inspection, policy, options) {
      if (policy.injection === 'off' || !inspection.text) return inspection;
      const fast = detectInjection(inspection.text);
      if (!options?.defer || !stage.escalates(fast)) return applyInjectionVerdict(inspection, fast, policy);
      const started = performance.now();
      const pending = stage
        .check(inspection.text, fast)
        .then((staged) => pendingVerdict(staged, policy, performance.now() - started));
      return { ...inspection, injectionScore: fast.score, pending } satisfies InputInspection;
    },
  };
}

/** The semantic stage's verdict as the turn applies it (a degraded one is the fast verdict). */
function pendingVerdict(staged: StagedVerdict, policy: GuardPolicy, ms: number): PendingVerdict {
  const outcome = staged.stage === 'degraded' ? 'degraded' : staged.attack ? 'attack' : 'benign';
  return {
    decisions: injectionDecisions(staged.reasons),
    ...(staged.attack && policy.injection === 'block' ? { refusal: REFUSALS.injection } : {}),
    check: {
      stage: 'semantic',
      outcome,
      score: staged.semanticScore === undefined ? null : Math.round(staged.semanticScore * 1000) / 1000,
      ms,
      ...(staged.error ? { error: staged.error.slice(0, 200) } : {}),
    },
  };
}
