import { spawn } from 'node:child_process';

/**
 * Flushes the filesystem holding `path` (syncfs(2) through coreutils `sync -f`): one call makes
 * every object written so far durable, instead of one fsync per object. Node has no syncfs.
 */
export async function syncFilesystem(path: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = spawn('sync', ['-f', path], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`sync -f ${path} exited with ${code}`))));
  });
}
