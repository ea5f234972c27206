// The osgit pack: records (records.ts), their encoder and incremental decoder, and stream readers.
export * from './records.js';
export * from './encode-pack.js';
export { PackDecoder, type PackDecoderOptions } from './decode-pack.js';
export { readPackRecords } from './read-pack.js';
