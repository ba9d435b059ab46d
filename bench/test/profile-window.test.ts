import { describe, expect, it } from 'vitest';
import { busiestWindow, type CpuProfile } from '../src/report/profile-window';

const frame = (functionName: string) => ({ functionName, url: '', lineNumber: 0 });

/** root > provision > insert, root > work, root > (idle); one sample per millisecond. */
function profile(timeline: string): CpuProfile {
  const ids: Record<string, number> = { P: 3, W: 4, I: 5 };
  return {
    nodes: [
      { id: 1, callFrame: frame('(root)'), children: [2, 4, 5] },
      { id: 2, callFrame: frame('provision'), children: [3] },
      { id: 3, callFrame: frame('insert') },
      { id: 4, callFrame: frame('work') },
      { id: 5, callFrame: frame('(idle)') },
    ],
    samples: [...timeline].map((sample) => ids[sample]!),
    timeDeltas: [...timeline].map(() => 1000),
  };
}

const letters = (cut: CpuProfile) =>
  cut.samples.map((id) => ({ 3: 'P', 4: 'W', 5: 'I' })[id]).join('');

describe('busiestWindow', () => {
  it('keeps the busiest stretch of the asked length', () => {
    expect(letters(busiestWindow(profile('IIWIWWWWIIWI'), 4))).toBe('WWWW');
  });

  it('with `after`, skips everything up to the last sample inside that function', () => {
    // Provisioning is the busiest stretch of all; the workload after it is what is asked for.
    const timeline = 'PPPPPPIWWIWIPPIIWWWIW';
    expect(letters(busiestWindow(profile(timeline), 5))).toBe('PPPPP');
    expect(letters(busiestWindow(profile(timeline), 5, 'provision'))).toBe('WWWIW');
  });
});
