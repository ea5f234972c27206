/**
 * The ed25519 test vector of reference/ostree-formats.md §5.3 and §8, shared by the signing and
 * verifying tests: literals from outside the code (python-cryptography, ostree), never computed here.
 */

/** The 134 raw bytes of commit ef87eb6e… (test/main, "Test commit", 2020-01-01). */
export const VECTOR_COMMIT = Buffer.from(
  '6f73747265652e7265662d62696e64696e67000000000000746573742f6d61696e000a00617313275465737420636f6d6d6974' +
    '0000000000000000005e0be100f77f06ee95373c2e32410eebce8d580971872175136046d762ea229b695c1bef446a0ef11b7c' +
    'c167f3b603e585c7eeeeb675faa412d5ec73f62988eb0b6c5488603534282828',
  'hex',
);
/** Seed 0x00…0x1f: the 64-byte secret (seed ‖ public) and the public key, base64. */
export const VECTOR_SECRET = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8DoQe/884Qvh1w3RjnS8CZZ+TWMJulDV8d3IZkElUxuA==';
export const VECTOR_PUBLIC = 'A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=';
/** The vector key's signature of VECTOR_COMMIT, hex. */
export const VECTOR_SIG = '0b940e3840374c9bbe05587162dd73e52a6b72edacd8cc2af09034dd1eab3c7bdde0d0ed87a11db3da80be853f1ea070fb53b9e4e16c4dcc487cb70de95e230a';
