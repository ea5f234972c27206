import Sign from './sign.js';

/** `osgit gpg-sign REV --gpg-key FILE`: `osgit sign` under the name `ostree gpg-sign` has. */
export default class GpgSign extends Sign {
  static override description = 'Sign a commit with OpenPGP keys (--gpg-key FILE); the same command as `osgit sign`, named like `ostree gpg-sign`';
  static override examples = ['<%= config.bin %> gpg-sign --repo repo os/stable --gpg-key keys/release-gpg.secret'];
  // oclif reads a command's own static args and flags: name them here too.
  static override args = Sign.args;
  static override flags = Sign.flags;
}
