import { describe, expect, it } from 'vitest';
import { readOpenFiles } from '../../packages/server/src/observability/open-file-limit';
import { connectionsHeld, openFileShortfall } from '../src/open-file-check';
import { DEFAULTS, SMOKE } from '../src/options';

describe('the connections a bench run holds at once', () => {
  it('is the largest workload: at default sizes the growth step of 5,000 and its publishers', () => {
    expect(connectionsHeld(DEFAULTS)).toBe(5_010);
    expect(connectionsHeld({ ...DEFAULTS, workloads: ['fanout', 'connect'] })).toBe(2_000);
    expect(connectionsHeld({ ...DEFAULTS, workloads: ['fanout'], subscribers: 300 })).toBe(3_010);
    expect(connectionsHeld({ ...DEFAULTS, ...SMOKE })).toBe(22);
  });

  const files = readOpenFiles();
  it.skipIf(!files || files.soft === Infinity)(
    'stops a run that needs more open files than the limit, before it starts, with the cause',
    () => {
      const soft = files?.soft ?? 0;
      expect(openFileShortfall({ ...DEFAULTS, workloads: ['idle'], idle: soft })).toMatch(
        new RegExp(`^The open-file limit is ${soft}, and a target of this run needs about`),
      );
      expect(openFileShortfall({ ...DEFAULTS, ...SMOKE })).toBeUndefined();
    },
  );
});
