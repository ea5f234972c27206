import type { Checksum } from '../checksum.js';
import { type FileInfo, isSymlinkMode } from '../objects/file-header.js';
import type { Xattrs } from '../objects/xattrs.js';
import { type ConflictKind, type MergeConflict, type SideDescription, octalMode } from './conflict.js';
import type { MergeFile, MergeObjects } from './merge-objects.js';
import { type MergeFavor, isMergeableText, mergeText } from './merge-text.js';

export interface MergeFileOptions {
  favor?: MergeFavor;
  oursLabel: string;
  theirsLabel: string;
}

/**
 * Three-way merge of one path that is a content object (regular file or symlink) on both sides,
 * changed differently on each (the caller has ruled out the trivial cases). OSTree's checksum
 * covers bytes, mode, owner and xattrs together, so each is merged on its own: bytes changed on
 * one side and the mode on the other is a clean merge into a new object. Text bytes changed on
 * both sides are merged line by line. `base` is null when both sides added the path.
 * Returns the object for the result tree (with conflict markers for a text conflict, else ours
 * where undecided, as git leaves it) and the conflicts, one per kind.
 */
export async function mergeFile(
  objects: MergeObjects, path: string, base: Checksum | null, ours: Checksum, theirs: Checksum, opts: MergeFileOptions,
): Promise<{ checksum: Checksum; conflicts: MergeConflict[] }> {
  const b = base ? objects.openFile(base) : null;
  const o = objects.openFile(ours);
  const t = objects.openFile(theirs);
  const conflicts: MergeConflict[] = [];
  const conflict = (kind: ConflictKind): void => {
    conflicts.push({ path, kind, ...(b ? { base: describeFile(b) } : {}), ours: describeFile(o), theirs: describeFile(t) });
  };
  // Which side a field is taken from when both changed it: the favoured one, else ours (undecided).
  const pick = <T>(kind: ConflictKind, get: (f: MergeFile) => T, eq: (x: T, y: T) => boolean): T => {
    const vo = get(o);
    const vt = get(t);
    if (eq(vo, vt)) return vo;
    if (b && eq(get(b), vo)) return vt;
    if (b && eq(get(b), vt)) return vo;
    if (opts.favor === 'theirs') return vt;
    if (!opts.favor) conflict(kind);
    return vo;
  };

  const oLink = isSymlinkMode(o.info.mode);
  const tLink = isSymlinkMode(t.info.mode);
  if (oLink !== tLink) {
    // A regular file on one side and a symlink on the other: nothing to combine.
    if (opts.favor) return { checksum: opts.favor === 'ours' ? ours : theirs, conflicts };
    conflict('type');
    return { checksum: ours, conflicts };
  }

  const sameType = (f: MergeFile | null): MergeFile | null => (f && isSymlinkMode(f.info.mode) === oLink ? f : null);
  const mode = pick('mode', (f) => f.info.mode & 0o7777, (x, y) => x === y);
  const owner = pick('owner', (f) => [f.info.uid, f.info.gid] as const, (x, y) => x[0] === y[0] && x[1] === y[1]);
  const xattrs = pick('xattrs', (f) => f.info.xattrs, sameXattrs);
  const typeBits = o.info.mode & ~0o7777;
  const info: FileInfo = { uid: owner[0], gid: owner[1], mode: typeBits | mode, xattrs, symlinkTarget: '', size: 0 };

  if (oLink) {
    const bl = sameType(b);
    let target: string;
    if (o.info.symlinkTarget === t.info.symlinkTarget || bl?.info.symlinkTarget === t.info.symlinkTarget) target = o.info.symlinkTarget;
    else if (bl?.info.symlinkTarget === o.info.symlinkTarget) target = t.info.symlinkTarget;
    else {
      if (!opts.favor) conflict('symlink-target');
      target = opts.favor === 'theirs' ? t.info.symlinkTarget : o.info.symlinkTarget;
    }
    return { checksum: objects.writeFile({ ...info, symlinkTarget: target }, Buffer.alloc(0)), conflicts };
  }

  const bf = sameType(b);
  const [db, dO, dT] = await Promise.all([bf?.contentDigest() ?? null, o.contentDigest(), t.contentDigest()]);
  let source: MergeFile | null;
  if (dO === dT || db === dT) source = o;
  else if (db === dO) source = t;
  else source = null;

  let bytes: Buffer;
  if (source) {
    // Only metadata can differ from that side: reuse its object when it matches exactly.
    if (sameInfo(info, source.info)) return { checksum: source.checksum, conflicts };
    bytes = await source.content();
  } else {
    const [bb, ob, tb] = await Promise.all([bf?.content() ?? null, o.content(), t.content()]);
    const kind: ConflictKind = bf ? 'content' : 'add-add';
    if ((bb === null || isMergeableText(bb)) && isMergeableText(ob) && isMergeableText(tb)) {
      const merged = mergeText(bb, ob, tb, { oursLabel: opts.oursLabel, theirsLabel: opts.theirsLabel, ...(opts.favor ? { favor: opts.favor } : {}) });
      if (merged.conflict) conflict(kind);
      bytes = merged.bytes;
    } else {
      // Binary: no line merge; the favoured side, else ours, stays in the tree (as git does).
      if (!opts.favor) conflict(kind);
      bytes = opts.favor === 'theirs' ? tb : ob;
    }
  }
  return { checksum: objects.writeFile(info, bytes), conflicts };
}

/** How a content object looks in a conflict report. */
export function describeFile(f: MergeFile): SideDescription {
  const link = isSymlinkMode(f.info.mode);
  return {
    type: link ? 'symlink' : 'file',
    mode: octalMode(f.info.mode),
    uid: f.info.uid,
    gid: f.info.gid,
    checksum: f.checksum,
    ...(link ? { target: f.info.symlinkTarget } : {}),
    xattrs: f.info.xattrs.map(([name]) => name),
  };
}

export function sameXattrs(a: Xattrs, b: Xattrs): boolean {
  return a.length === b.length && a.every(([n, v], i) => b[i]![0] === n && Buffer.compare(Buffer.from(v), Buffer.from(b[i]![1])) === 0);
}

function sameInfo(a: FileInfo, b: FileInfo): boolean {
  return a.uid === b.uid && a.gid === b.gid && a.mode === b.mode && sameXattrs(a.xattrs, b.xattrs);
}
