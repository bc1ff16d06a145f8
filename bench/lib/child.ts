/** Bench children (broker, sender, load generator): asked to stop over IPC, killed if they linger. */
import type { ChildProcess } from 'child_process';

export async function stopChild(proc: ChildProcess, graceMs = 3000): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.send?.({ type: 'stop' });
  const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
