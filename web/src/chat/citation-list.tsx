// The sources of an answer: each one expandable to the cited passage and where it comes from.
import type { Citation } from './api-client.js';

function SourceLink({ source }: { source: string | null }) {
  if (!source) return null;
  if (/^https?:\/\//i.test(source)) {
    return (
      <a class="cite-source" href={source} target="_blank" rel="noopener noreferrer">
        {source}
      </a>
    );
  }
  return <span class="cite-source">{source}</span>;
}

export function CitationList(props: {
  citations: Citation[];
  open: Set<number>;
  idPrefix: string;
  onToggle(index: number, open: boolean): void;
}) {
  if (props.citations.length === 0) return null;
  return (
    <ol class="citations" aria-label="Sources">
      {props.citations.map((citation, index) => (
        <li key={`${citation.document_id}-${index}`}>
          <details
            id={`${props.idPrefix}-cite-${index}`}
            open={props.open.has(index)}
            onToggle={(event) => props.onToggle(index, (event.currentTarget as HTMLDetailsElement).open)}
          >
            <summary>
              <span class="cite-number">{index + 1}</span> {citation.title}
            </summary>
            <blockquote class="cite-snippet">{citation.snippet}</blockquote>
            <SourceLink source={citation.source} />
          </details>
        </li>
      ))}
    </ol>
  );
}
