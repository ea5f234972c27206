import type { Checksum } from '../checksum.js';
import type { DirTree } from '../objects/dirtree.js';
import type { DirMeta } from '../objects/dirmeta.js';
import { compareNames } from '../objects/filename.js';
import { type ConflictKind, type MergeConflict, type SideDescription, octalMode } from './conflict.js';
import { describeFile, mergeFile, sameXattrs } from './merge-file.js';
import type { MergeObjects, MergeStats } from './merge-objects.js';
import type { MergeFavor } from './merge-text.js';

/** A tree as a commit names it: root dirtree and root dirmeta. */
export interface TreeRoot {
  tree: Checksum;
  meta: Checksum;
}

export interface MergeTreesOptions {
  /** git's -X: conflicting hunks and metadata take this side (modify/delete and file/directory stay conflicts, as in git) */
  favor?: MergeFavor;
  /** conflict marker labels */
  oursLabel?: string;
  theirsLabel?: string;
}

export interface MergeTreesResult extends TreeRoot {
  conflicts: MergeConflict[];
  stats: MergeStats;
}

type Entry = { kind: 'file'; checksum: Checksum } | { kind: 'dir'; tree: Checksum; meta: Checksum } | null;
type DirNode = { tree: Checksum; meta: Checksum } | null;

/**
 * Three-way merge of two trees against their base (null: unrelated histories, an empty base).
 * Writes the merged dirtree, dirmeta and content objects through `objects` (a transaction) and
 * returns the merged root with every conflict, path by path. A subtree is read only when both
 * sides changed it: a subtree whose checksum is equal on both sides, or equal to the base on one
 * side, is taken whole without a read (see `stats.treesRead`). Conflicting files hold conflict
 * markers (text) or our version (binary), as git leaves them, so a worktree can be filled from
 * the result; the caller decides whether a result with conflicts may be committed.
 */
export async function mergeTrees(
  objects: MergeObjects, base: TreeRoot | null, ours: TreeRoot, theirs: TreeRoot, opts: MergeTreesOptions = {},
): Promise<MergeTreesResult> {
  const ctx: Ctx = {
    objects,
    conflicts: [],
    opts: { oursLabel: opts.oursLabel ?? 'ours', theirsLabel: opts.theirsLabel ?? 'theirs', ...(opts.favor ? { favor: opts.favor } : {}) },
  };
  // Both sides have a root, so the merged root always exists (possibly an empty folder).
  const result = (await mergeDir(ctx, '/', base, ours, theirs))!;
  await objects.flush();
  return { ...result, conflicts: ctx.conflicts, stats: objects.stats };
}

interface Ctx {
  objects: MergeObjects;
  conflicts: MergeConflict[];
  opts: { favor?: MergeFavor; oursLabel: string; theirsLabel: string };
}

const EMPTY: DirTree = { files: [], dirs: [] };

/**
 * Merges a folder; a side that is null has no folder there (deleted, or never added), which
 * merges as an empty folder. Returns null when the folder is gone in the result.
 */
async function mergeDir(ctx: Ctx, path: string, b: DirNode, o: DirNode, t: DirNode): Promise<DirNode> {
  const bt = b?.tree ?? null;
  const ot = o?.tree ?? null;
  const tt = t?.tree ?? null;
  let tree: Checksum | null;
  if (ot === tt) tree = ot;
  else if (bt === ot) tree = tt;
  else if (bt === tt) tree = ot;
  else {
    const read = (c: Checksum | null): DirTree => (c ? ctx.objects.readDirTree(c) : EMPTY);
    const merged = await mergeEntries(ctx, path, read(bt), read(ot), read(tt));
    // A folder one side deleted keeps existing only for what the other side still holds in it.
    if ((!o || !t) && merged.files.length === 0 && merged.dirs.length === 0) return null;
    tree = ctx.objects.writeDirTree(merged);
  }
  if (tree === null) return null;
  return { tree, meta: mergeDirMeta(ctx, path, b, o, t) };
}

