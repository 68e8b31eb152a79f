/** A Dataverse Web API error as the service reported it: HTTP status plus `error.code` / `error.message`. */
export class DataverseError extends Error {
  constructor(
    readonly status: number,
    /** Lower-case hex code as sent, e.g. `0x80040220`; empty when the body had none. */
    readonly code: string,
    readonly serviceMessage: string,
    readonly method: string,
    readonly path: string,
  ) {
    super(`${method} ${path} failed: ${status}${code ? ` ${code}` : ''}${serviceMessage ? ` ${serviceMessage}` : ''}`);
    this.name = 'DataverseError';
  }

  is(code: string): boolean {
    return this.code.toLowerCase() === code.toLowerCase();
  }
}

/**
 * The request may or may not have reached the org (connection dropped, timeout, 5xx after
 * retries). Callers that write must re-read state before trying again.
 */
export class TransientError extends Error {
  constructor(
    message: string,
    readonly method: string,
    readonly path: string,
    readonly reason: string,
  ) {
    super(message);
    this.name = 'TransientError';
  }
}

/** Dataverse error codes dvpkg reacts to. */
export const DataverseCodes = {
  privilegeDenied: '0x80040220',
  duplicateRecord: '0x80040237',
  userNotMember: '0x80072560',
  userDisabled: '0x80040225',
  appIdNotFound: '0x8004f510',
  solutionConcurrency: '0x80071151',
  lowerVersion: '0x80048541',
} as const;
