import { cherryPick, type PickCommitOptions, type PickCommitResult, type Repo } from '@osgit/store';
import { PickCommand, pickArgs, pickFlags } from '../pick-command.js';

export default class CherryPick extends PickCommand {
  static override description = 'Apply the change a commit made onto a branch (--into BRANCH) as a new commit, as git cherry-pick -x';
  static override examples = [
    'cd wt && <%= config.bin %> cherry-pick os/main~2',
    '<%= config.bin %> cherry-pick --repo repo --into os/stable os/main~2',
    '<%= config.bin %> cherry-pick --repo repo --into os/stable -m 1 MERGE_COMMIT',
  ];
  static override args = pickArgs('commit to apply');
  static override flags = pickFlags;
  protected readonly operation = 'cherry-pick';
  protected readonly done = 'Picked';
  protected pick(repo: Repo, opts: PickCommitOptions): Promise<PickCommitResult> {
    return cherryPick(repo, opts);
  }
}
