import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { StoreError, type StoreErrorCode } from '../errors.js';
import { type Checksum, sha256Hex } from '../checksum.js';
import type { Repo } from '../repo/repo.js';
import { decoded } from '../repo/repo.js';
import { openFileObjectSync } from '../repo/file-object.js';
import { ObjectWorkers } from '../fsio/object-workers.js';
import { parseObjectFileName, type ObjectType } from '../objects/object-type.js';
import { encodeFileHeader, framedHeader, isSymlinkMode } from '../objects/file-header.js';
import { deserialize } from '../gvariant/index.js';
import { scanRefs } from '../refs/scan-refs.js';
import { forEachLimit } from '../fsio/for-each-limit.js';
import { fsError } from '../fsio/fs-error.js';
import { commitPartialReason } from '../repo/commit-partial.js';

export interface FsckProblem {
  checksum: Checksum;
  type: ObjectType | 'unknown';
  /** corrupt: the object file is there but is not the object its name says; missing: a tree or commit needs it and it is not there */
  state: 'corrupt' | 'missing';
  /** a corrupt object's file extension in objects/XX/ (which may not be the one its type has in this mode) */
  ext?: string;
  message: string;
}

export interface FsckResult {
  ok: boolean;
  objectsChecked: number;
  commitsChecked: number;
  problems: FsckProblem[];
  /** commits whose tree reaches a missing or corrupt object, with the refs whose history holds them */
  affectedCommits: Array<{ commit: Checksum; refs: string[] }>;
  /** commits marked partial (state/<c>.commitpartial): missing objects there are expected */
  partialCommits: Checksum[];
  /**
   * the partial commits whose marker an fsck wrote (`osgit fsck --repair` without a remote that
   * has the objects, or `ostree fsck --delete`: the marker holds "f"): damage removed, not yet
   * repaired, so fsck is not ok while there are any (ostree fsck fails on them too)
   */
  fsckPartialCommits: Checksum[];
  /**
   * refs that point at a commit the repo does not have, and ref files that cannot be read or do
   * not hold a checksum (`commit` null, `code` REF_CORRUPT, REF_INVALID for a bad name, or IO)
   */
  brokenRefs: Array<{ ref: string; commit: Checksum | null; code: StoreErrorCode; message: string }>;
  /** object folders that could not be listed (PERMISSION_DENIED, IO): their objects went unchecked */
  unreadable: Array<{ path: string; code: StoreErrorCode; message: string }>;
}

export interface FsckProgress {
  checked: number;
  total: number;
}

/** Content objects up to this size are hashed by a worker in one piece; larger ones are streamed. */
const IN_WORKER_LIMIT = 16 * 1024 * 1024;

const EXT_TYPES: Record<string, ObjectType> = {
  commit: 'commit', dirtree: 'dirtree', dirmeta: 'dirmeta', file: 'file', filez: 'file', commitmeta: 'commitmeta',
  'tombstone-commit': 'tombstone-commit',
};

/**
 * Verifies every object of the repo (metadata: checksum and strict structure; content: the
 * checksum recomputed over header and bytes), then walks every commit's tree to find missing
 * objects, and names the commits and refs each problem affects. Read-only.
 */
