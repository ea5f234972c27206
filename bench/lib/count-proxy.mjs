#!/usr/bin/env node
// A TCP relay on loopback that counts the bytes crossing it in each direction: what a transfer
// really costs on the wire (request and response headers, bodies, negotiation), whatever the
// protocol. Run as its own process, so that a benchmark blocked in spawnSync does not stall it.
//
//   node count-proxy.mjs --target 127.0.0.1:8080 --counts FILE
//
// Prints "listening 127.0.0.1:PORT" once ready; rewrites FILE with {"up":N,"down":N} whenever a
// connection closes (up = client to server).
import net from 'node:net';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { target: { type: 'string' }, counts: { type: 'string' } } });
if (!values.target || !values.counts) {
  console.error('usage: count-proxy.mjs --target HOST:PORT --counts FILE');
  process.exit(2);
}
const at = values.target.lastIndexOf(':');
const target = { host: values.target.slice(0, at), port: Number(values.target.slice(at + 1)) };
const totals = { up: 0, down: 0 };
const save = () => writeFileSync(values.counts, JSON.stringify(totals));
save();

const server = net.createServer((client) => {
  const upstream = net.connect(target);
  client.on('data', (d) => (totals.up += d.length));
  upstream.on('data', (d) => (totals.down += d.length));
  client.pipe(upstream);
  upstream.pipe(client);
  const close = () => {
    client.destroy();
    upstream.destroy();
    save();
  };
  client.on('close', close);
  upstream.on('close', close);
  client.on('error', close);
  upstream.on('error', close);
});
server.listen(0, '127.0.0.1', () => console.log(`listening 127.0.0.1:${server.address().port}`));
process.on('SIGTERM', () => {
  save();
  process.exit(0);
});
