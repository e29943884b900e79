// Measures how long a streamed token takes from its arrival at the browser (the SSE chunk read) to
// the first frame that shows it: the arrival is recorded when the chunk is read, the commit when
// the DOM holds the text, and the paint in a task queued from the next animation frame (which runs
// after that frame is rendered). Samples are on `window.__parleyPaint` for tests and curious users.

export interface PaintSample {
  /** First token of its answer. */
  first: boolean;
  arrivedAt: number;
  paintedAt: number;
  ms: number;
}

declare global {
  interface Window {
    __parleyPaint?: PaintSample[];
  }
}

const pending: { arrivedAt: number; first: boolean }[] = [];
let scheduled = false;

/** A token was read from the network at `arrivedAt`. */
export function tokenArrived(arrivedAt: number, first: boolean) {
  pending.push({ arrivedAt, first });
}

/** The DOM now shows every token that has arrived: they are painted in the next frame. */
export function tokensCommitted() {
  if (scheduled || pending.length === 0) return;
  scheduled = true;
  requestAnimationFrame(() => {
    scheduled = false;
    // Everything committed by now is in this frame.
    const batch = pending.splice(0);
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      const paintedAt = performance.now();
      const samples = window.__parleyPaint ?? [];
      window.__parleyPaint = samples;
      for (const token of batch) samples.push({ ...token, paintedAt, ms: paintedAt - token.arrivedAt });
      if (samples.length > 5000) samples.splice(0, samples.length - 5000);
    };
    channel.port2.postMessage(0);
  });
}
