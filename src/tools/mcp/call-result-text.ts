// An MCP tool result as the text a model reads: text parts joined, anything else named in a
// few words (a model cannot see an image sent back as a tool result's text anyway).
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ToolOutput } from '../tool-types.js';

type ContentPart = CallToolResult['content'][number];

function describePart(part: ContentPart): string {
  switch (part.type) {
    case 'text':
      return part.text;
    case 'image':
    case 'audio':
      return `[${part.type} ${part.mimeType}]`;
    case 'resource_link':
      return `[resource ${part.uri}]`;
    case 'resource':
      return 'text' in part.resource && typeof part.resource.text === 'string'
        ? part.resource.text
        : `[resource ${part.resource.uri}]`;
    default:
      return '[unknown content]';
  }
}

/** Parts are joined by a newline; a result with no content but structured data gives its JSON. */
export function callResultText(result: CallToolResult): ToolOutput {
  const parts = result.content.map(describePart);
  if (parts.length === 0 && result.structuredContent !== undefined) {
    parts.push(JSON.stringify(result.structuredContent));
  }
  return { text: parts.join('\n'), isError: result.isError === true };
}