/** Merges each field of a folder's metadata (mode, owner, xattrs) on its own. */
function mergeDirMeta(ctx: Ctx, path: string, bn: DirNode, on: DirNode, tn: DirNode): Checksum {
  const [b, o, t] = [bn?.meta ?? null, on?.meta ?? null, tn?.meta ?? null];
  if (o === t || !t) return o!;
  if (!o || b === o) return t;
  if (b === t) return o;
  const [mb, mo, mt] = [b ? ctx.objects.readDirMeta(b) : null, ctx.objects.readDirMeta(o), ctx.objects.readDirMeta(t)];
  const conflictKinds: ConflictKind[] = [];
  const pick = <T>(kind: ConflictKind, get: (m: DirMeta) => T, eq: (x: T, y: T) => boolean): T => {
    const vo = get(mo);
    const vt = get(mt);
    if (eq(vo, vt)) return vo;
    if (mb && eq(get(mb), vo)) return vt;
    if (mb && eq(get(mb), vt)) return vo;
    if (ctx.opts.favor === 'theirs') return vt;
    if (!ctx.opts.favor) conflictKinds.push(kind);
    return vo;
  };
  const mode = pick('mode', (m) => m.mode, (x, y) => x === y);
  const owner = pick('owner', (m) => [m.uid, m.gid] as const, (x, y) => x[0] === y[0] && x[1] === y[1]);
  const xattrs = pick('xattrs', (m) => m.xattrs, sameXattrs);
  for (const kind of conflictKinds) {
    ctx.conflicts.push({
      path, kind, ...(mb ? { base: describeDir(bn!.tree, b!, mb) } : {}), ours: describeDir(on!.tree, o, mo), theirs: describeDir(tn!.tree, t, mt),
    });
  }
  return ctx.objects.writeDirMeta({ mode, uid: owner[0], gid: owner[1], xattrs });
}

function entriesOf(tree: DirTree): Map<string, Entry> {
  const m = new Map<string, Entry>();
  for (const f of tree.files) m.set(f.name, { kind: 'file', checksum: f.checksum });
  for (const d of tree.dirs) m.set(d.name, { kind: 'dir', tree: d.tree, meta: d.meta });
  return m;
}

function same(a: Entry, b: Entry): boolean {
  if (a === null || b === null) return a === b;
  if (a.kind === 'file') return b.kind === 'file' && a.checksum === b.checksum;
  return b.kind === 'dir' && a.tree === b.tree && a.meta === b.meta;
}

async function mergeEntries(ctx: Ctx, path: string, base: DirTree, ours: DirTree, theirs: DirTree): Promise<DirTree> {
  const [mb, mo, mt] = [entriesOf(base), entriesOf(ours), entriesOf(theirs)];
  const names = [...new Set([...mb.keys(), ...mo.keys(), ...mt.keys()])].sort(compareNames);
  const out: DirTree = { files: [], dirs: [] };
  const taken = new Set(names);
  const put = (name: string, r: Entry): void => {
    if (r?.kind === 'file') out.files.push({ name, checksum: r.checksum });
    else if (r) out.dirs.push({ name, tree: r.tree, meta: r.meta });
  };
  for (const name of names) {
    const [b, o, t] = [mb.get(name) ?? null, mo.get(name) ?? null, mt.get(name) ?? null];
    if (o !== null && t !== null && o.kind !== t.kind && !same(b, o) && !same(b, t)) {
      // A file on one side, a folder on the other: as git does, the folder keeps the name and
      // the file moves aside to NAME~SIDE, so a worktree shows both; this stays a conflict even
      // with -X. The conflict names the moved file.
      const fileSide = o.kind === 'file' ? 'ours' : 'theirs';
      const aside = freeName(taken, `${name}~${(fileSide === 'ours' ? ctx.opts.oursLabel : ctx.opts.theirsLabel).replace(/\//g, '_')}`);
      taken.add(aside);
      ctx.conflicts.push({ path: join(path, aside), kind: 'file-directory', ...describeSides(ctx, b, o, t) });
      put(name, o.kind === 'dir' ? o : t);
      put(aside, o.kind === 'file' ? o : t);
      continue;
    }
    // Most names are the same on both sides, or changed on one: decided here without an await.
    if (same(o, t) || same(b, t)) put(name, o);
    else if (same(b, o)) put(name, t);
    else put(name, await mergeEntry(ctx, join(path, name), b, o, t));
  }
  // Names taken in sorted order keep both lists sorted; only a file moved aside needs a re-sort.
  if (taken.size > names.length) {
    out.files.sort((x, y) => compareNames(x.name, y.name));
    out.dirs.sort((x, y) => compareNames(x.name, y.name));
  }
  return out;
}

