// publishSummary, the last step of a push: the summary written after refs moved names them, and
// publishes that overlap share work without ever leaving a summary older than the last caller's refs.
// With signing keys: every published summary is signed, readers through readSummaryFile always get
// a matching pair, and ensureSummary repairs what is missing, unsigned or about to expire.
import { promises as fsp, readFileSync, writeFileSync } from 'node:fs';
import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gvariant, Repo, SUMMARY_TYPE, updateRef, updateSummary, type SigningKey } from '@osgit/store';
import { commitFiles } from '../../../test/helpers/store-fixtures.js';
import { tempDirs } from '../../../test/helpers/tmp.js';
import { ensureSummary, publishSummary, readSummaryFile } from './summary-publish.js';

const tmp = tempDirs('summary-publish');
afterAll(() => tmp.cleanup());

function summaryRefs(repo: Repo): Record<string, string> {
  const [refs] = gvariant.deserialize(SUMMARY_TYPE, readFileSync(join(repo.path, 'summary'))) as [Array<[string, [bigint, Uint8Array]]>];
  return Object.fromEntries(refs.map(([name, [, c]]) => [name, Buffer.from(c).toString('hex')]));
}

describe('publishSummary', () => {
  it('writes a summary naming every ref as it is after the caller moved it, when publishes overlap', async () => {
    const repo = await Repo.init(join(tmp.make('repo'), 'repo'), { mode: 'archive' });
    const tree = tmp.make('tree');
    const opts = { timestamp: 1577836800n };
    const c1 = await commitFiles(repo, tree, { 'a.txt': 'one\n' }, { ...opts, branch: 'os/a' });
    const c2 = await commitFiles(repo, tree, { 'b.txt': 'two\n' }, { ...opts, branch: 'os/b' });
    // Ten pushes end at once, each having just moved a ref: every publish resolves with a
    // summary holding at least its own ref, and the file names them all.
    const pushes = Array.from({ length: 10 }, async (_, i) => {
      const ref = { remote: null, name: `os/r${i}` };
      await updateRef(repo, { ref, expected: undefined, value: i % 2 ? c1 : c2 });
      const r = await publishSummary(repo);
      expect(r.refs.map((x) => x.ref)).toContain(`os/r${i}`);
    });
    await Promise.all(pushes);
    const refs = summaryRefs(repo);
    for (let i = 0; i < 10; i++) expect(refs[`os/r${i}`]).toBe(i % 2 ? c1 : c2);
  });
});

/** An ed25519 signing key made with node's crypto, in the store's SigningKey shape. */
function ed25519Key(): SigningKey & { type: 'ed25519' } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const seed = Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url');
  const pub = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  return { type: 'ed25519', secret: Buffer.concat([seed, pub]), publicKey: pub };
}

/** True when `sig` (summary.sig bytes) holds an ostree.sign.ed25519 signature of `summary` by `key`, checked with node's crypto. */
function signedBy(summary: Buffer, sig: Buffer, key: SigningKey & { type: 'ed25519' }): boolean {
  const entries = gvariant.deserialize('a{sv}', sig) as Array<[string, gvariant.GVariantBox]>;
  const sigs = (entries.find(([k]) => k === 'ostree.sign.ed25519')?.[1].value ?? []) as Uint8Array[];
  const pub = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: key.publicKey.toString('base64url') }, format: 'jwk' });
  return sigs.some((s) => verify(null, summary, pub, s));
}

function expiresOf(summary: Buffer): bigint | null {
  const [, meta] = gvariant.deserialize(SUMMARY_TYPE, summary) as [unknown, Array<[string, gvariant.GVariantBox]>];
  const box = meta.find(([k]) => k === 'ostree.summary.expires')?.[1];
  return box ? gvariant.bswap64(box.value as bigint) : null;
}

