import { randomUUID } from 'node:crypto';
import { type Edit, EditScript } from './edit-script';
import { openWs, type Received, type WsClient } from './ws-client';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Edits one user's notes over WebSocket, each message with a clientMsgId, waiting for its reply.
 * When the connection is cut before the reply, it reconnects and sends the same message again:
 * the server applies it once (creates by id, the rest because they change nothing the second
 * time). `cut()` drops the connection at a random moment, as a flaky network does.
 */
export class WsWriter {
  writes = 0;
  resent = 0;
  private stopped = false;
  private socket: WsClient | null = null;
  private readonly script: EditScript;
  private readonly writerId = randomUUID().slice(0, 8);
  readonly done: Promise<void>;

  constructor(
    private readonly wsUrls: () => string[],
    private readonly token: string,
    options: { deletes?: boolean; pauseMs?: number } = {},
  ) {
    this.script = new EditScript(options.deletes ?? false);
    this.done = this.run(options.pauseMs ?? 15);
  }

  private async run(pauseMs: number): Promise<void> {
    let sequence = 0;
    while (!this.stopped) {
      const edit = this.script.next();
      // Unique across clients: the server remembers applied ids per user to apply a resend once.
      const clientMsgId = `${this.writerId}-${sequence++}`;
      for (let attempt = 0; ; attempt++) {
        if (attempt > 50) throw new Error(`edit ${clientMsgId} never acknowledged`);
        if (attempt > 0) this.resent++;
        try {
          const reply = await this.exchange(toMessage(edit, clientMsgId), clientMsgId);
          if (reply.type === 'error') {
            throw new Error(`edit refused: ${JSON.stringify(reply)}`);
          }
          break;
        } catch (error) {
          if (error instanceof Error && error.message.startsWith('edit refused')) throw error;
          this.socket = null; // cut: reconnect and send it again
          await sleep(50);
        }
      }
      this.writes++;
      await sleep(pauseMs);
    }
    this.socket?.close();
  }

  private async exchange(message: object, clientMsgId: string): Promise<Received> {
    if (!this.socket) {
      const urls = this.wsUrls();
      this.socket = await openWs(`${urls[this.writes % urls.length]}/ws`, {
        headers: { authorization: `Bearer ${this.token}` },
        expectAuth: true,
      });
    }
    const socket = this.socket;
    socket.send(message);
    for (;;) {
      const reply = await socket.next(5_000);
      if (reply.clientMsgId === clientMsgId) return reply;
    }
  }

  cut(): void {
    this.socket?.socket.terminate();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }
}

function toMessage(edit: Edit, clientMsgId: string): object {
  switch (edit.kind) {
    case 'create':
      return {
        type: 'note_created',
        noteData: { id: edit.noteId, title: edit.title },
        clientMsgId,
      };
    case 'update':
      return {
        type: 'note_update',
        noteId: edit.noteId,
        changes: { content: edit.content },
        clientMsgId,
      };
    case 'trash':
      return { type: 'note_deleted', noteId: edit.noteId, clientMsgId };
    case 'destroy':
      // The protocol's note_deleted is the trash; deleting for good is a REST call. Over the
      // socket the script's "destroy" is one more trash.
      return { type: 'note_deleted', noteId: edit.noteId, clientMsgId };
  }
}
