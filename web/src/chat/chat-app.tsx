// The chat itself, shared by the page and the widget: the message list, the input, streaming
// answers (sanitised Markdown) with their sources, stop (button or Esc), retry, copy, regenerate,
// and the conversation kept across reloads (its id saved, its messages and pending actions read
// back from the server). While a person answers the conversation (handed off), their replies are
// followed as they come and marked as theirs. An answer paused for an action carries Approve /
// Decline; the decision's continued answer streams in as a new answer.
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { AnswerActions } from './answer-actions.js';
import { AnswerText } from './answer-text.js';
import {
  type AgentReply,
  type AnswerMode,
  type ChatClient,
  ChatError,
  HANDOFF_MODES,
  type StreamHandlers,
} from './api-client.js';
import { ApprovalRequest, type DecisionState } from './approval-request.js';
import { type ChatMessage, nextMessageId, restoredMessages } from './chat-message.js';
import { CitationList } from './citation-list.js';
import { errorText } from './error-text.js';
import { FeedbackButtons } from './feedback-buttons.js';
import { KeyForm } from './key-form.js';
import { MemoryView, useMemoryAccess } from './memory-view.js';
import { tokenArrived, tokensCommitted } from './paint-probe.js';
import type { SavedState } from './saved-state.js';

/** Starts one streamed answer (a question, or a decision on an action). */
type StartAnswer = (handlers: StreamHandlers, signal: AbortSignal) => Promise<void>;

interface AnswerOptions {
  question?: string;
  /** The question's own message (taken back into the input when the session expired). */
  questionId?: string;
  /** The server began the answer (its `meta` arrived). */
  onStarted?(): void;
  /** The answer failed before it began; true: drop it (the caller says why elsewhere). */
  onRefused?(error: unknown): boolean;
}

const MODE_NOTES: Partial<Record<AnswerMode, string>> = {
  extractive: 'No language model is configured: this answer is quoted from the documents.',
  degraded: 'Degraded answer: no language model answered just now, so this is quoted from the documents.',
  handed_off: 'Sent to the person answering this conversation.',
};

/** Said when the signed-in user's token was refused (their message goes back into the input). */
const SESSION_EXPIRED = 'Your sign-in has expired. Sign in again to go on: your message is kept.';

/** Who answers: the bot, a person (their replies followed as they come), or the bot again after one. */
type Answerer = 'bot' | 'person' | 'bot-again';
/** How long to wait before following a person's replies again after the stream broke. */
const REWATCH_MS = 3_000;

export interface ChatAppProps {
  client: ChatClient;
  saved: SavedState;
  title: string;
  /** Prefix for element ids (the page and a widget never collide). */
  idPrefix: string;
  /** Given when the chat may ask the user for an API key (the page, not the widget). */
  onKey?(key: string): void;
  /** Focus the input when shown. */
  autoFocus?: boolean;
  /** The conversation shown changed: a first answer began one, or New chat left it (undefined). */
  onConversation?(id: string | undefined): void;
  /** An answer ended (the conversation's list may have changed). */
  onAnswered?(): void;
}

