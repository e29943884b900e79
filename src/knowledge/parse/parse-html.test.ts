import { describe, expect, it } from 'vitest';
import { linkDensity, withoutLinkBlocks } from './link-density.js';
import { htmlTitle, htmlToMarkdown } from './parse-html.js';

describe('htmlToMarkdown', () => {
  it('converts headings, paragraphs and code to markdown', () => {
    const markdown = htmlToMarkdown(
      '<h1>Guide</h1><p>Intro <em>text</em>.</p><h2>Code</h2><pre><code class="language-js">const a = 1;\n\nconst b = 2;</code></pre>',
    );
    expect(markdown).toBe('# Guide\n\nIntro _text_.\n\n## Code\n\n```js\nconst a = 1;\n\nconst b = 2;\n```');
  });

  it('drops scripts, styles, navigation, footers and the head', () => {
    const markdown = htmlToMarkdown(
      '<html><head><title>T</title><style>p { color: red }</style></head><body><nav>Menu</nav>' +
        '<p>Content</p><script>alert(1)</script><footer>© 2024</footer></body></html>',
    );
    expect(markdown).toBe('Content');
  });

  it('keeps identifiers readable instead of escaping every markdown character', () => {
    expect(htmlToMarkdown('<p>Use on_request and 2 * 3</p>')).toBe('Use on_request and 2 * 3');
  });

  it('escapes text that would read as a heading or a fence', () => {
    expect(htmlToMarkdown('<p># not a heading</p>')).toBe('\\# not a heading');
    expect(htmlToMarkdown('<p>```</p>')).toBe('\\```');
  });

  it('drops chrome marked by landmark roles, as Sphinx marks its link bars, sidebars and search box', () => {
    const markdown = htmlToMarkdown(
      '<div class="related" role="navigation"><h3>Navigation</h3><ul><li><a href="index.html">index</a></li></ul></div>' +
        '<div role="main"><p>Body</p></div><ul role="navigation"><li>Next</li></ul>' +
        '<div role="search"><form><input name="q"></form></div><div role="contentinfo">© 2024</div>',
    );
    expect(markdown).toBe('Body');
  });

  it('drops heading permalinks but keeps other in-page links', () => {
    const markdown = htmlToMarkdown(
      '<h2>Modules<a class="headerlink" href="#modules" title="Permalink">¶</a></h2><p>See <a href="#packages">packages</a>.</p>',
    );
    expect(markdown).toBe('## Modules\n\nSee [packages](#packages).');
  });

  it('fences <pre> blocks without <code>, as Sphinx and AsciiDoc write them, keeping the code verbatim', () => {
    const markdown = htmlToMarkdown(
      '<p>Example:</p><div class="highlight"><pre><span></span><span class="c1"># a comment</span>\n' +
        '<span class="n">a</span> <span class="o">=</span> <span class="s2">`x`</span>\n    <span class="k">pass</span>\n</pre></div>',
    );
    expect(markdown).toBe('Example:\n\n```\n# a comment\na = `x`\n    pass\n```');
  });

  it('fences a <pre> whose code contains a fence with a longer fence', () => {
    expect(htmlToMarkdown('<pre>```\nnot the end\n```</pre>')).toBe('````\n```\nnot the end\n```\n````');
  });

  it('drops inline data images but keeps their alt text', () => {
    expect(htmlToMarkdown('<p>A <img src="data:image/png;base64,AAAA" alt="chart"> B</p>')).toBe('A chart B');
  });
});

describe('link density of converted HTML', () => {
  // A Sphinx table of contents (Python's contents.html): nested lists of links to other pages.
  const tableOfContents =
    '<div class="toctree-wrapper compound"><ul><li class="toctree-l1"><a class="reference internal" href="tutorial/modules.html">6. Modules</a>' +
    '<ul><li class="toctree-l2"><a class="reference internal" href="tutorial/modules.html#more-on-modules">6.1. More on Modules</a></li>' +
    '<li class="toctree-l2"><a class="reference internal" href="tutorial/modules.html#packages">6.4. <code class="docutils literal notranslate"><span class="pre">Packages</span></code></a></li></ul></li></ul></div>';
  const prose =
    '<p>A module is a file containing Python definitions and statements. See <a class="reference internal" href="#packages">Packages</a>.</p>';

  it('measures the share of the text inside <a> elements: all of a table of contents, little of prose', () => {
    expect(linkDensity(htmlToMarkdown(tableOfContents))).toBe(1);
    expect(linkDensity(htmlToMarkdown(prose))).toBeLessThan(0.15);
  });

  it('leaves a page the prose of its sections without their link lists', () => {
    const markdown = htmlToMarkdown(`<h1>Modules</h1>${tableOfContents}${prose}`);
    expect(withoutLinkBlocks(markdown, 0.5)).toBe(
      '# Modules\n\nA module is a file containing Python definitions and statements. See [Packages](#packages).',
    );
  });
});

describe('htmlTitle', () => {
  it('reads and decodes the <title>', () => {
    expect(htmlTitle('<head><title> Tom &amp; Jerry\n</title></head>')).toBe('Tom & Jerry');
  });

  it('returns undefined without a non-empty title', () => {
    expect(htmlTitle('<p>no title</p>')).toBeUndefined();
    expect(htmlTitle('<title>  </title>')).toBeUndefined();
  });
});
