import type { ErrorCode } from '@tidings/protocol';
import { collectDefaultMetrics, Counter, Gauge, type Metric, Registry } from 'prom-client';
import type { ClusterCensus, InstanceFigures } from './cluster-census';
import { TalliedHistogram } from './tallied-histogram';

export type Transport = 'ws' | 'sse';
type DependencyStatus = () => 'ok' | 'degraded';

/**
 * The figures of one app instance, in a registry of its own (tests start many apps in one
 * process; the global default registry would mix them). The gateway and the SSE route update
 * them through the small methods below, never through prom-client directly.
 */
export interface Metrics {
  readonly registry: Registry;
  /** A WebSocket connection opened (`authenticated` false) or closed. */
  wsConnectionOpened(): void;
  wsConnectionClosed(wasAuthenticated: boolean): void;
  /** An open WebSocket connection completed authentication. */
  wsConnectionAuthenticated(): void;
  /** A user's connection or stream is live / ended; counts each user once however many. */
  userOnline(userId: string): void;
  userOffline(userId: string): void;
  sseStreamOpened(): void;
  sseStreamClosed(): void;
  messageIn(transport: Transport): void;
  /** A message sent that is not a change event (replies, pongs, errors). */
  messageOut(transport: Transport): void;
  /** A message or request refused, labelled with its code from the error table. */
  rejected(code: ErrorCode): void;
  /**
   * A change event sent (also counted as a message out); `committedAt` is its change-log
   * timestamp in ms since the epoch. Catch-up replays count too, so a reconnect after a long
   * absence shows up in the upper buckets.
   */
  delivered(transport: Transport, committedAt: number, now?: number): void;
  /** Reports a dependency's status as tidings_dependency_degraded{dependency}. */
  watchDependency(name: string, status: DependencyStatus): void;
  /** This instance's live connection and stream counts (what the cluster census sums). */
  snapshot(): InstanceFigures;
  /** Reports the whole cluster's figures as tidings_cluster_* gauges. */
  watchCluster(census: ClusterCensus): void;
  /** The Prometheus text exposition of this app and of the process. */
  render(): Promise<{ contentType: string; body: string }>;
}

