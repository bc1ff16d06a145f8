/**
 * A dashboard's websocket (socket.io) seen from a test: Engine.IO v4 polling opens a session,
 * asks for the default namespace and returns the answer (`40{"sid"...}` when let in, `44...` when
 * refused), or `handshake <status>` when the handshake itself is refused (npm start's request
 * screen, settings.js). Both dashboards: node-red-dashboard at /ui/socket.io, Dashboard 2.0 at
 * /dashboard/socket.io.
 */
export async function socketConnect(socketUrl: string, headers: Record<string, string>): Promise<string> {
  const base = `${socketUrl}/?EIO=4&transport=polling`;
  const res = await fetch(base, { headers });
  const open = await res.text();
  if (res.status !== 200) return `handshake ${res.status}`;
  const sid = JSON.parse(open.slice(1)).sid;
  await fetch(`${base}&sid=${sid}`, { method: 'POST', headers: { ...headers, 'Content-Type': 'text/plain' }, body: '40' });
  return (await fetch(`${base}&sid=${sid}`, { headers })).text();
}
