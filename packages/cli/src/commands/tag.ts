import { Args, Flags } from '@oclif/core';
import { StoreError, createTag, deleteTag, listTags, type BranchInfo, type Checksum } from '@osgit/store';
import { OsgitCommand } from '../base-command.js';
import { headOptions } from '../worktree-head.js';

export type TagResult =
  | { action: 'list'; tags: BranchInfo[] }
  | { action: 'create'; tag: string; commit: Checksum; previous: Checksum | null }
  | { action: 'delete'; tag: string; commit: Checksum };

export default class Tag extends OsgitCommand<TagResult> {
  static override description = 'List, create or delete tags: refs under tags/ that ostree prune keeps and OSTree clients pull only by name';
  static override examples = [
    '<%= config.bin %> tag --repo repo',
    '<%= config.bin %> tag --repo repo v1.0 os/main',
    '<%= config.bin %> tag --repo repo -f v1.0 os/main~1',
    '<%= config.bin %> tag --repo repo -d v1.0',
  ];
  static override args = {
    name: Args.string({ description: 'tag to create or delete' }),
    rev: Args.string({ description: 'the commit to tag (default HEAD, in a worktree)' }),
  };
  static override flags = {
    force: Flags.boolean({ char: 'f', description: 'move the tag if it exists' }),
    delete: Flags.boolean({ char: 'd', description: 'delete tag NAME' }),
  };

  async exec(): Promise<TagResult> {
    const { flags, args } = await this.parse(Tag);
    const repo = await this.openRepo(flags.repo);
    if (flags.delete) {
      if (!args.name || args.rev) throw new StoreError('INVALID_ARGUMENT', 'tag -d takes one tag name: osgit tag -d NAME');
      return { action: 'delete', ...(await deleteTag(repo, args.name)) };
    }
    if (args.name) {
      const head = await headOptions(repo);
      return { action: 'create', ...(await createTag(repo, args.name, args.rev ?? 'HEAD', { ...head, force: flags.force })) };
    }
    return { action: 'list', tags: await listTags(repo) };
  }

  protected override render(r: TagResult): void {
    switch (r.action) {
      case 'list':
        for (const t of r.tags) this.out(t.name);
        break;
      case 'create':
        this.out(r.previous ? `Updated tag ${r.tag} (was ${r.previous})` : `Tagged ${r.commit} as ${r.tag}`);
        break;
      case 'delete':
        this.out(`Deleted tag ${r.tag} (was ${r.commit})`);
        break;
    }
  }
}
