import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { StoreError, type Repo } from '@osgit/store';

/** Where ostree keeps a remote's OpenPGP keyring (`ostree remote add --gpg-import`): `<repo>/<remote>.trustedkeys.gpg`. */
export function remoteKeyringPath(repo: Repo, remote: string): string {
  return join(repo.path, `${remote}.trustedkeys.gpg`);
}

/**
 * The bytes of `<repo>/<remote>.trustedkeys.gpg` for `remote add --gpg-import FILE...`: a binary
 * OpenPGP keyring of the public keys in the files (armored or binary; a secret key contributes
 * its public part), as `ostree remote add --gpg-import` writes one (gpg's legacy keyring format,
 * which both ostree's gpgme and osgit read; ostree's copy also has gpg's trust packets, which
 * carry nothing a verifier uses). KEY_INVALID for a file without a usable key, before anything
 * is written. openpgp is loaded only here, so that other commands do not pay for it.
 */
export async function publicKeyring(files: readonly string[]): Promise<Buffer> {
  const openpgp = await import('openpgp');
  const parts: Uint8Array[] = [];
  for (const file of files) {
    let bytes: Buffer;
    try {
      bytes = await fs.readFile(file);
    } catch (cause) {
      throw new StoreError('KEY_INVALID', `cannot read the keyring ${file}: ${(cause as Error).message}`, { path: file }, { cause });
    }
    let keys: Array<{ toPublic(): { write(): Uint8Array } }>;
    try {
      const armored = bytes.subarray(0, 64).toString('latin1').includes('-----BEGIN PGP');
      keys = armored
        ? await openpgp.readKeys({ armoredKeys: bytes.toString('utf8') })
        : await openpgp.readKeys({ binaryKeys: new Uint8Array(bytes) });
    } catch (cause) {
      throw new StoreError('KEY_INVALID', `${file} holds no OpenPGP key: ${(cause as Error).message}`, { path: file }, { cause });
    }
    if (keys.length === 0) throw new StoreError('KEY_INVALID', `${file} holds no OpenPGP key`, { path: file });
    for (const k of keys) parts.push(k.toPublic().write());
  }
  return Buffer.concat(parts);
}
