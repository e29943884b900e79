// An answer's text, as sanitised Markdown with highlighted code (render-markdown.ts), its `[n]`
// markers turned into links that open the cited passage.
import { useEffect, useLayoutEffect, useMemo, useRef } from 'preact/hooks';
import type { AnswerMode, Citation } from './api-client.js';
import { renderAnswerHtml } from './render-markdown.js';

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
  const { text, citations, mode } = props;
  const html = useMemo(() => {
    const indexOf = citationIndexer(text, mode, citations.length);
    return renderAnswerHtml(text, (marker) => {
      const index = indexOf(marker);
      return index === undefined ? undefined : { index, title: citations[index]!.title };
    });
  }, [text, citations, mode]);
  const element = useRef<HTMLDivElement>(null);
  // Sanitised by renderAnswerHtml (DOMPurify, a fixed list of tags and attributes).
  useLayoutEffect(() => {
    if (element.current) element.current.innerHTML = html;
  }, [html]);
  // The markers' clicks, delegated (keyboard users activate the links themselves).
  const onCite = useRef(props.onCite);
  onCite.current = props.onCite;
  useEffect(() => {
    const root = element.current;
    if (!root) return;
    const click = (event: MouseEvent) => {
      const link = (event.target as Element | null)?.closest?.('a.cite-marker');
      if (!link) return;
      event.preventDefault();
      onCite.current(Number(link.getAttribute('data-cite')));
    };
    root.addEventListener('click', click);
    return () => root.removeEventListener('click', click);
  }, []);
  return <div class="answer-text" ref={element} />;
}
