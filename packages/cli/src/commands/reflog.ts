import { Args } from '@oclif/core';
import { StoreError, formatRef, parseRefSpec, readRef, readReflog, type ReflogEntry } from '@osgit/store';
import { OsgitCommand } from '../base-command.js';
import { headOptions } from '../worktree-head.js';

export interface ReflogResult {
  ref: string;
  /** newest first; `selector` is how a revision names the entry's value (`main@{1}`) */
  entries: Array<ReflogEntry & { selector: string }>;
}

export default class Reflog extends OsgitCommand<ReflogResult> {
  static override description = "Show a ref's log of changes, newest first: REF@{N} names the value N changes ago";
  static override examples = ['<%= config.bin %> reflog --repo repo main', '<%= config.bin %> reflog --repo repo --json origin:main'];
  static override args = { ref: Args.string({ description: "ref (branch, remote:branch, tags/NAME); default: the worktree's branch" }) };

  async exec(): Promise<ReflogResult> {
    const { flags, args } = await this.parse(Reflog);
    const repo = await this.openRepo(flags.repo);
    let name = args.ref;
    // HEAD has no log of its own: it is the worktree's branch, whose log this is.
    if (!name || name === 'HEAD') {
      name = (await headOptions(repo)).branch;
      if (!name) throw new StoreError('INVALID_ARGUMENT', 'name a ref (osgit reflog BRANCH): outside a worktree there is no current branch');
    }
    let ref = parseRefSpec(name);
    // A name that is not a branch may be a tag, as in revisions.
    if (ref.remote === null && !(await readRef(repo, ref)) && (await readRef(repo, { remote: null, name: `tags/${ref.name}` }))) {
      ref = { remote: null, name: `tags/${ref.name}` };
    }
    const entries = await readReflog(repo, ref);
    const shown = args.ref ?? formatRef(ref);
    return { ref: formatRef(ref), entries: entries.map((e, i) => ({ ...e, selector: `${shown}@{${i}}` })) };
  }

  protected override render(r: ReflogResult): void {
    for (const e of r.entries) this.out(`${(e.new ?? '0'.repeat(64)).slice(0, 7)} ${e.selector}: ${e.reason}`);
  }
}
