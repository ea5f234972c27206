import {
  atomicWriteFile, ED25519_SIGNATURES_KEY, GPG_SIGNATURES_KEY, gvariant, type Checksum, type Repo,
} from '@osgit/store';

type Entries = Array<[string, gvariant.GVariantBox]>;

const SIGNATURE_KEYS = new Set([ED25519_SIGNATURES_KEY, GPG_SIGNATURES_KEY]);

/**
 * True when `pushed` only adds signatures to `existing` (both `.commitmeta` bytes, a{sv}): every
 * entry of `existing` is in `pushed` with the same value, except that a signature list
 * (`ostree.sign.ed25519`, `ostree.gpgsigs`) may have gained elements (all the old ones kept,
 * byte for byte); new keys may appear. Such a push is how a signature is added to a commit
 * already on the server (a CI build signed for release, then pushed to a protected ref); any other
 * change (a signature dropped, metadata edited) is not taken: a pusher must not strip signatures.
 */
export function onlyAddsSignatures(existing: Uint8Array, pushed: Uint8Array): boolean {
  let before: Entries;
  let after: Entries;
  try {
    before = gvariant.deserialize('a{sv}', existing) as Entries;
    after = gvariant.deserialize('a{sv}', pushed) as Entries;
  } catch {
    return false;
  }
  const next = new Map(after);
  if (next.size !== after.length) return false;
  for (const [key, box] of before) {
    const now = next.get(key);
    if (!now || now.type !== box.type) return false;
    if (SIGNATURE_KEYS.has(key) && box.type === 'aay') {
      const have = (now.value as Uint8Array[]).map((s) => Buffer.from(s).toString('hex'));
      if (!(box.value as Uint8Array[]).every((s) => have.includes(Buffer.from(s).toString('hex')))) return false;
    } else if (!Buffer.from(gvariant.serialize('v', box)).equals(Buffer.from(gvariant.serialize('v', now)))) {
      return false;
    }
  }
  return true;
}

/**
 * The pushed `.commitmeta` of commits that already have one on the server, kept only where the
 * pushed one merely adds signatures (see onlyAddsSignatures); the others are dropped (the server's
 * copy stands).
 */
export async function acceptedCommitMetaUpdates(repo: Repo, pushed: ReadonlyMap<Checksum, Uint8Array>): Promise<Map<Checksum, Uint8Array>> {
  const accepted = new Map<Checksum, Uint8Array>();
  for (const [commit, bytes] of pushed) {
    const existing = await repo.readCommitMetaBytes(commit);
    if (existing && !Buffer.from(existing).equals(Buffer.from(bytes)) && onlyAddsSignatures(existing, bytes)) accepted.set(commit, bytes);
  }
  return accepted;
}

/** Writes each accepted `.commitmeta` in place, atomically (the caller holds the repository's shared lock: an open transaction). */
export async function installCommitMeta(repo: Repo, updates: ReadonlyMap<Checksum, Uint8Array>): Promise<void> {
  for (const [commit, bytes] of updates) await atomicWriteFile(repo.objectPath(commit, 'commitmeta'), bytes, { fsync: repo.fsync });
}
