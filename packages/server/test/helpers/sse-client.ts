export interface SseFrame {
  id?: string;
  event: string;
  data: unknown;
}

export interface SseStream {
  status: number;
  headers: Headers;
  /** Resolves with the next frame, or null when the stream ended. */
  next(timeoutMs?: number): Promise<SseFrame | null>;
  /** Collects frames until `count` of them arrived (or fails after timeoutMs). */
  take(count: number, timeoutMs?: number): Promise<SseFrame[]>;
  /** Comments (keep-alives) seen so far. */
  comments: number;
  close(): void;
}

/** A minimal, strict SSE reader over fetch, to test the stream as any HTTP client sees it. */
export async function openSse(
  url: string,
  headers: Record<string, string> = {},
): Promise<SseStream> {
  const abort = new AbortController();
  const response = await fetch(url, { headers, signal: abort.signal });
  const frames: SseFrame[] = [];
  const waiters: (() => void)[] = [];
  let ended = false;
  const stream: SseStream = {
    status: response.status,
    headers: response.headers,
    comments: 0,
    async next(timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (frames.length === 0 && !ended) {
        const remaining = deadline - Date.now();
        if (remaining <= 0) throw new Error('timed out waiting for an SSE frame');
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, remaining);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return frames.shift() ?? null;
    },
    async take(count, timeoutMs = 5_000) {
      const taken: SseFrame[] = [];
      while (taken.length < count) {
        const frame = await stream.next(timeoutMs);
        if (!frame) throw new Error(`stream ended after ${taken.length} of ${count} frames`);
        taken.push(frame);
      }
      return taken;
    },
    close: () => abort.abort(),
  };
  const wake = () => waiters.splice(0).forEach((w) => w());

  if (response.ok && response.body) {
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          let boundary: number;
          while ((boundary = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, boundary);
            buffer = buffer.slice(boundary + 2);
            const frame: Partial<SseFrame> & { dataLines: string[] } = { dataLines: [] };
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) stream.comments++;
              else if (line.startsWith('id: ')) frame.id = line.slice(4);
              else if (line.startsWith('event: ')) frame.event = line.slice(7);
              else if (line.startsWith('data: ')) frame.dataLines.push(line.slice(6));
            }
            if (frame.event) {
              frames.push({
                id: frame.id,
                event: frame.event,
                data: JSON.parse(frame.dataLines.join('\n')),
              });
            }
            wake();
          }
        }
      } catch {
        // aborted by close()
      }
      ended = true;
      wake();
    })();
  } else {
    ended = true;
  }
  return stream;
}
