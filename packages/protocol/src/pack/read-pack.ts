/**
 * A pack read from a byte stream (an HTTP body): records as they arrive. Reading is pulled by the
 * consumer, so a slow consumer slows the stream down (backpressure) instead of buffering it.
 */
import { PackDecoder, type PackDecoderOptions } from './decode-pack.js';
import type { PackRecord } from './records.js';

/** Every record of the pack in `body`; throws BAD_RESPONSE when the stream ends before the pack does. */
export async function* readPackRecords(body: AsyncIterable<Uint8Array>, opts: PackDecoderOptions = {}): AsyncGenerator<PackRecord> {
  const decoder = new PackDecoder(opts);
  for await (const chunk of body) {
    decoder.push(chunk);
    for (let record = decoder.next(); record !== null; record = decoder.next()) yield record;
  }
  decoder.finish();
}
