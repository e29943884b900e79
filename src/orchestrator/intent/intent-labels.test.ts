import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLINC_INTENTS, INTENTS, isIntent, mapClincIntent } from './intent-labels.js';

const clincFile = path.resolve(import.meta.dirname, '../../../../shared/data/clinc150/data_full.json');

describe('intent labels', () => {
  it('maps CLINC intents by group and refuses a name it does not list', () => {
    expect(mapClincIntent('are_you_a_bot')).toBe('greeting');
    expect(mapClincIntent('goodbye')).toBe('thanks');
    expect(mapClincIntent('repeat')).toBe('follow_up');
    expect(mapClincIntent('transfer')).toBe('action');
    expect(mapClincIntent('reset_settings')).toBe('action');
    expect(mapClincIntent('order_status')).toBe('question');
    expect(mapClincIntent('weather')).toBe('out_of_scope');
    expect(mapClincIntent('oos')).toBe('out_of_scope');
    expect(() => mapClincIntent('launch_rocket')).toThrow(/no mapping/);
  });

  it('reads a CLINC request worded as a how-to question as a question', () => {
    expect(mapClincIntent('insurance_change', 'how do i change my insurance policy')).toBe('question');
    expect(mapClincIntent('insurance_change', 'change my insurance policy')).toBe('action');
    expect(mapClincIntent('recipe', 'how do i make lasagna')).toBe('out_of_scope');
  });

  it('lists CLINC150 150 intents plus oos, each onto one of ours', () => {
    expect(CLINC_INTENTS.size).toBe(151);
    for (const intent of CLINC_INTENTS.values()) expect(INTENTS).toContain(intent);
    expect(isIntent('human')).toBe(true);
    expect(isIntent('smalltalk')).toBe(false);
  });

  it.skipIf(!existsSync(clincFile))('maps every intent found in the shared CLINC150 file', () => {
    const data = JSON.parse(readFileSync(clincFile, 'utf8')) as Record<string, [string, string][]>;
    const names = new Set(Object.values(data).flatMap((items) => items.map(([, name]) => name)));
    expect([...names].filter((name) => !CLINC_INTENTS.has(name))).toEqual([]);
    expect(names.size).toBe(CLINC_INTENTS.size);
  });
});
