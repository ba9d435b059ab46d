import { type Edit, EditScript } from './edit-script';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Edits one user's notes over REST against whichever instances are alive. A write whose instance
 * died or answered 503 is retried on another one; creates carry their own id, so a retried create
 * whose first answer was lost is applied once, as an offline-capable client does.
 */
export class RestWriter {
  writes = 0;
  retries = 0;
  private stopped = false;
  private readonly firstChoice: number;
  private readonly script: EditScript;
  readonly done: Promise<void>;

  constructor(
    private readonly headers: Record<string, string>,
    private readonly urls: () => string[],
    options: { deletes?: boolean; pauseMs?: number; firstChoice?: number } = {},
  ) {
    this.firstChoice = options.firstChoice ?? 0;
    this.script = new EditScript(options.deletes ?? false);
    this.done = this.run(options.pauseMs ?? 15);
  }

  private async run(pauseMs: number): Promise<void> {
    while (!this.stopped) {
      await this.apply(this.script.next());
      this.writes++;
      await sleep(pauseMs);
    }
  }

  private apply(edit: Edit): Promise<void> {
    switch (edit.kind) {
      case 'create':
        return this.send('POST', '/api/notes', { id: edit.noteId, title: edit.title });
      case 'update':
        return this.send('PATCH', `/api/notes/${edit.noteId}`, { content: edit.content });
      case 'trash':
        return this.send('DELETE', `/api/notes/${edit.noteId}`);
      case 'destroy':
        return this.send('DELETE', `/api/notes/${edit.noteId}?permanent=true`);
    }
  }

  private async send(method: string, path: string, body?: unknown): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const urls = this.urls();
      const url = urls[(this.firstChoice + attempt) % urls.length] as string;
      let status = 0;
      try {
        const response = await fetch(`${url}${path}`, {
          method,
          headers: {
            ...this.headers,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(5_000),
        });
        status = response.status;
        if (response.ok) return;
        const text = await response.text();
        // A permanent delete retried after its answer was lost finds the note already gone.
        if (attempt > 0 && method === 'DELETE' && status === 404) return;
        if (status !== 503) throw new Error(`${method} ${path} answered ${status}: ${text}`);
      } catch (error) {
        if (status !== 0 && status !== 503) throw error;
      }
      this.retries++;
      if (attempt > 100) throw new Error(`${method} ${path} failed on every instance`);
      await sleep(100);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }
}
