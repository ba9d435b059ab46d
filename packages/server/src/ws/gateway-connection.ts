import {
  type ClientMessage,
  type ClientMessageOf,
  type ErrorCode,
  type ServerMessage,
  type SyncEvent,
  type WsCloseName,
} from '@tidings/protocol';
import type { FastifyBaseLogger } from 'fastify';
import { type RawData, WebSocket } from 'ws';
import type { AppContext } from '../app';
import { authenticateToken, verifyAccessToken } from '../auth/authenticate';
import type { Principal } from '../auth/principal';
import type { Actor } from '../domain/services';
import { AppError, isAppError, unexpectedError } from '../errors';
import type { AppliedMessages } from './applied-messages';
import { type AuthRefusal, authRefusal, closeOf, otherUser, tokenExpired } from './connection-auth';
import { type DeadlineQueue, type DeadlineTarget, NOT_SCHEDULED } from './deadline-queue';
import type { FanoutMember, UserFanout } from './user-fanout';
import type { DeliverySink } from '../sync/ordered-delivery';
import { ConnectionEvents } from './connection-events';
import { type BudgetedStream, SendBudget } from '../sync/send-budget';
import { encodeEvent, encodeEventFrame, variantFor } from './event-encoding';
import { parseClientMessage, readClientMsgId } from './message-parsing';
import { randomText } from './random-text';
import { decodeFrame, unwrapMessage } from './inbound-message';
import { EarlyOwnerReads, joinedNoteIdOf } from './early-owner-reads';
import { type FrameCoalescer, type FrameSink, OutboundFrames } from './outbound-frames';
import type { RateGuard, RateStreak } from './rate-guard';
import { type MessageFlow, SerialQueue } from './serial-queue';
import { PipelinedUpdates } from './pipelined-updates';
import {
  hasJoined,
  joinedCount,
  type JoinedNotes,
  withJoined,
  withoutJoined,
} from './joined-notes';
import type { GatewaySocket, SocketListener } from './gateway-socket';
import type { UpgradeCredential } from './upgrade-credentials';
import { applyWrite, isWriteType, type WriteType } from './write-handlers';
import { textFrame } from './wire-frame';

/** Messages waiting for their turn before the socket stops being read (TCP backpressure). */
const MAX_WAITING_MESSAGES = 32;
/** Note updates one connection may have submitted and not yet had answered (pipelined). */
const MAX_UPDATES_IN_FLIGHT = 64;
/** Notes one connection may have joined at once; a client shows a handful. */
const MAX_JOINED_NOTES = 1_000;

/** A connection's deadlines, one at a time: the first until authenticated, then the other two. */
type DeadlineKind = 'auth-timeout' | 'token-warning' | 'token-expiry';

export interface GatewayHooks {
  /** The connection authenticated as a user (for counts and session revocation). */
  authenticated(connection: GatewayConnection): void;
  ended(connection: GatewayConnection): void;
  /** The socket itself closed (after the close handshake, or cut off). */
  socketClosed(socket: GatewaySocket): void;
}

export interface GatewayDeps {
  context: AppContext;
  log: FastifyBaseLogger;
  applied: AppliedMessages;
  hooks: GatewayHooks;
  /** The authentication timeout and token deadlines of every connection, on one timer. */
  deadlines: DeadlineQueue;
  /** One hub subscription per user, handed to the user's connections. */
  fanout: UserFanout;
  /** Holds back event frames of busy batching sockets to one shared tick. */
  coalescer: FrameCoalescer;
  /** The per-user message rate, for every connection. */
  rate: RateGuard;
}

/**
 * One WebSocket connection: authentication (at the upgrade, by message, refreshed in band, ended
 * at expiry or revocation), its messages processed strictly in order, its change events delivered
 * exactly once in seq order, and every way it can end going through `end()`.
 */
