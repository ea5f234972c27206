import {
  type Checksum, type Commit, type Repo, StoreError, decodeCommit, metadataValue,
} from '@osgit/store';
import { ProtocolError } from '../errors.js';
import { requireValidSignature, verifyCommit, verifySignedBytes, type SignatureReport, type TrustedKeys } from '../trust/sign-api.js';

/** A ref a pull will move: the remote's name for it, the local ref written, and what that held before. */
export interface GatedRef {
  ref: string;
  localRef: string;
  old: Checksum | null;
}

export interface CommitGateOptions {
  repo: Repo;
  remote: string;
  /** key sets commits must verify with, each on its own (ostree: every enabled kind); null: signatures are not checked */
  keys: TrustedKeys[] | null;
  /** wanted commit -> the refs it will be written under */
  targets: ReadonlyMap<Checksum, readonly GatedRef[]>;
  /** accept a commit older (by timestamp) than the one a ref holds (`pull --allow-downgrade`) */
  allowDowngrade: boolean;
}

/** What a pull verified, as PullResult reports it. */
export interface VerifiedSummary {
  commits: number;
  summary: boolean;
  /** the keys that made a valid signature (base64 ed25519 public keys, OpenPGP fingerprints), sorted */
  keys: string[];
}

/**
 * The trust checks of one pull, shared by the dumb and the smart protocol. Each commit the pull
 * fetches passes checkFetched BEFORE it is written (its signature against the remote's keys,
 * verified over the received bytes with the received detached metadata); the commits the refs
 * will point at also pass their ref checks there: on a verifying remote, `ostree.ref-binding`
 * (an `as`; absent means unbound, as in ostree) must name the ref; on any remote, the commit must
 * not be older than what the ref holds (DOWNGRADE, unless allowed). Wanted commits the repository already has are checked by
 * checkLocalTargets, with the detached metadata the repository has, before anything is fetched.
 * A refusal is a typed error (SIGNATURE_MISSING, SIGNATURE_INVALID, REF_BINDING, DOWNGRADE); the
 * pulls then abort their transaction (see isTrustRefusal).
 */
export class CommitGate {
  private readonly checked = new Set<Checksum>();
  private readonly keysUsed = new Set<string>();

  constructor(private readonly o: CommitGateOptions) {}

  get verifying(): boolean {
    return this.o.keys !== null;
  }

  /** A received commit (its bytes already match its checksum) with the detached metadata received with it (else the repository's). */
  async checkFetched(checksum: Checksum, commitBytes: Uint8Array, meta: Uint8Array | null): Promise<void> {
    const refs = this.o.targets.get(checksum);
    if (this.o.keys) {
      const detached = meta ?? (this.o.repo.hasObjectSync(checksum, 'commitmeta') ? this.o.repo.readMetadataBytesSync(checksum, 'commitmeta') : null);
      const data = toBuffer(commitBytes);
      const det = detached ? toBuffer(detached) : null;
      for (const set of this.o.keys) this.accept(await verifySignedBytes(data, det, set), checksum, refs);
    }
    if (refs) this.checkRefs(checksum, decodeCommit(commitBytes, `commit ${checksum}`), refs);
    this.checked.add(checksum);
  }

  /** The wanted commits the repository has: their signatures (with the local detached metadata) and ref checks. */
  async checkLocalTargets(): Promise<void> {
    const { repo } = this.o;
    for (const [checksum, refs] of this.o.targets) {
      if (this.checked.has(checksum) || !repo.hasObjectSync(checksum, 'commit')) continue;
      if (this.o.keys) for (const set of this.o.keys) this.accept(await verifyCommit(repo, checksum, set), checksum, refs);
      this.checkRefs(checksum, repo.readCommitSync(checksum), refs);
      this.checked.add(checksum);
    }
  }

  /** PullResult.verified: null when no signature was required. */
  result(summaryVerified: boolean, summaryKeys: readonly string[]): VerifiedSummary | null {
    if (!this.o.keys && !summaryVerified) return null;
    return {
      commits: this.o.keys ? this.checked.size : 0,
      summary: summaryVerified,
      keys: [...new Set([...this.keysUsed, ...summaryKeys])].sort(),
    };
  }

  private accept(report: SignatureReport, checksum: Checksum, refs: readonly GatedRef[] | undefined): void {
    const what = `commit ${checksum}${refs ? ` (ref ${refs.map((r) => r.ref).join(', ')})` : ''} from remote ${this.o.remote}`;
    requireValidSignature(report, what, { checksum, remote: this.o.remote });
    for (const c of report.checks) if (c.valid && c.key !== '') this.keysUsed.add(c.key);
  }

  private checkRefs(checksum: Checksum, commit: Commit, refs: readonly GatedRef[]): void {
    // Only a verified commit's binding means anything (an unverifying remote can send any commit);
    // ostree checks it on every pull, which refuses aliases (`ostree refs --create`) of unsigned repositories.
    const binding = this.o.keys ? refBinding(commit, checksum) : null;
    for (const r of refs) {
      if (binding && !binding.includes(r.ref)) {
        throw new ProtocolError('REF_BINDING', `commit ${checksum} is bound to ${binding.map((b) => JSON.stringify(b)).join(', ')} (ostree.ref-binding), not to ${r.ref}: refusing it for ${r.ref}`, {
          checksum, ref: r.ref, binding, remote: this.o.remote,
        });
      }
      if (!this.o.allowDowngrade && r.old && r.old !== checksum && this.o.repo.hasObjectSync(r.old, 'commit')) {
        const before = this.o.repo.readCommitSync(r.old).timestamp;
        if (commit.timestamp < before) {
          throw new ProtocolError('DOWNGRADE', `pulling ${r.ref} would move ${r.localRef} from ${r.old.slice(0, 10)} (${iso(before)}) to the older commit ${checksum} (${iso(commit.timestamp)}); pass --allow-downgrade to accept it`, {
            ref: r.ref, localRef: r.localRef, old: r.old, checksum, oldTimestamp: Number(before), timestamp: Number(commit.timestamp),
          });
        }
      }
    }
  }
}

/** `ostree.ref-binding` of a commit: the refs it may be pulled under, or null when it has none. */
function refBinding(commit: Commit, checksum: Checksum): string[] | null {
  const v = metadataValue(commit.metadata, 'ostree.ref-binding');
  if (!v) return null;
  if (v.type !== 'as') {
    throw new ProtocolError('REF_BINDING', `commit ${checksum} has an ostree.ref-binding of type ${v.type}, not as`, { checksum });
  }
  return v.value as string[];
}

/** Refusals that mean "not trusted": the pull keeps nothing it fetched (its transaction aborts). */
export function isTrustRefusal(err: unknown): boolean {
  if (err instanceof StoreError) return err.code === 'SIGNATURE_MISSING' || err.code === 'SIGNATURE_INVALID' || err.code === 'KEY_INVALID';
  return err instanceof ProtocolError && (err.code === 'REF_BINDING' || err.code === 'DOWNGRADE' || err.code === 'SUMMARY_STALE');
}

function toBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

function iso(ts: bigint): string {
  return new Date(Number(ts) * 1000).toISOString().replace('.000Z', 'Z');
}
