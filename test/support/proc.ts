/** Processes of a bench's application, read from /proc (Linux). */
import * as fs from 'fs';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** VmRSS and VmHWM of a process, in bytes (null when it is gone). */
export function procMem(pid: number): { rss: number; hwm: number } | null {
  try {
    const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return null;
  }
}

/** The children of a process (scans /proc: ppid is field 4 of /proc/<pid>/stat). */
export function childrenOf(ppid: number): { pid: number; cmd: string }[] {
  const out: { pid: number; cmd: string }[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) !== ppid) continue;
      out.push({ pid: Number(name), cmd: fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ') });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** The Node-RED process the launcher (scripts/start.js) started. */
export async function findNodeRed(launcher: number): Promise<number> {
  for (let i = 0; i < 100; i++) {
    // the launcher's only child; Node-RED renames its process to "node-red"
    const kids = childrenOf(launcher);
    const red = kids.find((c) => /red\.js|^node-red/.test(c.cmd)) ?? kids[0];
    if (red) return red.pid;
    await sleep(100);
  }
  throw new Error(`no Node-RED child under the launcher ${launcher}`);
}
