// `parley chat`: a terminal conversation through the turn runner, like any other front end (its
// turns are admitted, accounted in /v1/usage, counted in the metrics and traced), with citations
// after each answer. Reads lines from stdin (interactive or piped).
import { createInterface } from 'node:readline';
import type { TurnContext, TurnRunner } from '../orchestrator/index.js';
import { createRuntime, DEFAULT_TENANT, ensureTenant } from '../server/index.js';
import { cliCaller, commandContext } from './command-context.js';

export async function chatCommand(options: { tenant: string; bot?: string }): Promise<void> {
  const { config, log } = commandContext();
  const runtime = await createRuntime(config, log);
  try {
    const tenantId = await ensureTenant(runtime.db, options.tenant ?? DEFAULT_TENANT);
    // The reader is made only now, and read at once: lines (and the end of piped input) that
    // readline emits before the loop below listens are lost, and the session then waits for them
    // with nothing left to run, so Node exits with 13 (it did when the tenant lookup was slow).
    const interactive = process.stdin.isTTY === true;
    const input = createInterface({ input: process.stdin, output: interactive ? process.stdout : undefined });
    try {
      await chatSession(runtime.turns, { caller: cliCaller(tenantId) }, input, process.stdout, {
        bot: options.bot,
        prompt: interactive,
      });
    } finally {
      input.close();
    }
  } finally {
    await runtime.close();
  }
}

/** One conversation: each non-empty line is a turn; the answer streams out, then its citations. */
export async function chatSession(
  turns: Pick<TurnRunner, 'start'>,
  context: TurnContext,
  lines: AsyncIterable<string> | Iterable<string>,
  out: { write(text: string): unknown },
  options: { bot?: string; prompt?: boolean } = {},
): Promise<void> {
  const prompt = () => {
    if (options.prompt) out.write('> ');
  };
  if (options.prompt) out.write('Ask about your documents (Ctrl-D to quit).\n');
  prompt();
  let conversationId: string | undefined;
  for await (const line of lines) {
    const message = line.trim();
    if (!message) {
      prompt();
      continue;
    }
    const turn = await turns.start(
      { tenantId: context.caller.tenantId, botId: options.bot, message, conversationId },
      context,
    );
    conversationId = turn.conversationId;
    for await (const event of turn.events()) {
      if (event.type === 'token') out.write(event.text);
      else if (event.type === 'error') {
        out.write(`\n[the answer broke off: ${(event.error as Error).message}]\n`);
      } else if (event.type === 'citations') {
        out.write('\n');
        event.citations.forEach((citation, index) => {
          out.write(`  [${index + 1}] ${citation.title}${citation.source ? ` (${citation.source})` : ''}\n`);
        });
      }
    }
    prompt();
  }
}
