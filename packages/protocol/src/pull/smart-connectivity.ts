/**
 * Before a smart pull moves a ref: the objects the server planned must be everything the wanted
 * commits reach that is not here already. The server's word is not trusted for that: every
 * commit and dirtree of the plan is read (as received, or from the repo when it was here before)
 * and each object it names must be in the plan or present. A plan that leaves a hole is
 * BAD_RESPONSE, and no ref moves.
 */
import { decodeCommit, decodeDirTree, type Checksum, type ObjectType, type Transaction } from '@osgit/store';
import { ProtocolError } from '../errors.js';
import type { PlannedObject } from '../smart/fetch-plan.js';

export interface ConnectivityInput {
  tx: Transaction;
  plan: readonly PlannedObject[];
  /** Bytes of commits and dirtrees received by this pull. */
  received: ReadonlyMap<string, Buffer>;
  /** Commits whose history stops at the plan's depth: their parents need not be here. */
  commitMetadataOnly: boolean;
}

export function keyOf(type: ObjectType, checksum: Checksum): string {
  return `${type}:${checksum}`;
}

/** Throws BAD_RESPONSE naming the first object a planned commit or dirtree reaches that is nowhere. */
export function checkPlanConnected(input: ConnectivityInput): void {
  const { tx, plan, received } = input;
  const planned = new Set(plan.map((o) => keyOf(o.type, o.checksum)));
  const present = (type: ObjectType, checksum: Checksum): boolean => planned.has(keyOf(type, checksum)) || tx.hasSync(checksum, type);
  const bytesOf = (type: ObjectType, checksum: Checksum): Uint8Array =>
    received.get(keyOf(type, checksum)) ?? tx.repo.readMetadataBytesSync(checksum, type);
  const need = (type: ObjectType, checksum: Checksum, from: string): void => {
    if (!present(type, checksum)) {
      throw new ProtocolError('BAD_RESPONSE', `the server's plan leaves out ${type} ${checksum} (named by ${from})`, { checksum, type });
    }
  };
  for (const o of plan) {
    if (o.type === 'commit') {
      if (input.commitMetadataOnly) continue;
      const c = decodeCommit(bytesOf('commit', o.checksum));
      need('dirtree', c.rootTree, `commit ${o.checksum}`);
      need('dirmeta', c.rootMeta, `commit ${o.checksum}`);
    } else if (o.type === 'dirtree') {
      const t = decodeDirTree(bytesOf('dirtree', o.checksum));
      for (const f of t.files) need('file', f.checksum, `dirtree ${o.checksum}`);
      for (const d of t.dirs) {
        need('dirtree', d.tree, `dirtree ${o.checksum}`);
        need('dirmeta', d.meta, `dirtree ${o.checksum}`);
      }
    }
  }
}
