/**
 * Starting and stopping the engine host: clear errors before anything is spawned, a
 * fresh engine after close() in the same process, and no Deno process left behind.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { startEngine } from '../../devstack/engine';

function denoChildren(): string[] {
  try {
    return execFileSync('pgrep', ['-P', String(process.pid), 'deno'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

/** Jest may run other files' engines in this process too (in band): only ours count. */
const denoBefore = new Set(denoChildren());
const ourDenoChildren = (): string[] => denoChildren().filter((pid) => !denoBefore.has(pid));

describe('engine host lifecycle', () => {
  it('tells how to build the App package when it is missing', async () => {
    const zipPath = join(__dirname, 'no-such-app.zip');
    await expect(startEngine({ zipPath })).rejects.toThrow(/no-such-app\.zip does not exist: run `npm run package:app`/);
    expect(ourDenoChildren()).toEqual([]);
  });

  it('rejects a file that is not an App package without leaving anything running', async () => {
    await expect(startEngine({ zipPath: __filename })).rejects.toThrow(/refused the App package/);
    expect(ourDenoChildren()).toEqual([]);
  });

  it('refuses settings the App does not have, and stops what it started', async () => {
    await expect(startEngine({ settings: { no_such_setting: true } })).rejects.toThrow(/no setting "no_such_setting"/);
    expect(ourDenoChildren()).toEqual([]);
  });

  it('starts again after close(), and close() twice is harmless', async () => {
    const first = await startEngine();
    expect(await first.status()).toBe('manually_enabled');
    await first.close();
    await first.close();
    expect(ourDenoChildren()).toEqual([]);

    const second = await startEngine();
    try {
      expect(second.appId).toBe(first.appId);
      expect(await second.status()).toBe('manually_enabled');
    } finally {
      await second.close();
    }
    expect(ourDenoChildren()).toEqual([]);
  });
});
