import { describe, expect, it } from 'vitest';
import { joinUnits, packUnits } from './pack-units.js';
import type { ChunkLimits, Unit } from './types.js';

const limits = (overrides: Partial<ChunkLimits> = {}): ChunkLimits => ({
  target: 384,
  max: 512,
  overlap: 0,
  min: 0,
  ...overrides,
});

/** Units with given token counts; their texts name them (u0, u1, ...) so chunks are easy to read. */
const units = (...tokens: number[]): Unit[] =>
  tokens.map((count, i) => ({ text: `u${i}`, tokens: count, separator: '\n\n', code: false }));

const names = (chunks: Unit[][]) => chunks.map((chunk) => chunk.map((unit) => unit.text).join(','));

describe('packUnits', () => {
  it('fills chunks up to the target', () => {
    expect(names(packUnits(units(100, 100, 100, 100, 100, 100, 100), limits()))).toEqual([
      'u0,u1,u2',
      'u3,u4,u5',
      'u6',
    ]);
  });

  it('keeps a unit above the target but within the maximum whole, in a chunk of its own', () => {
    expect(names(packUnits(units(200, 450, 200), limits()))).toEqual(['u0', 'u1', 'u2']);
  });

  it('lets a chunk below the minimum grow past the target, up to the maximum', () => {
    expect(names(packUnits(units(30, 400), limits({ min: 64 })))).toEqual(['u0,u1']);
    expect(names(packUnits(units(30, 500), limits({ min: 64 })))).toEqual(['u0', 'u1']);
  });

  it('does not leave a tiny last chunk when the chunk before can take it', () => {
    expect(names(packUnits(units(300, 50, 40), limits({ min: 64 })))).toEqual(['u0,u1,u2']);
    expect(names(packUnits(units(300, 50, 80), limits({ min: 64 })))).toEqual(['u0,u1', 'u2']);
  });

  it('starts each following chunk with whole units from the end of the previous one', () => {
    const chunks = names(
      packUnits(units(...new Array<number>(12).fill(20)), limits({ target: 100, overlap: 48 })),
    );
    // 20 + 21 + 21 + 21 = 83 tokens; a fifth unit would pass the target of 100. Two units (41 tokens)
    // fit the overlap of 48; three (62) do not.
    expect(chunks).toEqual(['u0,u1,u2,u3', 'u2,u3,u4,u5', 'u4,u5,u6,u7', 'u6,u7,u8,u9', 'u8,u9,u10,u11']);
  });

  it('drops the overlap when it would push a chunk past the maximum', () => {
    // The overlap is the 2-token sentence `u0`; with it the second chunk would be 2 + 1 + 511 tokens.
    expect(names(packUnits(units(300, 511), limits({ overlap: 48 })))).toEqual(['u0', 'u1']);
    expect(names(packUnits(units(300, 500), limits({ overlap: 48 })))).toEqual(['u0', 'u0,u1']);
  });

  it('never repeats part of a code block as overlap', () => {
    const code: Unit = { text: '```\nx\n```', tokens: 100, separator: '\n\n', code: true };
    const chunks = packUnits([...units(250), code, ...units(300)], limits({ overlap: 48 }));
    expect(chunks.map((chunk) => chunk.length)).toEqual([2, 1]);
  });

  it('returns nothing for no units', () => {
    expect(packUnits([], limits())).toEqual([]);
  });
});

describe('joinUnits', () => {
  it('puts each unit’s separator before it, except the first', () => {
    const parts: Unit[] = [
      { text: 'A.', tokens: 1, separator: '\n\n', code: false },
      { text: 'B.', tokens: 1, separator: ' ', code: false },
      { text: 'C.', tokens: 1, separator: '\n\n', code: false },
    ];
    expect(joinUnits(parts)).toBe('A. B.\n\nC.');
  });
});