function join(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

/** `want`, or `want_1`, `want_2`... whichever no entry of the folder uses (git's unique_path). */
function freeName(taken: ReadonlySet<string>, want: string): string {
  if (!taken.has(want)) return want;
  for (let i = 1; ; i++) if (!taken.has(`${want}_${i}`)) return `${want}_${i}`;
}

async function mergeEntry(ctx: Ctx, path: string, b: Entry, o: Entry, t: Entry): Promise<Entry> {
  if (same(o, t)) return o;
  if (same(b, o)) return t;
  if (same(b, t)) return o;
  const asDir = (e: Entry): DirNode => (e?.kind === 'dir' ? { tree: e.tree, meta: e.meta } : null);
  const isDir = (e: Entry): boolean => e?.kind === 'dir';
  const isFile = (e: Entry): boolean => e?.kind === 'file';
  // Folders (or no folder) on both sides: merge inside them; a file in the base that both sides
  // replaced is simply gone on both.
  if ((o === null || isDir(o)) && (t === null || isDir(t))) {
    const d = await mergeDir(ctx, path, asDir(b), asDir(o), asDir(t));
    return d ? { kind: 'dir', ...d } : null;
  }
  if (isFile(o) && isFile(t)) {
    const base = b?.kind === 'file' ? b.checksum : null;
    const r = await mergeFile(ctx.objects, path, base, (o as { checksum: Checksum }).checksum, (t as { checksum: Checksum }).checksum, ctx.opts);
    ctx.conflicts.push(...r.conflicts);
    return { kind: 'file', checksum: r.checksum };
  }
  // A file on one side, nothing on the other.
  if (o === null || t === null) {
    const kept = (o ?? t)!;
    // The base held a folder: one side deleted it, the other replaced it by this file.
    if (b?.kind !== 'file') return kept;
    ctx.conflicts.push({ path, kind: o === null ? 'delete-modify' : 'modify-delete', ...describeSides(ctx, b, o, t) });
    return kept;
  }
  throw new Error(`unreachable: ${path} is a file on one side and a folder on the other (handled by mergeEntries)`);
}

function describeSides(ctx: Ctx, b: Entry, o: Entry, t: Entry): { base?: SideDescription; ours?: SideDescription; theirs?: SideDescription } {
  const d = (e: Entry): SideDescription | undefined => {
    if (e === null) return undefined;
    if (e.kind === 'file') return describeFile(ctx.objects.openFile(e.checksum));
    return describeDir(e.tree, e.meta, ctx.objects.readDirMeta(e.meta));
  };
  const [db, dO, dT] = [d(b), d(o), d(t)];
  return { ...(db ? { base: db } : {}), ...(dO ? { ours: dO } : {}), ...(dT ? { theirs: dT } : {}) };
}

function describeDir(tree: Checksum, meta: Checksum, m: DirMeta): SideDescription {
  return {
    type: 'dir', mode: octalMode(m.mode), uid: m.uid, gid: m.gid, checksum: tree, meta, xattrs: m.xattrs.map(([n]) => n),
  };
}
