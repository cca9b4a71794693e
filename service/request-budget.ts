/**
 * One request's budget for all its MongoDB steps (service/mongo.ts withDeadline reads it). Apart
 * from mongo.ts so that the app can set it without loading the MongoDB driver where none is used.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * All MongoDB steps of one request together, so that a request making several in a row (the
 * user read, then a token write) still answers within 2 s: a bound per step alone would add up.
 * What is left of 2 s renders the answer.
 */
export const REQUEST_MONGO_BUDGET_MS = 1500;

/** When the running request's budget ends (ms since the epoch); undefined outside a budget. */
export const requestDeadline = new AsyncLocalStorage<number>();

/** Budgets running now: the storage is switched off whenever none is. */
let running = 0;

/**
 * Runs `work` (a request's handler, or the part of one that may reach MongoDB) with every
 * MongoDB step in it sharing one deadline, `until` (by default REQUEST_MONGO_BUDGET_MS from now).
 *
 * Why the storage is switched off between budgets: on Node 20 an enabled AsyncLocalStorage turns
 * on promise hooks for the whole process, so every promise of every request — the API URL's
 * fast path included, which reaches no database and never runs in a budget — would pay for it.
 * Switched off when no budget runs, only requests that overlap one that may reach MongoDB do.
 */
export function withMongoBudget<T>(work: () => T, until = Date.now() + REQUEST_MONGO_BUDGET_MS): T {
  running += 1;
  let settled = true;
  try {
    const result = requestDeadline.run(until, work);
    if (result instanceof Promise) {
      settled = false;
      return result.finally(end) as T;
    }
    return result;
  } finally {
    if (settled) end();
  }
}

function end(): void {
  running -= 1;
  if (running === 0) requestDeadline.disable();
}
