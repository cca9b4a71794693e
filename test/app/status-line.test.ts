/**
 * The settings page's status line outside the engine: what the line says (and never says),
 * and when the App writes it (lib/status/statusSetting.ts) with an injected clock and timers.
 */
import type { ISetting, ISettingSelectValue } from '@rocket.chat/apps-engine/definition/settings';
import { statusLine, utcMinute } from '../../app/lib/status/statusLine';
import { STATUS_BUSY_RETRY_MS, STATUS_REFRESH_INTERVAL_MS, STATUS_SETTLE_MS, StatusSetting, statusOptions } from '../../app/lib/status/statusSetting';
import { LoginStats } from '../../app/lib/status/stats';
import { SettingId, STATUS_OPTION_KEY } from '../../app/settings';

describe('statusLine', () => {
  test('not configured: the missing ids, the companion, no login yet, zero counts', () => {
    expect(statusLine({ missing: ['assertion_issuer', 'rc_admin_token'], companion: 'not set', lastLoginAt: null, counts: { logins: 0, rejections: {} } })).toBe(
      'missing: assertion_issuer, rc_admin_token · companion not set · no login yet · since start: 0 logins, 0 rejections',
    );
  });

  test('configured: last login to the UTC minute, totals, the top three reasons and the rest as "other"', () => {
    const line = statusLine({
      missing: [],
      companion: 'unreachable',
      lastLoginAt: '2026-11-26T01:42:59.999Z',
      counts: { logins: 1, rejections: { replayed: 2, expired: 5, bad_request: 2, auto_create_off: 1, email_taken: 1 } },
    });
    expect(line).toBe('configured · companion unreachable · last login 2026-11-26T01:42Z · since start: 1 login, 11 rejections (expired 5, bad_request 2, replayed 2, other 2)');
    expect(utcMinute(new Date(Date.UTC(2026, 0, 2, 3, 4, 5)).toISOString())).toBe('2026-01-02T03:04Z');
  });
});

