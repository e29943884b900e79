// The handoff webhook: a conversation handed to a person (asked for, by a bot's rule, or after
// not-found answers in a row) posts a signed `conversation.handed_off` event to a real local
// endpoint, through the durable job queue: retried on 5xx and 429, not on another 4xx (the job
// fails, visibly), kept in the database across a restart, and scoped to its tenant.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, createRuntime } from '../../src/app/index.js';
import { loadConfig } from '../../src/config/index.js';
import { verifyWebhook } from '../../src/jobs/index.js';
import { createLogger } from '../../src/telemetry/index.js';
import { type ChatFixture, type KeyedTenant, startChatFixture } from '../support/chat-fixture.js';
import { call } from '../support/http.js';
import { metricValue } from '../support/metrics.js';
import { BACKENDS, eventually, prepareDataDir } from '../support/test-backend.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const SECRET = 'test-webhook-secret-0123456789';
const UNANSWERABLE = ['Which year did the Roman empire fall?', 'Who painted the Mona Lisa?'];

interface ChatBody {
  answer: string;
  mode: string;
  conversation_id: string;
  turn_id: string;
}

interface HandoffEvent {
  id: string;
  event: string;
  tenant: string;
  bot: string;
  conversation_id: string;
  reason: string;
  last_message: string;
  created_at: string;
}

interface JobBody {
  kind: string;
  status: string;
  attempts: number;
  error: string | null;
}

const webhookEnv = (url: string) => ({
  PARLEY_HANDOFF_WEBHOOK_URL: url,
  PARLEY_WEBHOOK_SECRET: SECRET,
  PARLEY_WEBHOOK_RETRY_FIRST_MS: '50',
  PARLEY_WEBHOOK_MAX_ATTEMPTS: '4',
});

