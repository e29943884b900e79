// Counts tokens with a real BPE tokenizer (o200k, the GPT-4o/GPT-5 encoding) so chunk sizes match
// what models and embedders actually see.

import { countTokens as countO200k } from 'gpt-tokenizer/encoding/o200k_base';

// Documents may contain strings such as `<|endoftext|>`; they are plain text here, not special tokens.
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

export function countTokens(text: string): number {
  return text === '' ? 0 : countO200k(text, PLAIN_TEXT);
}
