import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Closes connections on which nothing moved for `idleMs`, but only when the client is the one
 * stalling: it stopped reading a response (bytes wait in the socket's buffer), or stopped sending
 * its request body, or the connection is idle between requests. A request whose body is in and
 * whose response is not queued yet is the server at work (walking trees for a plan, syncing a
 * push to disk): that connection is kept, however long the work takes. A long response that keeps
 * moving is never cut.
 */
export function guardIdleSockets(server: Server, idleMs: number): void {
  const current = new WeakMap<Socket, IncomingMessage>();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    current.set(req.socket, req);
    res.once('close', () => {
      if (current.get(req.socket) === req) current.delete(req.socket);
    });
  });
  server.setTimeout(idleMs, (socket: Socket) => {
    const req = current.get(socket);
    const serverAtWork = req !== undefined && req.complete && socket.writableLength === 0;
    if (serverAtWork) return;
    socket.destroy();
  });
}
