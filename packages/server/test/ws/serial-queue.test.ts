import { describe, expect, it } from 'vitest';
import { SerialQueue } from '../../src/ws/serial-queue';

/** A task that records its start and end, and finishes when the test says so. */
function gatedTask(name: string, log: string[]) {
  let open: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (open = resolve));
  return {
    run: async () => {
      log.push(`${name}:start`);
      await gate;
      log.push(`${name}:end`);
    },
    finish: () => open(),
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));
const quietFlow = () => ({ pauseReading() {}, resumeReading() {}, allHandled() {} });

describe('SerialQueue', () => {
  it('runs tasks one after another in arrival order, also after going idle', async () => {
    const log: string[] = [];
    const queue = new SerialQueue(10, quietFlow());
    const first = gatedTask('a', log);
    const second = gatedTask('b', log);
    queue.push(first.run);
    queue.push(second.run);
    await tick();
    expect(log).toEqual(['a:start']);
    first.finish();
    await tick();
    expect(log).toEqual(['a:start', 'a:end', 'b:start']);
    second.finish();
    await tick();
    // Idle now; a later task still runs.
    const third = gatedTask('c', log);
    queue.push(third.run);
    third.finish();
    await tick();
    expect(log).toEqual(['a:start', 'a:end', 'b:start', 'b:end', 'c:start', 'c:end']);
  });

  it('pauses the reader past the limit and resumes it at half', async () => {
    const flow: string[] = [];
    const queue = new SerialQueue(2, {
      pauseReading: () => flow.push('pause'),
      resumeReading: () => flow.push('resume'),
      allHandled: () => flow.push('all handled'),
    });
    const log: string[] = [];
    const tasks = Array.from({ length: 4 }, (_, index) => gatedTask(`t${index}`, log));
    for (const task of tasks) queue.push(task.run);
    // t0 runs; t1..t3 wait: three waiting is past the limit of two.
    expect(flow).toEqual(['pause']);
    for (const task of tasks) {
      task.finish();
      await tick();
    }
    expect(flow).toEqual(['pause', 'resume', 'all handled']);
    expect(log.filter((entry) => entry.endsWith(':end'))).toHaveLength(4);
  });

  it('drops what waits once stopped, and takes nothing after', async () => {
    const log: string[] = [];
    const queue = new SerialQueue(10, quietFlow());
    const running = gatedTask('running', log);
    queue.push(running.run);
    queue.push(gatedTask('waiting', log).run);
    queue.stop();
    queue.push(gatedTask('late', log).run);
    running.finish();
    await tick();
    expect(log).toEqual(['running:start', 'running:end']);
  });

  it('counts the messages waiting, and says when the last one has been handled', async () => {
    const handled: number[] = [];
    const queue: SerialQueue = new SerialQueue(10, {
      pauseReading() {},
      resumeReading() {},
      allHandled: () => handled.push(queue.waiting),
    });
    const log: string[] = [];
    const first = gatedTask('a', log);
    const second = gatedTask('b', log);
    expect(queue.busy).toBe(false);
    queue.push(first.run);
    expect(queue.busy).toBe(true);
    queue.push(second.run);
    expect(queue.waiting).toBe(1);
    first.finish();
    await tick();
    expect(queue.waiting).toBe(0);
    expect(handled).toEqual([]);
    second.finish();
    await tick();
    expect(handled).toEqual([0]);
    expect(queue.busy).toBe(false);
  });
});
