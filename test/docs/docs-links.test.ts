// The documentation against the code: README.md and docs/*.md must not point at files or headings
// that do not exist, show `npm run` scripts package.json lacks, or name settings and error codes
// the code does not have; and docs/configuration.md must list every setting of the schema with the
// default the schema gives.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { settingsSchema } from '../../src/config/index.js';
import { ERROR_CODES } from '../../src/errors/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

const DOCS = [
  'README.md',
  ...readdirSync(path.join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
];

/**
 * The Markdown with fenced code blocks blanked out, and inline code too unless `keepInlineText`
 * (then only its backticks go, as in a heading's anchor).
 */
function prose(markdown: string, keepInlineText = false): string {
  let inFence = false;
  return markdown
    .split('\n')
    .map((line) => {
      if (/^\s*(```|~~~)/.test(line)) {
        inFence = !inFence;
        return '';
      }
      return inFence ? '' : line.replace(/`([^`\n]*)`/g, keepInlineText ? '$1' : '');
    })
    .join('\n');
}

/** Relative link and image targets (`[text](target)`, `![alt](target)`); URLs with a scheme are left out. */
function relativeLinks(markdown: string): string[] {
  const targets = [...prose(markdown).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((match) => match[1]!);
  return targets.filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

/** GitHub's anchors for a document's headings: lower case, punctuation dropped, spaces to hyphens. */
function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of prose(markdown, true).split('\n')) {
    const heading = /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const base = heading[1]!
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

describe('links in README.md and docs/', () => {
  it.each(DOCS)('every relative link in %s reaches an existing file and heading', (doc) => {
    const broken: string[] = [];
    for (const target of relativeLinks(read(doc))) {
      const [file = '', anchor] = target.split('#');
      const resolved =
        file === '' ? doc : path.posix.normalize(path.posix.join(path.posix.dirname(doc), file));
      if (resolved.startsWith('..') || !existsSync(path.join(ROOT, resolved))) {
        broken.push(`${target}: no file ${resolved}`);
        continue;
      }
      if (anchor !== undefined && resolved.endsWith('.md') && !headingAnchors(read(resolved)).has(anchor)) {
        broken.push(`${target}: no heading #${anchor} in ${resolved}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('finds the links it checks (a parser that finds none would pass anything)', () => {
    expect(relativeLinks(read('README.md'))).toContain('docs/configuration.md');
    expect(headingAnchors(read('docs/architecture.md'))).toContain(
      'hand-written-where-a-library-exists-and-why',
    );
  });
});

describe('commands shown in README.md and docs/', () => {
  const scripts = z
    .object({ scripts: z.record(z.string(), z.string()) })
    .parse(JSON.parse(read('package.json'))).scripts;

  it.each(DOCS)('every npm script shown in %s exists in package.json', (doc) => {
    const text = read(doc);
    const shown = [
      ...[...text.matchAll(/\bnpm run ([\w:.-]+)/g)].map((match) => match[1]!),
      ...[...text.matchAll(/\bnpm (start|test)\b/g)].map((match) => match[1]!),
    ];
    expect(shown.filter((name) => !(name in scripts))).toEqual([]);
  });

  it.each(DOCS)('every error code named in %s exists', (doc) => {
    const named = [...read(doc).matchAll(/\bPARLEY_ERR_[A-Z][A-Z_]*[A-Z]\b/g)].map((match) => match[0]);
    expect(named.filter((code) => !(code in ERROR_CODES))).toEqual([]);
  });
});

describe('docs/configuration.md against src/config', () => {
  const configuration = read('docs/configuration.md');
  const schemaText = read('src/config/settings.ts') + read('src/config/load-config.ts');
  const settings = Object.keys(settingsSchema.shape);
  const defaults: Record<string, unknown> = settingsSchema.parse({});

  /** Table rows whose first cell is one setting name: name -> default cell. */
  const documented = new Map<string, string>();
  for (const line of configuration.split('\n')) {
    const row = /^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|([^|]*)\|/.exec(line);
    if (row) documented.set(row[1]!, row[2]!.trim());
  }

  it('names no PARLEY_ variable that the configuration module does not read', () => {
    const known = new Set([
      ...settings,
      ...[...schemaText.matchAll(/\benv\.([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]!),
    ]);
    const named = [...configuration.matchAll(/\bPARLEY_[A-Z0-9_]*/g)]
      .map((match) => match[0])
      .filter((name) => !name.startsWith('PARLEY_ERR_'));
    expect(named.length).toBeGreaterThan(40);
    expect([...new Set(named)].filter((name) => !known.has(name))).toEqual([]);
  });

  it('documents every setting of the schema, and no setting it lacks', () => {
    expect(settings.filter((name) => !documented.has(name))).toEqual([]);
    expect([...documented.keys()].filter((name) => !settings.includes(name))).toEqual([]);
  });

  it('shows the default the schema gives for every setting', () => {
    const wrong: string[] = [];
    for (const [name, cell] of documented) {
      const value = defaults[name];
      const shown = /^`([^`]*)`/.exec(cell)?.[1];
      const expected = value === undefined ? undefined : String(value);
      if (expected === undefined ? cell !== '—' : shown !== expected) {
        wrong.push(`${name}: documented ${cell}, schema default ${expected ?? 'unset (—)'}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
