import { stdSerializers } from 'pino';

/**
 * Fields of a driver's error that carry the statement's data rather than its shape: the bound
 * parameters (a note's body, a password hash, a session's hash), Postgres' DETAIL ("Failing row
 * contains (...)", "Key (email)=(...)"), its context line and internal query. A log line keeps
 * none of them: it must never hold a note body or a credential.
 */
const DATA_FIELDS = ['params', 'parameters', 'detail', 'where', 'internalQuery'];

/** How deep a chain of causes is followed. */
const MAX_CAUSES = 4;

type Serialized = Record<string, unknown> & { message?: string; stack?: string };

/**
 * pino's error serializer, minus the statement's data and the input a `JSON.parse` quotes. A
 * failed query's message is drizzle's `Failed query: <sql>\nparams: <values>`, and the SQL text
 * itself holds values where they were written in as literals (EXECUTE on PGlite, a group
 * commit's on Postgres): the text is cut at its first literal. The driver's own error (the
 * cause: what actually went wrong) is logged with its code and message, which the default
 * serializer dropped.
 */
export function serializeError(error: unknown, depth = 0): unknown {
  if (!(error instanceof Error)) return error;
  const serialized = stdSerializers.err(error) as unknown as Serialized;
  for (const field of DATA_FIELDS) delete serialized[field];
  if (typeof serialized.query === 'string') {
    const query = serialized.query;
    const shape = withoutLiterals(query);
    serialized.query = shape;
    serialized.message = safeMessage(error.message, query, shape);
    if (serialized.stack) {
      serialized.stack = serialized.stack.replace(error.message, serialized.message);
    }
  }
  if (error instanceof SyntaxError) withoutQuotedInput(serialized);
  const { cause } = error as { cause?: unknown };
  if (cause !== undefined && depth < MAX_CAUSES)
    serialized.cause = serializeError(cause, depth + 1);
  else delete serialized.cause;
  return serialized;
}

/**
 * `JSON.parse` quotes the start of what it could not parse ("Unexpected token 's', "some
 * words"... is not valid JSON"): text from a bus message or a body, which can be a note's body.
 */
function withoutQuotedInput(serialized: Serialized): void {
  const quoted = /, (?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON/s;
  const replacement = ' in input that is not valid JSON';
  if (serialized.message) serialized.message = serialized.message.replace(quoted, replacement);
  if (serialized.stack) serialized.stack = serialized.stack.replace(quoted, replacement);
}

/** SQL up to its first string literal: the statement's shape, none of its values. */
function withoutLiterals(query: string): string {
  const literal = query.indexOf("'");
  return literal === -1 ? query : `${query.slice(0, literal)}…`;
}

/** The message with the query's values gone: drizzle's `params:` line, the SQL's literals. */
function safeMessage(message: string, query: string, shape: string): string {
  const params = message.indexOf('\nparams:');
  const head = params === -1 ? message : message.slice(0, params);
  return head.replace(query, shape);
}
