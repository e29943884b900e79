// Thumbs up and down under a finished answer: a click rates the answer (POST
// /v1/turns/{turn_id}/feedback; a second click on the other replaces the rating), and the chosen
// button shows pressed. A `down` for a bot that hands over to people says one can be asked for.
import { useState } from 'preact/hooks';
import type { ChatClient, FeedbackRating } from './api-client.js';
import { errorText } from './error-text.js';

const LABELS: Record<FeedbackRating, string> = { up: 'Good answer', down: 'Bad answer' };

export function FeedbackButtons(props: { client: ChatClient; turnId: string; rating?: FeedbackRating }) {
  // An answer read back shows the rating it was given.
  const [rating, setRating] = useState<FeedbackRating | undefined>(props.rating);
  const [sending, setSending] = useState(false);
  const [note, setNote] = useState<{ text: string; error: boolean }>();

  const rate = async (next: FeedbackRating) => {
    if (sending || next === rating) return;
    setSending(true);
    setNote(undefined);
    try {
      const rated = await props.client.rate(props.turnId, next);
      setRating(next);
      if (rated.offer_handoff)
        setNote({ text: 'Sorry about that. Ask to talk to a person if you would like one.', error: false });
    } catch (error) {
      setNote({ text: `Your rating was not saved: ${errorText(error)}`, error: true });
    } finally {
      setSending(false);
    }
  };

  return (
    <div class="feedback">
      <div class="feedback-buttons">
        {(['up', 'down'] as const).map((value) => (
          <button
            key={value}
            type="button"
            class={`ghost feedback-${value}`}
            aria-label={LABELS[value]}
            title={LABELS[value]}
            aria-pressed={rating === value}
            disabled={sending}
            onClick={() => void rate(value)}
          >
            <svg viewBox="0 0 24 24" aria-hidden="true">
              <path
                d={
                  value === 'up'
                    ? 'M7 11v9H4v-9zM7 11l4-8c1.5 0 2.5 1 2.2 2.6L12.6 9H19a2 2 0 0 1 2 2.3l-1.2 6.9A2 2 0 0 1 17.8 20H7'
                    : 'M17 13V4h3v9zM17 13l-4 8c-1.5 0-2.5-1-2.2-2.6l.6-3.4H5a2 2 0 0 1-2-2.3l1.2-6.9A2 2 0 0 1 6.2 4H17'
                }
              />
            </svg>
          </button>
        ))}
      </div>
      {note && (
        <p class={note.error ? 'error' : 'status-note'} role={note.error ? 'alert' : 'status'}>
          {note.text}
        </p>
      )}
    </div>
  );
}
