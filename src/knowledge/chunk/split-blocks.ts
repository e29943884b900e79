// Splits a section's text into blocks: paragraphs (separated by blank lines) and whole fenced
// code blocks, whose blank lines do not end them.

import { type CodeFence, closesFence, openFence } from './code-fence.js';

export interface Block {
  text: string;
  code: boolean;
}

export function splitBlocks(text: string): Block[] {
  const blocks: Block[] = [];
  let lines: string[] = [];
  let fence: CodeFence | undefined;
  const flush = (code: boolean) => {
    const block = lines.join('\n').trim();
    if (block !== '') blocks.push({ text: block, code });
    lines = [];
  };
  for (const line of text.split('\n')) {
    if (fence !== undefined) {
      lines.push(line);
      if (closesFence(line, fence)) {
        flush(true);
        fence = undefined;
      }
      continue;
    }
    const opened = openFence(line);
    if (opened !== undefined) {
      flush(false);
      fence = opened;
      lines.push(line);
    } else if (line.trim() === '') {
      flush(false);
    } else {
      lines.push(line);
    }
  }
  // An unclosed fence runs to the end of the text, as in CommonMark.
  flush(fence !== undefined);
  return blocks;
}
