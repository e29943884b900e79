import { describe, expect, it } from 'vitest';
import { isParleyError } from '../../errors/index.js';
import { type ParseInput, parseDocument } from './parse-document.js';

const utf8 = (text: string) => new TextEncoder().encode(text);

async function rejection(input: ParseInput): Promise<{ code: string; message: string; httpStatus: number }> {
  try {
    await parseDocument(input);
  } catch (error) {
    if (isParleyError(error)) return error;
    throw error;
  }
  throw new Error('expected the document to be rejected');
}

describe('parseDocument: markdown', () => {
  it('returns sections with heading paths and the format', async () => {
    const doc = await parseDocument({
      bytes: utf8('# Routes\nIntro.\n## Options\nOpts.'),
      format: 'markdown',
    });
    expect(doc).toEqual({
      title: 'Routes',
      format: 'markdown',
      sections: [
        { headingPath: ['Routes'], text: 'Intro.' },
        { headingPath: ['Routes', 'Options'], text: 'Opts.' },
      ],
    });
  });

  it('takes the title from the caller first, then front matter, then the first H1, then the filename', async () => {
    const bytes = utf8('---\ntitle: From Front Matter\n---\n# From Heading\ntext');
    expect((await parseDocument({ bytes, format: 'markdown', title: ' Given ' })).title).toBe('Given');
    expect((await parseDocument({ bytes, format: 'markdown' })).title).toBe('From Front Matter');
    const noFrontMatter = utf8('## Sub\ntext\n# From Heading\nmore');
    expect((await parseDocument({ bytes: noFrontMatter, format: 'markdown' })).title).toBe('From Heading');
    const noH1 = utf8('## Sub\ntext');
    expect(
      (await parseDocument({ bytes: noH1, format: 'markdown', filename: 'docs/Getting-Started.md' })).title,
    ).toBe('Getting-Started');
    expect((await parseDocument({ bytes: noH1, format: 'markdown' })).title).toBe('Untitled');
  });

  it('rejects binary data sent as markdown, naming the file', async () => {
    const blob = Uint8Array.from({ length: 256 }, (_, i) => (i * 97 + 13) % 256);
    const error = await rejection({ bytes: blob, format: 'markdown', filename: 'photo.md' });
    expect(error.code).toBe('PARLEY_ERR_UNREADABLE_DOCUMENT');
    expect(error.httpStatus).toBe(422);
    expect(error.message).toContain('"photo.md"');
    expect(error.message).toMatch(/binary/);
  });

  it('refuses HTML nested deeper than any page, at once, instead of parsing it', async () => {
    const deep = `<html><body>${'<div>'.repeat(5_000)}text${'</div>'.repeat(5_000)}</body></html>`;
    const error = await rejection({ bytes: utf8(deep), format: 'html', filename: 'deep.html' });
    expect(error.code).toBe('PARLEY_ERR_UNREADABLE_DOCUMENT');
    expect(error.message).toContain('"deep.html": its elements are nested more than 512 deep');
  });

  it('rejects an empty file and a document with no text besides headings', async () => {
    expect(
      (await rejection({ bytes: new Uint8Array(), format: 'markdown', filename: 'a.md' })).message,
    ).toMatch(/"a\.md".*empty/);
    expect((await rejection({ bytes: utf8('# Title\n## Sub\n'), format: 'markdown' })).message).toMatch(
      /no text/,
    );
  });
});

describe('parseDocument: plain text', () => {
  it('keeps paragraphs under an empty heading path and titles the document by its filename', async () => {
    const doc = await parseDocument({
      bytes: utf8('First paragraph\nwraps here.\n\n\n\nSecond paragraph.   \n'),
      format: 'text',
      filename: 'notes.txt',
    });
    expect(doc).toEqual({
      title: 'notes',
      format: 'text',
      sections: [{ headingPath: [], text: 'First paragraph\nwraps here.\n\nSecond paragraph.' }],
    });
  });

  it('does not read markdown syntax in plain text as headings', async () => {
    const doc = await parseDocument({ bytes: utf8('# not a heading\nbody'), format: 'text' });
    expect(doc.sections).toEqual([{ headingPath: [], text: '# not a heading\nbody' }]);
  });

  it('rejects a file containing NUL bytes', async () => {
    const error = await rejection({
      bytes: new Uint8Array([0x68, 0x69, 0x00, 0x01]),
      format: 'text',
      filename: 'x.txt',
    });
    expect(error.code).toBe('PARLEY_ERR_UNREADABLE_DOCUMENT');
  });
});

describe('parseDocument: HTML', () => {
  const page = `<!doctype html><html><head><title>Fastify &amp; Routes</title><script>var x = 1;</script></head>
<body><nav><a href="/">Home</a></nav><h1>Routes</h1><p>Declare routes.</p>
<h2>Options</h2><p>The <code>url</code> option.</p><pre><code># not a heading
fastify.route(opts)</code></pre><footer>Copyright</footer></body></html>`;

  it('goes through markdown: heading paths, code kept, chrome dropped', async () => {
    const doc = await parseDocument({ bytes: utf8(page), format: 'html', filename: 'routes.html' });
    expect(doc.sections).toEqual([
      { headingPath: ['Routes'], text: 'Declare routes.' },
      {
        headingPath: ['Routes', 'Options'],
        text: 'The `url` option.\n\n```\n# not a heading\nfastify.route(opts)\n```',
      },
    ]);
    expect(JSON.stringify(doc)).not.toMatch(/Home|Copyright|var x/);
  });

  it('takes the title from <title>, else the first <h1>', async () => {
    expect((await parseDocument({ bytes: utf8(page), format: 'html' })).title).toBe('Fastify & Routes');
    const withoutTitle = utf8('<h2>Intro</h2><p>a</p><h1>Main</h1><p>b</p>');
    expect((await parseDocument({ bytes: withoutTitle, format: 'html' })).title).toBe('Main');
  });

  it('rejects a page with no text', async () => {
    const error = await rejection({
      bytes: utf8('<html><head><title>x</title></head><body><script>1</script></body>'),
      format: 'html',
    });
    expect(error.message).toMatch(/no text/);
  });
});
