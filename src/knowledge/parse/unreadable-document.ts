// Builds the one error every parser raises for input it cannot read, so messages stay uniform:
// they name the file and the reason, and the job that hits one fails at once instead of retrying.

import { ParleyError } from '../../errors/index.js';

export function unreadableDocument(name: string, reason: string, cause?: unknown): ParleyError {
  return new ParleyError('PARLEY_ERR_UNREADABLE_DOCUMENT', `Cannot read "${name}": ${reason}`, { cause });
}
