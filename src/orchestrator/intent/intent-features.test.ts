import { describe, expect, it } from 'vitest';
import {
  INTENT_FEATURE_SET,
  INTENT_FEATURES_V1,
  INTENT_FEATURES_V2,
  intentFeatures,
} from './intent-features.js';

const added = (text: string) => {
  const v1 = new Set(intentFeatures(text, 18, INTENT_FEATURES_V1).indices);
  return [...intentFeatures(text, 18, INTENT_FEATURES_V2).indices].filter((bucket) => !v1.has(bucket));
};

describe('intentFeatures', () => {
  it('writes the second featurizer by default', () => {
    expect(INTENT_FEATURE_SET).toBe(INTENT_FEATURES_V2);
    expect(intentFeatures('reset my password', 18)).toEqual(
      intentFeatures('reset my password', 18, INTENT_FEATURES_V2),
    );
  });

  it('adds skip-grams and word positions to the first featurizer, each bucket once', () => {
    const v1 = intentFeatures('please reset my password', 18, INTENT_FEATURES_V1);
    const v2 = intentFeatures('please reset my password', 18, INTENT_FEATURES_V2);
    expect(new Set(v2.indices).size).toBe(v2.indices.length);
    for (const bucket of v1.indices) expect(v2.indices).toContain(bucket);
    // Two skip-grams ("please _ my", "reset _ password") and three positions.
    expect(added('please reset my password')).toHaveLength(5);
    // One word: a position, no skip-gram.
    expect(added('hello')).toHaveLength(1);
    expect(intentFeatures('', 18, INTENT_FEATURES_V2).indices.length).toBe(
      intentFeatures('', 18, INTENT_FEATURES_V1).indices.length,
    );
  });

  it('shares the skip-gram across the word it skips', () => {
    const mine = new Set(added('reset my password'));
    // "reset _ password", "reset" first and "password" third are in both; "my" and "the" second are not.
    expect(added('reset the password').filter((bucket) => mine.has(bucket))).toHaveLength(3);
  });
});
