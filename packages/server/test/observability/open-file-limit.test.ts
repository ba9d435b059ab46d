import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  OPEN_FILE_LIMIT_FLOOR,
  openFileWarning,
  parseOpenFileLimits,
  readOpenFiles,
} from '../../src/observability/open-file-limit';
import { startInstance } from '../helpers/instance-process';
import { usingRealPostgres } from '../helpers/test-database';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 524288               files
Max locked memory         8388608              8388608              bytes
`;

describe('the open-file limit', () => {
  it('reads the soft and hard limits from /proc/self/limits', () => {
    expect(parseOpenFileLimits(LIMITS)).toEqual({ soft: 1024, hard: 524288 });
    expect(
      parseOpenFileLimits('Max open files            unlimited            unlimited   files'),
    ).toEqual({ soft: Infinity, hard: Infinity });
    expect(parseOpenFileLimits('Max cpu time unlimited unlimited seconds')).toBeUndefined();
  });

  it('warns a production server below the floor, with the room left', () => {
    const low = { soft: 1024, hard: 524288, inUse: 130 };
    expect(openFileWarning(low, 'production')).toContain('past about 894 more');
    expect(openFileWarning(low, 'development')).toBeUndefined();
    expect(openFileWarning({ ...low, soft: OPEN_FILE_LIMIT_FLOOR }, 'production')).toBeUndefined();
    expect(openFileWarning(undefined, 'production')).toBeUndefined();
  });

  it.skipIf(process.platform !== 'linux')('counts this process’ files on Linux', () => {
    const files = readOpenFiles();
    expect(files?.soft).toBeGreaterThan(0);
    expect(files?.inUse).toBeGreaterThan(2);
  });
});

// A real process started under a low limit, as a service manager's default would start it.
describe.skipIf(usingRealPostgres || process.platform !== 'linux')(
  'a production server started with a low open-file limit',
  () => {
    const dirs: string[] = [];
    afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

    it('says so at start, with the limit', async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'tidings-data-'));
      dirs.push(dataDir);
      const instance = await startInstance(
        'low open-file limit',
        { DATA_DIR: dataDir, JWT_SECRET: randomBytes(32).toString('base64url') },
        60_000,
        { openFileLimit: 900 },
      );
      try {
        const lines = instance
          .output()
          .split('\n')
          .filter((line) => line.startsWith('{'))
          .map(
            (line) => JSON.parse(line) as { level: number; msg: string; openFileLimit?: number },
          );
        const listening = lines.find((line) => line.msg === 'Tidings is listening');
        expect(listening?.openFileLimit).toBe(900);
        const warning = lines.find((line) => line.msg.startsWith('The open-file limit is 900'));
        expect(warning?.level).toBe(40);
      } finally {
        await instance.stop('SIGTERM');
      }
    }, 90_000);
  },
);
