import { describe, expect, it } from 'vitest';
import { cleanHeading, parseMarkdown } from './parse-markdown.js';

const paths = (markdown: string) => parseMarkdown(markdown).sections.map((s) => s.headingPath);

describe('parseMarkdown', () => {
  it('tracks the heading path through nested ATX headings', () => {
    const { sections } = parseMarkdown(
      ['# Routes', 'Intro.', '## Options', 'Opts.', '### url', 'The URL.', '## Shorthand', 'Short.'].join(
        '\n',
      ),
    );
    expect(sections).toEqual([
      { headingPath: ['Routes'], text: 'Intro.' },
      { headingPath: ['Routes', 'Options'], text: 'Opts.' },
      { headingPath: ['Routes', 'Options', 'url'], text: 'The URL.' },
      { headingPath: ['Routes', 'Shorthand'], text: 'Short.' },
    ]);
  });

  it('keeps text before the first heading under an empty path', () => {
    expect(parseMarkdown('Preface.\n\n# One\nBody.').sections[0]).toEqual({
      headingPath: [],
      text: 'Preface.',
    });
  });

  it('handles skipped heading levels and closing hashes', () => {
    expect(paths('# A\na\n### C ###\nc\n## B ##\nb')).toEqual([['A'], ['A', 'C'], ['A', 'B']]);
  });

  it('recognises setext headings', () => {
    expect(paths('Guide\n=====\n\nIntro.\n\nSetup\n-----\nSteps.')).toEqual([['Guide'], ['Guide', 'Setup']]);
  });

  it('treats --- after a blank line as a thematic break, not a heading', () => {
    const { sections } = parseMarkdown('# A\n\nFirst part.\n\n---\n\nSecond part.');
    expect(sections).toEqual([{ headingPath: ['A'], text: 'First part.\n\n---\n\nSecond part.' }]);
  });

  it('does not turn a list followed by --- into a heading', () => {
    expect(paths('# A\n\n- item\n---\nafter')).toEqual([['A']]);
  });

  it('requires a space after the hashes', () => {
    expect(paths('# A\n#hashtag is text\n####### too deep')).toEqual([['A']]);
  });

  it('never reads a line inside a backtick fence as a heading', () => {
    const markdown = '# Shell\n\n```sh\n# install it\nnpm i fastify\n\n# run it\nnode app.js\n```\n\nDone.';
    const { sections } = parseMarkdown(markdown);
    expect(sections).toHaveLength(1);
    expect(sections[0]?.text).toBe(
      '```sh\n# install it\nnpm i fastify\n\n# run it\nnode app.js\n```\n\nDone.',
    );
  });

  it('never reads a line inside a tilde fence or a longer fence as a heading', () => {
    expect(paths('# A\n~~~\n# not\n~~~\n## B\nb')).toEqual([['A'], ['A', 'B']]);
    expect(paths('# A\n````md\n```\n# not\n```\n````\n## B\nb')).toEqual([['A'], ['A', 'B']]);
  });

  it('keeps an unclosed fence as code to the end', () => {
    expect(paths('# A\n```\n# not a heading\n## nor this')).toEqual([['A']]);
  });

  it('recognises fences indented inside list items', () => {
    expect(paths('# A\n- step:\n    ```sh\n    # comment\n    ```\n## B\nb')).toEqual([['A'], ['A', 'B']]);
  });

  it('strips YAML front matter and reads its title', () => {
    const doc = parseMarkdown('---\ntitle: "Getting Started"\nsidebar: 2\n---\n# Install\nSteps.');
    expect(doc.frontMatterTitle).toBe('Getting Started');
    expect(doc.sections).toEqual([{ headingPath: ['Install'], text: 'Steps.' }]);
  });

  it('strips front matter without a title', () => {
    const doc = parseMarkdown('---\nlayout: page\n---\nBody.');
    expect(doc.frontMatterTitle).toBeUndefined();
    expect(doc.sections).toEqual([{ headingPath: [], text: 'Body.' }]);
  });

  it('does not mistake a leading thematic break for front matter', () => {
    const doc = parseMarkdown('---\n\nJust prose here.\n\n---\nMore.');
    expect(doc.frontMatterTitle).toBeUndefined();
    expect(doc.sections).toEqual([{ headingPath: [], text: '---\n\nJust prose here.\n\n---\nMore.' }]);
  });

  it('reports the first level-1 heading', () => {
    expect(parseMarkdown('## Sub\ntext\n# Main Title\nbody\n# Second').firstHeading).toBe('Main Title');
    expect(parseMarkdown('## Only a sub\ntext').firstHeading).toBeUndefined();
  });

  it('skips headings that have no text of their own', () => {
    expect(paths('# A\n## B\n### C\nonly here')).toEqual([['A', 'B', 'C']]);
  });

  it('drops HTML comments, including multi-line ones, but not inside code', () => {
    const { sections } = parseMarkdown(
      '# A\n<!-- lint off -->\nkeep\n<!--\n# hidden\n-->\n```html\n<!-- code -->\n```',
    );
    expect(sections).toEqual([{ headingPath: ['A'], text: 'keep\n```html\n<!-- code -->\n```' }]);
  });

  it('drops empty anchor lines', () => {
    expect(parseMarkdown('## Options\n<a id="options"></a>\n\nText.').sections[0]?.text).toBe('Text.');
  });
});

describe('cleanHeading', () => {
  it('reduces links, code, emphasis, HTML and escapes to plain words', () => {
    expect(cleanHeading('[MySQL](https://github.com/fastify/fastify-mysql)')).toBe('MySQL');
    expect(cleanHeading('`reply.send(data)` **method**')).toBe('reply.send(data) method');
    expect(cleanHeading('Hooks <a id="hooks"></a>')).toBe('Hooks');
    expect(cleanHeading('on\\_request \\#1')).toBe('on_request #1');
  });
});
