import { Args } from '@oclif/core';
import { openFileObject, resolveTreePath, revParse } from '@osgit/store';
import { pipeline } from 'node:stream/promises';
import { OsgitCommand } from '../base-command.js';
import { CliError } from '../errors.js';

export default class Cat extends OsgitCommand<{ path: string; size: number; checksum: string; content?: string }> {
  static override description = 'Print the contents of a file in a commit';
  static override examples = ['<%= config.bin %> cat --repo repo os/main /etc/os-release'];
  static override args = {
    rev: Args.string({ description: 'revision', required: true }),
    path: Args.string({ description: 'file path in the tree', required: true }),
  };

  async exec(): Promise<{ path: string; size: number; checksum: string; content?: string }> {
    const { flags, args } = await this.parse(Cat);
    const repo = await this.openRepo(flags.repo);
    const node = await resolveTreePath(repo, await revParse(repo, args.rev), args.path);
    if (node.kind !== 'file') throw new CliError('USAGE', `${args.path} is a directory (use 'osgit ls')`, { path: args.path });
    const obj = await openFileObject(repo, node.checksum);
    if (obj.info.symlinkTarget) throw new CliError('USAGE', `${args.path} is a symlink to ${obj.info.symlinkTarget}`, { path: args.path });
    if (this.jsonEnabled()) {
      const bytes = await obj.readContent();
      return { path: args.path, size: bytes.length, checksum: node.checksum, content: bytes.toString('base64') };
    }
    await pipeline(obj.openContent(), process.stdout, { end: false });
    return { path: args.path, size: obj.info.size, checksum: node.checksum };
  }
}