/** Timers and a clock the test moves by hand. */
function fakeTime() {
  let now = 1_000_000;
  const timers: Array<{ at: number; callback: () => void; id: number }> = [];
  let next = 0;
  return {
    clock: () => now,
    setTimer: (callback: () => void, ms: number) => {
      const id = ++next;
      timers.push({ at: now + ms, callback, id });
      return id;
    },
    clearTimer: (id: unknown) => {
      const index = timers.findIndex((timer) => timer.id === id);
      if (index >= 0) timers.splice(index, 1);
    },
    pending: () => timers.length,
    /** Moves the clock, running every timer due, then lets their promises settle. */
    async advance(ms: number): Promise<void> {
      now += ms;
      for (;;) {
        const due = timers.filter((timer) => timer.at <= now).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        timers.splice(timers.indexOf(due), 1);
        due.callback();
        await new Promise((resolve) => setImmediate(resolve));
      }
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

function setup(compute: () => Promise<string> = async () => 'line', busy?: () => boolean) {
  const time = fakeTime();
  const writes: ISettingSelectValue[][] = [];
  const warnings: string[] = [];
  const status = new StatusSetting({
    compute,
    write: async (values) => void writes.push(values),
    warn: (message) => void warnings.push(message),
    busy,
    clock: time.clock,
    setTimer: time.setTimer,
    clearTimer: time.clearTimer,
  });
  return { time, writes, warnings, status };
}

describe('StatusSetting: when the line is written', () => {
  test('a burst of changes refreshes once, shortly after the last; an unchanged line is not written again', async () => {
    let line = 'a';
    const { time, writes, status } = setup(async () => line);
    status.changed();
    expect(writes).toHaveLength(0); // never inside the caller
    for (let i = 0; i < 3; i++) {
      await time.advance(STATUS_SETTLE_MS - 1);
      status.changed();
    }
    expect(writes).toHaveLength(0);
    expect(time.pending()).toBe(1);
    await time.advance(STATUS_SETTLE_MS);
    expect(writes).toEqual([statusOptions('a')]);
    status.changed();
    await time.advance(STATUS_SETTLE_MS);
    expect(writes).toHaveLength(1);
    line = 'b';
    status.changed();
    await time.advance(STATUS_SETTLE_MS);
    expect(writes).toEqual([statusOptions('a'), statusOptions('b')]);
    expect(writes[1]).toEqual([{ key: STATUS_OPTION_KEY, i18nLabel: 'b' }]);
  });

  test('logins: the first at once, the rest of the minute together at its end, then at once again', async () => {
    const stats = new LoginStats();
    const { time, writes, status } = setup(async () => `${stats.counts().logins}`);
    stats.onRecord(() => status.activity());
    stats.recordLogin();
    await time.advance(0);
    expect(writes.map((values) => values[0]!.i18nLabel)).toEqual(['1']);
    for (let i = 0; i < 50; i++) stats.recordLogin();
    stats.recordRejection('expired');
    await time.advance(STATUS_REFRESH_INTERVAL_MS - 1);
    expect(writes).toHaveLength(1);
    expect(time.pending()).toBe(1); // one refresh waiting, however many logins
    await time.advance(1);
    expect(writes.map((values) => values[0]!.i18nLabel)).toEqual(['1', '51']);
    await time.advance(STATUS_REFRESH_INTERVAL_MS * 2);
    stats.recordLogin();
    await time.advance(0);
    expect(writes.map((values) => values[0]!.i18nLabel)).toEqual(['1', '51', '52']);
  });

  test('a refresh asked for while one runs runs once more afterwards, not in parallel', async () => {
    let release!: () => void;
    let calls = 0;
    let running = 0;
    const { time, writes, status } = setup(async () => {
      calls += 1;
      running += 1;
      expect(running).toBe(1);
      if (calls === 1) await new Promise<void>((resolve) => (release = resolve));
      running -= 1;
      return `line ${calls}`;
    });
    status.changed();
    await time.advance(STATUS_SETTLE_MS);
    status.changed();
    status.changed();
    await time.advance(STATUS_SETTLE_MS);
    release();
    await time.advance(0);
    expect(calls).toBe(2);
    expect(writes.map((values) => values[0]!.i18nLabel)).toEqual(['line 1', 'line 2']);
  });

  test('a failure is logged once (no value in it) until a refresh succeeds; the next refresh writes again', async () => {
    let fail = true;
    const { time, writes, warnings, status } = setup(async () => {
      if (fail) throw new Error('No App found by the provided id: x');
      return 'ok';
    });
    for (let i = 0; i < 3; i++) {
      status.changed();
      await time.advance(STATUS_SETTLE_MS);
    }
    expect(warnings).toEqual(['status setting: refresh failed: No App found by the provided id: x']);
    fail = false;
    status.changed();
    await time.advance(STATUS_SETTLE_MS);
    expect(writes).toEqual([statusOptions('ok')]);
    fail = true;
    status.changed();
    await time.advance(STATUS_SETTLE_MS);
    expect(warnings).toHaveLength(2);
  });

  test('while another App call runs (its log entries would go with the write), the write waits and is retried', async () => {
    let busy = true;
    const { time, writes, status } = setup(async () => 'line', () => busy);
    status.changed();
    await time.advance(STATUS_SETTLE_MS);
    await time.advance(STATUS_BUSY_RETRY_MS * 3);
    expect(writes).toHaveLength(0);
    expect(time.pending()).toBe(1); // one retry waiting, not one per attempt
    busy = false;
    await time.advance(STATUS_BUSY_RETRY_MS);
    expect(writes).toEqual([statusOptions('line')]);
    expect(time.pending()).toBe(0);
  });

  test('stopped (App disabled): pending refreshes dropped, nothing written; started again: the line is written even if unchanged', async () => {
    const { time, writes, status } = setup();
    status.changed();
    await time.advance(STATUS_SETTLE_MS);
    status.activity();
    status.stop();
    expect(time.pending()).toBe(0);
    status.changed();
    status.activity();
    await time.advance(STATUS_REFRESH_INTERVAL_MS);
    expect(writes).toHaveLength(1);
    status.start();
    status.changed();
    await time.advance(STATUS_SETTLE_MS);
    expect(writes).toHaveLength(2);
  });
});

describe('StatusSetting.guard (onPreSettingUpdate of the status setting)', () => {
  const stored: ISetting = { id: SettingId.Status, type: 'select' as ISetting['type'], packageValue: STATUS_OPTION_KEY, values: statusOptions('old line'), required: false, public: false, i18nLabel: 'Status (refreshed by the App)' };

  test('the App\'s own write is kept; any other save keeps the stored setting', async () => {
    const { time, status } = setup(async () => 'new line');
    status.changed();
    await time.advance(STATUS_SETTLE_MS);
    expect(status.guard(stored, { ...stored, values: statusOptions('new line') })).toEqual({ ...stored, values: statusOptions('new line') });
    expect(status.guard(stored, { ...stored, value: STATUS_OPTION_KEY })).toEqual(stored);
    const forged = { ...stored, type: 'string' as ISetting['type'], value: 'x', values: [{ key: 'x', i18nLabel: 'all is well' }], i18nLabel: 'Forged', hidden: true };
    expect(status.guard(stored, forged)).toEqual(stored);
    expect(status.guard(stored, { ...stored, values: [...statusOptions('new line'), { key: 'y', i18nLabel: 'y' }] })).toEqual(stored);
  });

  test('before the App wrote anything, every save keeps the stored setting', () => {
    const { status } = setup();
    expect(status.guard(stored, { ...stored, values: statusOptions('anything') })).toEqual(stored);
  });
});
