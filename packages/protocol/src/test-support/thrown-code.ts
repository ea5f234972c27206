import { isProtocolError } from '../errors.js';

/**
 * For the package's unit tests: the code of the ProtocolError `fn` throws, or undefined when it
 * returns. Anything other than a ProtocolError is rethrown, so a bug never passes as a refusal.
 */
export function thrownCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (isProtocolError(err)) return err.code;
    throw err;
  }
  return undefined;
}
