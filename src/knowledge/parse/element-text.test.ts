import { describe, expect, it } from 'vitest';
import { elementText } from './element-text.js';

describe('elementText', () => {
  it("returns the first element's text, its tag in any case and with attributes", () => {
    expect(elementText('<head><TITLE lang="en">The guide</title></head>', 'title')).toBe('The guide');
    expect(elementText('<cp:coreProperties><dc:title>Report</dc:title>', 'dc:title')).toBe('Report');
  });

  it('finds nothing for a missing, unclosed or look-alike element', () => {
    expect(elementText('<p>no title</p>', 'title')).toBeUndefined();
    expect(elementText('<title>never closed', 'title')).toBeUndefined();
    expect(elementText('<titles>x</titles>', 'title')).toBeUndefined();
  });

  it('answers for many unclosed openings with one pass, and bounds what it returns', () => {
    expect(elementText('<dc:title>'.repeat(40_000), 'dc:title')).toBeUndefined();
    expect(elementText(`<title>${'x'.repeat(10_000)}</title>`, 'title')).toHaveLength(2_000);
  });
});