describe('publishSummary with signing keys', () => {
  it('signs every summary it publishes, and a reader through readSummaryFile never gets a summary.sig that does not sign the summary beside it, however publishes overlap', async () => {
    const repo = await Repo.init(join(tmp.make('signed'), 'repo'), { mode: 'archive' });
    const tree = tmp.make('tree');
    const c1 = await commitFiles(repo, tree, { 'a.txt': 'one\n' }, { timestamp: 1577836800n, branch: 'main' });
    const key = ed25519Key();
    const publishing = { signingKeys: [key] };
    const pairs: Array<[Buffer, Buffer]> = [];
    const work: Array<Promise<unknown>> = [];
    for (let i = 0; i < 12; i++) {
      work.push(updateRef(repo, { ref: { remote: null, name: `r${i}` }, expected: undefined, value: c1 }).then(() => publishSummary(repo, publishing)));
      // Both files opened in one guarded read: they are one consistent snapshot.
      work.push(readSummaryFile(repo, publishing, async () => {
        const s = await fsp.readFile(join(repo.path, 'summary')).catch(() => null);
        const g = await fsp.readFile(join(repo.path, 'summary.sig')).catch(() => null);
        if (s && g) pairs.push([s, g]);
      }));
    }
    await Promise.all(work);
    expect(pairs.length).toBeGreaterThan(0);
    for (const [summary, sig] of pairs) expect(signedBy(summary, sig, key)).toBe(true);
    const r = await publishSummary(repo, publishing);
    expect(r.signed).toBe(true);
    expect(signedBy(readFileSync(join(repo.path, 'summary')), readFileSync(join(repo.path, 'summary.sig')), key)).toBe(true);
  });

  it('ensureSummary publishes a missing summary, re-signs one signed by another key, and republishes one past half its lifetime', async () => {
    const repo = await Repo.init(join(tmp.make('ensure'), 'repo'), { mode: 'archive' });
    const tree = tmp.make('tree');
    await commitFiles(repo, tree, { 'a.txt': 'one\n' }, { timestamp: 1577836800n, branch: 'main' });
    const ours = ed25519Key();
    const theirs = ed25519Key();
    const publishing = { signingKeys: [ours], expiresAfterSeconds: 86400 };

    await ensureSummary(repo, publishing);
    const first = readFileSync(join(repo.path, 'summary'));
    expect(signedBy(first, readFileSync(join(repo.path, 'summary.sig')), ours)).toBe(true);
    const now = BigInt(Math.floor(Date.now() / 1000));
    expect(expiresOf(first)! - now).toBeGreaterThan(86400n - 120n);

    // Unchanged files: nothing is rewritten.
    await ensureSummary(repo, publishing);
    expect(readFileSync(join(repo.path, 'summary'))).toEqual(first);

    // Signed by someone else behind the server's back: signed again by ours, the summary kept.
    await publishSummary(repo, { signingKeys: [theirs], expiresAfterSeconds: 86400 });
    const kept = readFileSync(join(repo.path, 'summary'));
    await ensureSummary(repo, publishing);
    expect(readFileSync(join(repo.path, 'summary'))).toEqual(kept);
    const sig = readFileSync(join(repo.path, 'summary.sig'));
    expect(signedBy(kept, sig, ours)).toBe(true);
    expect(signedBy(kept, sig, theirs)).toBe(false);

    // Garbage in summary.sig: replaced.
    writeFileSync(join(repo.path, 'summary.sig'), 'garbage');
    await ensureSummary(repo, publishing);
    expect(signedBy(kept, readFileSync(join(repo.path, 'summary.sig')), ours)).toBe(true);

    // A summary that expires within half the lifetime (here: in an hour) is republished.
    await updateSummary(repo, { expires: now + 3600n });
    await ensureSummary(repo, publishing);
    const fresh = readFileSync(join(repo.path, 'summary'));
    expect(expiresOf(fresh)! - now).toBeGreaterThan(86400n - 120n);
    expect(signedBy(fresh, readFileSync(join(repo.path, 'summary.sig')), ours)).toBe(true);
  });

  it('serves the files as they are and reports the error when signing fails', async () => {
    const repo = await Repo.init(join(tmp.make('failing'), 'repo'), { mode: 'archive' });
    await updateSummary(repo);
    const broken = { signingKeys: [{ type: 'gpg' as const, fingerprint: 'F00', key: { not: 'a key' } }] };
    const errors: unknown[] = [];
    const opened = await readSummaryFile(repo, broken, async () => fsp.readFile(join(repo.path, 'summary')), (err) => errors.push(err));
    expect(opened.length).toBeGreaterThan(0);
    expect(errors).toHaveLength(1);
  });

  it('does nothing without keys or expiry: no summary is created', async () => {
    const repo = await Repo.init(join(tmp.make('plain'), 'repo'), { mode: 'archive' });
    await ensureSummary(repo, {});
    await expect(fsp.access(join(repo.path, 'summary'))).rejects.toThrow();
  });
});
