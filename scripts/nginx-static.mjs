// Starts Debian's nginx serving one folder as plain static files on 127.0.0.1, the way an
// administrator hosts an OSTree repository (no osgit on the read path). Used by the tests and
// by the benchmark, so both measure against the same server set-up.
//
//   const n = await startNginx('/path/to/repo');  // n.url = 'http://127.0.0.1:PORT/'
//   await n.stop();
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CANDIDATES = ['/usr/sbin/nginx', '/usr/bin/nginx'];

export function nginxPath() {
  return CANDIDATES.find((p) => existsSync(p)) ?? null;
}

/** A port the kernel just gave out and took back (nginx needs a number in its config). */
function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function config(root, port, dir) {
  // One process (master_process off) running as the caller: no user switch, so it reads
  // whatever the caller can; everything nginx writes stays in `dir`.
  return `daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  default_type application/octet-stream;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  keepalive_timeout 65;
  server {
    listen 127.0.0.1:${port};
    root ${root};
    autoindex off;
  }
}
`;
}

async function waitForPort(port, child, dir) {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) {
      const log = existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : '';
      throw new Error(`nginx exited with ${child.exitCode}: ${log.trim()}`);
    }
    const ok = await new Promise((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(true)); // taken: nginx is listening
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(false)));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`nginx did not listen on port ${port}`);
}

/**
 * Serves `root` over HTTP; resolves once nginx listens. `stop()` ends nginx and removes its
 * scratch folder. `accessLog()` returns the request lines so far (one per request).
 */
export async function startNginx(root, opts = {}) {
  const bin = opts.bin ?? nginxPath();
  if (!bin) throw new Error("nginx is not installed (apt-get install -y nginx-light)");
  let lastError;
  for (let attempt = 0; attempt < 5; attempt++) {
    const dir = mkdtempSync(join(opts.tmp ?? tmpdir(), 'osgit-nginx-'));
    const port = await freePort();
    writeFileSync(join(dir, 'nginx.conf'), config(root, port, dir));
    const child = spawn(bin, ['-c', join(dir, 'nginx.conf'), '-p', dir, '-e', join(dir, 'error.log')], { stdio: 'ignore' });
    try {
      await waitForPort(port, child, dir);
    } catch (err) {
      lastError = err;
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      continue; // the port was taken in between: try another
    }
    const exited = new Promise((resolve) => child.once('exit', resolve));
    return {
      url: `http://127.0.0.1:${port}/`,
      port,
      pid: child.pid,
      accessLog: () => (existsSync(join(dir, 'access.log')) ? readFileSync(join(dir, 'access.log'), 'utf8').split('\n').filter(Boolean) : []),
      stop: async () => {
        if (child.exitCode === null) {
          child.kill('SIGQUIT');
          const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
          await exited;
          clearTimeout(timer);
        }
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  throw lastError;
}
