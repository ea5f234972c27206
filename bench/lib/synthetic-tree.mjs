// A large, boring tree for measuring memory against entry count: 200 folders of 1,000 small
// files each (200,000 files, about 110 MB). Content comes from a seeded generator, so every
// machine builds the same bytes and the commit checksum is the same everywhere. Built once into
// the corpus folder and reused; bump VERSION when the recipe changes.
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const VERSION = 1;
export const SYNTHETIC_DIRS = 200;
export const SYNTHETIC_FILES_PER_DIR = 1000;
const ALPHABET = Buffer.from('abcdefghijklmnopqrstuvwxyz0123456789 \n  ');

export function syntheticTreeName() {
  return `synthetic-200k-v${VERSION}`;
}

/** mulberry32: tiny, fast and the same on every platform. Returns floats in [0, 1). */
function generator(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Makes `<corpus>/synthetic-200k-vN` unless a finished one is there; returns its path.
 * Sizes: 99% of files 0-1023 bytes, 1% 4-16 KiB. Every tenth file is executable.
 */
export function ensureSyntheticTree(corpus, log = () => {}) {
  const dir = join(corpus, syntheticTreeName());
  const marker = `${dir}.complete`;
  if (existsSync(marker)) return dir;
  log(`building ${dir} (${SYNTHETIC_DIRS * SYNTHETIC_FILES_PER_DIR} files, once)`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  chmodSync(dir, 0o755);
  const random = generator(0x05_71_2e_e0);
  for (let d = 0; d < SYNTHETIC_DIRS; d++) {
    const sub = join(dir, `d${String(d).padStart(3, '0')}`);
    mkdirSync(sub);
    chmodSync(sub, 0o755);
    for (let f = 0; f < SYNTHETIC_FILES_PER_DIR; f++) {
      const size = random() < 0.01 ? 4096 + Math.floor(random() * 12288) : Math.floor(random() * 1024);
      const content = Buffer.allocUnsafe(size);
      const header = Buffer.from(`synthetic ${d}/${f}\n`);
      header.copy(content, 0, 0, Math.min(size, header.length));
      for (let i = header.length; i < size; i++) {
        content[i] = ALPHABET[Math.floor(random() * ALPHABET.length)];
      }
      const path = join(sub, `f${String(f).padStart(4, '0')}`);
      const mode = f % 10 === 0 ? 0o755 : 0o644;
      writeFileSync(path, content, { mode });
      chmodSync(path, mode); // the umask must not change the tree
    }
  }
  writeFileSync(marker, '');
  return dir;
}