export async function fsck(repo: Repo, opts: { onProgress?: (p: FsckProgress) => void; concurrency?: number } = {}): Promise<FsckResult> {
  const unreadable: FsckResult['unreadable'] = [];
  const objects = await enumerateObjects(repo, unreadable);
  const problems: FsckProblem[] = [];
  const bad = new Set<Checksum>();
  let checked = 0;
  const workers = new ObjectWorkers();
  await forEachLimit(objects, opts.concurrency ?? 8, async ({ checksum, ext }) => {
    const type = EXT_TYPES[ext];
    try {
      if (!type || (ext === 'filez') !== (repo.mode === 'archive' && type === 'file')) {
        throw new StoreError('OBJECT_CORRUPT', `unexpected object file extension .${ext} in a ${repo.mode} repository`);
      }
      await verifyObject(repo, workers, checksum, type);
    } catch (err) {
      problems.push({ checksum, type: type ?? 'unknown', state: 'corrupt', ext, message: (err as Error).message });
      bad.add(checksum);
    }
    checked++;
    if (checked % 500 === 0) opts.onProgress?.({ checked, total: objects.length });
  });
  await workers.close();
  opts.onProgress?.({ checked, total: objects.length });

  const markers = await partialCommits(repo);
  const partial = new Set(markers.map((m) => m.commit));
  const commits = objects.filter((o) => o.ext === 'commit' && !bad.has(o.checksum)).map((o) => o.checksum);
  const treeBad = new Map<Checksum, Promise<boolean>>();
  const affected: Checksum[] = [];
  for (const commit of commits) {
    if (partial.has(commit)) continue; // a partial pull: missing objects are expected there
    const c = await repo.readCommit(commit);
    if (await reachesBad(repo, c.rootTree, c.rootMeta, bad, treeBad, problems)) affected.push(commit);
  }
  for (const p of problems) if (p.type === 'commit') affected.push(p.checksum);
  // Commits whose objects an fsck removed are damaged until a pull or a repair completes them.
  const fsckPartial = markers.filter((m) => m.byFsck).map((m) => m.commit);
  const present = new Set(commits);
  for (const c of fsckPartial) if (present.has(c)) affected.push(c);

  const brokenRefs: FsckResult['brokenRefs'] = [];
  const refsOf = new Map<Checksum, string[]>();
  for (const scanned of await scanRefs(repo, { remotes: true })) {
    const name = scanned.name;
    if ('error' in scanned) {
      // A damaged ref is one more problem to report, not a reason to stop checking.
      brokenRefs.push({ ref: name, commit: null, code: scanned.error.code, message: scanned.error.message });
      continue;
    }
    const commit = scanned.commit;
    if (!(await repo.hasObject(commit, 'commit'))) {
      brokenRefs.push({ ref: name, commit, code: 'OBJECT_MISSING', message: `ref ${name} points at missing commit ${commit}` });
      continue;
    }
    // A ref is affected if any commit of its (available) history is.
    let next: Checksum | null = commit;
    const seen = new Set<Checksum>();
    while (next && !seen.has(next)) {
      seen.add(next);
      if (affected.includes(next)) refsOf.set(next, [...(refsOf.get(next) ?? []), name]);
      if (bad.has(next) || !(await repo.hasObject(next, 'commit'))) break;
      next = (await repo.readCommit(next)).parent;
    }
  }
  const affectedCommits = [...new Set(affected)].map((commit) => ({ commit, refs: refsOf.get(commit) ?? [] }));
  return {
    ok: problems.length === 0 && affectedCommits.length === 0 && brokenRefs.length === 0 && unreadable.length === 0 && fsckPartial.length === 0,
    objectsChecked: objects.length,
    commitsChecked: commits.length,
    problems: problems.sort((a, b) => (a.checksum < b.checksum ? -1 : 1)),
    affectedCommits,
    partialCommits: [...partial],
    fsckPartialCommits: fsckPartial,
    brokenRefs,
    unreadable,
  };
}

/**
 * Every object file under objects/. A folder that cannot be listed is recorded in `unreadable`
 * (its objects cannot be checked, which fsck must say) instead of being skipped in silence; a
 * plain file where a folder would be is not an object folder and is left alone.
 */
async function enumerateObjects(repo: Repo, unreadable: FsckResult['unreadable']): Promise<Array<{ checksum: Checksum; ext: string }>> {
  const root = join(repo.path, 'objects');
  const out: Array<{ checksum: Checksum; ext: string }> = [];
  for (const dir of (await fs.readdir(root)).sort()) {
    let names: string[];
    try {
      names = await fs.readdir(join(root, dir));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') continue;
      const e = fsError(err, { action: 'cannot list', path: join(root, dir) });
      if (!(e instanceof StoreError)) throw e;
      unreadable.push({ path: join(root, dir), code: e.code, message: e.message });
      continue;
    }
    for (const name of names) {
      const parsed = parseObjectFileName(dir, name);
      if (parsed) out.push(parsed);
    }
  }
  return out;
}

