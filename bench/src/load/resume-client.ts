import { messagesOfFrame } from '@tidings/protocol';
import WebSocket from 'ws';
import { nowMs } from '../shared/clock';
import { withTimeout } from './bench-client';
import { closeWebSocket } from './raw-ws-client';
import { TIDINGS_WS_PATH } from './tidings-client';
import type { ResumeParams, ResumeResult } from './worker-api';

/** Page size of the REST re-fetch: the largest GET /api/notes accepts. */
const REST_PAGE = 200;

/**
 * One client coming back after missing `expected` changes, three ways: WebSocket `resume`,
 * SSE with Last-Event-ID, and re-fetching every note through REST (what a client without a
 * change log has to do).
 */
export async function runResume(params: ResumeParams): Promise<ResumeResult> {
  const run = { ws: resumeOverWs, sse: resumeOverSse, rest: refetchOverRest }[params.mode];
  return withTimeout(run(params), params.timeoutMs, `resume over ${params.mode}`);
}

async function resumeOverWs(params: ResumeParams): Promise<ResumeResult> {
  const started = nowMs();
  const socket = new WebSocket(`${params.baseUrl.replace(/^http/, 'ws')}${TIDINGS_WS_PATH}`, {
    perMessageDeflate: false,
  });
  let items = 0;
  let bytes = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.once('close', (code, reason) => reject(new Error(`closed ${code} ${reason}`)));
      socket.once('open', () => socket.send(JSON.stringify({ type: 'auth', token: params.token })));
      socket.on('message', (data) => {
        const text = data.toString();
        bytes += text.length;
        for (const message of messagesOfFrame(JSON.parse(text)) as { type: string }[]) {
          if (message.type === 'auth_success') {
            socket.send(JSON.stringify({ type: 'resume', since: params.fromSeq }));
          } else if (message.type.endsWith('_sync')) {
            items += 1;
          } else if (message.type === 'resumed') {
            resolve();
          } else if (['error', 'auth_failed', 'resync_required'].includes(message.type)) {
            reject(new Error(`resume answered ${text.slice(0, 200)}`));
          }
        }
      });
    });
    return { items, ms: nowMs() - started, bytes };
  } finally {
    socket.removeAllListeners('close');
    await closeWebSocket(socket);
  }
}

async function resumeOverSse(params: ResumeParams): Promise<ResumeResult> {
  const started = nowMs();
  const abort = new AbortController();
  const response = await fetch(`${params.baseUrl}/api/events`, {
    headers: { authorization: `Bearer ${params.token}`, 'last-event-id': String(params.fromSeq) },
    signal: abort.signal,
  });
  if (!response.ok || !response.body) throw new Error(`GET /api/events: ${response.status}`);
  let items = 0;
  let bytes = 0;
  let buffered = '';
  const decoder = new TextDecoder();
  try {
    const reader = response.body.getReader();
    while (items < params.expected) {
      const { done, value } = await reader.read();
      if (done) break;
      const text = decoder.decode(value, { stream: true });
      bytes += text.length;
      buffered += text;
      // A change event is a frame with an `id:` line; frames end with a blank line.
      let end = buffered.indexOf('\n\n');
      while (end !== -1) {
        if (buffered.slice(0, end).includes('\nid:') || buffered.startsWith('id:')) items += 1;
        buffered = buffered.slice(end + 2);
        end = buffered.indexOf('\n\n');
      }
    }
  } finally {
    abort.abort();
  }
  return { items, ms: nowMs() - started, bytes };
}

async function refetchOverRest(params: ResumeParams): Promise<ResumeResult> {
  const started = nowMs();
  let items = 0;
  let bytes = 0;
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams({ limit: String(REST_PAGE) });
    if (cursor) query.set('cursor', cursor);
    const response = await fetch(`${params.baseUrl}/api/notes?${query}`, {
      headers: { authorization: `Bearer ${params.token}` },
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`GET /api/notes: ${response.status} ${text.slice(0, 200)}`);
    bytes += text.length;
    const page = JSON.parse(text) as { notes: unknown[]; nextCursor: string | null };
    items += page.notes.length;
    cursor = page.nextCursor;
  } while (cursor);
  return { items, ms: nowMs() - started, bytes };
}
