// An answer's text with its `[n]` markers turned into links that open the cited passage.
import type { AnswerMode, Citation } from './api-client.js';

/**
 * Which citation a marker names. Extractive answers number their citations 1..n; a model's answer
 * numbers passages, and the server lists the cited documents in the order the answer first
 * mentions them, so the k-th distinct number is the k-th citation.
 */
export function citationIndexer(text: string, mode: AnswerMode | undefined, count: number) {
  const order = new Map<string, number>();
  for (const match of text.matchAll(/\[(\d{1,3})\]/g)) {
    if (!order.has(match[1]!)) order.set(match[1]!, order.size);
  }
  return (marker: string): number | undefined => {
    const index = mode === 'generated' ? order.get(marker) : Number(marker) - 1;
    return index !== undefined && index >= 0 && index < count ? Math.min(index, count - 1) : undefined;
  };
}

export function AnswerText(props: {
  text: string;
  citations: Citation[];
  mode: AnswerMode | undefined;
  onCite(index: number): void;
}) {
  const indexOf = citationIndexer(props.text, props.mode, props.citations.length);
  const parts = props.text.split(/(\[\d{1,3}\])/);
  return (
    <div class="answer-text">
      {parts.map((part, position) => {
        const marker = /^\[(\d{1,3})\]$/.exec(part);
        const index = marker ? indexOf(marker[1]!) : undefined;
        if (index === undefined) return part;
        const citation = props.citations[index]!;
        return (
          <a
            key={position}
            class="cite-marker"
            href={`#cite-${index}`}
            title={citation.title}
            aria-label={`source ${index + 1}: ${citation.title}`}
            onClick={(event) => {
              event.preventDefault();
              props.onCite(index);
            }}
          >
            {part}
          </a>
        );
      })}
    </div>
  );
}
