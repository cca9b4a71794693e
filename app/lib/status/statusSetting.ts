/**
 * The settings page's status line. Apps-Engine 1.59 cannot change a setting's
 * description, but an App may replace a SELECT setting's options
 * (`environmentWriter.getSettings().updateSelectOptions`), and Rocket.Chat's settings page
 * shows an option label with no translation as its raw text. So the `status` setting has one
 * option whose label the App rewrites with `statusLine()`.
 *
 * When: shortly (`settleMs`, once a burst of them is over: the settings page saves its changes
 * one by one) after the App is enabled, a settings change and a flip of the companion's
 * reachability; after logins and rejections at most once per `intervalMs` (the first one after
 * a quiet interval at once, the rest together at the end of the interval). Never
 * on a login's path: a refresh is only scheduled there. A line equal to the last one written
 * is not written again. A failed refresh is logged once until one succeeds again.
 *
 * The write goes through the engine's AppSettingsManager (store, client notification,
 * onPreSettingUpdate and onSettingUpdated of this App), whose call the writer does not wait
 * for. Those two calls into the App replace the Deno runtime's one current logger, so a write
 * while another App call runs would take that call's log entries (e.g. the wiring's "nothing
 * changed"): while `busy()` says one runs, the write waits and is retried shortly after. `guard()` makes the setting read-only in effect: only the options this App last
 * wrote are kept; anything else an administrator sends for it (its only option, a forged
 * value or label) leaves the stored setting as it was.
 */
import type { ISetting, ISettingSelectValue } from '@rocket.chat/apps-engine/definition/settings';
import { STATUS_OPTION_KEY } from '../../settings';

export const STATUS_REFRESH_INTERVAL_MS = 60_000;
/** How long after the last of a burst of changes the line is refreshed. */
export const STATUS_SETTLE_MS = 300;
/** How soon a write held back by a running App call is tried again. */
export const STATUS_BUSY_RETRY_MS = 250;

export interface StatusSettingDeps {
  /** The current line (reads settings, probes the companion). */
  compute(): Promise<string>;
  /** Hands the line to the engine as the setting's only option. */
  write(values: ISettingSelectValue[]): Promise<void>;
  /** Where the one message of a failure streak goes. */
  warn(message: string): void;
  /** True while an App call whose log entries a write would take is running. */
  busy?: () => boolean;
  intervalMs?: number;
  settleMs?: number;
  clock?: () => number;
  setTimer?: (callback: () => void, ms: number) => unknown;
  clearTimer?: (timer: unknown) => void;
}

export function statusOptions(line: string): ISettingSelectValue[] {
  return [{ key: STATUS_OPTION_KEY, i18nLabel: line }];
}

export class StatusSetting {
  private readonly intervalMs: number;
  private readonly settleMs: number;
  private readonly clock: () => number;
  private readonly setTimer: (callback: () => void, ms: number) => unknown;
  private readonly clearTimer: (timer: unknown) => void;
  /** The line last handed to the engine: written again only when it differs. */
  private written?: string;
  private running = false;
  private again = false;
  private failing = false;
  private stopped = false;
  private lastActivityRefresh = Number.NEGATIVE_INFINITY;
  private timers = new Set<unknown>();
  private activityTimer?: unknown;
  private changeTimer?: unknown;
  private retryTimer?: unknown;

  constructor(private readonly deps: StatusSettingDeps) {
    this.intervalMs = deps.intervalMs ?? STATUS_REFRESH_INTERVAL_MS;
    this.settleMs = deps.settleMs ?? STATUS_SETTLE_MS;
    this.clock = deps.clock ?? Date.now;
    this.setTimer = deps.setTimer ?? ((callback, ms) => setTimeout(callback, ms));
    this.clearTimer = deps.clearTimer ?? ((timer) => clearTimeout(timer as ReturnType<typeof setTimeout>));
  }

  /** Enabled, a setting changed, the companion's reachability flipped: refresh once no such change came for `settleMs`. */
  changed(): void {
    if (this.changeTimer !== undefined) {
      this.clearTimer(this.changeTimer);
      this.timers.delete(this.changeTimer);
    }
    this.changeTimer = this.schedule(this.settleMs, () => {
      this.changeTimer = undefined;
      return this.run();
    });
  }

  /** A login or a rejection: refresh now if the last such refresh is an interval old, else once at its end. */
  activity(): void {
    if (this.activityTimer !== undefined || this.stopped) return;
    const wait = Math.max(0, this.lastActivityRefresh + this.intervalMs - this.clock());
    this.activityTimer = this.schedule(wait, () => {
      this.activityTimer = undefined;
      this.lastActivityRefresh = this.clock();
      return this.run();
    });
  }

  /** onPreSettingUpdate for the status setting: keep the stored setting, taking only options this App wrote last. */
  guard(oldSetting: ISetting, newSetting: ISetting): ISetting {
    const own = this.written !== undefined && sameOptions(newSetting.values, statusOptions(this.written));
    return { ...oldSetting, values: own ? statusOptions(this.written as string) : oldSetting.values };
  }

  /** Disabled: no more refreshes (a pending one is dropped). */
  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) this.clearTimer(timer);
    this.timers.clear();
    this.activityTimer = undefined;
    this.changeTimer = undefined;
    this.retryTimer = undefined;
  }

  /** Enabled again: the next refresh writes even an unchanged line (the stored one may be older). */
  start(): void {
    this.stopped = false;
    this.written = undefined;
  }

  private schedule(ms: number, task: () => Promise<void>): unknown {
    if (this.stopped) return undefined;
    const timer = this.setTimer(() => {
      this.timers.delete(timer);
      void task();
    }, ms);
    this.timers.add(timer);
    return timer;
  }

  private retrySoon(): void {
    if (this.retryTimer !== undefined) return;
    this.retryTimer = this.schedule(STATUS_BUSY_RETRY_MS, () => {
      this.retryTimer = undefined;
      return this.run();
    });
  }

  private async run(): Promise<void> {
    if (this.stopped) return;
    if (this.running) {
      this.again = true; // one more pass once the running one ends
      return;
    }
    this.running = true;
    try {
      do {
        this.again = false;
        const line = await this.deps.compute();
        if (this.stopped || line === this.written) continue;
        if (this.deps.busy?.()) {
          this.retrySoon();
          break;
        }
        this.written = line;
        await this.deps.write(statusOptions(line));
      } while (this.again && !this.stopped);
      this.failing = false;
    } catch (error) {
      this.written = undefined; // unknown what the engine holds: the next refresh writes
      if (!this.failing) this.deps.warn(`status setting: refresh failed: ${describe(error)}`);
      this.failing = true;
    } finally {
      this.running = false;
    }
  }
}

function sameOptions(a: ISettingSelectValue[] | undefined, b: ISettingSelectValue[]): boolean {
  return Array.isArray(a) && a.length === b.length && a.every((option, i) => option?.key === b[i]!.key && option?.i18nLabel === b[i]!.i18nLabel);
}

/** Errors from the host arrive as JSON-RPC error objects; only their message is kept (never a value). */
function describe(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : 'unknown error';
}