export function ChatApp(props: ChatAppProps) {
  const { client, saved } = props;
  const [messages, setMessages] = useState<ChatMessage[]>([]);
  // A message kept when the session expired survives the sign-in round trip (a reload).
  const [draft, setDraft] = useState(() => saved.get('draft') ?? '');
  const [streaming, setStreaming] = useState(false);
  const [notice, setNotice] = useState<string | undefined>();
  const [openCites, setOpenCites] = useState<Record<string, Set<number>>>({});
  const [needsKey, setNeedsKey] = useState(false);
  const [answerer, setAnswerer] = useState<Answerer>('bot');
  /** An answer that was streaming when the page was left (reloaded): resumed once restored. */
  const [unfinished, setUnfinished] = useState<{ turnId: string; question?: string }>();
  const memoryAllowed = useMemoryAccess(client);
  const [showMemories, setShowMemories] = useState(false);
  const controller = useRef<AbortController | undefined>(undefined);
  const input = useRef<HTMLTextAreaElement>(null);
  const list = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);

  const update = (id: string, change: (message: ChatMessage) => ChatMessage) =>
    setMessages((all) => all.map((message) => (message.id === id ? change(message) : message)));

  useEffect(() => {
    if (props.autoFocus) input.current?.focus();
  }, [props.autoFocus]);

  // The saved conversation, read back after a reload.
  useEffect(() => {
    const id = saved.get('conversation');
    if (!id) return;
    client
      .conversation(id)
      .then((stored) => {
        setMessages(restoredMessages(stored, id));
        if (stored.state === 'handed_off') setAnswerer('person');
        // An answer left mid-stream is not stored yet: it is resumed from the server's stream.
        const turnId = saved.get('turn');
        if (turnId && !stored.messages.some((message) => message.turn_id === turnId)) {
          const question = saved.get('question');
          setUnfinished({ turnId, ...(question ? { question } : {}) });
        } else {
          saved.remove('turn');
        }
      })
      .catch((error: unknown) => {
        if (error instanceof ChatError && (error.kind === 'not_found' || error.kind === 'forbidden')) {
          saved.remove('conversation');
        } else {
          const refused = error instanceof ChatError && error.kind === 'unauthorized';
          if (refused && client.signedIn()) {
            setNotice(SESSION_EXPIRED);
            return;
          }
          setNotice(`Could not load the conversation. ${errorText(error)}`);
          if (refused) setNeedsKey(true);
        }
      });
  }, [client, saved]);

  // While a person answers: their replies as they come, until the conversation is handed back.
  useEffect(() => {
    const id = saved.get('conversation');
    if (answerer !== 'person' || !id) return;
    const abort = new AbortController();
    let again: ReturnType<typeof setTimeout> | undefined;
    const show = (reply: Pick<AgentReply, 'id' | 'text'>) =>
      setMessages((all) =>
        all.some((message) => message.serverId === reply.id)
          ? all
          : [
              ...all,
              {
                id: nextMessageId(),
                serverId: reply.id,
                author: 'agent',
                role: 'assistant',
                text: reply.text,
                citations: [],
                status: 'done',
              },
            ],
      );
    const follow = () => {
      let caughtUp = false;
      client
        .watch(
          id,
          {
            onState: (state) => {
              if (state !== 'handed_off') {
                setAnswerer('bot-again');
                return;
              }
              if (caughtUp) return;
              // Replies posted before the stream opened are read once.
              caughtUp = true;
              client
                .conversation(id)
                .then((stored) => {
                  for (const message of stored.messages)
                    if (message.author === 'agent') show({ id: message.id, text: message.content });
                })
                .catch(() => {});
            },
            onAgentReply: show,
          },
          abort.signal,
        )
        .catch((error: unknown) => error)
        .then((error) => {
          const gone = error instanceof ChatError && ['not_found', 'forbidden'].includes(error.kind);
          if (!abort.signal.aborted && !gone) again = setTimeout(follow, REWATCH_MS);
        });
    };
    follow();
    return () => {
      abort.abort();
      clearTimeout(again);
    };
  }, [answerer, client, saved]);

  // Every render that shows more streamed text lets the paint probe time its frame.
  useLayoutEffect(() => {
    tokensCommitted();
    const element = list.current;
    if (element && pinned.current) element.scrollTop = element.scrollHeight;
  });

  /** Streams one answer into a new message (a question's, or the continuation of a decided action). */
  const streamAnswer = useCallback(
    async (start: StartAnswer, options: AnswerOptions) => {
      const answerId = nextMessageId();
      const abort = new AbortController();
      controller.current = abort;
      setStreaming(true);
      setNotice(undefined);
      setAnswerer((now) => (now === 'bot-again' ? 'bot' : now));
      setMessages((all) => [
        ...all,
        {
          id: answerId,
          role: 'assistant',
          text: '',
          citations: [],
          status: 'streaming',
          ...(options.question ? { question: options.question } : {}),
        },
      ]);
      let first = true;
      let started = false;
      try {
        await start(
          {
            onMeta: (meta) => {
              started = true;
              if (saved.get('conversation') !== meta.conversation_id) {
                saved.set('conversation', meta.conversation_id);
                props.onConversation?.(meta.conversation_id);
              }
              // Until the answer ends, a reload resumes it.
              saved.set('turn', meta.turn_id);
              if (options.question) saved.set('question', options.question);
              update(answerId, (message) => ({
                ...message,
                conversationId: meta.conversation_id,
                turnId: meta.turn_id,
              }));
              options.onStarted?.();
            },
            onToken: (text, arrivedAt) => {
              tokenArrived(arrivedAt, first);
              first = false;
              update(answerId, (message) => ({ ...message, text: message.text + text }));
            },
            onApproval: (approval) =>
              update(answerId, (message) => ({ ...message, approval, decision: 'pending' })),
            onCitations: (citations) => update(answerId, (message) => ({ ...message, citations })),
            onDone: (done) => {
              update(answerId, (message) => ({ ...message, mode: done.mode, status: 'done' }));
              if (HANDOFF_MODES.includes(done.mode)) setAnswerer('person');
            },
          },
          abort.signal,
        );
        // A stream that ends without `done` was cut.
        update(answerId, (message) =>
          message.status === 'streaming'
            ? { ...message, status: 'error', error: 'The answer was cut off. Try again.' }
            : message,
        );
      } catch (error) {
        if (!started && options.onRefused?.(error)) {
          setMessages((all) => all.filter((message) => message.id !== answerId));
        } else if (abort.signal.aborted) {
          update(answerId, (message) => ({ ...message, status: 'stopped' }));
        } else if (error instanceof ChatError && error.kind === 'unauthorized' && client.signedIn()) {
          // The user's token expired (and no fresh one came): nothing was asked; the message goes
          // back into the input, kept until they are signed in again.
          const { question, questionId } = options;
          setMessages((all) => all.filter((message) => message.id !== answerId && message.id !== questionId));
          if (question && questionId) {
            setDraft(question);
            saved.set('draft', question);
          }
          setNotice(SESSION_EXPIRED);
        } else {
          if (error instanceof ChatError && error.kind === 'not_found') saved.remove('conversation');
          if (error instanceof ChatError && error.kind === 'unauthorized') setNeedsKey(true);
          update(answerId, (message) => ({
            ...message,
            status: 'error',
            error: errorText(error),
            errorKind: error instanceof ChatError ? error.kind : 'server',
          }));
        }
      } finally {
        saved.remove('turn');
        saved.remove('question');
        controller.current = undefined;
        setStreaming(false);
        props.onAnswered?.();
      }
    },
    [client, saved, props.onConversation, props.onAnswered],
  );

  // The answer that was streaming before a reload, from its start (a stream no longer kept: dropped).
  useEffect(() => {
    if (!unfinished) return;
    setUnfinished(undefined);
    const { turnId, question } = unfinished;
    const questionId = nextMessageId();
    if (question) {
      setMessages((all) => [
        ...all,
        { id: questionId, role: 'user', text: question, citations: [], status: 'done' },
      ]);
    }
    void streamAnswer((handlers, signal) => client.resume(turnId, undefined, handlers, signal), {
      ...(question ? { question } : {}),
      onRefused: (error) => {
        if (!(error instanceof ChatError && error.kind === 'not_found')) return false;
        setMessages((all) => all.filter((message) => message.id !== questionId));
        return true;
      },
    });
  }, [unfinished, client, streamAnswer]);

  const ask = (question: string, questionId?: string) =>
    streamAnswer((handlers, signal) => client.chat(question, saved.get('conversation'), handlers, signal), {
      question,
      ...(questionId ? { questionId } : {}),
    });

  /** Approves or declines the action an answer paused for; the continued answer streams in below. */
  const decide = (message: ChatMessage, approve: boolean) => {
    const { approval, conversationId } = message;
    if (!approval || !conversationId || streaming || message.decision !== 'pending') return;
    const decision = (state: DecisionState) => update(message.id, (other) => ({ ...other, decision: state }));
    decision(approve ? 'approving' : 'declining');
    pinned.current = true;
    void streamAnswer(
      (handlers, signal) => client.decide(conversationId, approval.id, approve, handlers, signal),
      {
        onStarted: () => decision(approve ? 'approved' : 'declined'),
        onRefused: (error) => {
          if (error instanceof ChatError && error.kind === 'conflict') {
            decision('already_decided');
            return true;
          }
          // Not taken (or not known to be): the buttons come back; a decision the server did take
          // makes the next click a 409, so the action still runs at most once.
          decision('pending');
          return false;
        },
      },
    );
    input.current?.focus();
  };

  const send = () => {
    const question = draft.trim();
    if (!question || streaming) return;
    setDraft('');
    saved.remove('draft');
    sendText(question);
  };
  /** Sends `question` as the user's next message. */
  const sendText = (question: string) => {
    if (streaming) return;
    // The answer shows in place of the memory view.
    setShowMemories(false);
    pinned.current = true;
    const questionId = nextMessageId();
    setMessages((all) => [
      ...all,
      { id: questionId, role: 'user', text: question, citations: [], status: 'done' },
    ]);
    void ask(question, questionId);
    input.current?.focus();
  };
  const stop = () => {
    controller.current?.abort();
    input.current?.focus();
  };
  const retry = (message: ChatMessage) => {
    if (streaming || !message.question) return;
    setMessages((all) => all.filter((other) => other.id !== message.id));
    void ask(message.question);
    input.current?.focus();
  };
  /** Asks the latest answer's question again, in place of that answer (here and on the server). */
  const regenerate = async (message: ChatMessage) => {
    const conversationId = message.conversationId ?? saved.get('conversation');
    if (streaming || !message.question) return;
    if (message.turnId && conversationId) {
      try {
        await client.deleteTurn(conversationId, message.turnId);
      } catch (error) {
        // Not stored (the answer failed) or not allowed to delete: the new answer just follows.
        if (!(error instanceof ChatError && ['not_found', 'forbidden'].includes(error.kind))) {
          setNotice(`Could not regenerate the answer. ${errorText(error)}`);
          return;
        }
      }
    }
    retry(message);
  };
  const newChat = () => {
    stop();
    saved.remove('conversation');
    props.onConversation?.(undefined);
    setMessages([]);
    setNotice(undefined);
    setAnswerer('bot');
    setShowMemories(false);
    input.current?.focus();
  };
  const openCite = (messageId: string, index: number, open: boolean) => {
    setOpenCites((all) => {
      const next = new Set(all[messageId]);
      if (open) next.add(index);
      else next.delete(index);
      return { ...all, [messageId]: next };
    });
  };
  const jumpToCite = (messageId: string, index: number) => {
    openCite(messageId, index, true);
    requestAnimationFrame(() => {
      const root = list.current;
      const target = root?.querySelector<HTMLElement>(`#${props.idPrefix}-${messageId}-cite-${index}`);
      target?.scrollIntoView({ block: 'nearest' });
      target?.querySelector('summary')?.focus();
    });
  };

  return (
    <section
      class="parley-chat"
      aria-label={props.title}
      onKeyDown={(event) => {
        if (event.key === 'Escape' && streaming) {
          event.preventDefault();
          stop();
        }
      }}
    >
      <header class="chat-header">
        <h1 class="chat-title">{props.title}</h1>
        <span class="chat-header-actions">
          {memoryAllowed && (
            <button
              type="button"
              class="ghost"
              aria-pressed={showMemories}
              onClick={() => setShowMemories((shown) => !shown)}
            >
              Memory
            </button>
          )}
          <button type="button" class="ghost" onClick={newChat} disabled={messages.length === 0}>
            New chat
          </button>
        </span>
      </header>
      {showMemories && memoryAllowed && (
        <MemoryView client={client} idPrefix={props.idPrefix} onClose={() => setShowMemories(false)} />
      )}
      <div
        hidden={showMemories && memoryAllowed}
        class="messages"
        ref={list}
        role="log"
        aria-live="polite"
        aria-busy={streaming}
        aria-label="Messages"
        onScroll={(event) => {
          const element = event.currentTarget;
          pinned.current = element.scrollHeight - element.scrollTop - element.clientHeight < 40;
        }}
      >
        {messages.length === 0 && <p class="empty">Ask a question about the documents.</p>}
        {messages.map((message) => (
          <article
            key={message.id}
            class={`message ${message.role} ${message.status}${message.author ? ` ${message.author}` : ''}`}
            data-status={message.status}
            data-author={message.author}
          >
            <span class="visually-hidden">
              {message.role === 'user' ? 'You:' : message.author === 'agent' ? 'A person:' : 'Answer:'}
            </span>
            {message.author === 'agent' && (
              <span class="author" aria-hidden="true">
                A person
              </span>
            )}
            {message.role === 'user' ? (
              <div class="user-text">{message.text}</div>
            ) : (
              <>
                {message.text === '' && message.status === 'streaming' && (
                  <span class="typing" role="status" aria-label="Answering">
                    <span />
                    <span />
                    <span />
                  </span>
                )}
                <AnswerText
                  text={message.text}
                  citations={message.citations}
                  mode={message.mode}
                  onCite={(index) => jumpToCite(message.id, index)}
                />
                {message.mode && MODE_NOTES[message.mode] && (
                  <p class={`mode-note ${message.mode}`} data-mode={message.mode}>
                    {MODE_NOTES[message.mode]}
                  </p>
                )}
                {message.approval && (
                  <ApprovalRequest
                    approval={message.approval}
                    state={message.decision ?? 'pending'}
                    busy={streaming}
                    idPrefix={`${props.idPrefix}-${message.id}`}
                    onDecide={(approve) => decide(message, approve)}
                  />
                )}
                <CitationList
                  citations={message.citations}
                  open={openCites[message.id] ?? new Set()}
                  idPrefix={`${props.idPrefix}-${message.id}`}
                  onToggle={(index, open) => openCite(message.id, index, open)}
                />
                {message.status === 'done' && message.author !== 'agent' && message.text !== '' && (
                  <div class="answer-footer">
                    <AnswerActions
                      text={message.text}
                      busy={streaming}
                      onRegenerate={
                        message.question && message.id === messages.at(-1)?.id && !message.approval
                          ? () => void regenerate(message)
                          : undefined
                      }
                    />
                    {message.turnId && !message.approval && message.mode !== 'handed_off' && (
                      <FeedbackButtons
                        client={client}
                        turnId={message.turnId}
                        rating={message.rating}
                        onAsk={answerer === 'bot' ? sendText : undefined}
                      />
                    )}
                  </div>
                )}
                {message.status === 'stopped' && <p class="status-note">Stopped.</p>}
                {message.status === 'error' && (
                  <p class="error" role="alert" data-kind={message.errorKind}>
                    {message.error}
                  </p>
                )}
                {(message.status === 'stopped' || message.status === 'error') && message.question && (
                  <button
                    type="button"
                    class="ghost retry"
                    onClick={() => retry(message)}
                    disabled={streaming}
                  >
                    Retry
                  </button>
                )}
              </>
            )}
          </article>
        ))}
      </div>
      {answerer !== 'bot' && (
        <p class="handoff-status" role="status" data-answerer={answerer}>
          {answerer === 'person'
            ? 'A person is answering this conversation: their replies appear here.'
            : 'The person handed the conversation back: the assistant answers again.'}
        </p>
      )}
      {notice && (
        <p class="error notice" role="alert">
          {notice}
        </p>
      )}
      {needsKey && props.onKey && (
        <KeyForm
          onKey={(key) => {
            setNeedsKey(false);
            props.onKey?.(key);
          }}
        />
      )}
      <form
        class="composer"
        onSubmit={(event) => {
          event.preventDefault();
          send();
        }}
      >
        <label class="visually-hidden" for={`${props.idPrefix}-input`}>
          Your message
        </label>
        <textarea
          id={`${props.idPrefix}-input`}
          ref={input}
          rows={1}
          value={draft}
          placeholder="Ask a question…"
          aria-describedby={`${props.idPrefix}-hint`}
          onInput={(event) => setDraft(event.currentTarget.value)}
          onKeyDown={(event) => {
            if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
              event.preventDefault();
              send();
            }
          }}
        />
        <span id={`${props.idPrefix}-hint`} class="visually-hidden">
          Enter sends, Shift+Enter starts a new line, Escape stops an answer.
        </span>
        {streaming ? (
          <button type="button" class="stop" onClick={stop}>
            Stop
          </button>
        ) : (
          <button type="submit" class="send" disabled={draft.trim() === ''}>
            Send
          </button>
        )}
      </form>
    </section>
  );
}
