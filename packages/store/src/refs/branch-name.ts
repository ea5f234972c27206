import { StoreError } from '../errors.js';
import { validateRefName, type RefName } from './ref-name.js';

/** Tags are refs under `tags/` (refs/heads/tags/NAME), so branch names may not start there. */
export const TAG_PREFIX = 'tags/';

/** A branch name as `osgit branch` accepts it: a valid ref name outside `tags/` (REF_INVALID). */
export function branchRef(name: string): RefName {
  validateRefName(name);
  if (name.startsWith(TAG_PREFIX) || name === 'tags' || name === 'HEAD') {
    throw new StoreError('REF_INVALID', `invalid branch name ${JSON.stringify(name)}: ${name === 'HEAD' ? 'HEAD names a worktree\'s branch' : `'${TAG_PREFIX}' is reserved for tags`}`, { ref: name });
  }
  return { remote: null, name };
}

/** The ref of tag `name` (refs/heads/tags/NAME), REF_INVALID for a bad name. */
export function tagRef(name: string): RefName {
  validateRefName(name);
  return { remote: null, name: `${TAG_PREFIX}${name}` };
}
