import { describe, expect, it } from 'vitest';
import { htmlDepth, MAX_HTML_DEPTH } from './html-depth.js';

describe('htmlDepth', () => {
  it('counts the elements that must be closed, nested', () => {
    expect(htmlDepth('<div><section><span>text</span></section></div>')).toBe(3);
    expect(htmlDepth('<div></div><div><div></div></div>')).toBe(2);
  });

  it('does not count void, self-closing or implicitly closed elements, comments or doctypes', () => {
    const page =
      '<!DOCTYPE html><html><head><meta charset="utf-8"><title>T</title></head><body>' +
      '<!-- a comment --><p>one<p>two<br><img src="x.png"><ul><li>a<li>b</ul><svg><path d="M0"/></svg></body></html>';
    expect(htmlDepth(page)).toBe(1);
  });

  it('stops counting once past the limit', () => {
    const deep = `${'<div>'.repeat(100_000)}x${'</div>'.repeat(100_000)}`;
    expect(htmlDepth(deep)).toBe(MAX_HTML_DEPTH + 1);
    expect(htmlDepth(deep, 10)).toBe(11);
  });

  it('reads tags that never close their angle bracket without rescanning', () => {
    expect(htmlDepth('<a'.repeat(50_000))).toBe(0);
    expect(htmlDepth(`${'<a'.repeat(10)}>`)).toBe(10);
  });
});
