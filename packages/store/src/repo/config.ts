import { StoreError } from '../errors.js';
import { KeyFile } from './keyfile.js';

/** The four repository modes (§1.2). `archive` is written `archive-z2` in the config. */
export type RepoMode = 'archive' | 'bare' | 'bare-user' | 'bare-user-only';

export const REPO_MODES: readonly RepoMode[] = ['archive', 'bare', 'bare-user', 'bare-user-only'];

export function parseRepoMode(text: string): RepoMode {
  switch (text) {
    case 'archive':
    case 'archive-z2':
      return 'archive';
    case 'bare':
    case 'bare-user':
    case 'bare-user-only':
      return text;
    default:
      throw new StoreError('REPO_CONFIG', `unknown repository mode ${JSON.stringify(text)} (use archive, bare, bare-user or bare-user-only)`, { mode: text });
  }
}

/** The `mode=` value OSTree writes. */
export function configModeName(mode: RepoMode): string {
  return mode === 'archive' ? 'archive-z2' : mode;
}

/** Exactly what `ostree init --mode=M` writes (§1.1). */
export function initialConfig(mode: RepoMode, collectionId?: string): string {
  return `[core]\nrepo_version=1\nmode=${configModeName(mode)}\n${collectionId ? `collection-id=${collectionId}\n` : ''}`;
}

/** Reads the settings osgit acts on, refusing configs OSTree would refuse. */
export function readCoreConfig(kf: KeyFile): { mode: RepoMode; zlibLevel: number; fsync: boolean; disableXattrs: boolean } {
  if (kf.get('core', 'archive') === 'true') {
    throw new StoreError('REPO_CONFIG', 'legacy core.archive=true repositories are not supported; set core.mode');
  }
  const version = kf.get('core', 'repo_version');
  if (version !== '1') throw new StoreError('REPO_CONFIG', `unsupported core.repo_version ${JSON.stringify(version ?? null)} (expected 1)`);
  const mode = parseRepoMode(kf.get('core', 'mode') ?? 'bare');
  const level = Number(kf.get('archive', 'zlib-level') ?? '6');
  if (!Number.isInteger(level) || level < 1 || level > 9) {
    throw new StoreError('REPO_CONFIG', `archive.zlib-level must be 1..9, not ${level}`);
  }
  return {
    mode,
    zlibLevel: level,
    fsync: kf.getBoolean('core', 'fsync', true),
    disableXattrs: kf.getBoolean('core', 'disable-xattrs', false),
  };
}