describe.each(BACKENDS)('handoff webhook (%s)', (kind) => {
  let receiver: WebhookReceiver;
  let t: ChatFixture;
  let alice: KeyedTenant;
  let bob: KeyedTenant;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    t = await startChatFixture({
      kind,
      models: 'openai:small-model',
      reply: 'The Moon [1].',
      env: webhookEnv(receiver.url),
    });
    alice = await t.tenantWithKey('webhook-alice');
    bob = await t.tenantWithKey('webhook-bob');
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  const setIntents = async (tenant: KeyedTenant, intents: Record<string, unknown>) => {
    const patched = await call(t.app, {
      method: 'PATCH',
      url: '/v1/bots/parley',
      headers: tenant.headers,
      payload: { settings: { intents } },
    });
    expect(patched.status).toBe(200);
  };
  const deliveries = (result: string) =>
    metricValue(t.app, 'parley_webhook_deliveries_total', { event: 'conversation.handed_off', result });
  const eventsOf = (conversationId: string) =>
    receiver.received.filter(
      (hook) => (JSON.parse(hook.body) as HandoffEvent).conversation_id === conversationId,
    );
  const jobOf = (tenant: KeyedTenant, id: string) =>
    call<JobBody>(t.app, { method: 'GET', url: `/v1/jobs/${id}`, headers: tenant.headers });
  const settledJob = (tenant: KeyedTenant, id: string) =>
    eventually(async () => {
      const job = await jobOf(tenant, id);
      return job.body.status === 'succeeded' || job.body.status === 'failed' ? job.body : undefined;
    });
  const handoffReasonOf = (tenant: KeyedTenant, turnId: string) =>
    eventually(async () => {
      const trace = await call<{ intent: { handler: string; handoff_reason?: string } | null }>(t.app, {
        method: 'GET',
        url: `/v1/turns/${turnId}/trace`,
        headers: tenant.headers,
      });
      return trace.status === 200 ? trace.body.intent?.handoff_reason : undefined;
    });
  const handOver = async (tenant: KeyedTenant, message = 'I want to talk to a human') => {
    const asked = await t.chat<ChatBody>({ message }, tenant.headers);
    expect(asked.body.mode).toBe('handoff');
    const [hook] = await eventually(async () => {
      const hooks = eventsOf(asked.body.conversation_id);
      return hooks.length > 0 ? hooks : undefined;
    });
    return {
      conversationId: asked.body.conversation_id,
      turnId: asked.body.turn_id,
      hook: hook!,
      event: JSON.parse(hook!.body) as HandoffEvent,
    };
  };

  it('posts a signed event when a person is asked for, which only its tenant can look up', async () => {
    await setIntents(alice, { handoff: true });
    const { conversationId, hook, event } = await handOver(alice);
    expect(event).toMatchObject({
      event: 'conversation.handed_off',
      tenant: alice.tenantId,
      bot: 'parley',
      conversation_id: conversationId,
      reason: 'request',
      last_message: 'I want to talk to a human',
    });
    expect(hook.headers['parley-event-id']).toBe(event.id);
    expect(hook.headers['content-type']).toBe('application/json');
    const signature = hook.headers['parley-signature'] as string;
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyWebhook(SECRET, hook.body, signature)).toBe(true);
    expect(verifyWebhook('another-secret-of-some-length', hook.body, signature)).toBe(false);
    expect(verifyWebhook(SECRET, hook.body.replace('human', 'robot'), signature)).toBe(false);

    // The event's id is its job's: the tenant follows the delivery, another tenant sees nothing.
    expect(await settledJob(alice, event.id)).toMatchObject({
      kind: 'webhook',
      status: 'succeeded',
      attempts: 1,
    });
    expect((await jobOf(bob, event.id)).status).toBe(404);
    // A message while handed off sends nothing more.
    await t.chat({ message: 'hello?', conversation_id: conversationId }, alice.headers);
    await eventually(async () => (t.server.runtime.tasks.size === 0 ? true : undefined));
    const [{ queued }] = (await t.server.runtime.db.query<{ queued: number }>(
      `select count(*)::int as queued from jobs where kind = 'webhook' and status <> 'succeeded'`,
    )) as [{ queued: number }];
    expect(queued).toBe(0);
    expect(eventsOf(conversationId)).toHaveLength(1);
  });

  it('tries again after a 5xx and a 429 (Retry-After), and delivers once', async () => {
    await setIntents(bob, { handoff: true });
    receiver.script({ status: 503 }, { status: 429, headers: { 'retry-after': '0' } });
    const { conversationId } = await handOver(bob);
    const delivered = await eventually(async () => {
      const hooks = eventsOf(conversationId);
      return hooks.some((hook) => hook.status === 200) ? hooks : undefined;
    });
    expect(delivered.map((hook) => hook.status)).toEqual([503, 429, 200]);
    // The same event each time: one id, one body (a receiver dedupes on the id).
    expect(new Set(delivered.map((hook) => hook.body)).size).toBe(1);
    expect(delivered.map((hook) => hook.headers['parley-delivery-attempt'])).toEqual(['1', '2', '3']);
    const event = JSON.parse(delivered[0]!.body) as HandoffEvent;
    expect(await settledJob(bob, event.id)).toMatchObject({ status: 'succeeded', attempts: 3 });
    expect(await deliveries('retried')).toBe(2);
  });

  it('gives up at once on another 4xx: the job fails, visibly, and is not tried again', async () => {
    receiver.script({ status: 410 });
    const before = await deliveries('failed');
    const { event } = await handOver(bob);
    const job = await settledJob(bob, event.id);
    expect(job).toMatchObject({ status: 'failed', attempts: 1 });
    expect(job.error).toContain('410');
    expect(receiver.received.filter((hook) => hook.body.includes(event.id))).toHaveLength(1);
    expect(await deliveries('failed')).toBe(before + 1);
  });

  it('tries an unreachable endpoint until out of attempts, then fails the job', async () => {
    const dropped = { status: 0 };
    receiver.script(dropped, dropped, dropped, dropped);
    const before = await deliveries('failed');
    const { event } = await handOver(bob);
    const job = await settledJob(bob, event.id);
    expect(job).toMatchObject({ status: 'failed', attempts: 4 });
    expect(job.error).toMatch(/^out of attempts \(4\): cannot reach the endpoint/);
    expect(receiver.received.filter((hook) => hook.body.includes(event.id))).toHaveLength(4);
    expect(await deliveries('failed')).toBe(before + 1);
  });

  it("hands over on a bot's rule, with reason rule", async () => {
    const carol = await t.tenantWithKey('webhook-carol');
    await setIntents(carol, { handoff_rules: ['refund', 'cancel my account'] });
    const ordinary = await t.chat<ChatBody>({ message: 'What causes the tides?' }, carol.headers);
    expect(ordinary.body.mode).toBe('generated');
    const { event, conversationId, turnId } = await handOver(carol, 'Please CANCEL my account, now.');
    expect(await handoffReasonOf(carol, turnId)).toBe('rule');
    expect(event).toMatchObject({
      reason: 'rule',
      tenant: carol.tenantId,
      last_message: 'Please CANCEL my account, now.',
    });
    const state = await call<{ state: string }>(t.app, {
      method: 'GET',
      url: `/v1/conversations/${conversationId}`,
      headers: carol.headers,
    });
    expect(state.body.state).toBe('handed_off');
    // Another tenant's bot has no such rule.
    const other = await t.chat<ChatBody>({ message: 'I want a refund' }, bob.headers);
    expect(other.body.mode).not.toBe('handoff');
  });

  it('hands over after N not-found answers in a row, with reason not_found', async () => {
    const dave = await t.tenantWithKey('webhook-dave');
    await setIntents(dave, { handoff_after_not_found: 2 });
    // An answer found in between starts the count again.
    const first = await t.chat<ChatBody>({ message: UNANSWERABLE[0] }, dave.headers);
    expect(first.body.mode).toBe('not_found');
    const id = first.body.conversation_id;
    const found = await t.chat<ChatBody>(
      { message: 'What causes the tides?', conversation_id: id },
      dave.headers,
    );
    expect(found.body.mode).toBe('generated');
    for (const message of UNANSWERABLE) {
      const missed = await t.chat<ChatBody>({ message, conversation_id: id }, dave.headers);
      expect(missed.body.mode).toBe('not_found');
    }
    expect(eventsOf(id)).toHaveLength(0);
    const next = await t.chat<ChatBody>({ message: 'Anyone there?', conversation_id: id }, dave.headers);
    expect(next.body.mode).toBe('handoff');
    expect(next.body.answer).toMatch(/handing this conversation to a person/);
    expect(await handoffReasonOf(dave, next.body.turn_id)).toBe('not_found');
    const [hook] = await eventually(async () => (eventsOf(id).length > 0 ? eventsOf(id) : undefined));
    expect(JSON.parse(hook!.body)).toMatchObject({
      reason: 'not_found',
      tenant: dave.tenantId,
      last_message: 'Anyone there?',
    });
  });
});