// Process figures (memory, CPU, event loop) are the same for every app in a process: one registry.
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  const registers = [registry];
  const wsConnections = new Gauge({
    name: 'tidings_ws_connections',
    help: 'Open WebSocket connections on this instance, authenticated or not.',
    registers,
  });
  const wsAuthenticated = new Gauge({
    name: 'tidings_ws_connections_authenticated',
    help: 'Open WebSocket connections on this instance that completed authentication.',
    registers,
  });
  const usersOnline = new Gauge({
    name: 'tidings_authenticated_users',
    help: 'Distinct users with at least one live WebSocket connection or SSE stream here.',
    registers,
  });
  const sseStreams = new Gauge({
    name: 'tidings_sse_streams',
    help: 'Open Server-Sent Events streams on this instance.',
    registers,
  });
  const messagesIn = new Counter({
    name: 'tidings_messages_in_total',
    help: 'Client messages received.',
    labelNames: ['transport'] as const,
    registers,
  });
  // Counted in plain numbers and added at scrape time: a change event is counted once per
  // socket it reaches, too often to hash labels each time (see TalliedHistogram).
  const unreportedOut: Record<Transport, number> = { ws: 0, sse: 0 };
  new Counter({
    name: 'tidings_messages_out_total',
    help: 'Messages and events sent to clients.',
    labelNames: ['transport'] as const,
    registers,
    collect() {
      for (const transport of ['ws', 'sse'] as const) {
        if (unreportedOut[transport] === 0) continue;
        this.inc({ transport }, unreportedOut[transport]);
        unreportedOut[transport] = 0;
      }
    },
  });
  const rejections = new Counter({
    name: 'tidings_rejections_total',
    help: 'Messages and requests refused, by error code.',
    labelNames: ['code'] as const,
    registers,
  });
  const latency = new TalliedHistogram<Transport>(
    'tidings_delivery_latency_seconds',
    'Time from a change committing to its event being sent to a client.',
    'transport',
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  );
  // The registry only reads `name` and calls `get()`; its types name prom-client's own classes.
  registry.registerMetric(latency as unknown as Metric);
  const dependencies = new Map<string, DependencyStatus>();
  new Gauge({
    name: 'tidings_dependency_degraded',
    help: '1 while a dependency (the Redis bus, Redis limits) is unreachable, else 0.',
    labelNames: ['dependency'] as const,
    registers,
    collect() {
      for (const [name, status] of dependencies) {
        this.set({ dependency: name }, status() === 'ok' ? 0 : 1);
      }
    },
  });

  let census: ClusterCensus | null = null;
  // Set once per scrape from one census read (render), not by four separate collects.
  const cluster = {
    instances: new Gauge({
      name: 'tidings_cluster_instances',
      help: 'Instances that reported to the census (Redis) recently; 1 without Redis.',
      registers,
    }),
    wsConnections: new Gauge({
      name: 'tidings_cluster_ws_connections',
      help: 'Open WebSocket connections on all instances.',
      registers,
    }),
    wsAuthenticated: new Gauge({
      name: 'tidings_cluster_ws_connections_authenticated',
      help: 'Authenticated WebSocket connections on all instances.',
      registers,
    }),
    sseStreams: new Gauge({
      name: 'tidings_cluster_sse_streams',
      help: 'Open SSE streams on all instances.',
      registers,
    }),
  };

  // Plain counts beside the gauges, for the census (reading a gauge back is async).
  const live = { wsConnections: 0, wsAuthenticated: 0, sseStreams: 0 };
  const connectionsByUser = new Map<string, number>();

  return {
    registry,
    wsConnectionOpened() {
      live.wsConnections++;
      wsConnections.inc();
    },
    wsConnectionClosed(wasAuthenticated) {
      live.wsConnections--;
      wsConnections.dec();
      if (wasAuthenticated) {
        live.wsAuthenticated--;
        wsAuthenticated.dec();
      }
    },
    wsConnectionAuthenticated() {
      live.wsAuthenticated++;
      wsAuthenticated.inc();
    },
    userOnline(userId) {
      connectionsByUser.set(userId, (connectionsByUser.get(userId) ?? 0) + 1);
      usersOnline.set(connectionsByUser.size);
    },
    userOffline(userId) {
      const remaining = (connectionsByUser.get(userId) ?? 0) - 1;
      if (remaining > 0) connectionsByUser.set(userId, remaining);
      else connectionsByUser.delete(userId);
      usersOnline.set(connectionsByUser.size);
    },
    sseStreamOpened() {
      live.sseStreams++;
      sseStreams.inc();
    },
    sseStreamClosed() {
      live.sseStreams--;
      sseStreams.dec();
    },
    messageIn: (transport) => messagesIn.inc({ transport }),
    messageOut(transport) {
      unreportedOut[transport] += 1;
    },
    rejected: (code) => rejections.inc({ code }),
    delivered(transport, committedAt, now = Date.now()) {
      unreportedOut[transport] += 1;
      latency.observe(transport, Math.max(0, now - committedAt) / 1_000);
    },
    watchDependency: (name, status) => void dependencies.set(name, status),
    snapshot: () => ({ ...live }),
    watchCluster(watched) {
      census = watched;
    },
    async render() {
      if (census) {
        const figures = await census.cluster();
        for (const key of Object.keys(cluster) as (keyof typeof cluster)[]) {
          cluster[key].set(figures[key]);
        }
      }
      const own = await registry.metrics();
      const process = await processMetrics().metrics();
      return { contentType: registry.contentType, body: `${own}\n${process}` };
    },
  };
}
