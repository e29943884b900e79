import { describe, expect, it } from 'vitest';
import { linkDensity, withoutLinkBlocks } from './link-density.js';

describe('linkDensity', () => {
  it('is 1 for a list of links and 0 for prose without links', () => {
    expect(linkDensity('- [Modules](modules.html)\n- [Packages](packages.html#x "Packages")')).toBe(1);
    expect(linkDensity('Modules are files of definitions.')).toBe(0);
  });

  it('counts the letters and digits of link text against all visible text, never the destination', () => {
    // "See the os module.": 2 of its 14 letters inside the link.
    expect(linkDensity('See the [os](https://docs.python.org/3/library/os.html "os") module.')).toBeCloseTo(
      2 / 14,
    );
  });

  it('reads link text holding brackets, destinations holding parentheses, and reference links', () => {
    expect(linkDensity('[git-add[1]](git-add.html)')).toBe(1);
    expect(linkDensity('[f](https://en.wikipedia.org/wiki/F_(letter))')).toBe(1);
    expect(linkDensity('[Routes][routes] and more')).toBeCloseTo(6 / 13);
  });

  it('counts an image alt text as text, not as a link', () => {
    expect(linkDensity('![diagram of the pipeline](pipeline.png)')).toBe(0);
  });

  it('is 0 for a text without letters or digits', () => {
    expect(linkDensity('')).toBe(0);
    expect(linkDensity('---')).toBe(0);
  });
});

describe('withoutLinkBlocks', () => {
  const list = '- [Modules](modules.html)\n- [Packages](packages.html)\n- [Classes](classes.html)';

  it('leaves out the blocks of at least three links above the density and keeps the rest', () => {
    expect(withoutLinkBlocks(`# Contents\n\n${list}\n\nA module is a file.`, 0.5)).toBe(
      '# Contents\n\nA module is a file.',
    );
  });

  it('keeps a line citing a page or two, however short: it is prose', () => {
    const text = 'See also [os.path](os.path.html).\n\n[Availability](intro.html#availability): Unix.';
    expect(withoutLinkBlocks(text, 0.5)).toBe(text);
    expect(withoutLinkBlocks(text, 0.5, 1)).toBe('See also [os.path](os.path.html).');
  });

  it('keeps fenced code whatever it holds, blank lines included', () => {
    const text = `\`\`\`py\nf[0](x)\n\n${list}\n\`\`\`\n\n${list}`;
    expect(withoutLinkBlocks(text, 0.5)).toBe(`\`\`\`py\nf[0](x)\n\n${list}\n\`\`\``);
  });

  it('returns the text as it was when no block goes, and everything at 1', () => {
    const text = 'Prose with a [link](x.html) in it.\n\n\n\nMore prose.';
    expect(withoutLinkBlocks(text, 0.5)).toBe(text);
    expect(withoutLinkBlocks(list, 1)).toBe(list);
  });

  it('returns an empty text when every block is links', () => {
    expect(withoutLinkBlocks(`${list}\n\n${list}`, 0.9)).toBe('');
  });
});
