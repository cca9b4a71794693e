/**
 * The failures a login can end in, each carrying the HTTP status and reply body of the
 * contract (docs/contract.md), so endpoints map them without knowing where they came from.
 */
import type { InvalidReason } from '../contract/claims';
import { ERROR_STATUS, ErrorReply, ProvisioningDeniedReason } from '../contract/replies';

export abstract class EndpointError extends Error {
  abstract readonly status: number;
  abstract body(): ErrorReply;
}

export class BadRequest extends EndpointError {
  readonly status = ERROR_STATUS.bad_request;
  body(): ErrorReply {
    return { error: 'bad_request' };
  }
}

/** The assertion was refused; `detail` is for the log only (it may name a claim, never a value). */
export class InvalidAssertion extends EndpointError {
  readonly status = ERROR_STATUS.invalid_assertion;
  constructor(readonly reason: InvalidReason, readonly detail: string) {
    super(`invalid assertion: ${reason} (${detail})`);
  }
  body(): ErrorReply {
    return { error: 'invalid_assertion', reason: this.reason };
  }
}

export class ProvisioningDenied extends EndpointError {
  readonly status = ERROR_STATUS.provisioning_denied;
  constructor(readonly reason: ProvisioningDeniedReason) {
    super(`provisioning denied: ${reason}`);
  }
  body(): ErrorReply {
    return { error: 'provisioning_denied', reason: this.reason };
  }
}

/** Rocket.Chat's REST API failed: down, slow, 5xx, 429, unreadable, or refused the admin credential. */
export class RocketChatUnavailable extends EndpointError {
  readonly status = ERROR_STATUS.rocketchat_unavailable;
  body(): ErrorReply {
    return { error: 'rocketchat_unavailable' };
  }
}

export class NotConfigured extends EndpointError {
  readonly status = ERROR_STATUS.not_configured;
  constructor(readonly missing: string[]) {
    super(`not configured: ${missing.join(', ')}`);
  }
  body(): ErrorReply {
    return { error: 'not_configured', missing: this.missing };
  }
}
