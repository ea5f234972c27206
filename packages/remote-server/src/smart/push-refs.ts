import {
  checksumFromBytes, isStoreError, readRef, updateRef, validateRefName, type Checksum, type RefUpdate, type Transaction,
} from '@osgit/store';
import { ProtocolError, type pack, type RefOutcome, type TokenPayload } from '@osgit/protocol';
import { checkRefAccess } from '../auth/push-auth.js';
import { checkConnectivity, isAncestor, type PushView } from './push-connectivity.js';

/** A ref update as received, checked and classified, ready to apply. */
export interface PlannedUpdate {
  ref: string;
  old: Checksum | null;
  new: Checksum;
  status: 'created' | 'fast-forward' | 'forced' | 'unchanged';
}

/**
 * Checks every update before anything moves: a valid ref name, once per push; the token covers
 * the ref (403 FORBIDDEN); the new commit and everything it reaches exist (PUSH_REJECTED);
 * the update is a fast-forward (old is an ancestor of new), or `force` was asked AND the token
 * has `force` (403 if asked without it), else PUSH_REJECTED. Throws the first refusal.
 */
export async function planRefUpdates(
  view: PushView, updates: readonly pack.PackRefUpdate[], token: TokenPayload, force: boolean,
): Promise<PlannedUpdate[]> {
  if (updates.length === 0) throw new ProtocolError('PUSH_REJECTED', 'the push names no ref to update');
  const seen = new Set<string>();
  const planned: PlannedUpdate[] = [];
  for (const u of updates) {
    validateRefName(u.ref);
    if (seen.has(u.ref)) throw new ProtocolError('PUSH_REJECTED', `ref ${u.ref} appears twice in one push`, { ref: u.ref });
    seen.add(u.ref);
    checkRefAccess(token, u.ref, false);
    planned.push({ ref: u.ref, old: u.old ? checksumFromBytes(u.old, 'ref update') : null, new: checksumFromBytes(u.new, 'ref update'), status: 'created' });
  }
  // Connectivity of every new commit first: a push with holes is refused whatever else holds.
  for (const p of planned) if (p.old !== p.new) await checkConnectivity(view, p.new, p.old);
  for (const p of planned) {
    if (p.old === null) continue;
    if (p.old === p.new) {
      p.status = 'unchanged';
    } else if (await isAncestor(view, p.old, p.new)) {
      p.status = 'fast-forward';
    } else if (force) {
      checkRefAccess(token, p.ref, true);
      p.status = 'forced';
    } else {
      throw new ProtocolError('PUSH_REJECTED', `ref ${p.ref}: ${p.new} is not a fast-forward of ${p.old}; pull and merge first, or push with --force`, { ref: p.ref, old: p.old, new: p.new });
    }
  }
  return planned;
}

/**
 * Commits the transaction with every ref update as a compare-and-swap (the store applies them
 * under its ref lock after the objects are durable). If another push moved one of the refs since
 * the client read it: PUSH_CONFLICT (409), and the refs this push had already moved are swapped
 * back (each again by compare-and-swap), so a push moves all its refs or none. The objects stay
 * (verified and complete): a retry sends none of them again.
 */
export async function commitWithRefs(tx: Transaction, planned: readonly PlannedUpdate[]): Promise<RefOutcome[]> {
  const moving = planned.filter((p) => p.status !== 'unchanged');
  const updates: RefUpdate[] = moving.map((p) => ({ ref: { remote: null, name: p.ref }, expected: p.old, value: p.new, reason: 'push' }));
  // "unchanged" still asserts the client's view: the ref must hold `old` (= new) right now.
  for (const p of planned) {
    if (p.status === 'unchanged' && (await readRef(tx.repo, { remote: null, name: p.ref })) !== p.old) throw conflict(p, null);
  }
  try {
    await tx.commit({ refs: updates });
  } catch (err) {
    if (!isStoreError(err, 'REF_CONFLICT')) throw err;
    const lost = moving.find((p) => p.ref === (err.data as { ref?: string }).ref) ?? moving[0]!;
    await rollBack(tx, moving.slice(0, moving.indexOf(lost)));
    throw conflict(lost, err);
  }
  return planned.map((p) => ({ ref: p.ref, old: p.old, new: p.new, status: p.status }));
}

async function rollBack(tx: Transaction, applied: readonly PlannedUpdate[]): Promise<void> {
  for (const p of applied) {
    try {
      await updateRef(tx.repo, { ref: { remote: null, name: p.ref }, expected: p.new, value: p.old, reason: 'push: rolled back' });
    } catch {
      // Someone moved it again already: theirs stands.
    }
  }
}

function conflict(p: PlannedUpdate, cause: unknown): ProtocolError {
  return new ProtocolError(
    'PUSH_CONFLICT',
    `ref ${p.ref} moved on the server since this push read it (expected ${p.old ?? '(none)'}); fetch and push again`,
    { ref: p.ref, expected: p.old },
    { cause },
  );
}
