import type { Remote } from '@osgit/protocol';

/** A remote as commands print it: every key, with the token's value hidden (it is a secret). */
export interface ShownRemote {
  name: string;
  url: string;
  gpgVerify: boolean;
  branches: string[];
  options: Record<string, string>;
}

export const HIDDEN = '(hidden)';

export function shownRemote(r: Remote): ShownRemote {
  const options = { ...r.options };
  if (options['osgit-token'] !== undefined) options['osgit-token'] = HIDDEN;
  return { name: r.name, url: r.url, gpgVerify: r.gpgVerify, branches: r.branches, options };
}
