// Expands the paths given to `parley ingest` / `serve --docs` into supported files, in a stable
// order. Missing paths are errors; unsupported files inside folders are skipped and counted.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { ParleyError } from '../errors/index.js';
import { detectFormat } from '../knowledge/index.js';

export interface CollectedFiles {
  files: string[];
  /** Files inside folders whose type Parley does not read. */
  skipped: string[];
}

async function walk(dir: string, out: CollectedFiles): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await walk(full, out);
    else if (entry.isFile()) (detectFormat(entry.name) ? out.files : out.skipped).push(full);
  }
}

export async function collectFiles(paths: string[]): Promise<CollectedFiles> {
  const out: CollectedFiles = { files: [], skipped: [] };
  for (const given of paths) {
    const full = path.resolve(given);
    const info = await stat(full).catch(() => undefined);
    if (!info) throw new ParleyError('PARLEY_ERR_VALIDATION', `${given}: no such file or directory`);
    if (info.isDirectory()) await walk(full, out);
    else out.files.push(full);
  }
  return out;
}
