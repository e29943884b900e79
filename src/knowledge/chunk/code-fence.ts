// Recognises fenced code block lines (``` or ~~~), so code is never split where a blank line or
// a `#` comment inside it would otherwise look like a paragraph or heading boundary.

export interface CodeFence {
  char: string;
  length: number;
}

// Accepted at any indentation so code inside list items is recognised too.
const FENCE_OPEN = /^\s*(`{3,}|~{3,})(.*)$/;

/** The fence this line opens, if it opens one. */
export function openFence(line: string): CodeFence | undefined {
  const match = FENCE_OPEN.exec(line);
  const marker = match?.[1];
  if (marker === undefined) return undefined;
  const char = marker.charAt(0);
  // A backtick "fence" whose info string holds a backtick is inline code, not a fence.
  if (char === '`' && match?.[2]?.includes('`')) return undefined;
  return { char, length: marker.length };
}

export function closesFence(line: string, fence: CodeFence): boolean {
  const trimmed = line.trim();
  return trimmed.length >= fence.length && trimmed === fence.char.repeat(trimmed.length);
}
