import pino from 'pino';
import { buildApp } from './app';
import { loadConfig } from './config/config';
import { ConfigError } from './config/env-parsers';
import { loadOrCreateDevSecret } from './config/jwt-secret';
import { loggerOptions } from './logger';
import { capConnections } from './http/connection-cap';
import { fileBudget, openFileWarning, readOpenFiles } from './observability/open-file-limit';
import { openStore } from './store/database';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const log = pino(loggerOptions(config));

  let jwtSecret = config.jwtSecret;
  if (!jwtSecret) {
    const generated = await loadOrCreateDevSecret(config.dataDir);
    jwtSecret = generated.secret;
    log.warn(
      { dataDir: config.dataDir, created: generated.created },
      'JWT_SECRET is not set: using a generated secret kept under DATA_DIR (set JWT_SECRET in production)',
    );
  }

  const openFiles = readOpenFiles();
  const budget = fileBudget(openFiles, !config.databaseUrl);
  const store = await openStore({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    maxOpenFiles: budget.databaseFiles,
  });
  const app = await buildApp({ config, store, jwtSecret });
  if (budget.connections !== undefined) capConnections(app.http.server, budget.connections, log);
  await app.http.listen({ port: config.port, host: config.host });
  // An operator sees the capacity next to the address; JSON has no Infinity.
  const openFileLimit = openFiles?.soft === Infinity ? 'unlimited' : openFiles?.soft;
  log.info(
    {
      url: config.publicOrigin,
      database: store.kind,
      openFileLimit,
      connectionCap: budget.connections,
    },
    'Tidings is listening',
  );
  const fileWarning = openFileWarning(openFiles, budget.connections, config.nodeEnv);
  if (fileWarning) log.warn({ openFileLimit: openFiles?.soft }, fileWarning);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    deadline.unref();
    await app.close();
    await store.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

void main().catch((error: unknown) => {
  console.error('Tidings failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
