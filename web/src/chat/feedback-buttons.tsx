// Thumbs up and down under a finished answer: a click rates the answer (POST
// /v1/turns/{turn_id}/feedback; a second click on the other replaces the rating), and the chosen
// button shows pressed. A `down` for a bot that hands over to people offers one: a "Talk to a
// person" button asks for one in the conversation, as the user could by writing it.
// After a click, an optional comment box sends the rating again with `comment` (stored by the
// server with personal data redacted).
import { useState } from 'preact/hooks';
import type { ChatClient, FeedbackRating } from './api-client.js';
import { errorText } from './error-text.js';

const LABELS: Record<FeedbackRating, string> = { up: 'Good answer', down: 'Bad answer' };

/** What the "Talk to a person" button sends: a request for a person the handoff intent reads. */
export const ASK_FOR_PERSON = 'I want to talk to a person';

export function FeedbackButtons(props: {
  client: ChatClient;
  turnId: string;
  rating?: FeedbackRating;
  /** Sends a message in the conversation (absent: no person can be offered from here). */
  onAsk?: ((message: string) => void) | undefined;
}) {
  // An answer read back shows the rating it was given.
  const [rating, setRating] = useState<FeedbackRating | undefined>(props.rating);
  const [sending, setSending] = useState(false);
  const [note, setNote] = useState<{ text: string; error: boolean }>();
  /** The bot hands over to people and this answer was rated down: one is offered. */
  const [offerPerson, setOfferPerson] = useState(false);
  /** The comment being written, once the user rated the answer here. */
  const [comment, setComment] = useState<string | undefined>();

  const rate = async (next: FeedbackRating) => {
    if (sending || next === rating) return;
    setSending(true);
    setNote(undefined);
    try {
      const rated = await props.client.rate(props.turnId, next);
      setRating(next);
      setComment((written) => written ?? '');
      setOfferPerson(rated.offer_handoff && props.onAsk !== undefined);
      if (rated.offer_handoff)
        setNote({ text: 'Sorry about that. A person can take over if you would like.', error: false });
    } catch (error) {
      setNote({ text: `Your rating was not saved: ${errorText(error)}`, error: true });
    } finally {
      setSending(false);
    }
  };

  const sendComment = async () => {
    const text = comment?.trim();
    if (sending || !rating || !text) return;
    setSending(true);
    try {
      await props.client.rate(props.turnId, rating, text);
      setComment(undefined);
      setNote({ text: 'Thank you for your comment.', error: false });
    } catch (error) {
      setNote({ text: `Your comment was not saved: ${errorText(error)}`, error: true });
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
      {comment !== undefined && rating && (
        <form
          class="feedback-comment"
          onSubmit={(event) => {
            event.preventDefault();
            void sendComment();
          }}
        >
          <label class="visually-hidden" for={`feedback-${props.turnId}`}>
            {rating === 'down'
              ? 'What was wrong with this answer? (optional)'
              : 'Comment on this answer (optional)'}
          </label>
          <textarea
            id={`feedback-${props.turnId}`}
            rows={1}
            maxLength={2000}
            value={comment}
            placeholder={rating === 'down' ? 'What was wrong? (optional)' : 'Any comment? (optional)'}
            onInput={(event) => setComment(event.currentTarget.value)}
            onKeyDown={(event) => {
              if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
                event.preventDefault();
                void sendComment();
              } else if (event.key === 'Escape') {
                event.preventDefault();
                setComment(undefined);
              }
            }}
          />
          <button type="submit" disabled={sending || comment.trim() === ''}>
            Send comment
          </button>
        </form>
      )}
      {note && (
        <p class={note.error ? 'error' : 'status-note'} role={note.error ? 'alert' : 'status'}>
          {note.text}
        </p>
      )}
      {offerPerson && (
        <button
          type="button"
          class="ghost ask-person"
          onClick={() => {
            setOfferPerson(false);
            props.onAsk?.(ASK_FOR_PERSON);
          }}
        >
          Talk to a person
        </button>
      )}
    </div>
  );
}
