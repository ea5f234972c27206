import type { Remote, RemoteTrust } from '@osgit/protocol';

/** A remote as commands print it: every key, with the token's value hidden (it is a secret). */
export interface ShownRemote {
  name: string;
  url: string;
  gpgVerify: boolean;
  branches: string[];
  /** what pulls verify (OSTree's keys as read; see README "Trust") */
  trust: RemoteTrust;
  options: Record<string, string>;
}

export const HIDDEN = '(hidden)';

export function shownRemote(r: Remote): ShownRemote {
  const options = { ...r.options };
  if (options['osgit-token'] !== undefined) options['osgit-token'] = HIDDEN;
  return { name: r.name, url: r.url, gpgVerify: r.gpgVerify, branches: r.branches, trust: r.trust, options };
}
