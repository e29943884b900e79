// Under a finished answer: Copy (the answer's Markdown, to the clipboard) and, on the latest
// answer, Regenerate (its turn deleted on the server, then its question asked again: the new answer
// replaces the old one, on screen and in the conversation's history).
import { useEffect, useState } from 'preact/hooks';

/** Copies text: the Clipboard API where the page is a secure context, else a selected textarea. */
async function copyText(text: string): Promise<void> {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.append(area);
  area.select();
  const copied = document.execCommand('copy');
  area.remove();
  if (!copied) throw new Error('the browser refused to copy');
}

/** How long "Copied" shows. */
const COPIED_MS = 2_000;

export function AnswerActions(props: {
  text: string;
  onRegenerate?: (() => void) | undefined;
  busy: boolean;
}) {
  const [copied, setCopied] = useState<'yes' | 'failed'>();
  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(undefined), COPIED_MS);
    return () => clearTimeout(timer);
  }, [copied]);
  return (
    <div class="answer-actions">
      <button
        type="button"
        class="ghost copy"
        onClick={() =>
          copyText(props.text).then(
            () => setCopied('yes'),
            () => setCopied('failed'),
          )
        }
      >
        {copied === 'yes' ? 'Copied' : 'Copy'}
      </button>
      {props.onRegenerate && (
        <button type="button" class="ghost regenerate" disabled={props.busy} onClick={props.onRegenerate}>
          Regenerate
        </button>
      )}
      {copied && (
        <span class="visually-hidden" role="status">
          {copied === 'yes' ? 'The answer was copied.' : 'The answer could not be copied.'}
        </span>
      )}
    </div>
  );
}
