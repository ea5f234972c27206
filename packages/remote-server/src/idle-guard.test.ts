// guardIdleSockets on a real node:http server on 127.0.0.1: the stalled client is cut off, the
// server taking its time is not.
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { guardIdleSockets } from './idle-guard.js';

const IDLE_MS = 150;
let server: Server | undefined;

async function listen(handler: (req: IncomingMessage, res: import('node:http').ServerResponse) => void): Promise<number> {
  server = createServer(handler);
  guardIdleSockets(server, IDLE_MS);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

describe('guardIdleSockets', () => {
  it('keeps a connection while the server works on a request for longer than the idle time', async () => {
    const port = await listen((_req, res) => void setTimeout(() => res.end('done'), IDLE_MS * 5));
    const body = await new Promise<string>((resolve, reject) => {
      request({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => (text += d));
        res.on('end', () => resolve(text));
        res.on('error', reject);
      })
        .on('error', reject)
        .end();
    });
    expect(body).toBe('done');
  });

  it('cuts a client that stopped reading a long response', async () => {
    const chunk = Buffer.alloc(1024 * 1024);
    // Seen from the server: a paused client notices the cut only when it reads again.
    let serverSide!: (outcome: string) => void;
    const outcome = new Promise<string>((resolve) => (serverSide = resolve));
    const port = await listen((_req, res) => {
      res.on('close', () => serverSide(res.writableFinished ? 'sent in full' : 'cut'));
      let sent = 0;
      const pump = () => {
        while (sent < 256 && res.write(chunk)) sent++;
        if (sent >= 256) res.end();
        else res.once('drain', pump);
      };
      pump();
    });
    const client = request({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => res.pause()); // never reads
    client.on('error', () => undefined).end();
    expect(await outcome).toBe('cut');
    client.destroy();
  });

  it('cuts a client that stopped sending its request body', async () => {
    const port = await listen((req, res) => {
      req.resume();
      req.on('end', () => res.end('all of it'));
    });
    const closed = await new Promise<string>((resolve) => {
      const s = connect(port, '127.0.0.1', () => s.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789'));
      let got = '';
      s.setEncoding('utf8').on('data', (d: string) => (got += d));
      s.on('close', () => resolve(got));
    });
    expect(closed).toBe(''); // closed without an answer, never 'all of it'
  });
});
