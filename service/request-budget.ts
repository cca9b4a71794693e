/**
 * One request's budget for all its MongoDB steps (service/mongo.ts withDeadline reads it). Apart
 * from mongo.ts so that the app can set it without loading the MongoDB driver where none is used.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * All MongoDB steps of one request together, so that a request making several in a row (the
 * revocation read, then the user read, then a token write) still answers within 2 s: a bound per
 * step alone would add up. What is left of 2 s renders the answer.
 */
export const REQUEST_MONGO_BUDGET_MS = 1500;

/** When the running request's budget ends (ms since the epoch); undefined outside a request. */
export const requestDeadline = new AsyncLocalStorage<number>();

/** Runs `work` (a request's handler) with REQUEST_MONGO_BUDGET_MS for all its MongoDB steps. */
export function withMongoBudget<T>(work: () => T, ms = REQUEST_MONGO_BUDGET_MS): T {
  return requestDeadline.run(Date.now() + ms, work);
}
