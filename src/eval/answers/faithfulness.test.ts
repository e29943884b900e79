import { describe, expect, it } from 'vitest';
import { faithfulness } from './faithfulness.js';

const PASSAGES = new Map([
  [1, 'The Normans gave their name to Normandy, a region in France.'],
  [2, 'Their leader Rollo swore fealty to King Charles III of West Francia.'],
]);
const passage = (n: number) => PASSAGES.get(n);

describe('faithfulness', () => {
  it('supports a sentence whose terms its cited passage holds, stemmed as keyword search reads them', () => {
    // "located" is no term of passage 1, but "Normandy", "region" and "France" are: 3 of 4.
    expect(faithfulness('Normandy is a region located in France [1].', passage)).toEqual({
      sentences: 1,
      supported: 1,
    });
  });

  it('checks a sentence against the passages it cites, not the others', () => {
    expect(faithfulness('Rollo swore fealty to King Charles III [1].', passage)).toEqual({
      sentences: 1,
      supported: 0,
    });
    expect(faithfulness('Rollo swore fealty to King Charles III [2].', passage).supported).toBe(1);
    expect(
      faithfulness('Rollo, from Normandy, swore fealty to King Charles [1][2].', passage).supported,
    ).toBe(1);
  });

  it('counts a sentence without citations as unsupported, unless it declines', () => {
    expect(faithfulness('Normandy is a region in France.', passage)).toEqual({ sentences: 1, supported: 0 });
    expect(faithfulness("I don't know. The passages do not mention it.", passage)).toEqual({
      sentences: 0,
      supported: 0,
    });
  });

  it('counts a citation of a passage that does not exist as unsupported', () => {
    expect(faithfulness('Normandy is in France [7].', passage)).toEqual({ sentences: 1, supported: 0 });
  });

  it('holds a sentence to the share asked for', () => {
    // "Normans", "conquered", "England": 1 of 3 in passage 1.
    const sentence = 'The Normans conquered England [1].';
    expect(faithfulness(sentence, passage).supported).toBe(0);
    expect(faithfulness(sentence, passage, 0.3).supported).toBe(1);
  });
});
