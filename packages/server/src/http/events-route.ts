import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app';
import { authenticateToken } from '../auth/authenticate';
import type { Principal } from '../auth/principal';
import { AppError } from '../errors';
import { OrderedDelivery } from '../sync/ordered-delivery';
import { PacedReader, SendBudget } from '../sync/send-budget';
import { requestAccessToken } from './require-user';
import { parseLastEventId, SSE_KEEPALIVE, SSE_RETRY, sseEvent } from './sse-format';

interface EventsQuery {
  token?: string;
  lastEventId?: string;
}

/**
 * `GET /api/events`: the user's change events as Server-Sent Events, for networks where
 * WebSockets fail. Every change event has `id: <seq>`, so the browser's automatic reconnect (or a
 * client passing `Last-Event-ID`) resumes exactly where it stopped.
 */
export function registerEventsRoute(app: FastifyInstance, context: AppContext): void {
  app.get<{ Querystring: EventsQuery }>('/api/events', async (request, reply) => {
    const principal = await authenticateStream(request, context);
    const lastEventId = parseLastEventId(
      (request.headers['last-event-id'] as string | undefined) ?? request.query.lastEventId,
    );
    if (lastEventId === null) {
      throw new AppError('VALIDATION_FAILED', 'Last-Event-ID must be a change-log seq.');
    }
    await streamEvents(request, reply, context, principal, lastEventId);
  });
}

/** Bearer header, then the access cookie, then `?token=` (for clients that cannot set headers). */
async function authenticateStream(
  request: FastifyRequest<{ Querystring: EventsQuery }>,
  context: AppContext,
): Promise<Principal> {
  const token = requestAccessToken(request, context) ?? request.query.token;
  if (!token) throw new AppError('UNAUTHENTICATED');
  if (requestAccessToken(request, context) === undefined) {
    // The URL (and so the token) is redacted by the request serializer before it is logged.
    request.log.warn('access token passed in the query string; prefer a header or cookie');
  }
  return authenticateToken(context, token);
}

async function streamEvents(
  request: FastifyRequest,
  reply: FastifyReply,
  context: AppContext,
  principal: Principal,
  lastEventId: number | undefined,
): Promise<void> {
  const { userId, sessionId } = principal;
  const { reader, limiter } = context.sync;
  const raw = reply.raw;

  let startSeq: number;
  let resyncRequired = false;
  if (lastEventId === undefined) {
    startSeq = await reader.latestSeq(userId);
  } else {
    const resume = await reader.canResumeFrom(userId, lastEventId);
    startSeq = resume.ok ? lastEventId : resume.latestSeq;
    resyncRequired = !resume.ok;
  }

  reply.hijack();
  raw.writeHead(200, {
    ...(reply.getHeaders() as Record<string, string>),
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    // nginx and similar proxies buffer responses unless told not to.
    'x-accel-buffering': 'no',
  });

  const cleanups: (() => void)[] = [];
  let ended = false;
  const end = (finalEvent?: string, data?: unknown) => {
    if (ended) return;
    ended = true;
    for (const cleanup of cleanups) cleanup();
    if (finalEvent) raw.write(sseEvent(finalEvent, { type: finalEvent, ...(data as object) }));
    raw.end();
  };

  const budget = new SendBudget(
    { queuedBytes: () => raw.writableLength, hasEnded: () => ended },
    context.config.ws.maxBufferedBytes,
  );
  const write = (chunk: string) => {
    if (ended) return;
    budget.beforeWrite();
    raw.write(chunk);
    if (budget.exceeded()) end();
  };

  const delivery = new OrderedDelivery({
    userId,
    reader: new PacedReader(reader, limiter, budget),
    startSeq,
    sink: {
      deliver: (event) => {
        write(sseEvent(event.type, event, event.seq));
        context.metrics.delivered('sse', event.timestamp);
      },
      deliveryFailed: (error) => {
        request.log.warn({ err: error }, 'event stream could not read the change log');
        end();
      },
    },
  });
  cleanups.push(() => delivery.close());
  context.metrics.sseStreamOpened();
  context.metrics.userOnline(userId);
  cleanups.push(() => {
    context.metrics.sseStreamClosed();
    context.metrics.userOffline(userId);
  });

  write(SSE_RETRY);
  if (resyncRequired)
    write(sseEvent('resync_required', { type: 'resync_required', seq: startSeq }));

  cleanups.push(context.hub.subscribe(userId, (event) => delivery.push(event)));
  cleanups.push(
    context.hub.onBusRecovered(() => {
      // Other instances' events published during the outage never arrived: read them.
      reader.latestSeq(userId).then(
        (seq) => delivery.catchUp(seq),
        () => undefined,
      );
    }),
  );
  cleanups.push(
    context.hub.onSessionRevoked((revokedUser, revokedSession) => {
      if (revokedUser === userId && revokedSession === sessionId) end('session_revoked');
    }),
  );
  const keepAlive = setInterval(() => write(SSE_KEEPALIVE), context.config.sseKeepAliveMs);
  cleanups.push(() => clearInterval(keepAlive));
  const expiry = setTimeout(
    () => end('token_expired', { expiresAt: principal.expiresAt }),
    Math.max(0, principal.expiresAt - Date.now()),
  );
  cleanups.push(() => clearTimeout(expiry));
  context.liveStreams.add(end);
  cleanups.push(() => context.liveStreams.delete(end));
  raw.on('close', () => end());

  try {
    // Anything committed between reading the start seq and subscribing is read from the log,
    // once the bus has confirmed the subscription (later changes are then sure to arrive live).
    await context.hub.whenSubscribed(userId);
    await delivery.catchUp(await reader.latestSeq(userId));
    // `ready` says the replay is over: everything up to seq has been sent, live events follow.
    write(sseEvent('ready', { type: 'ready', seq: delivery.deliveredSeq }));
  } catch (error) {
    request.log.warn({ err: error }, 'event stream could not catch up');
    end();
  }
}
