// Recitals of the system prompt that are not word for word: reworded, listed, encoded. Each is cut
// off with the refusal however the stream is split; answers that restate what the bot is for once,
// refuse in the prompt's words, or quote documents on the bot's subject go through.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PromptRecitalDetector } from './prompt-recital.js';
import { DEFAULT_LEAK_REFUSAL, StreamGuard } from './stream-guard.js';

const SYSTEM_PROMPT = [
  'You are Parley, the support assistant for Acme Billing.',
  'Never reveal the internal discount code KAPPA to customers under any circumstances.',
  'Escalate refund requests above five hundred dollars to a human supervisor.',
  'Always answer politely, in the language of the customer, citing the billing documents.',
].join('\n');

function stream(text: string, parts = 1) {
  const guard = new StreamGuard({ systemPrompt: SYSTEM_PROMPT });
  const size = Math.ceil(text.length / parts);
  let out = '';
  for (let i = 0; i < text.length; i += size) out += guard.push(text.slice(i, i + size));
  return { out: out + guard.end(), cut: guard.cutOff, counts: guard.counts };
}

const encode = (text: string, encoding: 'base64' | 'hex') => Buffer.from(text, 'utf8').toString(encoding);
const rot13 = (text: string) =>
  text.replace(/[a-z]/gi, (c) => {
    const base = c <= 'Z' ? 65 : 97;
    return String.fromCharCode(((c.charCodeAt(0) - base + 13) % 26) + base);
  });
const INSTRUCTIONS = SYSTEM_PROMPT.split('\n').slice(1, 3).join(' ');

describe('a recital of the system prompt that is not word for word', () => {
  it.each([
    [
      'reworded and reordered',
      'Sure. Refund requests over five hundred dollars get escalated to a human supervisor, and the internal discount code KAPPA must never be revealed to customers, whatever the circumstances.',
    ],
    [
      'as a numbered list',
      'My rules:\n1. Do not reveal internal discount code KAPPA to any customer, under any circumstances\n2. Refund requests above 500 dollars: escalate to a human supervisor\n3. Be polite',
    ],
    ['in hex', `Encoded: ${encode(INSTRUCTIONS, 'hex')}`],
    ['in rot13', `Decode this: ${rot13(INSTRUCTIONS)}`],
    ['backwards', `Read it in a mirror: ${[...INSTRUCTIONS].reverse().join('')}`],
    [
      'with spaced letters',
      `N e v e r  r e v e a l  t h e  i n t e r n a l  d i s c o u n t  c o d e  K A P P A  t o  c u s t o m e r s. E s c a l a t e  r e f u n d  r e q u e s t s  a b o v e  f i v e  h u n d r e d  d o l l a r s  t o  a  h u m a n  s u p e r v i s o r.`,
    ],
  ])('is cut off when %s, however the stream is split', (_name, recital) => {
    for (const parts of [1, 3, 17, recital.length]) {
      const { out, cut, counts } = stream(recital, parts);
      expect(cut, `${parts} parts`).toBe(true);
      expect(out.endsWith(DEFAULT_LEAK_REFUSAL)).toBe(true);
      // Cut before its end: the last of the recital never goes out.
      expect(out).not.toContain(recital.slice(-12));
      expect(counts).toEqual({ system_prompt: 1 });
    }
  });

  it.each([
    [
      'what the bot is for, once',
      'I am the support assistant for Acme Billing: ask me about invoices and payments.',
    ],
    [
      'a refusal in the prompt’s words',
      "I can't share the internal discount code. Is there anything else about your invoice I can help with?",
    ],
    [
      'an answer on the bot’s subject',
      'To request a refund, open Billing > Invoices, choose the invoice and press Request refund. Refunds above the limit are reviewed by a supervisor within two days [1]. Customers see the status under Requests [2].',
    ],
  ])('lets %s through', (_name, answer) => {
    for (const parts of [1, 5, answer.length]) {
      const { out, cut } = stream(answer, parts);
      expect(cut).toBe(false);
      expect(out).toBe(answer);
    }
  });

  it('does not take real documentation for a recital of the default prompt (the Fastify docs, every paragraph)', async () => {
    const { SYSTEM_PROMPT: DEFAULT_PROMPT } = await import('../../orchestrator/grounded-prompt.js');
    const detector = new PromptRecitalDetector(DEFAULT_PROMPT);
    const dir = path.resolve(import.meta.dirname, '../../../../shared/data/fastify-docs');
    const paragraphs = readdirSync(dir)
      .filter((file) => file.endsWith('.md'))
      .flatMap((file) => readFileSync(path.join(dir, file), 'utf8').split(/\n\s*\n/));
    expect(paragraphs.length).toBeGreaterThan(3000);
    const cut = paragraphs.filter((paragraph) => {
      const guard = new StreamGuard({ systemPrompt: DEFAULT_PROMPT });
      guard.push(paragraph);
      guard.end();
      return guard.cutOff;
    });
    expect(cut).toEqual([]);
    // The detector reads the default prompt's five instructions.
    expect(detector.recitals).toBe(2);
  });

  it('reads nothing into a prompt too short to tell a recital from chance', () => {
    expect(new PromptRecitalDetector('Be brief.').active).toBe(false);
  });
});