describe('a handoff event in the database', () => {
  it('is delivered by the next process that runs jobs, after the one that stored it stopped', async () => {
    const receiver = await startWebhookReceiver();
    const dataDir = await prepareDataDir();
    const config = loadConfig({
      PARLEY_DATA_DIR: dataDir,
      PARLEY_LOG_LEVEL: 'silent',
      ...webhookEnv(receiver.url),
    });
    const log = createLogger('silent');
    try {
      // An API process that runs no jobs (`parley serve --no-jobs`) stores the event with the turn.
      const api = await createRuntime(config, log, { runJobs: false });
      const app = await createApp(api);
      const patched = await call(app.app, {
        method: 'PATCH',
        url: '/v1/bots/parley',
        payload: { settings: { intents: { handoff: true } } },
      });
      expect(patched.status).toBe(200);
      const asked = await call<ChatBody>(app.app, {
        method: 'POST',
        url: '/v1/chat',
        payload: { message: 'I want to talk to a human' },
      });
      expect(asked.body.mode).toBe('handoff');
      await eventually(async () => (api.tasks.size === 0 ? true : undefined));
      const [job] = await api.db.query<{ id: string; status: string }>(
        `select id, status from jobs where kind = 'webhook'`,
      );
      expect(job?.status).toBe('queued');
      await app.close();
      await api.close();
      expect(receiver.received).toHaveLength(0);

      // The next process that runs jobs (a restart, or `parley worker`) delivers it.
      const worker = await createRuntime(config, log, { runJobs: true });
      try {
        const [hook] = await eventually(async () =>
          receiver.received.length > 0 ? receiver.received : undefined,
        );
        const event = JSON.parse(hook!.body) as HandoffEvent;
        expect(event).toMatchObject({
          id: job!.id,
          reason: 'request',
          conversation_id: asked.body.conversation_id,
        });
        expect(verifyWebhook(SECRET, hook!.body, hook!.headers['parley-signature'] as string)).toBe(true);
      } finally {
        await worker.close();
      }
    } finally {
      await receiver.close();
      await rm(path.dirname(dataDir), { recursive: true, force: true });
    }
  });
});