async function verifyObject(repo: Repo, workers: ObjectWorkers, checksum: Checksum, type: ObjectType): Promise<void> {
  switch (type) {
    case 'commit':
      await repo.readCommit(checksum);
      return;
    case 'dirtree':
      await repo.readDirTree(checksum);
      return;
    case 'dirmeta':
      await repo.readDirMeta(checksum);
      return;
    case 'commitmeta':
    case 'tombstone-commit': {
      const bytes = await repo.readMetadataBytes(checksum, type, { verify: false });
      decoded(checksum, type, () => deserialize('a{sv}', bytes));
      return;
    }
    case 'file': {
      const obj = openFileObjectSync(repo, checksum);
      const head = framedHeader(encodeFileHeader(obj.info));
      let actual: Checksum;
      if (isSymlinkMode(obj.info.mode)) {
        actual = sha256Hex(head);
      } else if (obj.info.size <= IN_WORKER_LIMIT) {
        actual = await workers.hashContent({
          checksum,
          source: obj.path,
          bodyOffset: obj.bodyOffset ?? 0,
          inflate: repo.mode === 'archive',
          size: obj.info.size,
          head,
        });
      } else {
        const h = createHash('sha256');
        h.update(head);
        let size = 0;
        for await (const chunk of obj.openContent()) {
          h.update(chunk as Buffer);
          size += (chunk as Buffer).length;
        }
        if (size !== obj.info.size) throw new StoreError('OBJECT_CORRUPT', `content is ${size} bytes, header says ${obj.info.size}`);
        actual = h.digest('hex');
      }
      if (actual !== checksum) {
        throw new StoreError('OBJECT_CORRUPT', `corrupted file object; checksum expected='${checksum}' actual='${actual}'`, { checksum, actual });
      }
    }
  }
}

async function reachesBad(
  repo: Repo, tree: Checksum, meta: Checksum, bad: Set<Checksum>, memo: Map<Checksum, Promise<boolean>>, problems: FsckProblem[],
): Promise<boolean> {
  if (bad.has(meta)) return true;
  if (!(await repo.hasObject(meta, 'dirmeta'))) {
    noteMissing(problems, bad, meta, 'dirmeta');
    return true;
  }
  let p = memo.get(tree);
  if (!p) {
    p = (async () => {
      if (bad.has(tree)) return true;
      if (!(await repo.hasObject(tree, 'dirtree'))) {
        noteMissing(problems, bad, tree, 'dirtree');
        return true;
      }
      const dt = await repo.readDirTree(tree);
      let broken = false;
      for (const f of dt.files) {
        if (bad.has(f.checksum)) broken = true;
        else if (!(await repo.hasObject(f.checksum, 'file'))) {
          noteMissing(problems, bad, f.checksum, 'file');
          broken = true;
        }
      }
      for (const d of dt.dirs) if (await reachesBad(repo, d.tree, d.meta, bad, memo, problems)) broken = true;
      return broken;
    })();
    memo.set(tree, p);
  }
  return p;
}

function noteMissing(problems: FsckProblem[], bad: Set<Checksum>, checksum: Checksum, type: ObjectType): void {
  if (bad.has(checksum)) return;
  bad.add(checksum);
  problems.push({ checksum, type, state: 'missing', message: `${type} object ${checksum} is missing` });
}

/** The partial markers; `byFsck` when the marker holds OSTree's FSCK_PARTIAL reason ("f"). */
async function partialCommits(repo: Repo): Promise<Array<{ commit: Checksum; byFsck: boolean }>> {
  let names: string[];
  try {
    names = (await fs.readdir(join(repo.path, 'state'))).filter((n) => n.endsWith('.commitpartial'));
  } catch {
    return [];
  }
  const out: Array<{ commit: Checksum; byFsck: boolean }> = [];
  for (const n of names) {
    const commit = n.slice(0, 64);
    if (!/^[0-9a-f]{64}$/.test(commit)) continue;
    out.push({ commit, byFsck: (await commitPartialReason(repo, commit)) === 'fsck' });
  }
  return out;
}
