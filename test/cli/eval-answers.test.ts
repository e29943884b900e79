// `parley eval answers --set squad --limit 6` with a model configured: the first six questions of
// the shared SQuAD v2 subset (five answerable, one not) asked through the real turn pipeline, the
// model a local stub speaking OpenAI's wire protocol and answering from a script. The figures
// printed are the ones the script implies, worked out by hand below, so a scorer that read the
// answers wrongly (markers, refusals, the prompt's passages, F1) fails here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, type Runtime } from '../../src/app/index.js';
import { answerReport, readAnswerSet } from '../../src/cli/eval-answers-command.js';
import { closingFigures } from '../../src/cli/eval-gate-command.js';
import { type Config, loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/telemetry/index.js';
import { type StubPrompt, type StubProvider, startStubProvider } from '../support/stub-provider/index.js';
import { prepareDataDir } from '../support/test-backend.js';

/** Passage 1 of the grounded prompt, as the model reads it. */
const firstPassage = (prompt: StubPrompt) =>
  /<passage n="1"[^>]*>\n([\s\S]*?)\n<\/passage>/.exec(prompt.lastUserText)?.[1] ?? '';
const firstSentence = (text: string) => /^.*?[.!?](?=\s|$)/s.exec(text)?.[0] ?? text;

// What the model says to each question (by the question's opening words).
const SCRIPT: [string, (prompt: StubPrompt) => string][] = [
  // Gold "France": hit, F1 1; "franc" is in passage 1: supported.
  ['In what country', () => 'France [1].'],
  // Passage 1's first sentence, quoted: it holds "in the 10th and 11th centuries" (hit); 23
  // normalised tokens, 5 of them the gold answer's: F1 = 2·(5/23)·1 / (5/23 + 1) = 10/28; supported.
  ['When were the Normans', (prompt) => `${firstSentence(firstPassage(prompt))} [1]`],
  // Answerable, declined: a miss, F1 0; a refusal claims nothing (not counted for faithfulness).
  ['From which countries', () => "I don't know."],
  // Gold "Rollo": hit, F1 1; supported.
  ['Who was the Norse leader', () => 'Rollo [1].'],
  // Wrong, and cited: a miss, F1 0; "came" and "Mars" are not in the passage: unsupported.
  ['What century', () => 'The Normans came from Mars [1].'],
  // The unanswerable one, declined.
  ['Who gave their name', () => "I don't know."],
];

function scriptedReply(prompt: StubPrompt): string {
  const question = /Question: (.*)$/.exec(prompt.lastUserText)?.[1] ?? '';
  const line = SCRIPT.find(([opening]) => question.startsWith(opening));
  return line ? line[1](prompt) : 'Not a question of the script.';
}

describe('parley eval answers', () => {
  let stub: StubProvider;
  let runtime: Runtime;
  let config: Config;
  beforeAll(async () => {
    stub = await startStubProvider();
    stub.setReply(scriptedReply);
    config = loadConfig({
      PARLEY_DATA_DIR: await prepareDataDir(),
      PARLEY_LOG_LEVEL: 'silent',
      PARLEY_ANSWER_CACHE_SECONDS: '0',
      PARLEY_MODELS: 'openai:stub-model',
      OPENAI_BASE_URL: stub.url,
      OPENAI_API_KEY: 'sk-test',
    });
    runtime = await createRuntime(config, createLogger('silent'));
  });
  afterAll(async () => {
    await runtime?.close();
    await stub?.close();
  });

  it('scores SQuAD answers, "I don\'t know" and faithfulness as the scripted model implies', async () => {
    const set = await readAnswerSet({ set: 'squad', limit: '6' });
    expect(set.questions).toHaveLength(6);
    const report = await answerReport(runtime, config, set, { set: 'squad' });
    expect(report).toContain('models:      openai:stub-model');
    expect(report).toContain('modes:       generated 6');
    expect(closingFigures(report)).toEqual({
      answerable_hit: 0.6,
      // (1 + 10/28 + 0 + 1 + 0) / 5
      answerable_f1: 0.4714,
      unanswerable_declined: 1,
      // 3 of the 4 sentences that claim something
      faithful_sentences: 0.75,
    });
  });

  it('refuses an unknown set and a bad limit with a clear message', async () => {
    await expect(readAnswerSet({ set: 'nq' })).rejects.toThrow('--set is squad or rgb, not nq');
    await expect(readAnswerSet({ set: 'squad', limit: '0' })).rejects.toThrow('--limit is a whole number');
  });
});
