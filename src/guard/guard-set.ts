// The guards a process has (the fast ones always; the moderation model and the semantic injection
// stage when configured), and each bot's list of them: the names its policy gives, in that order,
// or all of them.
import type { Guard } from './guard.js';
import { GUARD_NAMES, type GuardName, type GuardPolicy } from './guard-policy.js';
import { semanticInjectionGuard } from './injection/semantic-injection-guard.js';
import type { SemanticInjectionStage } from './injection/semantic-injection-stage.js';
import { FAST_INPUT_GUARDS } from './input-guard.js';
import { type ModelGuard, moderationGuard } from './moderation/model-guard.js';
import { outputGuard } from './output/output-guard.js';
import { passageGuard } from './passage-guard.js';

export class GuardSet {
  private readonly byName = new Map<GuardName, Guard>();
  /** Lists resolved per policy object (a bot's policy is parsed once and kept with the bot). */
  private readonly lists = new WeakMap<GuardPolicy, readonly Guard[]>();

  constructor(options: { moderation?: ModelGuard; semantic?: SemanticInjectionStage } = {}) {
    const guards = [...FAST_INPUT_GUARDS, passageGuard, outputGuard];
    if (options.moderation) guards.push(moderationGuard(options.moderation));
    // With the semantic stage, the injection guard escalates the messages it is unsure of.
    if (options.semantic) guards.push(semanticInjectionGuard(options.semantic));
    for (const guard of guards) this.byName.set(guard.name, guard);
  }

  /** The bot's guards in order; a name with no guard here (moderation without a model) is skipped. */
  for(policy: GuardPolicy): readonly Guard[] {
    let list = this.lists.get(policy);
    if (!list) {
      list = (policy.guards ?? GUARD_NAMES).flatMap((name) => this.byName.get(name) ?? []);
      this.lists.set(policy, list);
    }
    return list;
  }
}
