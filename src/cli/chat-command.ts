// `parley chat`: a terminal conversation through the same turn pipeline as the HTTP API, with
// citations after each answer. Reads lines from stdin (interactive or piped).
import { createInterface } from 'node:readline';
import { createRuntime, DEFAULT_TENANT, ensureTenant } from '../server/index.js';
import { commandContext } from './command-context.js';

export async function chatCommand(options: { tenant: string; bot?: string }): Promise<void> {
  const { config, log } = commandContext();
  const runtime = await createRuntime(config, log);
  const tenantId = await ensureTenant(runtime.db, options.tenant ?? DEFAULT_TENANT);
  const interactive = process.stdin.isTTY === true;
  const input = createInterface({ input: process.stdin, output: interactive ? process.stdout : undefined });
  let conversationId: string | undefined;
  if (interactive) process.stdout.write('Ask about your documents (Ctrl-D to quit).\n> ');
  try {
    for await (const line of input) {
      const message = line.trim();
      if (!message) {
        if (interactive) process.stdout.write('> ');
        continue;
      }
      const turn = await runtime.chat.begin({
        tenantId,
        botId: options.bot,
        message,
        conversationId,
      });
      conversationId = turn.conversationId;
      try {
        for await (const piece of turn.tokens()) process.stdout.write(piece);
      } catch (error) {
        process.stdout.write(`\n[the answer broke off: ${(error as Error).message}]`);
      }
      const result = turn.finish();
      process.stdout.write('\n');
      result.citations.forEach((citation, index) => {
        process.stdout.write(
          `  [${index + 1}] ${citation.title}${citation.source ? ` (${citation.source})` : ''}\n`,
        );
      });
      if (interactive) process.stdout.write('> ');
    }
  } finally {
    input.close();
    await runtime.close();
  }
}