export class GatewayConnection
  implements
    DeadlineTarget,
    DeliverySink,
    FanoutMember,
    BudgetedStream,
    SocketListener,
    RateStreak,
    FrameSink,
    MessageFlow
{
  /**
   * Names the connection in logs and as the origin of its own changes. Random bytes, not
   * randomUUID(): Node builds a UUID as a rope of nine strings, several hundred bytes per socket.
   */
  readonly id = randomText(12, 'base64url');
  principal: Principal | null = null;
  /** The `since` of the upgrade URL, applied when the connection authenticates. */
  private resumeFrom: number | undefined;
  /** Heartbeat rounds without any sign of life from the peer. */
  missedHeartbeats = 0;
  private sessionSecret = '';
  private joinedNotes: JoinedNotes = null;
  /** Owner reads of joins sent with the `auth`; null once those joins have been handled. */
  private earlyOwners: EarlyOwnerReads | null = null;
  private events: ConnectionEvents | null = null;
  /** Events that arrived between subscribing and the cursor's start (see `authenticate`). */
  private early: [SyncEvent, string | undefined][] | null = null;
  private readonly queue: SerialQueue;
  /** RateStreak: messages in a row over the user's rate, and before authentication. */
  excessInARow = 0;
  unauthenticatedMessages = 0;
  /** The one deadline this connection waits for (DeadlineTarget; the queue keeps the slot). */
  deadlineAt = 0;
  deadlineSlot = NOT_SCHEDULED;
  private deadlineKind: DeadlineKind = 'auth-timeout';
  /** What `end` must give back: the user's connection slot, the fan-out membership. */
  private slotOf: string | null = null;
  private fanoutOf: string | null = null;
  /** How far this socket may fall behind its client (send-budget.ts). */
  private readonly budget: SendBudget;
  /** Set when the client opted in to batched frames (`?batch=1`); null writes frame by frame. */
  private readonly frames: OutboundFrames | null;
  private ended = false;
  /** Note updates submitted and not yet answered; made on the first (pipelineUpdate). */
  private pipelined: PipelinedUpdates | null = null;

  constructor(
    private readonly ws: GatewaySocket,
    private readonly deps: GatewayDeps,
    options: { batchFrames: boolean },
  ) {
    this.frames = options.batchFrames ? new OutboundFrames(this, deps.coalescer) : null;
    this.queue = new SerialQueue(MAX_WAITING_MESSAGES, this);
    this.budget = new SendBudget(this, deps.context.config.ws.maxBufferedBytes);
    deps.context.metrics.wsConnectionOpened();
    ws.listen(this);
  }

  /** SocketListener: a message from the client, handled after the ones before it. */
  received(data: RawData, isBinary: boolean): void {
    this.missedHeartbeats = 0;
    this.deps.context.metrics.messageIn('ws');
    // Only a frame that will wait behind another (its `auth`) is worth reading early; the
    // first one, handled at once, is parsed once.
    if (this.principal === null && this.queue.busy) this.noteEarlyJoin(data, isBinary);
    this.queue.push(() => this.handle(data, isBinary));
  }

  /** A `join_note` sent before authentication was complete gets its owner read early. */
  private noteEarlyJoin(data: RawData, isBinary: boolean): void {
    const noteId = joinedNoteIdOf(data, isBinary);
    if (noteId === undefined) return;
    this.earlyOwners ??= new EarlyOwnerReads(this.deps.context.data.notes.ownerOf);
    this.earlyOwners.noteJoin(noteId);
  }

  ponged(): void {
    this.missedHeartbeats = 0;
  }

  socketClosed(): void {
    this.end();
    this.deps.hooks.socketClosed(this.ws);
  }

  /** Oversize frames (1009) and protocol errors: `ws` closes the socket itself. */
  socketFailed(error: Error): void {
    this.deps.log.debug({ err: error, connectionId: this.id }, 'ws error');
  }

  /** BudgetedStream: what the client has not read yet. */
  queuedBytes(): number {
    return this.ws.bufferedAmount;
  }

  hasEnded(): boolean {
    return this.ended;
  }

  get isAuthenticated(): boolean {
    return this.principal !== null;
  }

  /**
   * Greets the client and authenticates with the upgrade's credential, if it sent one. `since`
   * (the `since` query parameter) resumes from that seq as part of authentication, so nothing is
   * sent live before the replay: see `authenticate`.
   */
  start(credential: UpgradeCredential | null, since: number | undefined): void {
    this.resumeFrom = since;
    const { config } = this.deps.context;
    this.send({
      type: 'connection_established',
      message: credential
        ? 'Connected; authenticating with the credentials of the upgrade request.'
        : 'Connected; send {"type":"auth","token":"<access token>"} to authenticate.',
    });
    // Now, not at the end of the tick: the gateway holds the upgrade response back (corked) so
    // that both go out in one write.
    this.frames?.flush();
    this.setDeadline('auth-timeout', Date.now() + config.ws.authTimeoutMs);
    if (credential) this.queue.push(() => this.authenticate(credential.token, since));
  }

  /** Sends a protocol-level ping; a peer that misses two in a row is terminated. */
  heartbeat(): void {
    if (this.ended) return;
    if (this.missedHeartbeats >= 2) {
      this.deps.log.info(
        { connectionId: this.id },
        'terminating a websocket peer that went silent',
      );
      this.end();
      this.ws.terminate();
      return;
    }
    this.missedHeartbeats += 1;
    this.ws.ping();
  }

  /** Catches up from the change log (after the bus between instances was down). */
  catchUp(): void {
    this.events?.catchUp().catch(() => undefined);
  }

  /** Closes the connection with a named close code; nothing is sent after this. */
  close(name: WsCloseName): void {
    if (this.ended) return;
    // What was said before the close (an `auth_failed`, a reply) goes out before it.
    this.frames?.flush();
    // That write may itself have ended the connection (slow-consumer).
    if (this.ended) return;
    const { code, reason } = closeOf(name);
    this.end();
    this.ws.close(code, reason);
    // A peer that does not read never acknowledges the close frame: do not hold its socket.
    const grace = setTimeout(
      () => this.ws.terminate(),
      2 * this.deps.context.config.ws.heartbeatIntervalMs,
    );
    grace.unref();
  }

  private send(message: ServerMessage): void {
    this.deps.context.metrics.messageOut('ws');
    this.sendSerialised(JSON.stringify(message));
  }

  /** One serialised message: into this tick's frame when batching, else straight out. */
  private sendSerialised(text: string): void {
    if (this.frames) this.frames.push(text);
    else this.sendFrame(textFrame(text));
  }

  /** Whether a received message waits its turn (the FrameSink of OutboundFrames). */
  hasWaitingInput(): boolean {
    return this.queue.waiting > 0;
  }

  /** Too many messages wait (the MessageFlow of SerialQueue): TCP backpressure on the client. */
  pauseReading(): void {
    this.ws.pause();
  }

  resumeReading(): void {
    this.ws.resume();
  }

  /** Replies held while further messages waited (outbound-frames.ts) go out now. */
  allHandled(): void {
    this.frames?.flush();
    // The joins that came with the authentication have had their turn.
    if (this.principal) this.earlyOwners = null;
  }

  /**
   * One whole frame (wire-frame.ts) to the socket, within the send budget (the FrameSink of
   * OutboundFrames). Every data frame goes this one way; `ws` itself sends only control frames.
   */
  sendFrame(frame: Buffer): void {
    if (this.ended || this.ws.readyState !== WebSocket.OPEN) return;
    this.budget.beforeWrite();
    this.ws.writeFrame(frame);
    if (this.budget.exceeded()) {
      this.deps.log.warn({ connectionId: this.id }, 'closing a websocket that stopped reading');
      this.close('SLOW_CONSUMER');
    }
  }

  private sendError(
    code: ErrorCode,
    message: string,
    clientMsgId?: string,
    details?: unknown,
  ): void {
    this.deps.context.metrics.rejected(code);
    this.send({
      type: 'error',
      code,
      message,
      ...(clientMsgId === undefined ? {} : { clientMsgId }),
      ...(details === undefined ? {} : { details }),
    });
  }

  private refuse(refusal: AuthRefusal): void {
    this.deps.context.metrics.rejected(refusal.message.code);
    this.send(refusal.message);
    this.close(refusal.close);
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.queue.stop();
    this.deps.deadlines.clear(this);
    this.releaseSlot();
    if (this.fanoutOf !== null) this.deps.fanout.remove(this.fanoutOf, this);
    this.early = null;
    this.events?.close();
    this.deps.hooks.ended(this);
    const { metrics } = this.deps.context;
    metrics.wsConnectionClosed(this.principal !== null);
    if (this.principal) metrics.userOffline(this.principal.userId);
  }

  /** Ends the connection because its session was revoked (logout, refresh-token reuse). */
  revoke(): void {
    this.close('SESSION_REVOKED');
  }

  // -------------------------------------------------------------------------------------------
  // Authentication
  // -------------------------------------------------------------------------------------------

  /**
   * Without `since`, the connection starts at the latest seq and delivers live events from there.
   * With it, the replay from `since` comes first, in order, then `resumed`, then live events:
   * a client that resumes this way never sees an event twice. A `since` the log can no longer
   * serve gets `resync_required` and starts at the latest seq.
   */
  private async authenticate(token: string, since?: number): Promise<void> {
    const { context } = this.deps;
    let principal: Principal;
    try {
      principal = await verifyAccessToken(context, token);
    } catch (error) {
      this.failAuthentication(error);
      return;
    }
    if (this.ended) return;
    const { userId } = principal;
    const max = context.config.ws.maxConnectionsPerUser;
    if (!(await context.limits.connections.acquire(userId, this.id, max))) {
      this.sendError(
        'TOO_MANY_CONNECTIONS',
        `This user already has ${max} open connections; close one before opening another.`,
      );
      this.close('TOO_MANY_CONNECTIONS');
      return;
    }
    this.slotOf = userId;
    if (this.ended) {
      this.releaseSlot();
      return;
    }
    // Alongside the session read: the owner reads of joins sent with this `auth`.
    this.earlyOwners?.tokenVerified();
    // Subscribed before the seq is read, so a change committed after the read is sure to arrive
    // live: no second look at the log is needed. Events wait in `early` until the cursor exists.
    this.early = [];
    this.fanoutOf = userId;
    let latestSeq: number | null;
    try {
      await this.deps.fanout.add(userId, this);
      // The session's liveness and the latest seq, in one statement.
      latestSeq = await context.sessions.latestSeqIfLive(principal);
    } catch (error) {
      this.failAuthentication(error);
      return;
    }
    if (latestSeq === null) {
      this.failAuthentication(new AppError('SESSION_REVOKED'));
      return;
    }
    if (this.ended) return;
    this.principal = principal;
    this.sessionSecret = randomText(32, 'hex');
    const resume =
      since === undefined ? null : await context.sync.reader.canResumeFrom(userId, since);
    if (this.ended) return;
    const events = new ConnectionEvents({
      userId,
      connectionId: this.id,
      reader: context.sync.reader,
      limiter: context.sync.limiter,
      startSeq: resume?.ok ? (since as number) : latestSeq,
      sink: this,
      budget: this.budget,
    });
    this.events = events;
    this.scheduleExpiry();
    this.deps.hooks.authenticated(this);
    context.metrics.wsConnectionAuthenticated();
    context.metrics.userOnline(userId);
    this.send({
      type: 'auth_success',
      message: 'Authentication successful',
      userId,
      expiresAt: principal.expiresAt,
      sessionSecret: this.sessionSecret,
      seq: latestSeq,
    });
    if (resume && !resume.ok) this.send({ type: 'resync_required', seq: resume.latestSeq });
    const early = this.early ?? [];
    this.early = null;
    for (const [event, originId] of early) events.push(event, originId);
    if (resume?.ok) {
      // The replay after `since`; live events that arrive meanwhile wait in the cursor.
      await events.catchUp(resume.latestSeq);
      this.send({ type: 'resumed', seq: events.deliveredSeq });
    }
  }

  /** A second `auth` on a live connection: the same user's fresh token extends the session. */
  private async reauthenticate(token: string): Promise<void> {
    let principal: Principal;
    try {
      principal = await authenticateToken(this.deps.context, token);
    } catch (error) {
      this.failAuthentication(error);
      return;
    }
    if (principal.userId !== this.principal?.userId) {
      this.refuse(otherUser());
      return;
    }
    this.principal = principal;
    this.scheduleExpiry();
    this.send({ type: 'auth_refreshed', expiresAt: principal.expiresAt });
  }

  private failAuthentication(error: unknown): void {
    const refusal = authRefusal(error);
    if (refusal) {
      this.refuse(refusal);
      return;
    }
    this.deps.log.error({ err: error, connectionId: this.id }, 'websocket authentication failed');
    const code = isAppError(error) ? error.code : 'INTERNAL_ERROR';
    this.sendError(code, 'Authentication could not be checked; reconnect shortly.');
    this.close('INTERNAL_ERROR');
  }

  /**
   * Warns before the token expires, then ends the connection when it does (the warning's
   * deadline sets the expiry's). A token already inside the warning window is warned about at
   * once, right after the reply.
   */
  private scheduleExpiry(): void {
    const principal = this.principal;
    if (!principal) return;
    const { expiryWarningMs } = this.deps.context.config.ws;
    this.setDeadline('token-warning', principal.expiresAt - expiryWarningMs);
  }

  private setDeadline(kind: DeadlineKind, at: number): void {
    this.deadlineKind = kind;
    this.deps.deadlines.set(this, at);
  }

  /** From the deadline queue. */
  deadlineReached(): void {
    if (this.ended) return;
    if (this.deadlineKind === 'auth-timeout') {
      if (!this.isAuthenticated) this.close('AUTH_TIMEOUT');
      return;
    }
    const principal = this.principal;
    if (!principal) return;
    if (this.deadlineKind === 'token-expiry') {
      this.refuse(tokenExpired());
      return;
    }
    this.send({ type: 'auth_expiring', expiresAt: principal.expiresAt });
    this.setDeadline('token-expiry', principal.expiresAt);
  }

  private releaseSlot(): void {
    const userId = this.slotOf;
    if (userId === null) return;
    this.slotOf = null;
    this.deps.context.limits.connections.release(userId, this.id).catch(() => undefined);
  }

  // -------------------------------------------------------------------------------------------
  // Events
  // -------------------------------------------------------------------------------------------

  /** From the hub, through the user's fan-out. */
  receive(event: SyncEvent, originId: string | undefined): void {
    if (this.events) this.events.push(event, originId);
    else this.early?.push([event, originId]);
  }

  /** From the cursor: the change log could not be read; the client resumes after reconnecting. */
  deliveryFailed(error: unknown): void {
    this.deps.log.warn(
      { err: error, connectionId: this.id },
      'websocket could not read the change log',
    );
    this.close('INTERNAL_ERROR');
  }

  /** From the cursor: the next event, in seq order. */
  deliver(event: SyncEvent): void {
    const principal = this.principal;
    if (!principal) return;
    // Timers may fire late: never deliver on a session whose token has run out.
    const now = Date.now();
    if (now >= principal.expiresAt) {
      this.refuse(tokenExpired());
      return;
    }
    this.deps.context.metrics.delivered('ws', event.timestamp, now);
    const variant = variantFor(event, this.joinedNotes);
    // Batched, the event's string joins this tick's frame; alone, its frame (made once for
    // every recipient) goes out as it is, instead of being encoded again for each socket.
    if (this.frames) this.frames.push(encodeEvent(event, variant), true);
    else this.sendFrame(encodeEventFrame(event, variant));
  }

  // -------------------------------------------------------------------------------------------
  // Messages
  // -------------------------------------------------------------------------------------------

  private async handle(data: RawData, isBinary: boolean): Promise<void> {
    if (this.ended) return;
    // Timers may fire late: nothing is processed on a session whose token has run out.
    if (this.principal && Date.now() >= this.principal.expiresAt) {
      this.refuse(tokenExpired());
      return;
    }
    const { context } = this.deps;
    let clientMsgId: string | undefined;
    try {
      const value = decodeFrame(data, isBinary);
      clientMsgId = readClientMsgId(value);
      const verdict = this.principal
        ? await this.deps.rate.check(this.principal.userId, this)
        : this.deps.rate.checkUnauthenticated(this);
      if (verdict.kind === 'disconnect') {
        this.close('RATE_LIMITED');
        return;
      }
      if (verdict.kind === 'dropped') {
        await this.writesAnswered();
        const { retryAfterMs } = verdict;
        const text = `Too many messages; this one was dropped. Retry after ${retryAfterMs} ms.`;
        this.sendError('RATE_LIMITED', text, clientMsgId, { retryAfterMs });
        return;
      }
      const payload = await unwrapMessage(value, {
        config: context.config.ws,
        nonces: context.limits.nonces,
        session: this.principal
          ? { userId: this.principal.userId, sessionSecret: this.sessionSecret }
          : null,
      });
      const message = parseClientMessage(payload);
      clientMsgId = 'clientMsgId' in message ? message.clientMsgId : undefined;
      if (this.canPipeline(message)) {
        await this.pipelineUpdate(message);
        return;
      }
      // Everything else starts once the updates before it are answered, as if one at a time.
      await this.writesAnswered();
      await this.dispatch(message);
    } catch (error) {
      if (this.ended) return;
      await this.writesAnswered();
      this.replyFailure(error, clientMsgId);
    }
  }

  private async dispatch(message: ClientMessage): Promise<void> {
    if (message.type === 'auth') {
      await (this.principal
        ? this.reauthenticate(message.token)
        : this.authenticate(message.token, message.since ?? this.resumeFrom));
      return;
    }
    const principal = this.principal;
    const events = this.events;
    if (!principal || !events) {
      throw new AppError(
        'UNAUTHENTICATED',
        'Authenticate first: send {"type":"auth","token":"<access token>"}.',
      );
    }
    switch (message.type) {
      case 'ping':
        this.send({ type: 'pong', timestamp: Date.now() });
        return;
      case 'join_note':
        await this.join(principal.userId, message.noteId, message.clientMsgId);
        return;
      case 'leave_note':
        this.joinedNotes = withoutJoined(this.joinedNotes, message.noteId);
        this.send(withId({ type: 'note_left', noteId: message.noteId }, message.clientMsgId));
        return;
      case 'resume':
        this.send(withId(await events.resume(message.since), message.clientMsgId));
        return;
      default:
        if (isWriteType(message.type)) await this.write(principal.userId, message);
    }
  }

  private async join(
    userId: string,
    noteId: string,
    clientMsgId: string | undefined,
  ): Promise<void> {
    // Ownership is checked on join and again by the services on every write.
    const early = this.earlyOwners?.take(noteId);
    await this.deps.context.data.notes.assertOwned(userId, noteId, early);
    const joined = this.joinedNotes;
    if (!hasJoined(joined, noteId) && joinedCount(joined) >= MAX_JOINED_NOTES) {
      throw new AppError(
        'VALIDATION_FAILED',
        `At most ${MAX_JOINED_NOTES} notes can be joined at once; leave some first.`,
      );
    }
    this.joinedNotes = withJoined(joined, noteId);
    this.send(
      withId(
        { type: 'note_joined', noteId, message: 'Successfully joined note for real-time sync' },
        clientMsgId,
      ),
    );
  }

  private async write(userId: string, message: ClientMessageOf<WriteType>): Promise<void> {
    const ownSeqBefore = this.events?.lastOwnSeq ?? 0;
    let reply = await this.applyAs(userId, message);
    // The change's own event is not echoed to this connection: its seq rides on the reply. A
    // group-committed update knows its seq; otherwise it is the connection's latest own event,
    // which is this change's, since nothing else of this connection's was in flight.
    const ownSeq = this.events?.lastOwnSeq ?? 0;
    if (!('seq' in reply) && ownSeq > ownSeqBefore) {
      reply = { ...reply, seq: ownSeq } as ServerMessage;
    }
    this.send(withId(reply, message.clientMsgId));
  }

  // -------------------------------------------------------------------------------------------
  // Pipelined note updates
  // -------------------------------------------------------------------------------------------

  /**
   * Title, content and flag edits (the group-committed kind) need not wait for the one before
   * them to commit: they join the batcher in arrival order (so they apply in order, several in
   * one transaction) while the next message is read, and their replies go out in order. A
   * client typing fast then costs one transaction per batch, not one per keystroke. A
   * `clientMsgId` already in flight is not pipelined: it waits, and is then answered as the
   * retry it is.
   */
  private canPipeline(message: ClientMessage): message is NoteUpdateMessage {
    if (message.type !== 'note_update' || message.changes.tags !== undefined) return false;
    if (!this.principal || !this.events) return false;
    const id = message.clientMsgId;
    return id === undefined || !this.pipelined?.has(id);
  }

  private async pipelineUpdate(message: NoteUpdateMessage): Promise<void> {
    const pipelined = (this.pipelined ??= new PipelinedUpdates());
    // Bounded: past this many unanswered, the next waits (and with it the socket's reading).
    if (pipelined.size >= MAX_UPDATES_IN_FLIGHT) await pipelined.settled();
    const principal = this.principal;
    if (this.ended || !principal) return;
    const { clientMsgId } = message;
    // Submitted to the batcher before this returns (updateWithSeq), so in arrival order.
    const outcome = this.applyAs(principal.userId, message);
    pipelined.add(outcome, clientMsgId, (reply, failure) => {
      if (this.ended) return;
      if (reply) this.send(withId(reply, clientMsgId));
      else this.replyFailure(failure, clientMsgId);
    });
  }

  /** Resolves once every pipelined update has been answered (at once when none is in flight). */
  private async writesAnswered(): Promise<void> {
    if (this.pipelined?.size) await this.pipelined.settled();
  }

  /** Applies a write as this connection (its origin keeps the change from being echoed back). */
  private applyAs(userId: string, message: ClientMessageOf<WriteType>): Promise<ServerMessage> {
    const { context, applied } = this.deps;
    const actor: Actor = { userId, originId: this.id, sessionId: this.principal?.sessionId };
    return applyWrite({ data: context.data, applied, actor }, message);
  }

  /**
   * The error answer to a message that failed: its code; else, as over REST, DB_UNAVAILABLE for
   * a database out of reach or out of room (worth retrying), INTERNAL_ERROR for anything else.
   */
  private replyFailure(error: unknown, clientMsgId: string | undefined): void {
    if (isAppError(error)) {
      this.sendError(error.code, error.message, clientMsgId, error.details);
      return;
    }
    this.deps.log.error({ err: error, connectionId: this.id }, 'websocket message failed');
    const failure = unexpectedError(error, 'The message could not be processed.');
    this.sendError(failure.code, failure.message, clientMsgId);
  }
}

type NoteUpdateMessage = Extract<ClientMessage, { type: 'note_update' }>;

function withId<M extends ServerMessage>(message: M, clientMsgId: string | undefined): M {
  return clientMsgId === undefined ? message : { ...message, clientMsgId };
}
