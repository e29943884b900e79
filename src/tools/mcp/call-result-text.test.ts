import { describe, expect, it } from 'vitest';
import { callResultText } from './call-result-text.js';

describe('callResultText', () => {
  it('joins text parts with a newline', () => {
    const result = {
      content: [
        { type: 'text' as const, text: 'one' },
        { type: 'text' as const, text: 'two' },
      ],
    };
    expect(callResultText(result)).toEqual({ text: 'one\ntwo', isError: false });
  });

  it('names images, audio and linked resources instead of passing their data', () => {
    const result = {
      content: [
        { type: 'image' as const, data: 'AAAA', mimeType: 'image/png' },
        { type: 'audio' as const, data: 'AAAA', mimeType: 'audio/wav' },
        { type: 'resource_link' as const, uri: 'file:///a.txt', name: 'a' },
        { type: 'resource' as const, resource: { uri: 'file:///b.bin', blob: 'AAAA' } },
      ],
    };
    expect(callResultText(result).text).toBe(
      '[image image/png]\n[audio audio/wav]\n[resource file:///a.txt]\n[resource file:///b.bin]',
    );
  });

  it('gives an embedded text resource its text', () => {
    const result = {
      content: [{ type: 'resource' as const, resource: { uri: 'file:///a.txt', text: 'hello' } }],
    };
    expect(callResultText(result).text).toBe('hello');
  });

  it('falls back to the structured content when there is no content', () => {
    expect(callResultText({ content: [], structuredContent: { temperature: 21 } }).text).toBe(
      '{"temperature":21}',
    );
  });

  it('carries the error flag', () => {
    expect(callResultText({ content: [{ type: 'text', text: 'no' }], isError: true })).toEqual({
      text: 'no',
      isError: true,
    });
  });
});
