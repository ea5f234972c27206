/** Keys of OSTree's detached metadata (`.commitmeta`, `summary.sig`) that carry signatures (reference §5.3). */
export const ED25519_SIGNATURES_KEY = 'ostree.sign.ed25519';
export const GPG_SIGNATURES_KEY = 'ostree.gpgsigs';
/** The GVariant type of the detached metadata, and of each signature list in it. */
export const DETACHED_METADATA_TYPE = 'a{sv}';
export const SIGNATURES_TYPE = 'aay';
