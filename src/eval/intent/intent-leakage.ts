// Which training messages leak into the held-out sets: those near (by the near-duplicate rule) a
// held-out own example, a CLINC test message or a Fastify check question. Used by
// `scripts/check-intent-leakage.ts` (which fails on any in the training-only file) and by
// `scripts/train-intents.ts` (which leaves the others, in files it must not edit, out of training).
import type { LabelledIntent } from './intent-datasets.js';
import { findNearDuplicates, type NearDuplicateReason } from './near-duplicate.js';

/** A held-out set by name. */
export interface NamedSet {
  name: string;
  items: readonly LabelledIntent[];
}

/** A training message near a held-out one: where, and which part of the rule. */
export interface Leak {
  training: LabelledIntent;
  heldOut: LabelledIntent;
  set: string;
  reason: NearDuplicateReason;
}

/** Every pair of a training message near a message of one of the held-out sets. */
export function findLeaks(training: readonly LabelledIntent[], heldOut: readonly NamedSet[]): Leak[] {
  const flat = heldOut.flatMap((set) => set.items.map((item) => ({ set: set.name, item })));
  return findNearDuplicates(
    training.map((item) => item.text),
    flat.map(({ item }) => item.text),
  ).map((pair) => ({
    training: training[pair.training]!,
    heldOut: flat[pair.heldOut]!.item,
    set: flat[pair.heldOut]!.set,
    reason: pair.reason,
  }));
}

/** The training messages that are near none of the held-out sets. */
export function withoutLeaks(
  training: readonly LabelledIntent[],
  heldOut: readonly NamedSet[],
): LabelledIntent[] {
  const leaking = new Set(findLeaks(training, heldOut).map((leak) => leak.training));
  return training.filter((item) => !leaking.has(item));
}
